// src/http/routes_reports.cc
//
// Reports: per session, per class and date range, per student; each as
// JSON (default), CSV or XLSX (?format=). docs/API.md "Reports".
#include <cmath>
#include <cstdlib>

#include "http/routes.h"

namespace rollcall::http {
namespace {

Result<domain::ExportFormat> export_format(const Call& call) {
  const auto text = call.query_value("format");
  if (!text) return domain::ExportFormat::json;
  const auto format = domain::export_format_from_string(*text);
  if (!format) return field_error("invalid_field", "format", "format must be json, csv or xlsx");
  return *format;
}

// The report in the asked format: JSON inline, files as attachments.
template <typename Report>
Result<Reply> report_reply(const Call& call, const Result<Report>& report) {
  auto format = export_format(call);
  if (!format) return format.error();
  if (!report) return report.error();
  if (*format == domain::ExportFormat::json) return Reply::json(domain::to_json(*report));
  auto file = domain::export_report(*report, *format);
  if (!file) return file.error();
  Reply reply;
  reply.body = std::move(file->bytes);
  reply.content_type = file->content_type;
  reply.headers.emplace_back("Content-Disposition",
                             "attachment; filename=\"" + file->filename + "\"");
  reply.headers.emplace_back("Cache-Control", "private, no-store");
  return reply;
}

// `default_threshold`: the percentage used when the request names none.
Result<domain::ClassReportQuery> class_query(const Call& call, double default_threshold) {
  domain::ClassReportQuery query;
  query.threshold = default_threshold;
  query.from = call.query_value("from").value_or("");
  query.to = call.query_value("to").value_or("");
  if (const auto threshold = call.query_value("threshold")) {
    char* end = nullptr;
    const double value = std::strtod(threshold->c_str(), &end);
    if (threshold->empty() || end != threshold->c_str() + threshold->size() ||
        !std::isfinite(value) || value < 0 || value > 100) {
      return field_error("invalid_field", "threshold",
                         "threshold must be a number from 0 to 100 (a percentage)");
    }
    query.threshold = value;
  }
  return query;
}

}  // namespace

void add_report_routes(Router& router, Services& s) {
  auto& r = s.reports;
  router.add("GET", "/api/v1/sessions/{id}/report", kStaff,
             "A session's present/absent/late/excused lists with counts (?format=json|csv|xlsx)",
             [&r](Call& call) -> Result<Reply> {
               auto format = export_format(call);
               if (!format) return format.error();
               return report_reply(call, r.session_report(call.who(), SessionId{call.id("id")}));
             });
  router.add("GET", "/api/v1/classes/{id}/report", kStaff,
             "A class's students x sessions matrix with percentages and students below the "
             "threshold (?from, to, threshold, format)",
             [&r](Call& call) -> Result<Reply> {
               auto format = export_format(call);
               if (!format) return format.error();
               auto query = class_query(call, r.default_threshold());
               if (!query) return query.error();
               return report_reply(call,
                                   r.class_report(call.who(), ClassId{call.id("id")}, *query));
             });
  router.add("GET", "/api/v1/students/{id}/report", kAnyUser,
             "A student's attendance history (students: only their own; ?format=json|csv|xlsx)",
             [&r](Call& call) -> Result<Reply> {
               auto format = export_format(call);
               if (!format) return format.error();
               return report_reply(call, r.student_report(call.who(), StudentId{call.id("id")}));
             });
}

}  // namespace rollcall::http

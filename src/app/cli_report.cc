// src/app/cli_report.cc
//
// `rollcall report session ID | class ID [--from --to --threshold] |
// student ID --format csv|xlsx|json --out FILE`: the files the API's
// report routes serve, written from the command line as the local admin.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <memory>

#include "app/app.h"
#include "app/output.h"
#include "app/serve.h"
#include "domain/reports.h"

namespace rollcall::app {
namespace {

struct ReportArgs {
  std::int64_t id = 0;
  std::string format = "csv";
  std::string out;
  domain::ClassReportQuery query;
};

Result<void> write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return make_error("file_unwritable", "cannot write " + path);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return make_error("file_unwritable", "cannot write " + path);
  return {};
}

int run_report(const Settings& settings, const std::string& kind, const ReportArgs& args) {
  const auto format = domain::export_format_from_string(args.format);
  if (!format) {
    return report_error(
        field_error("invalid_field", "format", "--format must be csv, xlsx or json"));
  }
  auto runtime = open_runtime(settings, false);
  if (!runtime) return report_error(runtime.error());
  auto& rt = **runtime;
  auto who = local_admin(rt);
  if (!who) return report_error(who.error());
  Result<domain::ExportFile> file = make_error("internal", "unknown report");
  if (kind == "session") {
    auto report = rt.reports->session_report(*who, SessionId{args.id});
    file = report ? domain::export_report(*report, *format)
                  : Result<domain::ExportFile>(report.error());
  } else if (kind == "class") {
    auto report = rt.reports->class_report(*who, ClassId{args.id}, args.query);
    file = report ? domain::export_report(*report, *format)
                  : Result<domain::ExportFile>(report.error());
  } else {
    auto report = rt.reports->student_report(*who, StudentId{args.id});
    file = report ? domain::export_report(*report, *format)
                  : Result<domain::ExportFile>(report.error());
  }
  if (!file) return report_error(file.error());
  if (auto written = write_file(args.out, file->bytes); !written) {
    return report_error(written.error());
  }
  std::cerr << "wrote " << args.out << " (" << file->bytes.size() << " bytes)\n";
  return 0;
}

void add_report_command(CLI::App& report, const std::string& kind, const std::string& help) {
  auto flags = std::make_shared<SettingsFlags>();
  auto args = std::make_shared<ReportArgs>();
  auto* command = report.add_subcommand(kind, help);
  flags->add_to(*command);
  command->add_option("ID", args->id, "the " + kind + "'s id")->required();
  command->add_option("--format", args->format, "csv (default), xlsx or json");
  command->add_option("--out", args->out, "the file to write")->required();
  if (kind == "class") {
    command->add_option("--from", args->query.from, "first day, YYYY-MM-DD (UTC)");
    command->add_option("--to", args->query.to, "last day, YYYY-MM-DD (UTC), included");
    command->add_option("--threshold", args->query.threshold,
                        "percent below which students are flagged (default 75)");
  }
  command->callback([flags, args, kind] {
    auto settings = flags->finish();
    if (!settings) throw CLI::RuntimeError(report_error(settings.error()));
    if (int status = run_report(*settings, kind, *args); status != 0) {
      throw CLI::RuntimeError(status);
    }
  });
}

}  // namespace

void add_report_commands(CLI::App& cli) {
  auto* report = cli.add_subcommand("report", "Write an attendance report as CSV, XLSX or JSON");
  report->require_subcommand(1);
  add_report_command(*report, "session", "One session: each student's status, with counts");
  add_report_command(*report, "class",
                     "A class over a date range: students x sessions, percentages, and who is "
                     "below the threshold");
  add_report_command(*report, "student", "One student's attendance history");
}

}  // namespace rollcall::app

// tests/http/report_api_test.cc
//
// Reports end to end on a real `rollcall serve`, both back ends: classes,
// students and teachers made through the API, sessions and attendance
// written straight into the server's database; then the numbers, who may
// see what, query validation, and the CSV and XLSX files.
#include "domain/csv.h"
#include "domain/reports.h"
#include "jobs/zip_archive.h"
#include "server_harness.h"
#include "store/store.h"

namespace rollcall::http_testing {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kNine = 9 * 3'600'000;

std::string text(std::int64_t id) { return std::to_string(id); }

std::int64_t day_ms(const std::string& date) {
  return *domain::parse_report_date(date) * kDay + kNine;
}

struct World {
  std::int64_t class_a = 0, class_b = 0;
  std::int64_t math = 0, physics = 0;
  std::int64_t teacher_a = 0;
  std::int64_t anna = 0, priya = 0, mallory = 0;  // class A
  std::int64_t day1 = 0, day2 = 0, day3 = 0, day10 = 0;
  std::string teacher_a_token, teacher_b_token, anna_token;
};

const std::string kAnna = "Анна Иванова";
const std::string kPriya = "प्रिया शर्मा";
const std::string kMallory = "=HYPERLINK(\"http://x\")";

class ReportApi : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto& world = worlds()[GetParam()];
    if (world.class_a == 0) {
      ASSERT_NO_FATAL_FAILURE(build(world));
    }
    w_ = &world;
  }
  static void TearDownTestSuite() {
    worlds().clear();
    ServerTest::TearDownTestSuite();
  }
  static std::map<Backend, World>& worlds() {
    static std::map<Backend, World> made;
    return made;
  }

  nlohmann::json add_student(std::int64_t class_id, const std::string& name, bool login) {
    nlohmann::json body = {{"name", name},
                           {"roll_number", unique("R")},
                           {"registration_number", unique("REG")},
                           {"class_id", class_id}};
    if (login) body["create_login"] = true;
    const auto reply = api().post("/api/v1/students", body, admin_token());
    EXPECT_EQ(reply.status, 201) << reply;
    return reply.json();
  }

  void assign(std::int64_t teacher, std::int64_t class_id, std::int64_t subject) {
    const auto reply = api().post(
        "/api/v1/assignments",
        {{"teacher_id", teacher}, {"class_id", class_id}, {"subject_id", subject}}, admin_token());
    ASSERT_EQ(reply.status, 201) << reply;
  }

  void build(World& w) {
    w.class_a = create_class()["id"];
    w.class_b = create_class()["id"];
    w.math = create_subject()["id"];
    w.physics = create_subject()["id"];
    const auto teacher_a = create_teacher();
    const auto teacher_b = create_teacher();
    w.teacher_a = teacher_a["teacher"]["id"];
    ASSERT_NO_FATAL_FAILURE(assign(w.teacher_a, w.class_a, w.math));
    ASSERT_NO_FATAL_FAILURE(assign(teacher_b["teacher"]["id"], w.class_b, w.math));
    w.teacher_a_token = api().login(teacher_a["username"], teacher_a["password"]);
    w.teacher_b_token = api().login(teacher_b["username"], teacher_b["password"]);
    const auto anna = add_student(w.class_a, kAnna, true);
    w.anna = anna["id"];
    w.anna_token = api().login(anna["registration_number"], anna.value("generated_password", ""));
    w.priya = add_student(w.class_a, kPriya, false)["id"];
    w.mallory = add_student(w.class_a, kMallory, false)["id"];
    ASSERT_FALSE(w.teacher_a_token.empty());
    ASSERT_FALSE(w.anna_token.empty());

    store::StoreOptions options;
    options.url = server().database_url();
    options.data_dir = server().data_dir();
    options.pool_size = 2;
    auto opened = store::Store::open(options);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    auto& db = **opened;
    using S = store::AttendanceStatus;
    const auto session = [&](std::int64_t subject, const std::string& date) {
      store::Session s;
      s.class_id = ClassId{w.class_a};
      s.subject = SubjectId{subject};
      s.teacher = TeacherId{w.teacher_a};
      s.starts_ms = day_ms(date);
      s.ends_ms = s.starts_ms + 3'600'000;
      s.method = store::SessionMethod::manual;
      s.created_ms = s.starts_ms;
      auto id = db.write_value<SessionId>([&](store::Tx& tx) { return tx.insert_session(s); });
      EXPECT_TRUE(id.ok());
      return id.ok() ? id->value : 0;
    };
    const auto mark = [&](std::int64_t session_id, std::int64_t student, S status) {
      store::AttendanceRecord r;
      r.session = SessionId{session_id};
      r.student = StudentId{student};
      r.status = status;
      r.decided_by = "manual";
      r.changed_ms = 1;
      EXPECT_TRUE(db.write([&](store::Tx& tx) { return tx.upsert_attendance(r); }).ok());
    };
    w.day1 = session(w.math, "2026-03-02");
    w.day2 = session(w.physics, "2026-03-03");
    w.day3 = session(w.math, "2026-03-04");
    w.day10 = session(w.math, "2026-03-11");
    mark(w.day1, w.anna, S::present);
    mark(w.day1, w.priya, S::absent);
    mark(w.day1, w.mallory, S::late);
    mark(w.day2, w.anna, S::present);
    mark(w.day2, w.priya, S::excused);
    mark(w.day2, w.mallory, S::absent);
    mark(w.day3, w.anna, S::late);
    mark(w.day3, w.priya, S::present);
    mark(w.day3, w.mallory, S::absent);
    mark(w.day10, w.anna, S::absent);
  }

  std::string class_path(const std::string& query = "") {
    return "/api/v1/classes/" + text(w_->class_a) + "/report?from=2026-03-02&to=2026-03-04" + query;
  }

  static const nlohmann::json& row_of(const nlohmann::json& report, std::int64_t student) {
    for (const auto& row : report["students"]) {
      if (row["id"] == student) return row;
    }
    static const nlohmann::json none;
    ADD_FAILURE() << "no row for student " << student;
    return none;
  }

  World* w_ = nullptr;
};
ROLLCALL_ON_BOTH_BACKENDS(ReportApi);

TEST_P(ReportApi, ClassReportCountsPresentAndLateAsAttendedAndLeavesExcusedOut) {
  const auto reply = api().get(class_path(), w_->teacher_a_token);
  ASSERT_EQ(reply.status, 200) << reply;
  const auto report = reply.json();
  ASSERT_EQ(report["sessions"].size(), 3u);  // day 10 is outside the range
  EXPECT_EQ(report["threshold"], 75.0);
  const auto& anna = row_of(report, w_->anna);
  EXPECT_EQ(anna["name"], kAnna);
  EXPECT_EQ(anna["statuses"], nlohmann::json({"present", "present", "late"}));
  EXPECT_EQ(anna["percent"], 100.0);
  EXPECT_EQ(anna["below_threshold"], false);
  const auto& priya = row_of(report, w_->priya);
  EXPECT_EQ(priya["totals"]["counted"], 2);  // excused is not counted
  EXPECT_EQ(priya["percent"], 50.0);
  EXPECT_EQ(priya["below_threshold"], true);
  EXPECT_EQ(row_of(report, w_->mallory)["percent"], 33.33);
  ASSERT_EQ(report["below_threshold"].size(), 2u);
  // Per subject: math 4 of 6, physics 1 of 2 (Priya excused).
  for (const auto& subject : report["subjects"]) {
    if (subject["id"] == w_->math) {
      EXPECT_EQ(subject["sessions"], 2);
      EXPECT_EQ(subject["percent"], 66.67);
    } else {
      EXPECT_EQ(subject["percent"], 50.0);
    }
  }
  // A lower threshold leaves only Mallory below.
  const auto lower = api().get(class_path("&threshold=40"), admin_token());
  ASSERT_EQ(lower.status, 200) << lower;
  ASSERT_EQ(lower.json()["below_threshold"].size(), 1u);
  EXPECT_EQ(lower.json()["below_threshold"][0]["id"], w_->mallory);
}

TEST_P(ReportApi, SessionReportListsEachStatusWithCounts) {
  const auto reply =
      api().get("/api/v1/sessions/" + text(w_->day1) + "/report", w_->teacher_a_token);
  ASSERT_EQ(reply.status, 200) << reply;
  const auto report = reply.json();
  EXPECT_EQ(report["counts"]["present"], 1);
  EXPECT_EQ(report["counts"]["absent"], 1);
  EXPECT_EQ(report["counts"]["late"], 1);
  EXPECT_EQ(report["counts"]["excused"], 0);
  ASSERT_EQ(report["present"].size(), 1u);
  EXPECT_EQ(report["present"][0]["name"], kAnna);
  EXPECT_EQ(report["absent"][0]["id"], w_->priya);
  EXPECT_EQ(report["late"][0]["id"], w_->mallory);
  const auto missing = api().get("/api/v1/sessions/999999/report", admin_token());
  EXPECT_EQ(missing.status, 404) << missing;
  EXPECT_EQ(missing.error_code(), "session_not_found");
}

TEST_P(ReportApi, StudentReportIsTheirWholeHistory) {
  const auto reply = api().get("/api/v1/students/" + text(w_->anna) + "/report", w_->anna_token);
  ASSERT_EQ(reply.status, 200) << reply;
  const auto report = reply.json();
  ASSERT_EQ(report["history"].size(), 4u);
  EXPECT_EQ(report["history"][3]["status"], "absent");
  EXPECT_EQ(report["percent"], 75.0);
  EXPECT_EQ(report["student"]["name"], kAnna);
}

TEST_P(ReportApi, RolesLimitWhoSeesWhichReport) {
  const auto& w = *w_;
  const auto expect_forbidden = [&](const std::string& path, const std::string& token) {
    const auto reply = api().get(path, token);
    EXPECT_EQ(reply.status, 403) << path << " " << reply;
    EXPECT_EQ(reply.error_code(), "forbidden") << path;
  };
  // A teacher of another class.
  expect_forbidden(class_path(), w.teacher_b_token);
  expect_forbidden("/api/v1/sessions/" + text(w.day1) + "/report", w.teacher_b_token);
  expect_forbidden("/api/v1/students/" + text(w.anna) + "/report", w.teacher_b_token);
  // A student: only their own history.
  expect_forbidden("/api/v1/students/" + text(w.priya) + "/report", w.anna_token);
  expect_forbidden(class_path(), w.anna_token);
  expect_forbidden("/api/v1/sessions/" + text(w.day1) + "/report", w.anna_token);
  EXPECT_EQ(api().get("/api/v1/students/" + text(w.priya) + "/report", w.teacher_a_token).status,
            200);
}

TEST_P(ReportApi, BadQueryParametersNameTheField) {
  const std::string base = "/api/v1/classes/" + text(w_->class_a) + "/report";
  for (const auto& [query, field] :
       std::vector<std::pair<std::string, std::string>>{{"?threshold=abc", "threshold"},
                                                        {"?threshold=101", "threshold"},
                                                        {"?from=2026-02-30", "from"},
                                                        {"?to=2026-3-1", "to"},
                                                        {"?from=2026-03-05&to=2026-03-01", "to"},
                                                        {"?format=pdf", "format"}}) {
    const auto reply = api().get(base + query, admin_token());
    EXPECT_EQ(reply.status, 400) << query << " " << reply;
    EXPECT_EQ(reply.error_code(), "invalid_field") << query;
    EXPECT_EQ(reply.error_field(), field) << query;
  }
}

TEST_P(ReportApi, CsvRoundTripsNamesInAnyScriptAndDefusesFormulas) {
  const auto reply = api().get(class_path("&format=csv"), w_->teacher_a_token);
  ASSERT_EQ(reply.status, 200) << reply;
  EXPECT_EQ(reply.header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_NE(
      reply.header("Content-Disposition").find("_attendance_from-2026-03-02_to-2026-03-04.csv\""),
      std::string::npos)
      << reply.header("Content-Disposition");
  ASSERT_TRUE(reply.body.starts_with("\xEF\xBB\xBF"));
  const auto parsed = domain::parse_csv(reply.body, 1000);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const auto table = table_from(*parsed, "roll_number");
  const auto* rows = &table;
  ASSERT_EQ(rows->size(), 4u);
  const auto& header = (*rows)[0];
  ASSERT_GE(header.size(), 2u);
  EXPECT_EQ(header[0], "roll_number");
  const auto percent_column = std::find(header.begin(), header.end(), "percent") - header.begin();
  std::map<std::string, std::vector<std::string>> by_name;
  for (std::size_t i = 1; i < rows->size(); ++i) by_name[(*rows)[i][1]] = (*rows)[i];
  ASSERT_TRUE(by_name.count(kAnna));
  ASSERT_TRUE(by_name.count(kPriya));
  ASSERT_TRUE(by_name.count("'" + kMallory));
  EXPECT_EQ(by_name[kAnna][2], "present");
  EXPECT_EQ(by_name[kPriya][percent_column], "50.00");
  EXPECT_EQ(by_name[kPriya].back(), "yes");

  const auto student =
      api().get("/api/v1/students/" + text(w_->anna) + "/report?format=csv", w_->anna_token);
  ASSERT_EQ(student.status, 200) << student;
  const auto history = domain::parse_csv(student.body, 1000);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(table_from(*history, "date").size(), 5u);
  const auto session =
      api().get("/api/v1/sessions/" + text(w_->day1) + "/report?format=csv", w_->teacher_a_token);
  ASSERT_EQ(session.status, 200) << session;
  EXPECT_NE(session.body.find(kPriya + ",absent"), std::string::npos) << session.body;
}

TEST_P(ReportApi, XlsxHasFrozenPanesPercentagesAndHighlightedRows) {
  const auto reply = api().get(class_path("&format=xlsx"), w_->teacher_a_token);
  ASSERT_EQ(reply.status, 200) << reply;
  EXPECT_EQ(reply.header("Content-Type"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_NE(reply.header("Content-Disposition").find(".xlsx\""), std::string::npos);
  auto zip = jobs::ZipArchive::open(std::vector<std::uint8_t>(reply.body.begin(), reply.body.end()),
                                    jobs::ZipLimits{});
  ASSERT_TRUE(zip.ok()) << zip.error().message;
  const auto read = [&](const std::string& name) {
    auto bytes = (*zip)->read(name);
    EXPECT_TRUE(bytes.ok()) << name;
    return bytes.ok() ? std::string(bytes->begin(), bytes->end()) : std::string();
  };
  const auto sheet = read("xl/worksheets/sheet1.xml");
  EXPECT_NE(sheet.find("state=\"frozen\""), std::string::npos);
  // 3 title rows, a blank one, the header row; 2 name columns.
  EXPECT_NE(sheet.find("topLeftCell=\"C6\""), std::string::npos);
  EXPECT_NE(sheet.find("<v>0.5</v>"), std::string::npos);  // Priya's 50 %
  const auto styles = read("xl/styles.xml");
  EXPECT_NE(styles.find("formatCode=\"0.00%\""), std::string::npos);
  EXPECT_NE(styles.find("FFFFC7CE"), std::string::npos);  // the highlight fill
  EXPECT_NE(styles.find("<b/>"), std::string::npos);      // bold header
  const auto strings = read("xl/sharedStrings.xml");
  EXPECT_NE(strings.find(kAnna), std::string::npos);
  EXPECT_NE(strings.find(kPriya), std::string::npos);
  EXPECT_NE(strings.find("&apos;=HYPERLINK") == std::string::npos
                ? strings.find("'=HYPERLINK")
                : strings.find("&apos;=HYPERLINK"),
            std::string::npos);

  for (const auto& path : {"/api/v1/sessions/" + text(w_->day1) + "/report?format=xlsx",
                           "/api/v1/students/" + text(w_->anna) + "/report?format=xlsx"}) {
    const auto file = api().get(path, admin_token());
    EXPECT_EQ(file.status, 200) << path;
    EXPECT_TRUE(file.body.starts_with("PK")) << path;
  }
}

TEST_P(ReportApi, ExportsNameTheirClassSubjectTeacherAndDateInTheirTitleAndFileName) {
  const auto info = api().get("/api/v1/sessions/" + text(w_->day1), admin_token()).json();
  const auto group = api().get("/api/v1/classes/" + text(w_->class_a), admin_token()).json();
  const auto subject = api().get("/api/v1/subjects/" + text(w_->math), admin_token()).json();
  const auto teacher = api().get("/api/v1/teachers/" + text(w_->teacher_a), admin_token()).json();
  const std::string class_label = group.value("name", "") + " " + group.value("section", "");
  ASSERT_FALSE(group.value("name", "").empty()) << group;

  const std::string session_path = "/api/v1/sessions/" + text(w_->day1) + "/report?format=";
  const auto csv = api().get(session_path + "csv", w_->teacher_a_token);
  ASSERT_EQ(csv.status, 200) << csv;
  const auto disposition = csv.header("Content-Disposition");
  EXPECT_NE(disposition.find("_2026-03-02-0900_attendance.csv\""), std::string::npos)
      << disposition;
  EXPECT_NE(disposition.find(subject.value("code", "?")), std::string::npos) << disposition;
  EXPECT_EQ(disposition.find("session-"), std::string::npos) << disposition;
  const auto parsed = domain::parse_csv(csv.body, 1000);
  ASSERT_TRUE(parsed.ok());
  std::map<std::string, std::string> title;
  const auto table = table_from(*parsed, "roll_number", &title);
  EXPECT_EQ(title["Class"], class_label);
  EXPECT_EQ(title["Subject"], subject.value("code", "") + " " + subject.value("name", ""));
  EXPECT_EQ(title["Teacher"], teacher.value("name", "?"));
  EXPECT_EQ(title["Date"], "2026-03-02 09:00 to 10:00 UTC") << info;
  EXPECT_EQ(table.size(), 4u);

  const auto xlsx = api().get(session_path + "xlsx", w_->teacher_a_token);
  ASSERT_EQ(xlsx.status, 200) << xlsx;
  EXPECT_NE(xlsx.header("Content-Disposition").find("_attendance.xlsx\""), std::string::npos);
  std::map<std::string, std::string> sheet_title;
  const auto sheet = table_from(xlsx_rows(xlsx.body), "Roll number", &sheet_title);
  EXPECT_EQ(sheet_title, title);
  EXPECT_EQ(sheet.size(), 4u);

  // The class XLSX has the counts the CSV has, per student.
  const auto class_xlsx = api().get(class_path("&format=xlsx"), w_->teacher_a_token);
  ASSERT_EQ(class_xlsx.status, 200) << class_xlsx;
  std::map<std::string, std::string> class_title;
  const auto matrix = table_from(xlsx_rows(class_xlsx.body), "Roll number", &class_title);
  EXPECT_EQ(class_title["Class"], class_label);
  EXPECT_EQ(class_title["Dates"], "2026-03-02 to 2026-03-04 (UTC)");
  ASSERT_FALSE(matrix.empty());
  const auto& header = matrix[0];
  const auto column = [&](const std::string& name) {
    const auto at = std::find(header.begin(), header.end(), name);
    EXPECT_NE(at, header.end()) << name;
    return static_cast<std::size_t>(at - header.begin());
  };
  bool saw_priya = false;
  for (const auto& row : matrix) {
    if (row.size() < 2 || row[1] != kPriya) continue;
    saw_priya = true;  // day 1 absent, day 2 excused, day 3 present
    EXPECT_EQ(row.at(column("Present")), "1");
    EXPECT_EQ(row.at(column("Late")), "0");
    EXPECT_EQ(row.at(column("Absent")), "1");
    EXPECT_EQ(row.at(column("Excused")), "1");
  }
  EXPECT_TRUE(saw_priya);
}

}  // namespace
}  // namespace rollcall::http_testing

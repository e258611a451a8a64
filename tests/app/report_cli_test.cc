// tests/app/report_cli_test.cc
//
// `rollcall report ...` beside a SQLite database: the same CSV and XLSX
// files as the API, written to --out.
#include <fstream>
#include <random>

#include "domain/accounts.h"
#include "domain/csv.h"
#include "jobs/zip_archive.h"
#include "store/store.h"
#include "test_support.h"

namespace rollcall::app {
namespace {

namespace fs = std::filesystem;

using Run = rollcall::testing::CommandRun;

Run rollcall(const std::string& args) { return rollcall::testing::run_rollcall(args, ""); }

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const std::string kPriya = "प्रिया शर्मा";

class ReportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rollcall_report_cli_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    auto opened = store::Store::open({"", dir_ / "data", 2, 5000});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    auto& db = **opened;
    ASSERT_TRUE(domain::ensure_admin(db, "a-long-admin-password").ok());
    auto made = db.write([&](store::Tx& tx) -> Result<void> {
      auto group = tx.insert_class(store::ClassGroup{{}, "BTech IT", "A", 1});
      if (!group) return group.error();
      class_ = *group;
      auto subject = tx.insert_subject(store::Subject{{}, "MA101", "Maths", 1});
      if (!subject) return subject.error();
      store::User user;
      user.username = "teacher.joshi";
      user.password_hash = "$argon2id$fake";
      user.role = store::Role::teacher;
      auto account = tx.insert_user(user);
      if (!account) return account.error();
      store::Teacher teacher;
      teacher.user = *account;
      teacher.name = "Joshi";
      auto teacher_id = tx.insert_teacher(teacher);
      if (!teacher_id) return teacher_id.error();
      const auto student = [&](const std::string& roll, const std::string& name) {
        store::Student s;
        s.name = name;
        s.roll_number = roll;
        s.registration_number = "PRN-" + roll;
        s.class_id = class_;
        return tx.insert_student(s);
      };
      auto first = student("IT-01", kPriya);
      if (!first) return first.error();
      auto second = student("IT-02", "Ivan");
      if (!second) return second.error();
      for (int day = 0; day < 4; ++day) {
        store::Session session;
        session.class_id = class_;
        session.subject = *subject;
        session.teacher = *teacher_id;
        session.starts_ms = 1'772'442'000'000 + day * 86'400'000LL;  // 2026-03-02 09:00 UTC on
        session.ends_ms = session.starts_ms + 3'600'000;
        session.method = store::SessionMethod::manual;
        auto id = tx.insert_session(session);
        if (!id) return id.error();
        if (day == 0) session_ = *id;
        for (const auto& [who, status] :
             {std::pair{*first, day < 3 ? store::AttendanceStatus::present
                                        : store::AttendanceStatus::absent},
              {*second,
               day == 0 ? store::AttendanceStatus::late : store::AttendanceStatus::absent}}) {
          store::AttendanceRecord record;
          record.session = *id;
          record.student = who;
          record.status = status;
          record.decided_by = "manual";
          if (auto done = tx.upsert_attendance(record); !done) return done.error();
        }
      }
      student_ = *first;
      return {};
    });
    ASSERT_TRUE(made.ok()) << made.error().message;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string data_flag() const { return " --data-dir '" + (dir_ / "data").string() + "'"; }
  std::string out(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
  ClassId class_;
  SessionId session_;
  StudentId student_;
};

TEST_F(ReportCli, ClassReportAsCsvHasThePercentagesAndNames) {
  const auto run =
      rollcall("report class " + std::to_string(class_.value) +
               " --from 2026-03-02 --to 2026-03-05 --threshold 50 --format csv --out '" +
               out("class.csv") + "'" + data_flag());
  ASSERT_EQ(run.status, 0) << run.output;
  auto parsed = domain::parse_csv(read_all(out("class.csv")), 100);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  // The title rows (Class, Dates, Sessions) and a blank row come first.
  ASSERT_GE(parsed->size(), 4u);
  EXPECT_EQ((*parsed)[0][0], "Class");
  const auto table = std::find_if(parsed->begin(), parsed->end(), [](const auto& row) {
    return !row.empty() && row[0] == "roll_number";
  });
  ASSERT_NE(table, parsed->end());
  const std::vector<std::vector<std::string>> table_rows(table, parsed->end());
  const auto* rows = &table_rows;
  ASSERT_EQ(rows->size(), 3u);
  const auto& header = (*rows)[0];
  const auto percent = std::find(header.begin(), header.end(), "percent") - header.begin();
  EXPECT_EQ((*rows)[1][1], kPriya);
  EXPECT_EQ((*rows)[1][percent], "75.00");
  EXPECT_EQ((*rows)[1].back(), "no");
  EXPECT_EQ((*rows)[2][1], "Ivan");
  EXPECT_EQ((*rows)[2][percent], "25.00");
  EXPECT_EQ((*rows)[2].back(), "yes");
}

TEST_F(ReportCli, SessionAndStudentReportsAsXlsx) {
  for (const auto& [args, name] :
       {std::pair{"report session " + std::to_string(session_.value), std::string("s.xlsx")},
        {"report student " + std::to_string(student_.value), std::string("st.xlsx")}}) {
    const auto run = rollcall(args + " --format xlsx --out '" + out(name) + "'" + data_flag());
    ASSERT_EQ(run.status, 0) << run.output;
    const auto bytes = read_all(out(name));
    auto zip = jobs::ZipArchive::open(std::vector<std::uint8_t>(bytes.begin(), bytes.end()),
                                      jobs::ZipLimits{});
    ASSERT_TRUE(zip.ok()) << zip.error().message;
    auto sheet = (*zip)->read("xl/worksheets/sheet1.xml");
    ASSERT_TRUE(sheet.ok());
    EXPECT_NE(std::string(sheet->begin(), sheet->end()).find("state=\"frozen\""),
              std::string::npos);
  }
}

TEST_F(ReportCli, ErrorsNameTheProblem) {
  auto run = rollcall("report class 999 --format csv --out '" + out("x.csv") + "'" + data_flag());
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("class_not_found"), std::string::npos) << run.output;
  run = rollcall("report session " + std::to_string(session_.value) + " --format pdf --out '" +
                 out("x.pdf") + "'" + data_flag());
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("format"), std::string::npos) << run.output;
  run = rollcall("report class " + std::to_string(class_.value) + " --from 2026-13-01 --out '" +
                 out("x.csv") + "'" + data_flag());
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("from"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace rollcall::app

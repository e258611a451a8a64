// tests/http/import_api_test.cc
//
// Bulk import over HTTP: a CSV roster and a ZIP of real photos named by
// registration or roll number, run as a background job and polled to the end; and a
// SQLite backup taken while the server serves.
#include <sqlite3.h>
#include <zip.h>

#include <chrono>
#include <thread>

#include "server_harness.h"

namespace rollcall::http_testing {
namespace {

using namespace std::chrono_literals;

// A ZIP (deflated) of `files`: name -> bytes, built in memory with libzip.
std::string make_zip(const std::vector<std::pair<std::string, std::string>>& files) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  EXPECT_NE(archive, nullptr) << zip_error_strerror(&error);
  if (archive == nullptr) return "";
  zip_source_keep(buffer);
  for (const auto& [name, bytes] : files) {
    zip_source_t* entry = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    EXPECT_GE(zip_file_add(archive, name.c_str(), entry, ZIP_FL_ENC_UTF_8), 0)
        << zip_strerror(archive);
  }
  EXPECT_EQ(zip_close(archive), 0);
  std::string out;
  zip_source_open(buffer);
  zip_source_seek(buffer, 0, SEEK_END);
  out.resize(static_cast<std::size_t>(zip_source_tell(buffer)));
  zip_source_seek(buffer, 0, SEEK_SET);
  zip_source_read(buffer, out.data(), out.size());
  zip_source_close(buffer);
  zip_source_free(buffer);
  return out;
}

class ImportApi : public ServerTest {
 protected:
  // Polls the job until it is done or failed (or 120 s pass).
  nlohmann::json wait_for_job(const std::string& location) {
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    nlohmann::json job;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto reply = api().get(location, admin_token());
      EXPECT_EQ(reply.status, 200) << reply;
      job = reply.json();
      const auto state = job.value("state", "");
      if (state == "done" || state == "failed") return job;
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "the job did not finish: " << job.dump();
    return job;
  }

  std::int64_t student_id(const std::string& roll) {
    const auto reply = api().get("/api/v1/students?q=" + roll, admin_token());
    const auto body = reply.json();
    if (body.value("total", 0) != 1) return 0;
    return body["items"][0]["id"];
  }

  std::int64_t photo_count(std::int64_t student) {
    return api()
        .get("/api/v1/students/" + std::to_string(student) + "/photos", admin_token())
        .json()
        .value("total", 0);
  }
};

TEST_P(ImportApi, ImportsARosterWithPhotosAndReportsTheBadLines) {
  const auto group = create_class();
  const std::string class_name = group["name"];
  const auto tag = unique("imp");
  const auto roll = [&](int i) { return tag + "-" + std::to_string(i); };
  // Line 1 is the header. Line 4 repeats line 2's roll number; line 5 has no photo.
  std::string csv = "name,roll_number,registration_number,class,section\n";
  csv += "Barack Obama," + roll(1) + ",REG-" + roll(1) + "," + class_name + ",A\n";
  csv += "Joe Biden," + roll(2) + ",REG-" + roll(2) + "," + class_name + ",A\n";
  csv += "Barack Again," + roll(1) + ",REG-" + roll(9) + "," + class_name + ",A\n";
  csv += "Amy Photoless," + roll(3) + ",REG-" + roll(3) + "," + class_name + ",A\n";
  const auto zip =
      make_zip({{roll(1) + ".jpg", file_bytes(data_path("identities/barack_obama/01.jpg"))},
                {roll(2) + ".jpg", file_bytes(data_path("identities/joe_biden/01.jpg"))}});
  ASSERT_FALSE(zip.empty());

  const auto started = api().post_multipart("/api/v1/imports",
                                            {{"students", "students.csv", csv, "text/csv"},
                                             {"photos", "photos.zip", zip, "application/zip"}},
                                            admin_token());
  ASSERT_EQ(started.status, 202) << started;
  const auto location = started.header("Location");
  ASSERT_FALSE(location.empty());
  const auto job = wait_for_job(location);
  ASSERT_EQ(job["state"], "done") << job.dump();
  EXPECT_EQ(job["done"], 4);
  EXPECT_EQ(job["total"], 4);

  std::map<int, std::string> errors;  // line -> code
  for (const auto& error : job["errors"]) errors[error["line"].get<int>()] = error["code"];
  EXPECT_EQ(errors.size(), 2u) << job.dump();
  EXPECT_EQ(errors[4], "roll_number_taken") << job.dump();
  EXPECT_EQ(errors[5], "photo_missing") << job.dump();

  const auto obama = student_id(roll(1));
  const auto biden = student_id(roll(2));
  ASSERT_GT(obama, 0);
  ASSERT_GT(biden, 0);
  EXPECT_GT(photo_count(obama), 0);
  EXPECT_GT(photo_count(biden), 0);
  const auto photoless = student_id(roll(3));
  ASSERT_GT(photoless, 0) << "a row without a photo still creates the student";
  EXPECT_EQ(photo_count(photoless), 0);
}

// Rows and photos for the tests below: line -> {code, message, student_added}.
struct RowProblem {
  std::string code;
  std::string message;
  bool is_student_added = false;
};
std::map<int, RowProblem> problems_of(const nlohmann::json& job) {
  std::map<int, RowProblem> out;
  for (const auto& e : job["errors"]) {
    out[e["line"].get<int>()] = {e["code"], e["message"], e.value("student_added", false)};
  }
  return out;
}

TEST_P(ImportApi, PhotosOfAnImportOfSeveralClassesAreMatchedByRegistrationNumber) {
  const std::string a = create_class()["name"];
  const std::string b = create_class()["name"];
  const auto prn_a = unique("PRNA");
  const auto prn_b = unique("PRNB");
  // Both students have roll 101: only their PRNs tell the photos apart.
  std::string csv = "name,roll_number,registration_number,class,section\n";
  csv += "Barack Obama,101," + prn_a + "," + a + ",A\n";
  csv += "Joe Biden,101," + prn_b + "," + b + ",A\n";
  const auto zip =
      make_zip({{prn_a + ".jpg", file_bytes(data_path("identities/barack_obama/01.jpg"))},
                {prn_b + ".JPG", file_bytes(data_path("identities/joe_biden/01.jpg"))}});
  const auto started = api().post_multipart(
      "/api/v1/imports",
      {{"students", "s.csv", csv, "text/csv"}, {"photos", "p.zip", zip, "application/zip"}},
      admin_token());
  ASSERT_EQ(started.status, 202) << started;
  const auto job = wait_for_job(started.header("Location"));
  ASSERT_EQ(job["state"], "done") << job.dump();
  EXPECT_TRUE(job["errors"].empty()) << job.dump();
  EXPECT_GT(photo_count(student_id(prn_a)), 0);
  EXPECT_GT(photo_count(student_id(prn_b)), 0);
}

TEST_P(ImportApi, APhotoNamedByRollNumberInAnImportOfSeveralClassesIsRefusedSayingWhy) {
  const std::string a = create_class()["name"];
  const std::string b = create_class()["name"];
  const auto roll = unique("r");
  const auto prn = unique("PRN");
  std::string csv = "name,roll_number,registration_number,class,section\n";
  csv += "Barack Obama," + roll + "," + prn + "," + a + ",A\n";
  csv += "Joe Biden," + unique("r") + "," + unique("PRN") + "," + b + ",A\n";
  const auto zip =
      make_zip({{roll + ".jpg", file_bytes(data_path("identities/barack_obama/01.jpg"))}});
  const auto started = api().post_multipart(
      "/api/v1/imports",
      {{"students", "s.csv", csv, "text/csv"}, {"photos", "p.zip", zip, "application/zip"}},
      admin_token());
  ASSERT_EQ(started.status, 202) << started;
  const auto job = wait_for_job(started.header("Location"));
  auto problems = problems_of(job);
  ASSERT_EQ(problems.count(2), 1u) << job.dump();
  EXPECT_EQ(problems[2].code, "photo_named_by_roll_number");
  EXPECT_TRUE(problems[2].is_student_added);
  EXPECT_NE(problems[2].message.find("name it by registration number (" + prn + ".jpg)"),
            std::string::npos)
      << problems[2].message;
  EXPECT_EQ(problems[3].code, "photo_missing");
  EXPECT_EQ(problems[3].message.find(" or "), std::string::npos)
      << "several classes: only the PRN is offered: " << problems[3].message;
}

TEST_P(ImportApi, RowErrorsSayWhetherTheStudentWasStillAdded) {
  const std::string a = create_class()["name"];
  const auto roll = unique("r");
  const auto prn = unique("PRN");
  std::string csv = "name,roll_number,registration_number,class,section\n";
  csv += "Amy Unreadable," + roll + "," + prn + "," + a + ",A\n";      // line 2: bad photo
  csv += "Amy Twin," + roll + "," + unique("PRN") + "," + a + ",A\n";  // line 3: same roll
  const auto zip = make_zip({{roll + ".jpg", "this is not a picture"}});
  const auto started = api().post_multipart(
      "/api/v1/imports",
      {{"students", "s.csv", csv, "text/csv"}, {"photos", "p.zip", zip, "application/zip"}},
      admin_token());
  ASSERT_EQ(started.status, 202) << started;
  auto problems = problems_of(wait_for_job(started.header("Location")));
  ASSERT_EQ(problems.count(2), 1u);
  EXPECT_TRUE(problems[2].is_student_added);
  EXPECT_TRUE(problems[2].message.starts_with("the student was added, but photo " + roll +
                                              ".jpg cannot be used: "))
      << problems[2].message;
  ASSERT_EQ(problems.count(3), 1u);
  EXPECT_EQ(problems[3].code, "roll_number_taken");
  EXPECT_FALSE(problems[3].is_student_added);
  EXPECT_TRUE(problems[3].message.starts_with("the student was not added: "))
      << problems[3].message;
  EXPECT_GT(student_id(prn), 0);
}

TEST_P(ImportApi, ARosterWithoutItsColumnsIsRefused) {
  const auto reply = api().post_multipart(
      "/api/v1/imports", {{"students", "students.csv", "first,last\nA,B\n", "text/csv"}},
      admin_token());
  EXPECT_EQ(reply.status, 400) << reply;
  EXPECT_EQ(reply.error_code(), "roster_missing_column");
}

TEST_P(ImportApi, AnImportWithoutTheStudentsFieldIs400MissingField) {
  const auto reply = api().post_multipart(
      "/api/v1/imports", {{"photos", "photos.zip", make_zip({{"x.jpg", "x"}}), "application/zip"}},
      admin_token());
  EXPECT_EQ(reply.status, 400) << reply;
  EXPECT_EQ(reply.error_code(), "missing_field");
  EXPECT_EQ(reply.error_field(), "students");
}

TEST_P(ImportApi, AnUnknownJobIs404) {
  const auto reply = api().get("/api/v1/jobs/987654321", admin_token());
  EXPECT_EQ(reply.status, 404) << reply;
  EXPECT_EQ(reply.error_code(), "job_not_found");
}

TEST_P(ImportApi, BackupOfPostgresPointsToPgDump) {
  if (GetParam() == Backend::sqlite) GTEST_SKIP() << "SQLite backups are tested below";
  const auto out = server().data_dir().parent_path() / "backup.db";
  const auto [status, output] = server().run_command({"backup", out.string()});
  EXPECT_NE(status, 0);
  EXPECT_NE(output.find("backup_unsupported"), std::string::npos) << output;
  EXPECT_NE(output.find("pg_dump"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(out));
}

TEST_P(ImportApi, BackupWhileServingHoldsTheStudents) {
  if (GetParam() != Backend::sqlite) GTEST_SKIP() << "PostgreSQL is backed up with pg_dump";
  const auto group = create_class();
  for (int i = 0; i < 3; ++i) create_student(group["id"]);
  const auto total =
      api().get("/api/v1/students?limit=1", admin_token()).json()["total"].get<int>();
  const auto out = server().data_dir().parent_path() / "backup.db";
  const auto [status, output] = server().run_command({"backup", out.string()});
  ASSERT_EQ(status, 0) << output;
  EXPECT_EQ(api().get("/healthz").status, 200) << "the server still serves";

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(out.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* count = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM students", -1, &count, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(count, 0), total);
  EXPECT_GE(total, 3);
  sqlite3_finalize(count);
  sqlite3_close(db);
}

ROLLCALL_ON_BOTH_BACKENDS(ImportApi);

}  // namespace
}  // namespace rollcall::http_testing

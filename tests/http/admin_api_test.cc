// tests/http/admin_api_test.cc
//
// The admin's routes of a real server: the server's state
// (/api/v1/system), backups of the SQLite database over the API (made,
// listed, downloaded and opened with sqlite3; refused on PostgreSQL; names
// the server did not make refused), and the settings an admin changes at
// run time (validated all or nothing, applied without a restart, on every
// server sharing the database).
#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "server_harness.h"

namespace rollcall::http_testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string text(std::int64_t id) { return std::to_string(id); }

class AdminApi : public ServerTest {
 protected:
  // The settings as {key: item}.
  std::map<std::string, json> settings(const Api& on, const std::string& token) {
    const auto reply = on.get("/api/v1/settings", token);
    EXPECT_EQ(reply.status, 200) << reply;
    std::map<std::string, json> out;
    if (reply.status != 200) return out;
    const auto body = reply.json();
    for (const auto& item : body.at("items")) out[item.at("key")] = item;
    return out;
  }
  Response change(const json& body) { return api().patch("/api/v1/settings", body, admin_token()); }
  // Puts every key back to its default, so tests do not leak into each other.
  void reset() {
    json all = json::object();
    for (const char* key :
         {"retention", "duplicate_similarity", "report_threshold_percent",
          "checkin_default_duration_s", "checkin_default_radius_m", "checkin_max_accuracy_m"}) {
      all[key] = nullptr;
    }
    const auto reply = change(all);
    EXPECT_EQ(reply.status, 200) << reply;
  }
  void TearDown() override {
    if (!IsSkipped()) reset();
  }

  // A session of a new class, held by a new teacher; its id.
  std::int64_t new_session(std::int64_t class_id) {
    const auto subject = create_subject();
    const auto teacher = create_teacher();
    const auto assigned = api().post("/api/v1/assignments",
                                     {{"teacher_id", teacher["teacher"]["id"]},
                                      {"class_id", class_id},
                                      {"subject_id", subject["id"]}},
                                     admin_token());
    EXPECT_EQ(assigned.status, 201) << assigned;
    const auto reply = api().post("/api/v1/sessions",
                                  {{"class_id", class_id},
                                   {"subject_id", subject["id"]},
                                   {"teacher_id", teacher["teacher"]["id"]},
                                   {"starts_at", "2026-11-25T09:30:00Z"},
                                   {"ends_at", "2026-11-25T10:30:00Z"},
                                   {"method", "checkin"}},
                                  admin_token());
    EXPECT_EQ(reply.status, 201) << reply;
    return reply.json().value("id", std::int64_t{0});
  }
  Response open_window(std::int64_t session, json body = json::object()) {
    body["latitude"] = 12.9716;
    body["longitude"] = 77.5946;
    return api().post("/api/v1/sessions/" + text(session) + "/checkin-window", body, admin_token());
  }
};
ROLLCALL_ON_BOTH_BACKENDS(AdminApi);

// ---- /api/v1/system ----------------------------------------------------

TEST_P(AdminApi, SystemDescribesTheServerWithoutSecrets) {
  const auto reply = api().get("/api/v1/system", admin_token());
  ASSERT_EQ(reply.status, 200) << reply;
  const auto body = reply.json();
  EXPECT_EQ(body.at("version"), api().get("/healthz").json().at("version"));
  EXPECT_EQ(body.at("database").at("backend"),
            GetParam() == Backend::sqlite ? "sqlite" : "postgres");
  EXPECT_TRUE(body.at("database").at("ok").get<bool>());
  EXPECT_GE(body.at("uptime_s").get<std::int64_t>(), 0);
  const auto& models = body.at("models");
  EXPECT_TRUE(models.at("ready").get<bool>()) << body;
  EXPECT_TRUE(models.at("problem").is_null());
  EXPECT_TRUE(models.at("model_id").get<std::string>().starts_with("fr_feature@")) << body;
  ASSERT_EQ(models.at("files").size(), 3u) << body;
  const std::regex sha256("[0-9a-f]{64}");
  for (const auto& file : models.at("files")) {
    EXPECT_TRUE(file.at("name").get<std::string>().ends_with(".onnx")) << file;
    EXPECT_TRUE(std::regex_match(file.at("sha256").get<std::string>(), sha256)) << file;
  }
  // The recogniser's id is its file stem and the first 8 hex digits of its hash.
  bool is_pinned = false;
  for (const auto& file : models.at("files")) {
    is_pinned = is_pinned || models.at("model_id") ==
                                 "fr_feature@" + file.at("sha256").get<std::string>().substr(0, 8);
  }
  EXPECT_TRUE(is_pinned) << body;
  EXPECT_TRUE(body.at("checkin").at("queue_depth").is_number_integer()) << body;
  EXPECT_GE(body.at("checkin").at("workers").get<int>(), 1);
  EXPECT_GT(body.at("checkin").at("mean_verify_ms").get<double>(), 0);
  EXPECT_EQ(body.at("telegram"),
            json({{"teacher", false}, {"student", false}, {"mode", "polling"}}));
  EXPECT_TRUE(body.at("web_ui").is_boolean());
}

// ---- Backups ----------------------------------------------------------

TEST_P(AdminApi, BacksUpTheSqliteDatabaseIntoAFileSqliteOpens) {
  const auto made = api().post("/api/v1/backups", json::object(), admin_token());
  if (GetParam() == Backend::postgres) {
    EXPECT_EQ(made.status, 409) << made;
    EXPECT_EQ(made.error_code(), "backup_unsupported");
    EXPECT_NE(made.body.find("pg_dump"), std::string::npos) << made;
    EXPECT_EQ(api().get("/api/v1/backups", admin_token()).json().at("items"), json::array());
    return;
  }
  ASSERT_EQ(made.status, 201) << made;
  const std::string name = made.json().at("name");
  EXPECT_TRUE(std::regex_match(name, std::regex(R"(rollcall-\d{8}-\d{6}(-\d+)?\.db)"))) << name;
  EXPECT_GT(made.json().at("size_bytes").get<std::int64_t>(), 0);
  EXPECT_TRUE(fs::is_regular_file(server().data_dir() / "backups" / name));
  // Another one in the same second gets its own name; the list is newest first.
  const auto again = api().post("/api/v1/backups", json::object(), admin_token());
  ASSERT_EQ(again.status, 201) << again;
  EXPECT_NE(again.json().at("name"), name);
  const auto listed = api().get("/api/v1/backups", admin_token());
  ASSERT_EQ(listed.status, 200) << listed;
  const auto items = listed.json().at("items");
  ASSERT_GE(items.size(), 2u) << listed;
  EXPECT_EQ(items.at(0).at("name"), again.json().at("name")) << listed;
  EXPECT_EQ(items.at(1).at("name"), name) << listed;

  const auto file = api().get("/api/v1/backups/" + name + "/download", admin_token());
  ASSERT_EQ(file.status, 200) << file.status << " " << file.body.substr(0, 200);
  EXPECT_EQ(file.header("Content-Type"), "application/vnd.sqlite3");
  EXPECT_EQ(file.header("Content-Disposition"), "attachment; filename=\"" + name + "\"");
  EXPECT_EQ(static_cast<std::int64_t>(file.body.size()), made.json().at("size_bytes"));

  // The download is a database sqlite3 opens, with the server's tables.
  const auto copy = fs::temp_directory_path() / ("rollcall-download-" + random_suffix() + ".db");
  std::ofstream(copy, std::ios::binary) << file.body;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(copy.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name "
                               "IN ('users', 'students', 'sessions', 'class_photos', 'settings')",
                               -1, &statement, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(statement, 0), 5);
  sqlite3_finalize(statement);
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM users WHERE username = 'admin'", -1,
                               &statement, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(statement, 0), 1);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  fs::remove(copy);

  const auto audit = api().get("/api/v1/audit?entity=backup&limit=200", admin_token());
  ASSERT_EQ(audit.status, 200) << audit;
  bool is_audited = false;
  const json audit_body = audit.json();  // the loop must not range over a temporary
  for (const auto& entry : audit_body.at("items")) {
    is_audited = is_audited ||
                 (entry.at("action") == "backup.create" && entry.at("after").at("name") == name);
  }
  EXPECT_TRUE(is_audited) << audit;
}

TEST_P(AdminApi, DownloadsOnlyNamesTheServerMade) {
  // Files that are in reach but are not backups.
  const auto dir = server().data_dir() / "backups";
  fs::create_directories(dir);
  std::ofstream(dir / "secret.db") << "not a backup";
  std::ofstream(dir / "rollcall-20000101-000000.db.part") << "half a backup";
  const std::string token = admin_token();
  for (const std::string name :
       {"secret.db", "rollcall-20000101-000000.db.part", "rollcall-20000101-000000.db",
        "rollcall.db", "rollcall-20000101-000000.db%2F..%2F..%2Frollcall.db"}) {
    const auto reply = api().get("/api/v1/backups/" + name + "/download", token);
    EXPECT_EQ(reply.status, 404) << name << ": " << reply;
    EXPECT_EQ(reply.body.find("not a backup"), std::string::npos) << name;
  }
  // ".." and "/" never reach the handler (the client would tidy the path,
  // so these go out as written).
  for (const std::string path :
       {"/api/v1/backups/../download", "/api/v1/backups/../../rollcall.db/download",
        "/api/v1/backups/%2e%2e/download", "/api/v1/backups/.hidden/download",
        "/api/v1/backups/..%2Frollcall.db/download"}) {
    const auto reply =
        api().raw("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + "Bearer " +
                  token + "\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(reply.status, 404) << path << ": " << reply;
    EXPECT_EQ(reply.body.find("SQLite format"), std::string::npos) << path;
  }
  // The listing shows neither.
  const auto listed = api().get("/api/v1/backups", token);
  ASSERT_EQ(listed.status, 200) << listed;
  const json listed_body = listed.json();  // the loop must not range over a temporary
  for (const auto& item : listed_body.at("items")) {
    EXPECT_TRUE(item.at("name").get<std::string>().starts_with("rollcall-2")) << item;
    EXPECT_FALSE(item.at("name").get<std::string>().ends_with(".part")) << item;
  }
}

// ---- Runtime settings -------------------------------------------------

TEST_P(AdminApi, ListsEveryRuntimeSettingWithItsRuleAndDefault) {
  auto all = settings(api(), admin_token());
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all["retention"].at("value"), "keep_photos");
  EXPECT_EQ(all["retention"].at("kind"), "choice");
  EXPECT_EQ(all["retention"].at("choices"), json({"keep_photos", "embeddings_only"}));
  EXPECT_EQ(all["duplicate_similarity"].at("value"), 0.6);
  EXPECT_EQ(all["duplicate_similarity"].at("default"), 0.6);
  EXPECT_EQ(all["duplicate_similarity"].at("kind"), "number");
  EXPECT_EQ(all["duplicate_similarity"].at("max"), 1.0);
  EXPECT_EQ(all["report_threshold_percent"].at("value"), 75.0);
  EXPECT_EQ(all["checkin_default_duration_s"].at("value"), 90);
  EXPECT_EQ(all["checkin_default_duration_s"].at("kind"), "integer");
  EXPECT_TRUE(all["checkin_default_duration_s"].at("min").is_number_integer());
  EXPECT_EQ(all["checkin_default_duration_s"].at("min"), 10);
  EXPECT_EQ(all["checkin_default_duration_s"].at("max"), 3600);
  EXPECT_EQ(all["checkin_default_radius_m"].at("value"), 50.0);
  EXPECT_EQ(all["checkin_max_accuracy_m"].at("value"), 100.0);
  for (const auto& [key, item] : all) {
    EXPECT_EQ(item.at("source"), "default") << key;
    EXPECT_FALSE(item.at("description").get<std::string>().empty()) << key;
  }
}

TEST_P(AdminApi, ABadKeyOrValueChangesNothing) {
  auto reply = change({{"duplicate_similarity", 0.7}, {"thresholds", 1}});
  EXPECT_EQ(reply.status, 422) << reply;
  EXPECT_EQ(reply.error_code(), "setting_unknown");
  EXPECT_EQ(reply.error_field(), "thresholds");
  const std::vector<std::pair<std::string, json>> bad = {
      {"duplicate_similarity", 1.5},        {"duplicate_similarity", "0.7"},
      {"checkin_default_duration_s", 12.5}, {"checkin_default_duration_s", 5},
      {"checkin_default_radius_m", 0},      {"retention", "forever"},
      {"checkin_max_accuracy_m", true},     {"report_threshold_percent", -1}};
  for (const auto& [key, value] : bad) {
    // With a good change beside it, which must not be stored either.
    const std::string good =
        key == "duplicate_similarity" ? "report_threshold_percent" : "duplicate_similarity";
    reply = change({{good, 0.7}, {key, value}});
    EXPECT_EQ(reply.status, 422) << key << " = " << value << ": " << reply;
    EXPECT_EQ(reply.error_code(), "setting_invalid") << reply;
    EXPECT_EQ(reply.error_field(), key) << reply;
  }
  EXPECT_EQ(change(json::array()).error_code(), "invalid_json");
  for (const auto& [key, item] : settings(api(), admin_token())) {
    EXPECT_EQ(item.at("source"), "default") << key;
  }
}

TEST_P(AdminApi, ChangedCheckinDefaultsApplyToTheNextWindowWithoutARestart) {
  const auto changed = change({{"checkin_default_duration_s", 240},
                               {"checkin_default_radius_m", 75},
                               {"report_threshold_percent", 60}});
  ASSERT_EQ(changed.status, 200) << changed;
  std::map<std::string, json> items;
  const json changed_body = changed.json();  // the loop must not range over a temporary
  for (const auto& item : changed_body.at("items")) items[item.at("key")] = item;
  EXPECT_EQ(items["checkin_default_duration_s"].at("value"), 240);
  EXPECT_EQ(items["checkin_default_duration_s"].at("default"), 90);
  EXPECT_EQ(items["checkin_default_duration_s"].at("source"), "admin");
  EXPECT_EQ(items["retention"].at("source"), "default");

  const auto class_id = create_class()["id"].get<std::int64_t>();
  const auto window = open_window(new_session(class_id));
  ASSERT_EQ(window.status, 201) << window;
  EXPECT_EQ(window.json().at("radius_m"), 75.0);
  EXPECT_GT(window.json().at("seconds_left").get<int>(), 200) << window;
  const auto report = api().get("/api/v1/classes/" + text(class_id) + "/report", admin_token());
  ASSERT_EQ(report.status, 200) << report;
  EXPECT_EQ(report.json().at("threshold"), 60.0) << report;
  // A request that names its threshold still gets it.
  EXPECT_EQ(api()
                .get("/api/v1/classes/" + text(class_id) + "/report?threshold=80", admin_token())
                .json()
                .at("threshold"),
            80.0);

  // null puts a key back to the configuration's value.
  ASSERT_EQ(change({{"checkin_default_radius_m", nullptr}}).status, 200);
  EXPECT_EQ(settings(api(), admin_token())["checkin_default_radius_m"].at("source"), "default");
  const auto later = open_window(new_session(class_id));
  ASSERT_EQ(later.status, 201) << later;
  EXPECT_EQ(later.json().at("radius_m"), 50.0);

  const auto audit = api().get("/api/v1/audit?entity=settings&limit=200", admin_token());
  ASSERT_EQ(audit.status, 200) << audit;
  bool is_audited = false;
  const json audit_body = audit.json();  // the loop must not range over a temporary
  for (const auto& entry : audit_body.at("items")) {
    is_audited = is_audited || (entry.at("action") == "settings.change" &&
                                entry.at("before").value("checkin_default_duration_s", 0) == 90 &&
                                entry.at("after").value("checkin_default_duration_s", 0) == 240);
  }
  EXPECT_TRUE(is_audited) << audit;
}

TEST_P(AdminApi, ATighterAccuracyLimitRefusesAPositionItUsedToAccept) {
  const auto class_id = create_class()["id"].get<std::int64_t>();
  const auto student = create_student(class_id);
  const auto session = new_session(class_id);
  const auto window = open_window(session);
  ASSERT_EQ(window.status, 201) << window;
  ASSERT_EQ(change({{"checkin_max_accuracy_m", 5}}).status, 200);
  const auto field = [](const std::string& name, const std::string& value) {
    return Part{name, "", value, ""};
  };
  const auto reply = api().post_multipart(
      "/api/v1/checkins",
      {field("session_id", text(session)), field("code", window.json().at("code")),
       field("roll_number", student["roll_number"]), field("latitude", "12.9716"),
       field("longitude", "77.5946"), field("accuracy_m", "8")});
  EXPECT_EQ(reply.status, 422) << reply;
  EXPECT_EQ(reply.error_code(), "position_inaccurate") << reply;
}

TEST_P(AdminApi, SwitchingToEmbeddingsOnlyForgetsTheKeptPhotosAtOnce) {
  const auto student = create_student(create_class()["id"]);
  const auto path = data_path("identities/amy/01.png");
  const auto enrolled =
      api().post_multipart("/api/v1/students/" + text(student["id"]) + "/photos",
                           {{"photos", "01.png", file_bytes(path), "image/png"}}, admin_token());
  ASSERT_EQ(enrolled.status, 201) << enrolled;
  const std::int64_t photo = enrolled.json()["photos"][0]["photo"].value("id", std::int64_t{0});
  const auto image =
      "/api/v1/students/" + text(student["id"]) + "/photos/" + text(photo) + "/image";
  ASSERT_EQ(api().get(image, admin_token()).status, 200);

  ASSERT_EQ(change({{"retention", "embeddings_only"}}).status, 200);
  const auto gone = api().get(image, admin_token());
  EXPECT_EQ(gone.status, 404) << gone;
  EXPECT_EQ(gone.error_code(), "photo_not_kept");
  // The embedding stays: the student is still enrolled.
  const auto photos =
      api().get("/api/v1/students/" + text(student["id"]) + "/photos", admin_token());
  ASSERT_EQ(photos.status, 200) << photos;
  EXPECT_FALSE(photos.json().at("items").empty()) << photos;
}

// Several servers on one PostgreSQL database: a change made on one is in
// force on the other within the cache time (2 s), without a restart.
TEST_P(AdminApi, AnotherServerOnTheDatabaseUsesAChangeWithinSeconds) {
  if (GetParam() != Backend::postgres) GTEST_SKIP() << "several servers share PostgreSQL only";
  std::string error;
  auto other = ServerProcess::start({GetParam(), {{"--database", server().database_url()}}}, error);
  ASSERT_TRUE(other) << error;
  const std::string other_admin = other->api().login("admin", kAdminPassword);
  ASSERT_FALSE(other_admin.empty());
  const auto class_id = create_class()["id"].get<std::int64_t>();
  const auto session = new_session(class_id);
  ASSERT_EQ(change({{"checkin_default_radius_m", 120}}).status, 200);
  EXPECT_EQ(settings(other->api(), other_admin)["checkin_default_radius_m"].at("value"), 120.0);
  std::this_thread::sleep_for(2100ms);  // the other server's cache runs out
  json body = {{"latitude", 12.9716}, {"longitude", 77.5946}};
  const auto window =
      other->api().post("/api/v1/sessions/" + text(session) + "/checkin-window", body, other_admin);
  ASSERT_EQ(window.status, 201) << window;
  EXPECT_EQ(window.json().at("radius_m"), 120.0);
  EXPECT_EQ(other->stop(), 0) << other->log();
}

}  // namespace
}  // namespace rollcall::http_testing

// tests/app/settings_test.cc
//
// Settings from defaults, a TOML file, the environment and flags, and the
// log formatters that two of them choose.
#include "app/settings.h"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <stdlib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "app/logging.h"

namespace rollcall::app {
namespace {

// A TOML file in a fresh temporary directory, removed with the test.
class TomlFile {
 public:
  explicit TomlFile(const std::string& text) {
    dir_ = fs::temp_directory_path() /
           ("settings_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(dir_);
    std::ofstream(path()) << text;
  }
  ~TomlFile() { fs::remove_all(dir_); }
  fs::path path() const { return dir_ / "rollcall.toml"; }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
};

// Sets an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    ::setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name_.c_str()); }

 private:
  std::string name_;
};

Result<Settings> from_command_line(std::vector<std::string> args) {
  CLI::App app;
  SettingsFlags flags;
  flags.add_to(app);
  args.insert(args.begin(), "rollcall");
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return flags.finish();
}

Result<Settings> from_file(const std::string& text) {
  TomlFile file(text);
  Settings settings;
  auto applied = apply_toml_file(settings, file.path());
  if (!applied) return applied.error();
  return settings;
}

TEST(Settings, DefaultsAreTheDeclaredValues) {
  const Settings settings;
  EXPECT_EQ(get_setting(settings, "http_port"), "8080");
  EXPECT_EQ(get_setting(settings, "http_host"), "127.0.0.1");
  EXPECT_EQ(get_setting(settings, "duplicate_similarity"), "0.6");
  EXPECT_EQ(get_setting(settings, "max_body_bytes"), "67108864");
  EXPECT_EQ(get_setting(settings, "cors_origins"), "");
}

TEST(Settings, EveryDefaultReadsBackAsItself) {
  for (const auto& info : setting_infos()) {
    Settings settings;
    const auto text = get_setting(Settings{}, info.key);
    const auto set = set_setting(settings, info.key, text);
    ASSERT_TRUE(set.ok()) << info.key << ": " << set.error().message;
    EXPECT_EQ(get_setting(settings, info.key), text) << info.key;
  }
}

std::string configuration_doc() {
  const fs::path doc = fs::path(__FILE__).parent_path() / "../../docs/CONFIGURATION.md";
  std::ifstream in(doc);
  EXPECT_TRUE(in) << doc;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Settings, EveryKeyIsDocumented) {
  const auto doc = configuration_doc();
  for (const auto& info : setting_infos()) {
    EXPECT_NE(doc.find("`" + info.key + "`"), std::string::npos) << info.key;
    std::string env = "ROLLCALL_";
    for (const char c : info.key) env += static_cast<char>(std::toupper(c));
    EXPECT_NE(doc.find(env), std::string::npos) << env;
  }
}

TEST(Settings, TheExampleFileInTheDocsIsValid) {
  const auto doc = configuration_doc();
  const auto start = doc.find("```toml\n");
  ASSERT_NE(start, std::string::npos);
  const auto end = doc.find("```", start + 8);
  const auto settings = from_file(doc.substr(start + 8, end - start - 8));
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_TRUE(check_settings(*settings).ok());
  EXPECT_EQ(settings->http_port, 8443);
}

TEST(Settings, RejectsAPortThatIsNotANumberWithThePreciseMessage) {
  Settings settings;
  const auto set = set_setting(settings, "http_port", "abc");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code, "setting_invalid");
  EXPECT_EQ(set.error().message, "http_port must be an integer 0-65535, got \"abc\"");
}

// `rollcall bench server` and tests start `serve --http-port 0` and read
// the port from "listening on HOST:PORT"; the setting used to reject 0.
TEST(Settings, AcceptsPortZeroForAnyFreePort) {
  Settings settings;
  ASSERT_TRUE(set_setting(settings, "http_port", "0").ok());
  EXPECT_EQ(settings.http_port, 0);
}

struct BadValue {
  std::string key;
  std::string value;
};

class SettingsRejects : public ::testing::TestWithParam<BadValue> {};

TEST_P(SettingsRejects, AValueOutsideItsRangeOrForm) {
  Settings settings;
  const auto before = get_setting(settings, GetParam().key);
  const auto set = set_setting(settings, GetParam().key, GetParam().value);
  ASSERT_FALSE(set.ok()) << GetParam().key << " = " << GetParam().value;
  EXPECT_EQ(set.error().code, "setting_invalid");
  EXPECT_TRUE(set.error().message.starts_with(GetParam().key + " must be")) << set.error().message;
  EXPECT_EQ(get_setting(settings, GetParam().key), before) << "a failed set changes nothing";
}

INSTANTIATE_TEST_SUITE_P(
    Settings, SettingsRejects,
    ::testing::Values(BadValue{"http_port", "-1"}, BadValue{"http_port", "65536"},
                      BadValue{"http_port", "80x"}, BadValue{"http_port", ""},
                      BadValue{"http_threads", "-1"}, BadValue{"max_body_bytes", "0"},
                      BadValue{"max_image_pixels", "1e9"}, BadValue{"duplicate_similarity", "1.5"},
                      BadValue{"duplicate_similarity", "nan"}, BadValue{"retention", "forever"},
                      BadValue{"log_level", "verbose"}, BadValue{"log_format", "xml"},
                      BadValue{"cors_origins", "https://a.example/"},
                      BadValue{"cors_origins", "a.example"}, BadValue{"database", "mysql://x"},
                      BadValue{"jwt_secret", "short"}, BadValue{"job_workers", "0"},
                      BadValue{"data_dir", ""}, BadValue{"http_host", ""}));

TEST(Settings, NumbersMayHaveSurroundingSpaces) {
  Settings settings;
  ASSERT_TRUE(set_setting(settings, "http_port", " 9090\n").ok());
  EXPECT_EQ(settings.http_port, 9090);
}

TEST(Settings, UnknownKeySuggestsTheClosestSetting) {
  Settings settings;
  const auto set = set_setting(settings, "http_prot", "1");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code, "setting_unknown");
  EXPECT_NE(set.error().message.find("did you mean http_port?"), std::string::npos)
      << set.error().message;
}

TEST(Settings, SecretValuesAreNeverEchoedInErrors) {
  Settings settings;
  const auto set = set_setting(settings, "jwt_secret", "hunter2");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().message.find("hunter2"), std::string::npos) << set.error().message;
}

TEST(Settings, FileThenEnvironmentThenFlagsWin) {
  TomlFile file("http_port = 1000\njob_workers = 3\nlog_level = \"debug\"\n");
  ScopedEnv port("ROLLCALL_HTTP_PORT", "2000");
  ScopedEnv workers("ROLLCALL_JOB_WORKERS", "4");
  const auto settings =
      from_command_line({"--config", file.path().string(), "--http-port", "3000"});
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_EQ(settings->http_port, 3000);     // flag over environment and file
  EXPECT_EQ(settings->job_workers, 4);      // environment over file
  EXPECT_EQ(settings->log_level, "debug");  // file over default
  EXPECT_EQ(settings->http_host, "127.0.0.1");
}

TEST(Settings, ConfigFileComesFromTheEnvironmentWithoutTheFlag) {
  TomlFile file("http_port = 1234\n");
  ScopedEnv config("ROLLCALL_CONFIG", file.path().string());
  const auto settings = from_command_line({});
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_EQ(settings->http_port, 1234);
}

TEST(Settings, BadFlagValueNamesTheFlag) {
  const auto settings = from_command_line({"--http-port", "abc"});
  ASSERT_FALSE(settings.ok());
  EXPECT_EQ(settings.error().code, "setting_invalid");
  EXPECT_EQ(settings.error().message,
            "--http-port: http_port must be an integer 0-65535, got \"abc\"");
}

TEST(Settings, EnvironmentErrorNamesTheVariable) {
  Settings settings;
  const auto applied = apply_environment(settings, {{"ROLLCALL_HTTP_PORT", "abc"}});
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().message,
            "ROLLCALL_HTTP_PORT: http_port must be an integer 0-65535, got \"abc\"");
}

TEST(Settings, EnvironmentIgnoresRollcallVariablesThatAreNotSettings) {
  Settings settings;
  const auto applied = apply_environment(settings, {{"ROLLCALL_DATA", "/photos"},
                                                    {"ROLLCALL_CONFIG", "/etc/rollcall.toml"},
                                                    {"ROLLCALL_TEST_SOMETHING", "x"},
                                                    {"ROLLCALL_ADMIN_PASSWORD", "correct horse"},
                                                    {"HTTP_PORT", "1"}});
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_EQ(settings.data_dir, "data");
  EXPECT_EQ(settings.admin_password, "correct horse");
  EXPECT_EQ(settings.http_port, 8080);
}

TEST(Settings, RollcallModelsIsReadAsModelsDir) {
  Settings settings;
  ASSERT_TRUE(apply_environment(settings, {{"ROLLCALL_MODELS", "/models"}}).ok());
  EXPECT_EQ(settings.models_dir, "/models");
}

TEST(Settings, RollcallModelsDirWinsOverRollcallModels) {
  Settings settings;
  ASSERT_TRUE(
      apply_environment(settings, {{"ROLLCALL_MODELS", "/old"}, {"ROLLCALL_MODELS_DIR", "/new"}})
          .ok());
  EXPECT_EQ(settings.models_dir, "/new");
}

TEST(Settings, ProcessEnvironmentHoldsOnlyRollcallVariables) {
  ScopedEnv ours("ROLLCALL_HTTP_HOST", "0.0.0.0");
  const auto environment = process_environment();
  EXPECT_EQ(environment.at("ROLLCALL_HTTP_HOST"), "0.0.0.0");
  for (const auto& [name, value] : environment) EXPECT_TRUE(name.starts_with("ROLLCALL_")) << name;
}

TEST(Settings, FileAcceptsEachTomlTypeForTheRightKeys) {
  const auto settings = from_file(
      "http_host = \"0.0.0.0\"\n"
      "http_port = 9000\n"
      "max_body_bytes = 1_000_000\n"
      "duplicate_similarity = 0.75\n"
      "cors_origins = [\"https://a.example\", \"http://localhost:5173\"]\n"
      "retention = \"embeddings_only\"\n");
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_EQ(settings->http_host, "0.0.0.0");
  EXPECT_EQ(settings->http_port, 9000);
  EXPECT_EQ(settings->max_body_bytes, 1'000'000u);
  EXPECT_FLOAT_EQ(settings->duplicate_similarity, 0.75f);
  EXPECT_EQ(settings->cors_origins,
            (std::vector<std::string>{"https://a.example", "http://localhost:5173"}));
  EXPECT_EQ(settings->retention, "embeddings_only");
}

TEST(Settings, FileAcceptsAnIntegerForANumber) {
  const auto settings = from_file("duplicate_similarity = 1\n");
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_FLOAT_EQ(settings->duplicate_similarity, 1.0f);
}

TEST(Settings, FileRefusesTheWrongTomlTypeWithTheLine) {
  const auto settings = from_file("http_port = 8080\nhttp_host = 5\n");
  ASSERT_FALSE(settings.ok());
  EXPECT_EQ(settings.error().code, "setting_invalid");
  EXPECT_NE(settings.error().message.find("line 2: http_host must be a string in quotes, got "
                                          "integer 5"),
            std::string::npos)
      << settings.error().message;
}

TEST(Settings, FileRefusesABadValueWithTheLine) {
  const auto settings = from_file("\n\nhttp_port = 70000\n");
  ASSERT_FALSE(settings.ok());
  EXPECT_EQ(settings.error().code, "setting_invalid");
  EXPECT_NE(settings.error().message.find("line 3: http_port must be an integer 0-65535, got "
                                          "\"70000\""),
            std::string::npos)
      << settings.error().message;
}

TEST(Settings, FileRefusesAnUnknownKeyNamingTheKeyAndTheFile) {
  TomlFile file("http_port = 8080\nhttp_prot = 80\n");
  Settings settings;
  const auto applied = apply_toml_file(settings, file.path());
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().code, "setting_unknown");
  EXPECT_NE(applied.error().message.find("\"http_prot\""), std::string::npos);
  EXPECT_NE(applied.error().message.find(file.path().string() + " line 2"), std::string::npos)
      << applied.error().message;
  EXPECT_NE(applied.error().message.find("did you mean http_port?"), std::string::npos);
}

TEST(Settings, FileRefusesTablesBecauseKeysAreFlat) {
  const auto settings = from_file("[http]\nport = 8080\n");
  ASSERT_FALSE(settings.ok());
  EXPECT_EQ(settings.error().code, "setting_unknown");
  EXPECT_NE(settings.error().message.find("\"http\""), std::string::npos);
}

TEST(Settings, TomlSyntaxErrorReportsTheLine) {
  const auto settings = from_file("http_port = 8080\nlog_level = \"info\n");
  ASSERT_FALSE(settings.ok());
  EXPECT_EQ(settings.error().code, "config_invalid");
  EXPECT_NE(settings.error().message.find("rollcall.toml line 2"), std::string::npos)
      << settings.error().message;
}

TEST(Settings, MissingFileIsUnreadable) {
  Settings settings;
  const auto applied = apply_toml_file(settings, "/nonexistent/rollcall.toml");
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().code, "config_unreadable");
  EXPECT_NE(applied.error().message.find("/nonexistent/rollcall.toml"), std::string::npos);
}

TEST(Settings, ListsAreCommaSeparatedInTheEnvironmentAndFlags) {
  Settings settings;
  ASSERT_TRUE(apply_environment(settings, {{"ROLLCALL_CORS_ORIGINS",
                                            "https://a.example, https://b.example:8443,"}})
                  .ok());
  EXPECT_EQ(settings.cors_origins,
            (std::vector<std::string>{"https://a.example", "https://b.example:8443"}));
  EXPECT_EQ(get_setting(settings, "cors_origins"), "https://a.example,https://b.example:8443");

  const auto flagged = from_command_line({"--cors-origins", "http://localhost:5173"});
  ASSERT_TRUE(flagged.ok()) << flagged.error().message;
  EXPECT_EQ(flagged->cors_origins, (std::vector<std::string>{"http://localhost:5173"}));
}

TEST(Settings, AnEmptyListFlagClearsTheList) {
  ScopedEnv origins("ROLLCALL_CORS_ORIGINS", "https://a.example");
  const auto settings = from_command_line({"--cors-origins", ""});
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_TRUE(settings->cors_origins.empty());
}

TEST(Settings, TlsNeedsBothFiles) {
  const auto settings = from_command_line({"--tls-cert-file", "cert.pem"});
  ASSERT_FALSE(settings.ok());
  EXPECT_EQ(settings.error().code, "setting_invalid");
  EXPECT_NE(settings.error().message.find("tls_key_file"), std::string::npos);
}

TEST(Settings, DescribeMasksSecretsAndAlignsValues) {
  Settings settings;
  ASSERT_TRUE(set_setting(settings, "admin_password", "correct horse battery").ok());
  const auto text = describe_settings(settings);
  EXPECT_EQ(text.find("correct horse"), std::string::npos);
  EXPECT_NE(text.find("admin_password                     = ********\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("jwt_secret                         = (unset)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("http_port                          = 8080\n"), std::string::npos) << text;
}

TEST(Settings, DescribeHidesThePasswordInADatabaseUrl) {
  Settings settings;
  ASSERT_TRUE(
      set_setting(settings, "database", "postgres://rollcall:s3cret@db:5432/rollcall").ok());
  const auto text = describe_settings(settings);
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  EXPECT_NE(text.find("postgres://rollcall:********@db:5432/rollcall"), std::string::npos) << text;
}

// Logging.

struct CapturedLog {
  std::ostringstream out;
  std::shared_ptr<spdlog::logger> logger;

  explicit CapturedLog(const std::string& format) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
    logger = std::make_shared<spdlog::logger>("test", sink);
    auto formatter = make_log_formatter(format);
    EXPECT_TRUE(formatter.ok());
    if (formatter) logger->set_formatter(std::move(formatter).value());
  }
};

TEST(Logging, JsonLineMergesTheFieldsOfAJsonMessage) {
  CapturedLog log("json");
  log.logger->warn(nlohmann::json{{"event", "request"}, {"status", 200}, {"route", "/x"}}.dump());
  const auto text = log.out.str();
  ASSERT_TRUE(text.ends_with("\n"));
  const auto line = nlohmann::json::parse(text);
  EXPECT_EQ(line.at("level"), "warn");
  EXPECT_EQ(line.at("msg"), "request");
  EXPECT_EQ(line.at("event"), "request");
  EXPECT_EQ(line.at("status"), 200);
  EXPECT_EQ(line.at("route"), "/x");
  EXPECT_TRUE(std::regex_match(line.at("ts").get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << line.at("ts");
  EXPECT_TRUE(text.starts_with("{\"ts\":")) << text;
}

TEST(Logging, JsonLineKeepsPlainTextAsMsg) {
  CapturedLog log("json");
  log.logger->info("listening on {}:{} with \"quotes\"", "0.0.0.0", 8080);
  log.logger->info("{not json");
  std::istringstream lines(log.out.str());
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(nlohmann::json::parse(first).at("msg"), "listening on 0.0.0.0:8080 with \"quotes\"");
  EXPECT_EQ(nlohmann::json::parse(second).at("msg"), "{not json");
}

TEST(Logging, JsonLineKeepsItsOwnTimeAndLevel) {
  CapturedLog log("json");
  log.logger->error(R"({"msg":"failed","level":"custom","ts":1})");
  const auto line = nlohmann::json::parse(log.out.str());
  EXPECT_EQ(line.at("level"), "error");
  EXPECT_EQ(line.at("msg"), "failed");
  EXPECT_EQ(line.at("fields").at("level"), "custom");
}

TEST(Logging, JsonLineSurvivesInvalidUtf8) {
  CapturedLog log("json");
  log.logger->info("name \xFF\xFE");
  EXPECT_TRUE(nlohmann::json::accept(log.out.str())) << log.out.str();
}

TEST(Logging, TextLineIsReadable) {
  CapturedLog log("text");
  log.logger->info("hello");
  EXPECT_TRUE(std::regex_match(
      log.out.str(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info +hello\n)")))
      << log.out.str();
}

TEST(Logging, SetupRefusesAnUnknownLevelOrFormat) {
  EXPECT_EQ(setup_logging("verbose", "json").error().code, "setting_invalid");
  EXPECT_EQ(setup_logging("info", "xml").error().code, "setting_invalid");
  EXPECT_TRUE(setup_logging("warn", "json").ok());
}

}  // namespace
}  // namespace rollcall::app

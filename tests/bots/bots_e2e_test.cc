// tests/bots/bots_e2e_test.cc
//
// The Telegram bots end to end (issue 7): a real `rollcall serve` (SQLite)
// talks to the local stand-in for the Bot API (FakeBotApi, both bots on
// one base URL as on api.telegram.org), and the test plays a teacher and
// six students with real faces from ../shared/data:
//   the teacher links by phone contact (someone else's contact refused, a
//   wrong password refused, both password messages deleted), picks class,
//   subject and duration from inline keyboards, shares the location, gets
//   the code, its QR image and a countdown;
//   lin_manuel_miranda checks in with a video note cut from the real clip
//   (accepted), although the Bot API answers his first reply with a 429;
//   amy sends a video note of two of her own photos taken turn about (a
//   real photo sequence: refused as not live, told why); raj sends lin's
//   clip (face_mismatch, told why);
//   penny shares a position 400 m away and sheldon a forwarded location
//   (both refused at that step); the server restarts while amy and raj
//   wait at the last step, and their conversations resume; a sticker and
//   an unknown command get polite answers; the teacher closes the window,
//   leonard's code then comes too late, and the report arrives as a
//   message and as CSV and XLSX documents: 1 present, 5 absent; the
//   tokens never reach the log.
// The report also comes when a server without the bots finalised the
// window (the teacher's chat still waits; the bots' timer queues it).
// Issue 15: a slow download holds up no other chat (polling, too); two
// windows are finalised at once while the reports' uploads are held, and
// the reports come later from the outbox, also across a restart; a video
// note after the close is told so without a download; a QR image or a
// report file Telegram refuses is told to the teacher.
// `rollcall bots` runs the bots beside a server on the same database.
// TelegramWebhookE2E: webhook mode: both bots register with the secret;
// a delivery without it (or with a wrong one) is refused, a repeated one
// is taken but not handled again; a roll number links one account until
// an admin unlinks it; a teacher links with a link code from the web app;
// a user over the per-minute limit gets one refusal.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <GeographicLib/Geodesic.hpp>

#include <chrono>
#include <cstdlib>
#include <regex>
#include <thread>

#include "../http/server_harness.h"
#include "fake_bot_api.h"

extern char** environ;

namespace rollcall::http_testing {
namespace {

using namespace std::chrono_literals;
using bots_testing::FakeBotApi;
using bots_testing::FakeUser;
using bots_testing::LocationKind;
using nlohmann::json;

constexpr double kLat = 18.5204;  // the lecture hall
constexpr double kLon = 73.8567;
constexpr const char* kTeacherPassword = "a long teacher password";

std::string text(std::int64_t id) { return std::to_string(id); }

// Video notes made with ffmpeg from the shared data, in a private folder.
class Notes {
 public:
  Notes() {
    std::string name = (fs::temp_directory_path() / "rollcall-bots-test-XXXXXX").string();
    if (::mkdtemp(name.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    dir_ = name;
  }
  ~Notes() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  // lin_manuel_miranda talking: 4 s of the real clip, square like a note.
  std::string lin() {
    return make("lin.mp4", "-ss 3 -t 4 -i '" + data("video/hamilton_short.mp4") +
                               "' -an -vf crop=ih:ih,scale=384:384 -pix_fmt yuv420p");
  }
  // amy: two of her photos (not the two she enrolled with), taken turn
  // about at 4 frames a second: her face, but photos, not her.
  std::string amy() {
    const auto photo = [](int n) { return data("identities/amy/0" + std::to_string(n) + ".png"); };
    return make("amy.mp4", "-i '" + photo(3) + "' -i '" + photo(4) +
                               "' -filter_complex \"[0]scale=384:384,setsar=1,split[a1][a2];"
                               "[1]scale=384:384,setsar=1,split[b1][b2];[a1][b1][a2][b2]concat="
                               "n=4:v=1:a=0,settb=1/4,setpts=N,fps=4[v]\" -map \"[v]\" "
                               "-pix_fmt yuv420p");
  }

 private:
  static std::string data(const std::string& relative) { return data_path(relative).string(); }
  std::string make(const std::string& name, const std::string& input) {
    const auto out = dir_ / name;
    const std::string command = "ffmpeg -nostdin -v error -y " + input + " '" + out.string() + "'";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    return file_bytes(out);
  }
  fs::path dir_;
};

class TelegramBotsE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    teachers_.also_serve(students_);
    std::string error;
    server_ = ServerProcess::start({Backend::sqlite, flags()}, error);
    ASSERT_TRUE(server_) << error;
    admin_ = api().login("admin", kAdminPassword);
    ASSERT_FALSE(admin_.empty());
  }
  void TearDown() override {
    if (server_ && HasFailure()) std::cerr << server_->log().substr(0, 20000) << "\n";
  }

  virtual std::vector<std::pair<std::string, std::string>> flags() const {
    return {{"--telegram-teacher-token", teachers_.token()},
            {"--telegram-student-token", students_.token()},
            {"--telegram-api-url", teachers_.base_url()},
            {"--telegram-long-poll-s", "1"},
            {"--checkin-grace-s", "1"}};
  }
  const Api& api() const { return server_->api(); }

  json create(const std::string& path, const json& body) {
    const auto reply = api().post(path, body, admin_);
    EXPECT_EQ(reply.status, 201) << path << ": " << reply;
    return reply.json();
  }

  // Waits until the bot has said something to `user` containing `part`
  // (a message or an edit); the text, or "" (and a failure).
  static std::string wait_text(const FakeBotApi& bot, const FakeUser& user, const std::string& part,
                               std::chrono::milliseconds timeout = 30s) {
    std::string found;
    const auto seen = [&] {
      for (const auto& list : {bot.messages(user.id), bot.edits(user.id)}) {
        for (const auto& m : list) {
          if (m.text.find(part) != std::string::npos) {
            found = m.text;
            return true;
          }
        }
      }
      return false;
    };
    if (!bot.wait_for(seen, timeout)) {
      std::string said;
      for (const auto& m : bot.messages(user.id)) said += "\n  > " + m.text;
      ADD_FAILURE() << "no message with \"" << part << "\" to " << user.id << "; said:" << said;
    }
    return found;
  }
  static int count_text(const FakeBotApi& bot, const FakeUser& user, const std::string& part) {
    int count = 0;
    for (const auto& m : bot.messages(user.id)) count += m.text.find(part) != std::string::npos;
    return count;
  }

  // A student's /start and roll number, then the code: the bot's answer.
  std::string link_and_send(const FakeUser& user, const std::string& roll, const std::string& code,
                            const std::string& answer = "Right code") {
    students_.push_update(students_.text_message(user, "/start"));
    wait_text(students_, user, "What is your roll number?");
    students_.push_update(students_.text_message(user, roll));
    wait_text(students_, user, "Linked: ");
    students_.push_update(students_.text_message(user, code));
    return wait_text(students_, user, answer);
  }
  // A teacher's /start, own contact and password, up to the class menu.
  void link_teacher(const FakeUser& user, const std::string& phone, const std::string& name) {
    teachers_.push_update(teachers_.text_message(user, "/start"));
    wait_text(teachers_, user, "share your phone number");
    teachers_.push_update(teachers_.contact_message(user, phone, user.id));
    wait_text(teachers_, user, "Found your profile, " + name);
    teachers_.push_update(teachers_.text_message(user, kTeacherPassword));
    wait_text(teachers_, user, "Which class?");
  }
  // ... and the keyboards and location, up to an open window.
  void open_window(const FakeUser& user, const json& class_id, const json& subject,
                   const std::string& duration_s) {
    const auto menu = teachers_.messages(user.id).back();
    teachers_.push_update(teachers_.callback_query(user, menu.message_id,
                                                   "class:" + text(class_id.get<std::int64_t>())));
    wait_text(teachers_, user, "Which subject?");
    teachers_.push_update(teachers_.callback_query(user, menu.message_id,
                                                   "subject:" + text(subject.get<std::int64_t>())));
    wait_text(teachers_, user, "How long");
    teachers_.push_update(
        teachers_.callback_query(user, menu.message_id, "duration:" + duration_s));
    wait_text(teachers_, user, "share your location");
    teachers_.push_update(teachers_.location_message(user, kLat, kLon));
    wait_text(teachers_, user, "closes in");
  }
  // ... and the location, up to the last step.
  void up_to_capture(const FakeUser& user, const std::string& roll, const std::string& code) {
    link_and_send(user, roll, code);
    students_.push_update(students_.location_message(user, kLat + 0.00005, kLon));
    wait_text(students_, user, "Last step");
  }
  std::string video_note(const FakeUser& user, const std::string& bytes) {
    const auto file = students_.add_file(bytes, "mp4");
    students_.push_update(students_.video_note_message(user, file, 4));
    return file;
  }

  // A class with one subject taught by a new teacher (password
  // kTeacherPassword) and students with these roll numbers (not enrolled).
  struct School {
    json class_id;
    json subject;
    json teacher;
  };
  School school(const std::string& name, const std::string& teacher_name,
                const std::string& username, const std::string& phone,
                const std::vector<std::string>& rolls) {
    School out;
    out.class_id = create("/api/v1/classes", {{"name", name}, {"section", "A"}})["id"];
    out.subject = create("/api/v1/subjects", {{"code", name + "-1"}, {"name", name}})["id"];
    out.teacher = create("/api/v1/teachers", {{"name", teacher_name},
                                              {"phone", phone},
                                              {"username", username},
                                              {"password", kTeacherPassword}});
    create("/api/v1/assignments", {{"teacher_id", out.teacher["id"]},
                                   {"class_id", out.class_id},
                                   {"subject_id", out.subject}});
    for (const auto& roll : rolls) {
      create("/api/v1/students", {{"name", "Student " + roll},
                                  {"roll_number", roll},
                                  {"registration_number", "REG-" + roll},
                                  {"class_id", out.class_id}});
    }
    return out;
  }
  // The code of the teacher's latest open window, from the bot's message.
  std::string code_for(const FakeUser& teacher) {
    const auto opened = wait_text(teachers_, teacher, "Check-in is open for");
    std::smatch digits;
    if (!std::regex_search(opened, digits, std::regex("\\b(\\d{6})\\b"))) {
      ADD_FAILURE() << "no code in: " << opened;
      return "";
    }
    return digits[1];
  }
  // The state of the window of the teacher's latest session ("" if none).
  std::string window_state(const std::string& token) {
    const auto sessions = api().get("/api/v1/sessions", token).json();
    if (!sessions.contains("items") || sessions["items"].empty()) return "";
    const auto path = "/api/v1/sessions/" + text(sessions["items"][0]["id"].get<std::int64_t>()) +
                      "/checkin-window";
    return api().get(path, token).json().value("state", "");
  }
  // Presses Close now on the teacher's countdown.
  void close_now(const FakeUser& teacher) {
    const auto countdown = wait_text(teachers_, teacher, "closes in");
    for (const auto& m : teachers_.messages(teacher.id)) {
      if (m.text == countdown) {
        teachers_.push_update(teachers_.callback_query(teacher, m.message_id, "close"));
        return;
      }
    }
    ADD_FAILURE() << "no countdown message";
  }

  FakeBotApi teachers_{bots_testing::make_test_token(111111111)};
  FakeBotApi students_{bots_testing::make_test_token(222222222)};
  std::unique_ptr<ServerProcess> server_;
  std::string admin_;
};

TEST_F(TelegramBotsE2E, ATeacherAndSixStudentsFromStartToTheReport) {
  Notes notes;
  // ---- The school, through the REST API.
  const auto class_id = create("/api/v1/classes", {{"name", "Physics 1"}, {"section", "A"}})["id"];
  const auto subject =
      create("/api/v1/subjects", {{"code", "PHY101"}, {"name", "Mechanics"}})["id"];
  const auto teacher = create("/api/v1/teachers", {{"name", "Grace Hopper"},
                                                   {"phone", "+91 98765 43210"},
                                                   {"username", "grace"},
                                                   {"password", kTeacherPassword}});
  create("/api/v1/assignments",
         {{"teacher_id", teacher["id"]}, {"class_id", class_id}, {"subject_id", subject}});
  std::map<std::string, std::string> roll;
  for (const std::string person :
       {"lin_manuel_miranda", "amy", "raj", "penny", "sheldon", "leonard"}) {
    const auto student = create("/api/v1/students", {{"name", "Student " + person},
                                                     {"roll_number", "PHY-" + person.substr(0, 3)},
                                                     {"registration_number", "REG-" + person},
                                                     {"class_id", class_id}});
    roll[person] = student["roll_number"];
    std::vector<Part> photos;
    for (int i = 1; i <= (person == "lin_manuel_miranda" ? 1 : 2); ++i) {
      const auto path = data_path("identities/" + person + "/0" + text(i) + ".png");
      photos.push_back({"photos", path.filename().string(), file_bytes(path), "image/png"});
    }
    const auto enrolled = api().post_multipart(
        "/api/v1/students/" + text(student["id"].get<std::int64_t>()) + "/photos", photos, admin_);
    ASSERT_EQ(enrolled.status, 201) << person << ": " << enrolled;
  }

  // ---- The teacher links the account.
  const FakeUser grace{7001, "Grace"};
  teachers_.push_update(teachers_.text_message(grace, "/start"));
  wait_text(teachers_, grace, "share your phone number");
  EXPECT_EQ(teachers_.messages(grace.id).back().reply_markup["keyboard"][0][0]["request_contact"],
            true);
  teachers_.push_update(teachers_.contact_message(grace, "919876543210", 8888));
  wait_text(teachers_, grace, "not your own contact");
  teachers_.push_update(teachers_.contact_message(grace, "919876543210", grace.id));
  wait_text(teachers_, grace, "Found your profile, Grace Hopper");
  const auto wrong = teachers_.push_update(teachers_.text_message(grace, "not my password"));
  wait_text(teachers_, grace, "not the password of grace");
  teachers_.push_update(teachers_.text_message(grace, kTeacherPassword));
  wait_text(teachers_, grace, "Linked. Welcome, Grace Hopper");
  EXPECT_EQ(teachers_.deleted().size(), 2u) << "both password messages are deleted";
  (void)wrong;

  // ---- Class, subject, duration, location.
  wait_text(teachers_, grace, "Which class?");
  const auto menu = teachers_.messages(grace.id).back();
  ASSERT_EQ(menu.reply_markup["inline_keyboard"][0][0]["text"], "Physics 1 A");
  EXPECT_EQ(menu.reply_markup["inline_keyboard"][0][0]["callback_data"],
            "class:" + text(class_id.get<std::int64_t>()));
  open_window(grace, class_id, subject, "300");
  const auto opened = wait_text(teachers_, grace, "Check-in is open for Physics 1 A - Mechanics");
  std::smatch digits;
  ASSERT_TRUE(std::regex_search(opened, digits, std::regex("\\b(\\d{6})\\b"))) << opened;
  const std::string code = digits[1];
  ASSERT_TRUE(teachers_.wait_for([&] { return teachers_.files(grace.id).size() == 1; }));
  const auto qr = teachers_.files(grace.id).front();
  EXPECT_EQ(qr.method, "sendPhoto");
  EXPECT_EQ(qr.bytes.substr(1, 3), "PNG");
  wait_text(teachers_, grace, "closes in");
  const auto timer = teachers_.messages(grace.id).back();
  teachers_.push_update(teachers_.callback_query(grace, timer.message_id, "extend:30"));
  ASSERT_TRUE(teachers_.wait_for([&] {
    for (const auto& answer : teachers_.callback_answers()) {
      if (answer.text == "Extended by 30 s") return true;
    }
    return false;
  }));

  // ---- Students.
  const FakeUser lin{9001, "Lin"}, amy{9002, "Amy"}, raj{9003, "Raj"}, penny{9004, "Penny"},
      sheldon{9005, "Sheldon"}, leonard{9006, "Leonard"};
  // A sticker and an unknown command: polite answers.
  auto sticker = students_.text_message(lin, "x");
  sticker["message"].erase("text");
  sticker["message"]["sticker"] = {{"file_id", "s1"}, {"width", 512}, {"height", 512}};
  students_.push_update(sticker);
  wait_text(students_, lin, "What is your roll number?");
  students_.push_update(students_.text_message(lin, "/dance"));
  wait_text(students_, lin, "I don't know /dance");

  up_to_capture(lin, roll["lin_manuel_miranda"], code);
  // The bot's next reply meets a 429 first, and waits it out.
  const int sends_before = students_.calls("sendMessage");
  students_.fail_next("sendMessage", 1, bots_testing::Failure::kRateLimited, 1);
  video_note(lin, notes.lin());
  wait_text(students_, lin, "Checked in: you are marked present", 60s);
  EXPECT_GE(students_.calls("sendMessage") - sends_before, 3);  // 429, retry, verdict

  // Out of the fence, and a forwarded location.
  link_and_send(penny, roll["penny"], code);
  double far_lat = 0, far_lon = 0;
  GeographicLib::Geodesic::WGS84().Direct(kLat, kLon, 90, 400, far_lat, far_lon);
  students_.push_update(students_.location_message(penny, far_lat, far_lon));
  EXPECT_NE(wait_text(students_, penny, "from the teacher").find("400 m"), std::string::npos);

  link_and_send(sheldon, roll["sheldon"], code);
  students_.push_update(students_.location_message(sheldon, kLat, kLon, LocationKind::kForwarded));
  wait_text(students_, sheldon, "forwarded");

  // amy and raj reach the last step; then the server restarts.
  up_to_capture(amy, roll["amy"], code);
  up_to_capture(raj, roll["raj"], code);
  const auto offset_before = students_.confirmed_offset();
  ASSERT_EQ(server_->stop(), 0);
  std::string error;
  server_ = ServerProcess::restart(std::move(server_), {Backend::sqlite, flags()}, error);
  ASSERT_TRUE(server_) << error;
  const int lin_messages = static_cast<int>(students_.messages(lin.id).size());
  video_note(amy, notes.amy());
  video_note(raj, notes.lin());
  const auto flat = wait_text(students_, amy, "Not checked in:", 60s);
  EXPECT_NE(flat.find("flat picture"), std::string::npos) << flat;
  const auto refused = wait_text(students_, raj, "Not checked in:", 60s);
  EXPECT_NE(refused.find("does not match"), std::string::npos) << refused;
  EXPECT_GE(students_.confirmed_offset(), offset_before);
  // Nothing from before the restart was handled twice.
  EXPECT_EQ(static_cast<int>(students_.messages(lin.id).size()), lin_messages);
  EXPECT_EQ(count_text(students_, lin, "Checked in"), 1);

  // A file larger than Telegram lets bots download is refused unread.
  video_note(raj, std::string(21 * 1024 * 1024, 'x'));
  wait_text(students_, raj, "That file is too large (at most 20 MB)");

  // ---- The teacher closes; a late code; the report.
  const auto countdown = teachers_.messages(grace.id).back();
  teachers_.push_update(teachers_.callback_query(grace, countdown.message_id, "close"));
  wait_text(teachers_, grace, "Check-in closed");
  const auto late = link_and_send(leonard, roll["leonard"], code, "has closed");
  EXPECT_EQ(late.find("expired"), std::string::npos) << late;

  const auto report = wait_text(teachers_, grace, "Present 1, late 0, absent 5", 60s);
  for (const std::string absent : {"amy", "penny", "sheldon", "raj", "leonard"}) {
    EXPECT_NE(report.find(roll[absent]), std::string::npos) << absent << " in\n" << report;
  }
  EXPECT_EQ(report.find(roll["lin_manuel_miranda"]), std::string::npos) << report;
  ASSERT_TRUE(teachers_.wait_for([&] { return teachers_.files(grace.id).size() == 3; }));
  const auto files = teachers_.files(grace.id);
  EXPECT_EQ(files[1].method, "sendDocument");
  EXPECT_NE(files[1].filename.find(".csv"), std::string::npos) << files[1].filename;
  EXPECT_NE(files[1].bytes.find(roll["lin_manuel_miranda"]), std::string::npos);
  EXPECT_NE(files[1].bytes.find("present"), std::string::npos);
  EXPECT_NE(files[2].filename.find(".xlsx"), std::string::npos) << files[2].filename;
  EXPECT_EQ(files[2].bytes.substr(0, 2), "PK");

  // /report sends it again; the session is locked with the same counts.
  teachers_.push_update(teachers_.text_message(grace, "/report"));
  ASSERT_TRUE(teachers_.wait_for([&] { return teachers_.files(grace.id).size() == 5; }));
  EXPECT_EQ(count_text(teachers_, grace, "Present 1, late 0, absent 5"), 2);

  // Polling: any webhook left from webhook mode was removed.
  EXPECT_GE(students_.calls("deleteWebhook"), 1);
  EXPECT_GE(teachers_.calls("deleteWebhook"), 1);
  // The tokens never reach the log.
  const auto log = server_->log();
  for (const auto& token : {teachers_.token(), students_.token()}) {
    EXPECT_EQ(log.find(token.substr(token.find(':') + 1)), std::string::npos);
  }
}

TEST_F(TelegramBotsE2E, TheReportComesWhenAServerWithoutTheBotsFinalises) {
  const auto class_id = create("/api/v1/classes", {{"name", "Biology"}, {"section", "C"}})["id"];
  const auto subject = create("/api/v1/subjects", {{"code", "BIO1"}, {"name", "Cells"}})["id"];
  const auto teacher = create("/api/v1/teachers", {{"name", "Rosalind Franklin"},
                                                   {"phone", "+441632960001"},
                                                   {"username", "rosalind"},
                                                   {"password", kTeacherPassword}});
  create("/api/v1/assignments",
         {{"teacher_id", teacher["id"]}, {"class_id", class_id}, {"subject_id", subject}});
  create("/api/v1/students", {{"name", "Sam Student"},
                              {"roll_number", "BIO-1"},
                              {"registration_number", "REG-BIO-1"},
                              {"class_id", class_id}});
  const FakeUser rosalind{7101, "Rosalind"};
  link_teacher(rosalind, "441632960001", "Rosalind Franklin");
  open_window(rosalind, class_id, subject, "60");

  // This server stops; one without bot tokens closes and finalises.
  std::string error;
  ASSERT_EQ(server_->stop(), 0);
  server_ = ServerProcess::restart(std::move(server_), {Backend::sqlite, {}}, error);
  ASSERT_TRUE(server_) << error;
  const auto token = api().login("rosalind", kTeacherPassword);
  const auto sessions = api().get("/api/v1/sessions", token).json()["items"];
  ASSERT_EQ(sessions.size(), 1u);
  const auto window =
      "/api/v1/sessions/" + text(sessions[0]["id"].get<std::int64_t>()) + "/checkin-window";
  ASSERT_EQ(api().post(window + "/close", json::object(), token).status, 200);
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (api().get(window, token).json().value("state", "") != "finalized" &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(api().get(window, token).json().value("state", ""), "finalized");
  EXPECT_EQ(count_text(teachers_, rosalind, "Present 0, late 0, absent 1"), 0);

  // The bots come back: the teacher's chat still waits, and gets the report.
  ASSERT_EQ(server_->stop(), 0);
  server_ = ServerProcess::restart(std::move(server_), {Backend::sqlite, flags()}, error);
  ASSERT_TRUE(server_) << error;
  wait_text(teachers_, rosalind, "Present 0, late 0, absent 1");
  ASSERT_TRUE(teachers_.wait_for([&] { return teachers_.files(rosalind.id).size() == 3; }));
}

// Issue 15, item 8: polling (the default) hands updates to the per-chat
// lanes as webhooks do; a download held 5 s holds up no other chat.
TEST_F(TelegramBotsE2E, ASlowDownloadHoldsUpNoOtherChat) {
  const auto hall = school("Optics", "Ada Lovelace", "ada", "+441632960101", {"OPT-1", "OPT-2"});
  const FakeUser ada{7401, "Ada"};
  link_teacher(ada, "441632960101", "Ada Lovelace");
  open_window(ada, hall.class_id, hall.subject, "300");
  const auto code = code_for(ada);
  // Chats 9401 and 9402 fall in different lanes (and chat locks).
  const FakeUser slow{9401, "Slow"}, quick{9402, "Quick"};
  up_to_capture(slow, "OPT-1", code);
  link_and_send(quick, "OPT-2", code);

  const int answers_before = static_cast<int>(students_.messages(slow.id).size());
  students_.delay_next("file", 1, 5s);
  video_note(slow, "a note that takes long to download");
  ASSERT_TRUE(students_.wait_for([&] { return students_.calls("file") >= 1; }));
  const auto asked = std::chrono::steady_clock::now();
  students_.push_update(students_.location_message(quick, kLat, kLon));
  wait_text(students_, quick, "You are in the room", 10s);
  const auto took = std::chrono::steady_clock::now() - asked;
  EXPECT_LT(took, 2s) << "the classmate waited "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                      << " ms behind a download";
  // The slow one is answered too, once the download is done.
  EXPECT_TRUE(students_.wait_for(
      [&] { return static_cast<int>(students_.messages(slow.id).size()) > answers_before; }, 30s));
}

// Issue 15, item 10: a video note after the close is told the check-in
// has closed (a time of day, not an ISO timestamp; no "send the code
// again"), without being downloaded.
TEST_F(TelegramBotsE2E, AVideoNoteAfterTheCloseIsToldItClosedWithoutADownload) {
  const auto hall = school("Acoustics", "Emmy Noether", "emmy", "+441632960102", {"ACU-1"});
  const FakeUser emmy{7501, "Emmy"};
  link_teacher(emmy, "441632960102", "Emmy Noether");
  open_window(emmy, hall.class_id, hall.subject, "300");
  const auto code = code_for(emmy);
  const FakeUser late{9501, "Late"};
  up_to_capture(late, "ACU-1", code);
  close_now(emmy);
  wait_text(teachers_, emmy, "Check-in closed");

  const int lookups = students_.calls("getFile");
  const int downloads = students_.calls("file");
  video_note(late, "a video note recorded after the close");
  const auto told = wait_text(students_, late, "That check-in has closed");
  EXPECT_TRUE(std::regex_search(told, std::regex("closed \\(at \\d\\d:\\d\\d UTC\\)"))) << told;
  EXPECT_FALSE(std::regex_search(told, std::regex("\\d{4}-\\d\\d-\\d\\dT"))) << told;
  EXPECT_EQ(told.find("code again"), std::string::npos) << told;
  EXPECT_EQ(students_.calls("getFile"), lookups);
  EXPECT_EQ(students_.calls("file"), downloads);
  // The conversation is over: the next note is not taken for this window.
  EXPECT_EQ(count_text(students_, late, "Checking your face"), 0);
}

// Issue 15, item 9: the reports' uploads (held 6 s each) do not hold up
// the finaliser: two windows closed together are both finalised at once,
// and both teachers get their reports later from the outbox.
TEST_F(TelegramBotsE2E, FinalisingTwoWindowsDoesNotWaitForTheReports) {
  const auto first = school("Algebra", "Emmy Noether", "emmy", "+441632960103", {"ALG-1"});
  const auto second = school("Geometry", "Sophie Germain", "sophie", "+441632960104", {"GEO-1"});
  const FakeUser emmy{7601, "Emmy"}, sophie{7602, "Sophie"};
  link_teacher(emmy, "441632960103", "Emmy Noether");
  open_window(emmy, first.class_id, first.subject, "300");
  link_teacher(sophie, "441632960104", "Sophie Germain");
  open_window(sophie, second.class_id, second.subject, "300");

  teachers_.delay_next("sendDocument", 4, 6s);
  close_now(emmy);
  close_now(sophie);
  wait_text(teachers_, emmy, "Check-in closed");
  wait_text(teachers_, sophie, "Check-in closed");
  const auto closed = std::chrono::steady_clock::now();
  const auto tokens = std::vector<std::string>{api().login("emmy", kTeacherPassword),
                                               api().login("sophie", kTeacherPassword)};
  const auto both_final = [&] {
    return window_state(tokens[0]) == "finalized" && window_state(tokens[1]) == "finalized";
  };
  while (!both_final() && std::chrono::steady_clock::now() - closed < 60s) {
    std::this_thread::sleep_for(100ms);
  }
  const auto took = std::chrono::steady_clock::now() - closed;
  ASSERT_TRUE(both_final());
  // Grace 1 s and the finaliser's tick; one report's two uploads alone take 12 s.
  EXPECT_LT(took, 6s) << "finalising took "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                      << " ms";
  wait_text(teachers_, emmy, "Present 0, late 0, absent 1", 60s);
  wait_text(teachers_, sophie, "Present 0, late 0, absent 1", 60s);
  EXPECT_TRUE(teachers_.wait_for([&] { return teachers_.files(emmy.id).size() == 3; }, 60s));
  EXPECT_TRUE(teachers_.wait_for([&] { return teachers_.files(sophie.id).size() == 3; }, 60s));
  EXPECT_EQ(count_text(teachers_, emmy, "Present 0, late 0, absent 1"), 1);
}

// Issue 15, item 9: the outbox is durable: a report whose files Telegram
// will not take yet goes on after a restart of the bots, from the part it
// had reached (the message is not sent twice).
TEST_F(TelegramBotsE2E, AReportSurvivesARestartOfTheBots) {
  const auto hall = school("Calculus", "Maryam Mirzakhani", "maryam", "+441632960105", {"CAL-1"});
  const FakeUser maryam{7701, "Maryam"};
  link_teacher(maryam, "441632960105", "Maryam Mirzakhani");
  open_window(maryam, hall.class_id, hall.subject, "300");
  ASSERT_TRUE(teachers_.wait_for([&] { return teachers_.files(maryam.id).size() == 1; }));

  teachers_.fail_next("sendDocument", 1000, bots_testing::Failure::kServerError);
  close_now(maryam);
  wait_text(teachers_, maryam, "Present 0, late 0, absent 1", 60s);
  ASSERT_TRUE(teachers_.wait_for([&] { return teachers_.calls("sendDocument") >= 1; }));
  ASSERT_EQ(server_->stop(), 0);
  teachers_.fail_next("sendDocument", 0, bots_testing::Failure::kServerError);  // Telegram is back
  std::string error;
  server_ = ServerProcess::restart(std::move(server_), {Backend::sqlite, flags()}, error);
  ASSERT_TRUE(server_) << error;
  ASSERT_TRUE(teachers_.wait_for([&] { return teachers_.files(maryam.id).size() == 3; }, 60s));
  const auto files = teachers_.files(maryam.id);
  EXPECT_NE(files[1].filename.find(".csv"), std::string::npos) << files[1].filename;
  EXPECT_NE(files[2].filename.find(".xlsx"), std::string::npos) << files[2].filename;
  EXPECT_EQ(count_text(teachers_, maryam, "Present 0, late 0, absent 1"), 1);
}

// Issue 15, item 10: a QR image or a report file Telegram refuses for good
// is told to the teacher, not promised.
TEST_F(TelegramBotsE2E, FilesTelegramRefusesAreToldToTheTeacher) {
  const auto hall = school("Topology", "Karen Uhlenbeck", "karen", "+441632960106", {"TOP-1"});
  const FakeUser karen{7801, "Karen"};
  link_teacher(karen, "441632960106", "Karen Uhlenbeck");
  teachers_.fail_next("sendPhoto", 1, bots_testing::Failure::kBadRequest);
  open_window(karen, hall.class_id, hall.subject, "300");
  const auto opened = wait_text(teachers_, karen, "Check-in is open for");
  EXPECT_EQ(opened.find("QR"), std::string::npos) << "no image promised before it is sent";
  const auto no_qr = wait_text(teachers_, karen, "I could not send the QR image");
  EXPECT_NE(no_qr.find(code_for(karen)), std::string::npos) << no_qr;
  EXPECT_TRUE(teachers_.files(karen.id).empty());

  teachers_.fail_next("sendDocument", 1, bots_testing::Failure::kBadRequest);
  close_now(karen);
  wait_text(teachers_, karen, "Present 0, late 0, absent 1", 60s);
  const auto told = wait_text(teachers_, karen, "I could not send the CSV file of the report", 60s);
  EXPECT_NE(told.find("Topology A - Topology"), std::string::npos) << told;
  // The XLSX still comes.
  ASSERT_TRUE(teachers_.wait_for([&] { return teachers_.files(karen.id).size() == 1; }, 60s));
  EXPECT_NE(teachers_.files(karen.id)[0].filename.find(".xlsx"), std::string::npos);
}

// `rollcall bots` beside a `rollcall serve` without tokens, on one
// database: the bots process answers, the server verifies and finalises.
class TelegramBotsBesideE2E : public TelegramBotsE2E {
 protected:
  std::vector<std::pair<std::string, std::string>> flags() const override { return {}; }
};

TEST_F(TelegramBotsBesideE2E, RollcallBotsRunsBesideTheServer) {
  const auto out = server_->data_dir() / "bots.out";
  std::vector<std::string> args = {ROLLCALL_BINARY, "bots",
                                   "--data-dir",    server_->data_dir().string(),
                                   "--models-dir",  std::string(ROLLCALL_TEST_MODELS),
                                   "--log-format",  "json"};
  for (const auto& [flag, value] : TelegramBotsE2E::flags()) {
    args.push_back(flag);
    args.push_back(value);
  }
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, (out.string() + ".log").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  const auto until = std::chrono::steady_clock::now() + 60s;
  while (file_bytes(out).find("bots running") == std::string::npos &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_NE(file_bytes(out).find("bots running"), std::string::npos)
      << file_bytes(fs::path(out.string() + ".log"));

  // The school is made through the server; the bots see it.
  const auto class_id = create("/api/v1/classes", {{"name", "Art"}, {"section", "D"}})["id"];
  const auto subject = create("/api/v1/subjects", {{"code", "ART1"}, {"name", "Drawing"}})["id"];
  const auto teacher = create("/api/v1/teachers", {{"name", "Frida Kahlo"},
                                                   {"phone", "+525512345678"},
                                                   {"username", "frida"},
                                                   {"password", kTeacherPassword}});
  create("/api/v1/assignments",
         {{"teacher_id", teacher["id"]}, {"class_id", class_id}, {"subject_id", subject}});
  const FakeUser frida{7301, "Frida"};
  link_teacher(frida, "525512345678", "Frida Kahlo");
  EXPECT_EQ(teachers_.messages(frida.id).back().reply_markup["inline_keyboard"][0][0]["text"],
            "Art D");
  // The server sees the link the bots made.
  EXPECT_EQ(api()
                .get("/api/v1/teachers/" + text(teacher["id"].get<std::int64_t>()), admin_)
                .json()["telegram_linked"],
            true);

  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = -1;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << file_bytes(fs::path(out.string() + ".log"));
}

// Webhook mode: Telegram POSTs updates to /telegram/<bot> with the secret.
class TelegramWebhookE2E : public TelegramBotsE2E {
 protected:
  static constexpr const char* kSecret = "webhook-secret-for-tests_1";
  std::vector<std::pair<std::string, std::string>> flags() const override {
    auto out = TelegramBotsE2E::flags();
    out.insert(out.end(), {{"--telegram-mode", "webhook"},
                           {"--telegram-webhook-url", "https://hooks.school.example"},
                           {"--telegram-webhook-secret", kSecret},
                           {"--telegram-messages-per-minute", "4"}});
    return out;
  }
  // Plays Telegram delivering `update` (with update_id `id`) to `bot`.
  Response deliver(const std::string& bot, json update, std::int64_t id,
                   const std::string& secret = kSecret) {
    if (update.is_object()) update["update_id"] = id;
    httplib::Client client("127.0.0.1", server_->port());
    httplib::Headers headers;
    if (!secret.empty()) headers.emplace("X-Telegram-Bot-Api-Secret-Token", secret);
    auto reply = client.Post("/telegram/" + bot, headers, update.dump(), "application/json");
    Response out;
    if (!reply) return out;
    out.status = reply->status;
    out.body = reply->body;
    return out;
  }
};

TEST_F(TelegramWebhookE2E, UpdatesComeWithTheSecretAndCountOnce) {
  // Both bots register their webhook with the secret.
  ASSERT_TRUE(teachers_.wait_for([&] { return !teachers_.webhook_url().empty(); }));
  ASSERT_TRUE(students_.wait_for([&] { return !students_.webhook_url().empty(); }));
  EXPECT_EQ(teachers_.webhook_url(), "https://hooks.school.example/telegram/teacher");
  EXPECT_EQ(students_.webhook_url(), "https://hooks.school.example/telegram/student");
  EXPECT_EQ(students_.webhook_secret(), kSecret);
  EXPECT_EQ(students_.calls("getUpdates"), 0);

  const FakeUser ann{9101, "Ann"}, bob{9102, "Bob"}, cat{9103, "Cat"};
  const auto start = students_.text_message(ann, "/start");
  EXPECT_EQ(deliver("student", start, 500, "wrong").error_code(), "telegram_secret_wrong");
  EXPECT_EQ(deliver("student", start, 500, "").status, 403);
  EXPECT_EQ(deliver("student", json::array(), 500).error_code(), "invalid_json");
  ASSERT_EQ(deliver("student", start, 500).status, 200);
  wait_text(students_, ann, "What is your roll number?");
  // Telegram repeats a delivery it did not see answered: taken, not redone.
  ASSERT_EQ(deliver("student", start, 500).status, 200);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(count_text(students_, ann, "What is your roll number?"), 1);

  // A roll number links one Telegram account; the teacher or an admin unlinks.
  const auto class_id = create("/api/v1/classes", {{"name", "Chem"}, {"section", "B"}})["id"];
  const auto student = create("/api/v1/students", {{"name", "Ann Lee"},
                                                   {"roll_number", "CH-1"},
                                                   {"registration_number", "REG-CH-1"},
                                                   {"class_id", class_id}});
  ASSERT_EQ(deliver("student", students_.text_message(ann, "CH-1"), 501).status, 200);
  wait_text(students_, ann, "Linked: Ann Lee (CH-1)");
  ASSERT_EQ(deliver("student", students_.text_message(bob, "/start"), 502).status, 200);
  wait_text(students_, bob, "What is your roll number?");
  ASSERT_EQ(deliver("student", students_.text_message(bob, "CH-1"), 503).status, 200);
  wait_text(students_, bob, "linked to another Telegram account; ask your teacher to unlink it");
  const auto unlinked = api().del(
      "/api/v1/students/" + text(student["id"].get<std::int64_t>()) + "/telegram", admin_);
  ASSERT_EQ(unlinked.status, 200) << unlinked;
  EXPECT_EQ(unlinked.json()["telegram_linked"], false);
  ASSERT_EQ(deliver("student", students_.text_message(bob, "CH-1"), 504).status, 200);
  wait_text(students_, bob, "Linked: Ann Lee (CH-1)");

  // A teacher links with a one-time code made in the web app.
  const auto alan = create("/api/v1/teachers", {{"name", "Alan Turing"},
                                                {"phone", "+447700900123"},
                                                {"username", "alan"},
                                                {"password", "another long password"}});
  const auto made = api().post("/api/v1/me/telegram-link-code", json::object(),
                               api().login("alan", "another long password"));
  ASSERT_EQ(made.status, 201) << made;
  const FakeUser turing{9201, "Alan"};
  ASSERT_EQ(deliver("teacher", teachers_.text_message(turing, "/start"), 600).status, 200);
  wait_text(teachers_, turing, "share your phone number");
  ASSERT_EQ(
      deliver("teacher", teachers_.contact_message(turing, "447700900123", turing.id), 601).status,
      200);
  wait_text(teachers_, turing, "Found your profile, Alan Turing");
  std::string typed = made.json()["code"];
  typed.insert(4, "-");
  ASSERT_EQ(deliver("teacher", teachers_.text_message(turing, typed), 602).status, 200);
  wait_text(teachers_, turing, "Linked. Welcome, Alan Turing");
  wait_text(teachers_, turing, "You teach no class yet");
  const auto linked = api().get("/api/v1/teachers/" + text(alan["id"].get<std::int64_t>()), admin_);
  EXPECT_EQ(linked.json()["telegram_linked"], true) << linked;
  ASSERT_EQ(deliver("teacher", teachers_.text_message(turing, "/cancel"), 603).status, 200);
  wait_text(teachers_, turing, "Cancelled.");

  // Four messages a minute per user: the fifth and sixth get one refusal.
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(deliver("student", students_.text_message(cat, "/help"), 510 + i).status, 200);
  }
  wait_text(students_, cat, "faster than I can take them");
  EXPECT_EQ(count_text(students_, cat, "I check you in"), 4);
  EXPECT_EQ(count_text(students_, cat, "faster than I can take them"), 1);
}

}  // namespace
}  // namespace rollcall::http_testing

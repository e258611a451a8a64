// src/bots/teacher_bot.cc
#include "bots/teacher_bot.h"

#include <algorithm>
#include <set>

#include "base/clock.h"
#include "bots/retry.h"
#include "domain/qr_code.h"

namespace rollcall::bots {
namespace {

using nlohmann::json;

constexpr const char* kHelp =
    "I open check-in windows for your classes.\n"
    "/new - open a check-in: class, subject, duration, then your location\n"
    "/close - close the open check-in now\n"
    "/report - the report of your latest session\n"
    "/cancel - stop what we are doing\n"
    "/start - link your Rollcall account\n"
    "/help - this list";

// States of the conversation (bot_chats.state).
constexpr const char* kAwaitContact = "await_contact";
constexpr const char* kAwaitSecret = "await_secret";
constexpr const char* kChooseClass = "choose_class";
constexpr const char* kChooseSubject = "choose_subject";
constexpr const char* kChooseDuration = "choose_duration";
constexpr const char* kAwaitLocation = "await_location";
constexpr const char* kWindowOpen = "window_open";

std::optional<std::int64_t> number_after(const std::string& data, const std::string& prefix) {
  if (!data.starts_with(prefix)) return std::nullopt;
  try {
    std::size_t used = 0;
    const auto value = std::stoll(data.substr(prefix.size()), &used);
    if (used != data.size() - prefix.size()) return std::nullopt;
    return value;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string clock_text(std::int64_t ms) {
  const auto seconds = std::max<std::int64_t>(0, (ms + 999) / 1000);
  const auto s = seconds % 60;
  return std::to_string(seconds / 60) + ":" + (s < 10 ? "0" : "") + std::to_string(s);
}

std::string duration_text(std::int64_t seconds) {
  if (seconds % 60 == 0) return std::to_string(seconds / 60) + " min";
  return std::to_string(seconds) + " s";
}

json countdown_buttons() {
  return inline_keyboard(
      {{{"+30 s", "extend:30"}, {"+1 min", "extend:60"}}, {{"Close now", "close"}}});
}

// A report goes out in three parts, in this order.
constexpr int kReportParts = 3;
const char* part_name(int part) {
  return part == 1 ? "CSV file" : part == 2 ? "XLSX file" : "message";
}
domain::ExportFormat part_format(int part) {
  return part == 1 ? domain::ExportFormat::csv : domain::ExportFormat::xlsx;
}
// Telegram will not take it however often it is sent.
bool is_final(const Error& error) {
  return error.code == "telegram_refused" || error.code == "telegram_file_too_large";
}

// "Physics 1 A - Mechanics, 2026-03-12 09:30 UTC"
std::string report_title(const domain::SessionReport& report) {
  return report.group.name + " " + report.group.section + " - " + report.session.subject_name +
         ", " + domain::format_report_time(report.session.session.starts_ms) + " UTC";
}

std::string report_text(const domain::SessionReport& report) {
  std::string text = report.group.name + " " + report.group.section + " - " +
                     report.session.subject_name + " (" + report.session.subject_code + "), " +
                     domain::format_report_time(report.session.session.starts_ms) + " UTC\n";
  const auto& tally = report.tally;
  text += "Present " + std::to_string(tally.present) + ", late " + std::to_string(tally.late) +
          ", absent " + std::to_string(tally.absent);
  if (tally.excused > 0) text += ", excused " + std::to_string(tally.excused);
  if (const auto percent = tally.percent()) {
    text += " (" + std::to_string(static_cast<int>(*percent + 0.5)) + "% attended)";
  }
  // Telegram takes at most 4096 characters in a message: a long list ends
  // with how many more are in the files.
  constexpr std::size_t kMaxNames = 3600;
  for (const auto status : {store::AttendanceStatus::absent, store::AttendanceStatus::late}) {
    std::string names;
    int more = 0;
    for (const auto& line : report.lines) {
      if (line.status != status) continue;
      const std::string name = "\n  " + line.student.name + " (" + line.student.roll_number + ")";
      if (text.size() + names.size() + name.size() > kMaxNames) {
        ++more;
        continue;
      }
      names += name;
    }
    if (more > 0) names += "\n  and " + std::to_string(more) + " more (see the files)";
    if (!names.empty()) {
      text += std::string("\n") +
              (status == store::AttendanceStatus::absent ? "Absent:" : "Late:") + names;
    }
  }
  return text;
}

}  // namespace

TeacherBot::TeacherBot(BotApi& api, store::Store& store, TeacherBotServices services,
                       ChatBotOptions options)
    : ChatBot(api, store, "teacher", std::move(options)), services_(services) {}

namespace {

// The linked teacher as the domain sees a signed-in teacher.
std::optional<domain::Principal> linked_teacher(store::Store& store, std::int64_t user_id) {
  auto who = store.read_value<std::optional<domain::Principal>>(
      [&](store::Tx& tx) -> Result<std::optional<domain::Principal>> {
        auto teacher = tx.find_teacher_by_telegram(user_id);
        if (!teacher) return teacher.error();
        if (!*teacher) return std::optional<domain::Principal>();
        auto user = tx.find_user((*teacher)->user);
        if (!user) return user.error();
        if (!*user || !(*user)->is_active) return std::optional<domain::Principal>();
        return std::optional<domain::Principal>(domain::Principal{
            (*user)->id, store::Role::teacher, (*user)->username, (*teacher)->id, std::nullopt});
      });
  if (!who) return std::nullopt;
  return *who;
}

}  // namespace

void TeacherBot::on_incoming(const Incoming& in) {
  auto loaded = conversations_.load(in.chat_id);
  if (!loaded) {
    say(in.chat_id, "Something went wrong on the server; please try again in a minute.");
    return;
  }
  Conversation conversation = std::move(loaded).value();
  conversation.user_id = in.user_id;

  if (in.command == "/help") {
    say(in.chat_id, kHelp);
    return;
  }
  if (in.command == "/start") {
    start(in, conversation);
    return;
  }
  if (in.command == "/cancel") {
    const bool has_window = conversation.state == kWindowOpen;
    if (!has_window) forget(in.chat_id);
    say(in.chat_id,
        has_window ? "The check-in stays open; use Close now or /close to end it early."
                   : "Cancelled. /new opens a check-in.",
        has_window ? std::optional<json>() : std::optional<json>(remove_keyboard()));
    return;
  }
  if (conversation.state == kAwaitContact) {
    on_contact(in, conversation);
    return;
  }
  if (conversation.state == kAwaitSecret) {
    on_secret(in, conversation);
    return;
  }
  const auto who = linked_teacher(store_, in.user_id);
  if (!who) {
    if (in.kind == IncomingKind::button) answer_button(in);
    say(in.chat_id, "I don't know you yet. Send /start to link your Rollcall teacher account.");
    return;
  }
  if (in.command == "/new") {
    if (conversation.state == kWindowOpen) {
      say(in.chat_id, "A check-in is still open; close it first (/close).");
      return;
    }
    choose_class(in, conversation, *who);
    return;
  }
  if (in.command == "/close") {
    close_window(in, conversation, *who);
    return;
  }
  if (in.command == "/report") {
    auto latest = services_.sessions.list(*who, store::SessionFilter{}, store::ListQuery{"", 0, 1});
    if (!latest || latest->items.empty()) {
      say(in.chat_id, "You have no sessions yet. /new opens a check-in.");
      return;
    }
    send_report(in.chat_id, *who, latest->items.front().id);
    return;
  }
  if (!in.command.empty()) {
    say(in.chat_id, "I don't know " + in.command + ".\n\n" + kHelp);
    return;
  }
  switch (in.kind) {
    case IncomingKind::button:
      on_button(in, conversation, *who);
      return;
    case IncomingKind::location:
      on_location(in, conversation, *who);
      return;
    default:
      break;
  }
  if (conversation.state == kAwaitLocation) {
    say(in.chat_id, "Please share your location with the button below.",
        location_keyboard("Share my location"));
  } else if (conversation.state == kWindowOpen) {
    say(in.chat_id, "The check-in is open. Use the buttons on its message, or /close.");
  } else {
    say(in.chat_id, "Use the buttons, or a command.\n\n" + std::string(kHelp));
  }
}

void TeacherBot::start(const Incoming& in, Conversation& conversation) {
  if (const auto who = linked_teacher(store_, in.user_id)) {
    if (conversation.state == kWindowOpen) {
      say(in.chat_id, "Hello again. A check-in is open; /close ends it.");
      return;
    }
    say(in.chat_id, "Hello, " + who->username + ". Your account is linked.", remove_keyboard());
    choose_class(in, conversation, *who);
    return;
  }
  conversation.data = json::object();
  save(in.chat_id, conversation, kAwaitContact);
  say(in.chat_id,
      "Welcome to Rollcall. To link your teacher account, share your phone number with the "
      "button below: it must be the number in your Rollcall profile.",
      contact_keyboard("Share my phone number"));
}

void TeacherBot::on_contact(const Incoming& in, Conversation& conversation) {
  if (in.kind != IncomingKind::contact) {
    say(in.chat_id, "Please use the button below to share your phone number (or /cancel).",
        contact_keyboard("Share my phone number"));
    return;
  }
  if (in.contact_user_id != in.user_id) {
    say(in.chat_id,
        "That is not your own contact. Please share YOUR phone number with the button below.",
        contact_keyboard("Share my phone number"));
    return;
  }
  auto teacher = services_.links.teacher_for_phone(in.contact_phone);
  if (!teacher) {
    say(in.chat_id, sentence(teacher.error().message), contact_keyboard("Share my phone number"));
    return;
  }
  conversation.data = {{"teacher", teacher->id.value}, {"tries", 0}};
  save(in.chat_id, conversation, kAwaitSecret);
  say(in.chat_id,
      "Found your profile, " + teacher->name +
          ". Now send your Rollcall password, or a link code from the web app (Profile, "
          "\"Link Telegram\"). I delete the message as soon as I have read it.",
      remove_keyboard());
}

void TeacherBot::on_secret(const Incoming& in, Conversation& conversation) {
  if (in.kind != IncomingKind::text || !in.command.empty()) {
    say(in.chat_id, "Send your password or link code as a message (or /cancel).");
    return;
  }
  // A secret does not stay in the chat history (if the bot may delete).
  if (auto deleted = api_.delete_message(in.chat_id, in.message_id); !deleted) {
    log({{"event", "bot_delete_failed"}, {"why", deleted.error().message}}, true);
  }
  const TeacherId teacher{conversation.data.value("teacher", std::int64_t{0})};
  auto linked = domain::TelegramLinks::looks_like_code(in.text)
                    ? services_.links.redeem(in.text, in.user_id, teacher)
                    : services_.links.link_with_password(teacher, in.text, in.user_id);
  if (!linked) {
    const int tries = conversation.data.value("tries", 0) + 1;
    if (tries >= kMaxSecretTries || linked.error().code == "telegram_taken" ||
        linked.error().code == "account_disabled") {
      forget(in.chat_id);
      say(in.chat_id, sentence(linked.error().message) + " " +
                          (tries >= kMaxSecretTries ? "Too many tries; " : "") +
                          "send /start to begin again.");
      return;
    }
    conversation.data["tries"] = tries;
    save(in.chat_id, conversation, kAwaitSecret);
    say(in.chat_id, sentence(linked.error().message) + " Try again (" +
                        std::to_string(kMaxSecretTries - tries) + " tries left) or /cancel.");
    return;
  }
  forget(in.chat_id);
  say(in.chat_id, "Linked. Welcome, " + linked->name + "!");
  if (const auto who = linked_teacher(store_, in.user_id)) {
    Conversation fresh;
    fresh.user_id = in.user_id;
    choose_class(in, fresh, *who);
  }
}

void TeacherBot::choose_class(const Incoming& in, Conversation& conversation,
                              const domain::Principal& who) {
  auto assignments = services_.directory.list_assignments(who, who.teacher, std::nullopt);
  if (!assignments || assignments->empty()) {
    say(in.chat_id, "You teach no class yet in Rollcall; ask an admin to assign you one.");
    return;
  }
  std::set<std::int64_t> class_ids;
  for (const auto& a : *assignments) class_ids.insert(a.class_id.value);
  std::vector<std::vector<Button>> rows;
  for (const auto id : class_ids) {
    auto group = services_.directory.get_class(who, ClassId{id});
    if (!group) continue;
    rows.push_back({{group->name + " " + group->section, "class:" + std::to_string(id)}});
  }
  conversation.data = json::object();
  save(in.chat_id, conversation, kChooseClass);
  say(in.chat_id, "Which class?", inline_keyboard(rows));
}

void TeacherBot::on_button(const Incoming& in, Conversation& conversation,
                           const domain::Principal& who) {
  const auto& data = in.data;
  if (const auto class_id = number_after(data, "class:");
      class_id && conversation.state == kChooseClass) {
    auto assignments = services_.directory.list_assignments(who, who.teacher, ClassId{*class_id});
    std::vector<std::vector<Button>> rows;
    if (assignments) {
      for (const auto& a : *assignments) {
        auto subject = services_.directory.get_subject(who, a.subject);
        if (!subject) continue;
        rows.push_back(
            {{subject->code + " " + subject->name, "subject:" + std::to_string(a.subject.value)}});
      }
    }
    answer_button(in);
    if (rows.empty()) {
      say(in.chat_id, "You teach nothing to that class; /new to choose again.");
      return;
    }
    conversation.data = {{"class", *class_id}};
    save(in.chat_id, conversation, kChooseSubject);
    edit(in.chat_id, in.message_id, "Which subject?", inline_keyboard(rows));
    return;
  }
  if (const auto subject = number_after(data, "subject:");
      subject && conversation.state == kChooseSubject) {
    answer_button(in);
    conversation.data["subject"] = *subject;
    save(in.chat_id, conversation, kChooseDuration);
    edit(in.chat_id, in.message_id, "How long may students check in?",
         inline_keyboard({{{"1 min", "duration:60"}, {"90 s (usual)", "duration:90"}},
                          {{"2 min", "duration:120"}, {"5 min", "duration:300"}}}));
    return;
  }
  if (const auto duration = number_after(data, "duration:");
      duration && conversation.state == kChooseDuration) {
    answer_button(in);
    conversation.data["duration_s"] = *duration;
    save(in.chat_id, conversation, kAwaitLocation);
    edit(in.chat_id, in.message_id, "Check-in for " + duration_text(*duration) + ".");
    say(in.chat_id,
        "Last step: share your location, so that only students in the room can check in.",
        location_keyboard("Share my location"));
    return;
  }
  if (const auto seconds = number_after(data, "extend:");
      seconds && conversation.state == kWindowOpen) {
    const SessionId session{conversation.data.value("session", std::int64_t{0})};
    auto extended = services_.checkins.extend_window(who, session, static_cast<int>(*seconds));
    answer_button(in,
                  extended ? "Extended by " + duration_text(*seconds) : extended.error().message);
    if (extended) {
      edit(in.chat_id, in.message_id, countdown_text(conversation.data, extended->closes_ms),
           countdown_buttons());
    }
    return;
  }
  if (data == "close" && conversation.state == kWindowOpen) {
    answer_button(in);
    close_window(in, conversation, who);
    return;
  }
  answer_button(in, "That menu is out of date; send /new to start again.");
}

void TeacherBot::on_location(const Incoming& in, Conversation& conversation,
                             const domain::Principal& who) {
  if (conversation.state != kAwaitLocation) {
    say(in.chat_id, "I wasn't waiting for a location. /new opens a check-in.");
    return;
  }
  if (in.is_forwarded) {
    say(in.chat_id, "That location was forwarded; share your own with the button below.",
        location_keyboard("Share my location"));
    return;
  }
  const auto& data = conversation.data;
  domain::SessionFields fields;
  fields.class_id = ClassId{data.value("class", std::int64_t{0})};
  fields.subject = SubjectId{data.value("subject", std::int64_t{0})};
  const std::int64_t now = unix_ms_now();
  const int duration_s = data.value("duration_s", 90);
  fields.starts_ms = now;
  fields.ends_ms = now + std::max<std::int64_t>(3'600'000, duration_s * 1000LL);
  fields.method = "checkin";
  auto session = services_.sessions.create(who, fields);
  if (!session) {
    say(in.chat_id, "Could not start the session: " + sentence(session.error().message),
        remove_keyboard());
    return;
  }
  domain::WindowRequest request;
  request.duration_s = duration_s;
  request.position = domain::Position{in.latitude, in.longitude};
  auto window = services_.checkins.open_window(who, session->id, request);
  if (!window) {
    if (auto removed = services_.sessions.remove(who, session->id); !removed) {
      log({{"event", "bot_session_left"}, {"why", removed.error().message}}, true);
    }
    say(in.chat_id, "Could not open the check-in: " + sentence(window.error().message),
        remove_keyboard());
    return;
  }
  auto group = services_.directory.get_class(who, session->class_id);
  auto subject = services_.directory.get_subject(who, session->subject);
  conversation.data = {
      {"session", session->id.value},
      {"window", window->id},
      {"code", window->code},
      {"title", (group ? group->name + " " + group->section : std::string("Class")) + " - " +
                    (subject ? subject->name : std::string("subject"))}};
  say(in.chat_id,
      "Check-in is open for " + conversation.data["title"].get<std::string>() +
          ". Students send this code to the student bot:\n\n" + window->code,
      remove_keyboard());
  // The QR image is promised only once it is in the chat.
  bool is_qr_sent = false;
  if (auto qr = domain::make_qr(services_.checkins.link(*window))) {
    if (auto png = domain::qr_png(*qr, 10)) {
      is_qr_sent = send_file(
          in.chat_id, std::string(png->begin(), png->end()), "checkin-" + window->code + ".png",
          "Or scan this QR code: it opens the check-in page (code " + window->code + ").", true);
    }
  }
  if (!is_qr_sent) {
    say(in.chat_id,
        "I could not send the QR image (Telegram did not take it). Students can "
        "still send the code " +
            window->code + " to the student bot.");
  }
  conversation.data["message"] =
      say(in.chat_id, countdown_text(conversation.data, window->closes_ms), countdown_buttons());
  conversation.data["edited_ms"] = unix_ms_now();
  save(in.chat_id, conversation, kWindowOpen);
}

void TeacherBot::close_window(const Incoming& in, Conversation& conversation,
                              const domain::Principal& who) {
  if (conversation.state != kWindowOpen) {
    say(in.chat_id, "No check-in of yours is open here.");
    return;
  }
  const SessionId session{conversation.data.value("session", std::int64_t{0})};
  auto closed = services_.checkins.close_window(who, session);
  if (!closed) {
    say(in.chat_id, "Could not close it: " + sentence(closed.error().message));
    return;
  }
  edit(in.chat_id, conversation.data.value("message", std::int64_t{0}),
       "Check-in closed. The report follows once the last check-ins are verified.");
  conversation.data["closed_told"] = true;
  save(in.chat_id, conversation, kWindowOpen);
}

std::string TeacherBot::countdown_text(const json& data, std::int64_t closes_ms) const {
  return data.value("title", std::string()) + "\nCode " + data.value("code", std::string()) +
         " - closes in " + clock_text(closes_ms - unix_ms_now());
}

void TeacherBot::on_tick() {
  for_chats_in(kWindowOpen, [this](std::int64_t chat_id, Conversation& conversation) {
    update_countdown(chat_id, conversation);
  });
}

void TeacherBot::update_countdown(std::int64_t chat_id, Conversation& conversation) {
  const std::int64_t now = unix_ms_now();
  auto window = services_.checkins.window_by_id(conversation.data.value("window", std::int64_t{0}));
  if (!window) {
    forget(chat_id);
    return;
  }
  if (window->finalized_ms) {
    // Finalised by another server (or while this one was down): the hook
    // did not run here, so the report is queued from the timer.
    forget(chat_id);
    store::BotReport report;
    report.window = window->id;
    report.session = window->session;
    report.chat_id = chat_id;
    queue_report(std::move(report));  // none twice: the hook's, if it ran, is this one
    return;
  }
  if (now >= window->closes_ms) {
    if (!conversation.data.value("closed_told", false)) {
      edit(chat_id, conversation.data.value("message", std::int64_t{0}),
           conversation.data.value("title", std::string()) +
               "\nCheck-in closed. The report follows once the last check-ins are verified.");
      conversation.data["closed_told"] = true;
      save(chat_id, conversation, kWindowOpen);
    }
    return;
  }
  if (now - conversation.data.value("edited_ms", std::int64_t{0}) < kCountdownEveryMs) return;
  edit(chat_id, conversation.data.value("message", std::int64_t{0}),
       countdown_text(conversation.data, window->closes_ms), countdown_buttons());
  conversation.data["edited_ms"] = now;
  save(chat_id, conversation, kWindowOpen);
}

void TeacherBot::window_finalized(const store::Session& session,
                                  const store::CheckinWindow& window) {
  auto teacher = store_.read_value<std::optional<store::Teacher>>(
      [&](store::Tx& tx) { return tx.find_teacher(session.teacher); });
  if (!teacher) {
    log({{"event", "bot_report_not_queued"}, {"why", teacher.error().message}}, true);
    return;
  }
  if (!*teacher || !(*teacher)->telegram_id) return;
  store::BotReport report;
  report.window = window.id;
  report.session = session.id;
  report.chat_id = *(*teacher)->telegram_id;  // private chat id == user id
  queue_report(std::move(report));
}

void TeacherBot::queue_report(store::BotReport report) {
  report.created_ms = unix_ms_now();
  report.next_attempt_ms = report.created_ms;
  auto queued =
      store_.write_value<bool>([&](store::Tx& tx) { return tx.queue_bot_report(report); });
  if (!queued) {
    log({{"event", "bot_report_not_queued"},
         {"session", report.session.value},
         {"why", queued.error().message}},
        true);
    return;
  }
  if (*queued && report_queued_) report_queued_();
}

void TeacherBot::keep(const store::BotReport& report) {
  if (auto kept = store_.write([&](store::Tx& tx) { return tx.update_bot_report(report); });
      !kept) {
    log({{"event", "bot_report_state_lost"}, {"report", report.id}, {"why", kept.error().message}},
        true);
  }
}

bool TeacherBot::send_next_report() {
  if (api_.stop_signal().stopped()) return false;
  auto claimed = store_.write_value<std::optional<store::BotReport>>(
      [](store::Tx& tx) { return tx.claim_bot_report(unix_ms_now(), kReportLeaseMs); });
  if (!claimed) {
    log({{"event", "bot_report_claim_failed"}, {"why", claimed.error().message}}, true);
    return false;
  }
  if (!*claimed) return false;
  guarded("report", [&] { deliver(std::move(**claimed)); });
  return true;
}

void TeacherBot::deliver(store::BotReport report) {
  const auto finish = [&](const std::string& state, const std::string& why) {
    report.state = state;
    report.last_error = why;
    report.finished_ms = unix_ms_now();
    keep(report);
    log({{"event", state == "sent" ? "bot_report_sent" : "bot_report_given_up"},
         {"report", report.id},
         {"session", report.session.value},
         {"why", why}},
        state != "sent");
  };
  const auto who = linked_teacher(store_, report.chat_id);
  if (!who) {
    finish("failed", "the teacher's Telegram account is no longer linked");
    return;
  }
  auto made = services_.reports.session_report(*who, report.session);
  if (!made && (made.error().code == "session_not_found" || made.error().code == "forbidden")) {
    finish("failed", made.error().message);  // nothing this teacher may be sent
    return;
  }
  std::optional<Error> failed;
  if (!made) failed = made.error();
  while (!failed && report.parts_sent < kReportParts) {
    const int part = report.parts_sent;
    Result<json> sent = make_error("report_unsent", "not sent");
    if (part == 0) {
      sent = api_.send_message(report.chat_id, report_text(*made));
    } else {
      auto file = domain::export_report(*made, part_format(part));
      if (!file) {
        sent =
            make_error("telegram_refused", "the file could not be made: " + file.error().message);
      } else {
        sent = api_.send_document(report.chat_id, file->bytes, file->filename, "");
      }
    }
    if (sent) {
      ++report.parts_sent;
      keep(report);  // a restart goes on from the next part
      continue;
    }
    if (part > 0 && is_final(sent.error())) {
      // This file will never go; the rest of the report still may.
      log({{"event", "bot_report_part_refused"},
           {"report", report.id},
           {"part", part_name(part)},
           {"why", api_.redact(sent.error().message)}},
          true);
      say(report.chat_id,
          "I could not send the " + std::string(part_name(part)) + " of the report of " +
              report_title(*made) +
              ": Telegram refused it. The web app has it under Reports, and /report tries again.");
      ++report.parts_sent;
      keep(report);
      continue;
    }
    failed = sent.error();
  }
  if (!failed) {
    finish("sent", "");
    return;
  }
  const std::string why = api_.redact(failed->message);
  if (api_.stop_signal().stopped()) {
    // Shutting down: not the report's fault; the next start goes on.
    report.next_attempt_ms = unix_ms_now();
    report.last_error = why;
    keep(report);
    return;
  }
  if (!is_final(*failed)) ++report.attempts;
  if (is_final(*failed) || report.attempts >= kMaxReportAttempts) {
    finish("failed", why);
    const std::string what =
        made ? "the report of " + report_title(*made) : std::string("a report");
    say(report.chat_id, "I could not send you " + what +
                            (is_final(*failed) ? ": Telegram refused it"
                                               : ": Telegram kept failing (" +
                                                     std::to_string(report.attempts) + " tries)") +
                            ". The web app has it under Reports, and /report tries again.");
    return;
  }
  std::int64_t wait = kReportWaitMs;
  for (int i = 1; i < report.attempts && wait < kMaxReportWaitMs; ++i) wait *= 2;
  wait = std::min(wait, kMaxReportWaitMs);
  if (const auto asked = retry_after_seconds(*failed)) wait = std::max(wait, *asked * 1000);
  report.next_attempt_ms = unix_ms_now() + wait;
  report.last_error = why;
  keep(report);
  log({{"event", "bot_report_retry"},
       {"report", report.id},
       {"attempts", report.attempts},
       {"in_ms", wait},
       {"why", why}},
      true);
}

void TeacherBot::send_report(std::int64_t chat_id, const domain::Principal& who, SessionId id) {
  auto report = services_.reports.session_report(who, id);
  if (!report) {
    say(chat_id, "Could not make the report: " + sentence(report.error().message));
    return;
  }
  say(chat_id, report_text(*report));
  for (int part = 1; part < kReportParts; ++part) {
    auto file = domain::export_report(*report, part_format(part));
    if (!file) log({{"event", "bot_report_failed"}, {"why", file.error().message}}, true);
    if (!file || !send_file(chat_id, file->bytes, file->filename, "", false)) {
      say(chat_id, "I could not send the " + std::string(part_name(part)) +
                       " of this report. The web app has it under Reports, and /report tries "
                       "again.");
    }
  }
}

}  // namespace rollcall::bots

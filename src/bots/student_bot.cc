// src/bots/student_bot.cc
#include "bots/student_bot.h"

#include <algorithm>
#include <cctype>

#include "base/clock.h"
#include "domain/passwords.h"

namespace rollcall::bots {
namespace {

using nlohmann::json;

constexpr const char* kHelp =
    "I check you in to a class.\n"
    "1. Send the code your teacher shows.\n"
    "2. Share your location.\n"
    "3. Record a short video note of your face (hold the round camera button).\n"
    "/start - link your roll number, or start again\n"
    "/cancel - stop this check-in\n"
    "/help - this list";

// States of the conversation (bot_chats.state).
constexpr const char* kAwaitRoll = "await_roll";
constexpr const char* kAwaitCode = "await_code";
constexpr const char* kAwaitLocation = "await_location";
constexpr const char* kAwaitCapture = "await_capture";
constexpr const char* kAwaitVerdict = "await_verdict";

bool looks_like_code(const std::string& text) {
  return text.size() == 6 && std::all_of(text.begin(), text.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c));
         });
}

std::string without_spaces(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c != ' ' && c != '-' && c != '\n') out += c;
  }
  return out;
}

std::optional<store::Student> linked_student(store::Store& store, std::int64_t user_id) {
  auto student = store.read_value<std::optional<store::Student>>(
      [&](store::Tx& tx) { return tx.find_student_by_telegram(user_id); });
  if (!student) return std::nullopt;
  return *student;
}

// What a student is told about a window that takes no more check-ins.
std::string closed_text(std::optional<std::int64_t> closes_ms) {
  return std::string("That check-in has closed") +
         (closes_ms ? " (at " + clock_time(*closes_ms) + ")" : std::string()) +
         ", so it takes no more check-ins. If you were there, ask your teacher to mark you.";
}

// When the window of the student's class with this code closed, if it is
// still waiting to be finalised (the domain's refusal names no time a
// person reads easily).
std::optional<std::int64_t> closed_at(store::Store& store, ClassId class_id,
                                      const std::string& code) {
  auto windows = store.read_value<std::vector<store::CheckinWindow>>(
      [&](store::Tx& tx) { return tx.unfinalized_windows_of_class(class_id); });
  if (!windows) return std::nullopt;
  for (const auto& window : *windows) {
    if (domain::same_secret(window.code, code)) return window.closes_ms;
  }
  return std::nullopt;
}

// Which step a refusal sends the student back to.
const char* step_after(const std::string& code) {
  if (code == "position_inaccurate" || code == "outside_geofence") return kAwaitLocation;
  // A code the teacher's projector replaced a moment ago: the new one.
  if (code == "wrong_code" || code == "code_expired" || code == "no_open_window" ||
      code == "code_changed") {
    return kAwaitCode;
  }
  // Only signed-in students may check in now: the web page, not the bot.
  if (code == "code_locked" || code == "too_many_attempts" || code == "student_not_enrolled" ||
      code == "student_not_in_class" || code == "unknown_student") {
    return "";
  }
  return kAwaitCapture;  // the capture's own problems, a busy queue
}

}  // namespace

StudentBot::StudentBot(BotApi& api, store::Store& store, StudentBotServices services,
                       ChatBotOptions options)
    : ChatBot(api, store, "student", std::move(options)), services_(services) {}

// Attempts from Telegram are counted per Telegram account, as the web
// counts them per network address.
std::string StudentBot::client_of(std::int64_t user_id) const {
  return "telegram:" + std::to_string(user_id);
}

void StudentBot::on_incoming(const Incoming& in) {
  auto loaded = conversations_.load(in.chat_id);
  if (!loaded) {
    say(in.chat_id, "Something went wrong on the server; please try again in a minute.");
    return;
  }
  Conversation conversation = std::move(loaded).value();
  conversation.user_id = in.user_id;
  if (in.kind == IncomingKind::button) {
    answer_button(in, "This bot has no buttons to press; send /help.");
    return;
  }
  if (in.command == "/help") {
    say(in.chat_id, kHelp);
    return;
  }
  const auto student = linked_student(store_, in.user_id);
  if (in.command == "/start" || (!student && conversation.state != kAwaitRoll)) {
    conversation.data = json::object();
    if (student) {
      save(in.chat_id, conversation, kAwaitCode);
      say(in.chat_id,
          "Hello, " + student->name + " (" + student->roll_number +
              "). Send the check-in code your teacher shows.",
          remove_keyboard());
    } else {
      save(in.chat_id, conversation, kAwaitRoll);
      say(in.chat_id, "Welcome to Rollcall. What is your roll number? (Or your PRN.)",
          remove_keyboard());
    }
    return;
  }
  if (in.command == "/cancel") {
    forget(in.chat_id);
    say(in.chat_id, "Cancelled. Send a check-in code when your teacher shows one.",
        remove_keyboard());
    return;
  }
  if (!in.command.empty()) {
    say(in.chat_id, "I don't know " + in.command + ".\n\n" + kHelp);
    return;
  }
  if (conversation.state == kAwaitRoll) {
    on_roll_number(in, conversation);
    return;
  }
  if (in.kind == IncomingKind::text &&
      (conversation.state.empty() || conversation.state == kAwaitCode ||
       looks_like_code(without_spaces(in.text)))) {
    on_code(in, conversation, *student);
    return;
  }
  if (conversation.state == kAwaitLocation) {
    on_location(in, conversation);
    return;
  }
  if (conversation.state == kAwaitCapture) {
    on_capture(in, conversation, *student);
    return;
  }
  if (conversation.state == kAwaitVerdict) {
    say(in.chat_id, "Still checking your face; the answer comes in a moment.");
    return;
  }
  say(in.chat_id, "Send the check-in code your teacher shows, or /help.");
}

void StudentBot::on_roll_number(const Incoming& in, Conversation& conversation) {
  if (in.kind != IncomingKind::text) {
    say(in.chat_id, "Please type your roll number.");
    return;
  }
  auto student = services_.links.link_student(in.text, in.user_id);
  if (!student) {
    say(in.chat_id, sentence(student.error().message) + " Check it and send it again.");
    return;
  }
  conversation.data = json::object();
  save(in.chat_id, conversation, kAwaitCode);
  say(in.chat_id, "Linked: " + student->name + " (" + student->roll_number +
                      "). When your teacher opens a check-in, send me the code.");
}

void StudentBot::on_code(const Incoming& in, Conversation& conversation,
                         const store::Student& student) {
  const std::string code = without_spaces(in.text);
  if (!looks_like_code(code)) {
    say(in.chat_id, "A check-in code is 6 digits, as on the board. Send it again.");
    return;
  }
  auto window = services_.checkins.window_for_code(student.id, code, client_of(in.user_id));
  if (!window) {
    say(in.chat_id, window.error().code == "code_expired"
                        ? closed_text(closed_at(store_, student.class_id, code))
                        : sentence(window.error().message));
    return;
  }
  conversation.data = {{"window", window->id},
                       {"session", window->session.value},
                       {"code", code},
                       {"photos", window->accept_photos}};
  save(in.chat_id, conversation, kAwaitLocation);
  say(in.chat_id,
      "Right code. Now share where you are: press the button below (or the paper clip, "
      "Location). A forwarded location does not count.",
      location_keyboard("Share my location"));
}

void StudentBot::on_location(const Incoming& in, Conversation& conversation) {
  if (in.kind != IncomingKind::location) {
    say(in.chat_id, "Please share your location with the button below (or /cancel).",
        location_keyboard("Share my location"));
    return;
  }
  if (in.is_forwarded) {
    say(in.chat_id,
        "That location was forwarded from someone else. Share your own, where you are now.",
        location_keyboard("Share my location"));
    return;
  }
  auto window = services_.checkins.window_by_id(conversation.data.value("window", std::int64_t{0}));
  if (!window) {
    forget(in.chat_id);
    say(in.chat_id, "That check-in is gone; send the code again.", remove_keyboard());
    return;
  }
  const double accuracy = in.accuracy_m.value_or(kAssumedAccuracyM);
  auto distance = services_.checkins.check_place(*window, {in.latitude, in.longitude}, accuracy);
  if (!distance) {
    say(in.chat_id,
        sentence(distance.error().message) + " Share your location again from the room.",
        location_keyboard("Share my location"));
    return;
  }
  conversation.data["latitude"] = in.latitude;
  conversation.data["longitude"] = in.longitude;
  conversation.data["accuracy_m"] = accuracy;
  save(in.chat_id, conversation, kAwaitCapture);
  say(in.chat_id, "You are in the room.", remove_keyboard());
  ask_for_capture(in.chat_id, window->accept_photos);
}

void StudentBot::ask_for_capture(std::int64_t chat_id, bool accepts_photos) {
  say(chat_id, std::string("Last step: record a video note of your face, 3 to 5 seconds (hold the "
                           "round camera button next to the message box), looking at the camera "
                           "and moving your head a little.") +
                   (accepts_photos ? " A selfie photo also works for this class." : ""));
}

void StudentBot::on_capture(const Incoming& in, Conversation& conversation,
                            const store::Student& student) {
  const bool accepts_photos = conversation.data.value("photos", false);
  if (in.kind == IncomingKind::photo && !accepts_photos) {
    say(in.chat_id,
        "This check-in needs a video note, not a photo (a photo cannot show that you are here "
        "in person). Hold the round camera button and record your face.");
    return;
  }
  if (in.kind != IncomingKind::video && in.kind != IncomingKind::photo) {
    ask_for_capture(in.chat_id, accepts_photos);
    return;
  }
  // A closed window is told before anything is downloaded.
  auto window = services_.checkins.window_by_id(conversation.data.value("window", std::int64_t{0}));
  if (!window || window->finalized_ms || unix_ms_now() >= window->closes_ms) {
    forget(in.chat_id);
    say(in.chat_id,
        closed_text(window ? std::optional<std::int64_t>(window->closes_ms) : std::nullopt));
    return;
  }
  const auto& limits = services_.checkins.options();
  const std::int64_t max_bytes = std::min<std::int64_t>(
      kTelegramMaxDownload,
      static_cast<std::int64_t>(in.kind == IncomingKind::video ? limits.video_limits.max_bytes
                                                               : limits.image_limits.max_bytes));
  const auto too_large = [&] {
    say(in.chat_id, "That file is too large (at most " + std::to_string(max_bytes / 1024 / 1024) +
                        " MB); record a shorter one.");
  };
  // Telegram says the size: a file over the limit is refused unread.
  if (in.file_size && *in.file_size > max_bytes) {
    too_large();
    return;
  }
  auto bytes = api_.fetch_file(in.file_id, max_bytes);
  if (!bytes) {
    if (bytes.error().code == "telegram_file_too_large") {
      too_large();
    } else {
      say(in.chat_id, "I could not download that from Telegram; send it again.");
      log({{"event", "bot_download_failed"}, {"why", bytes.error().message}}, true);
    }
    return;
  }
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes->data());
  domain::Upload upload{in.kind == IncomingKind::video ? "telegram.mp4" : "telegram.jpg",
                        {data, bytes->size()}};
  domain::CheckinRequest request;
  request.session = SessionId{conversation.data.value("session", std::int64_t{0})};
  request.code = conversation.data.value("code", std::string());
  request.roll_number = student.roll_number;
  request.position = domain::Position{conversation.data.value("latitude", 0.0),
                                      conversation.data.value("longitude", 0.0)};
  request.accuracy_m = conversation.data.value("accuracy_m", kAssumedAccuracyM);
  if (in.kind == IncomingKind::video) {
    request.video = upload;
  } else {
    request.photos.push_back(upload);
  }
  request.client_ip = client_of(in.user_id);
  domain::QueueFull queue_full;
  auto ack = services_.checkins.submit(std::nullopt, request, &queue_full);
  if (!ack) {
    const auto& error = ack.error();
    if (error.code == "code_expired" || error.code == "no_open_window") {
      // It closed while the note was on its way.
      auto closed = services_.checkins.window_by_id(window->id);
      forget(in.chat_id);
      say(in.chat_id, closed_text(closed ? closed->closes_ms : window->closes_ms));
      return;
    }
    const std::string next = step_after(error.code);
    std::string text = error.message + ".";
    if (error.code == "queue_full") {
      text = "Many check-ins are waiting; send your video note again in " +
             std::to_string(queue_full.retry_after_s) + " s.";
    } else if (next == kAwaitCode) {
      text += " Send the code again.";
    } else if (next == kAwaitLocation) {
      text += " Share your location again.";
    }
    if (next.empty()) {
      forget(in.chat_id);
    } else {
      save(in.chat_id, conversation, next);
    }
    say(in.chat_id, text,
        next == kAwaitLocation ? std::optional<json>(location_keyboard("Share my location"))
                               : std::nullopt);
    return;
  }
  conversation.data["submission"] = ack->submission.public_id;
  save(in.chat_id, conversation, kAwaitVerdict);
  if (!ack->already) say(in.chat_id, "Got it. Checking your face...");
  tell_verdict(in.chat_id, conversation);  // an earlier submission may have one already
}

void StudentBot::on_tick() {
  for_chats_in(kAwaitVerdict, [this](std::int64_t chat_id, Conversation& conversation) {
    tell_verdict(chat_id, conversation);
  });
}

void StudentBot::tell_verdict(std::int64_t chat_id, Conversation& conversation) {
  auto submission = services_.checkins.find(conversation.data.value("submission", std::string()));
  if (!submission) {
    forget(chat_id);
    return;
  }
  if (submission->state == store::SubmissionState::queued ||
      submission->state == store::SubmissionState::verifying) {
    return;
  }
  if (submission->state == store::SubmissionState::accepted) {
    forget(chat_id);
    say(chat_id, "Checked in: you are marked " + submission->attendance + ". Thank you!");
    return;
  }
  auto window = services_.checkins.window_by_id(submission->window);
  const bool can_retry = window && unix_ms_now() < window->closes_ms;
  if (can_retry) {
    save(chat_id, conversation, kAwaitCapture);
  } else {
    forget(chat_id);
  }
  say(chat_id, "Not checked in: " + sentence(submission->verdict_message) +
                   (can_retry ? " You can try again: record a new video note."
                              : " The check-in has closed; ask your teacher."));
}

}  // namespace rollcall::bots

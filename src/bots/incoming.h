// src/bots/incoming.h
//
// Incoming: what one Telegram Update means to a bot, read once from the
// JSON so that the conversations never dig in it. Owns: which updates
// are acted on (new messages in private chats and button presses), and
// the reading of commands, contacts, locations (live, static, forwarded)
// and media (photo, video note, video, anything else).
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace rollcall::bots {

enum class IncomingKind {
  text,      // `text` (a command: `command` set, e.g. "/start", and `argument`)
  contact,   // `contact_phone`, `contact_user_id`
  location,  // `latitude`, `longitude`, `accuracy_m`, `is_live`, `is_forwarded`
  button,    // an inline button: `callback_id`, `data`, `message_id` (the bot's)
  photo,     // `file_id` (the largest size), `file_size`
  video,     // a video note or a video: `file_id`, `file_size`, `is_video_note`
  other,     // a sticker, a voice message, a document...: answered politely
  ignored,   // edited messages, channel posts, group chats, updates of no user
};

struct Incoming {
  IncomingKind kind = IncomingKind::ignored;
  std::int64_t update_id = 0;
  std::int64_t chat_id = 0;
  std::int64_t user_id = 0;  // from.id
  std::int64_t message_id = 0;
  std::string first_name;

  std::string text;
  std::string command;   // lower case, without "@botname"; "" = not a command
  std::string argument;  // the rest after the command, trimmed

  std::string contact_phone;
  std::optional<std::int64_t> contact_user_id;

  double latitude = 0;
  double longitude = 0;
  std::optional<double> accuracy_m;
  bool is_live = false;
  bool is_forwarded = false;

  std::string callback_id;
  std::string data;

  std::string file_id;
  std::optional<std::int64_t> file_size;
  bool is_video_note = false;
};

// Never throws: a malformed update is `ignored`.
Incoming read_update(const nlohmann::json& update);

}  // namespace rollcall::bots

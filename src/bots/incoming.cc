// src/bots/incoming.cc
#include "bots/incoming.h"

#include <algorithm>
#include <cctype>

namespace rollcall::bots {
namespace {

using nlohmann::json;

std::int64_t integer(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

std::string text_of(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::optional<std::int64_t> optional_integer(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

void read_command(Incoming& in) {
  if (in.text.empty() || in.text[0] != '/') return;
  const auto space = std::min(in.text.find_first_of(" \n\t"), in.text.size());
  std::string command = in.text.substr(0, space);
  if (const auto at = command.find('@'); at != std::string::npos) command.resize(at);
  std::transform(command.begin(), command.end(), command.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  in.command = command;
  std::string rest = in.text.substr(space);
  const auto first = rest.find_first_not_of(" \n\t");
  const auto last = rest.find_last_not_of(" \n\t");
  in.argument = first == std::string::npos ? "" : rest.substr(first, last - first + 1);
}

void read_message(const json& message, Incoming& in) {
  const json& chat = message.value("chat", json::object());
  const json& from = message.value("from", json::object());
  // Bots talk to people one to one; a bot added to a group stays quiet.
  if (text_of(chat, "type") != "private" || !from.is_object() || from.value("is_bot", false)) {
    return;
  }
  in.chat_id = integer(chat, "id");
  in.user_id = integer(from, "id");
  in.first_name = text_of(from, "first_name");
  in.message_id = integer(message, "message_id");
  if (in.chat_id == 0 || in.user_id == 0) return;
  const bool is_forwarded = message.contains("forward_origin") ||
                            message.contains("forward_from") || message.contains("forward_date");
  if (const auto text = message.find("text"); text != message.end()) {
    if (!text->is_string()) return;  // not something a person typed
    in.kind = IncomingKind::text;
    in.text = text_of(message, "text");
    read_command(in);
  } else if (const auto contact = message.find("contact"); contact != message.end()) {
    in.kind = IncomingKind::contact;
    in.contact_phone = text_of(*contact, "phone_number");
    in.contact_user_id = optional_integer(*contact, "user_id");
  } else if (const auto location = message.find("location"); location != message.end()) {
    in.kind = IncomingKind::location;
    in.latitude = location->value("latitude", 0.0);
    in.longitude = location->value("longitude", 0.0);
    if (const auto accuracy = location->find("horizontal_accuracy");
        accuracy != location->end() && accuracy->is_number()) {
      in.accuracy_m = accuracy->get<double>();
    }
    in.is_live = location->contains("live_period");
    in.is_forwarded = is_forwarded;
  } else if (const auto photo = message.find("photo");
             photo != message.end() && photo->is_array() && !photo->empty()) {
    // Sizes come smallest first; the largest is the one to look at.
    in.kind = IncomingKind::photo;
    in.file_id = text_of(photo->back(), "file_id");
    in.file_size = optional_integer(photo->back(), "file_size");
  } else if (const auto note = message.find("video_note"); note != message.end()) {
    in.kind = IncomingKind::video;
    in.is_video_note = true;
    in.file_id = text_of(*note, "file_id");
    in.file_size = optional_integer(*note, "file_size");
  } else if (const auto video = message.find("video"); video != message.end()) {
    in.kind = IncomingKind::video;
    in.file_id = text_of(*video, "file_id");
    in.file_size = optional_integer(*video, "file_size");
  } else {
    in.kind = IncomingKind::other;
  }
  if ((in.kind == IncomingKind::photo || in.kind == IncomingKind::video) && in.file_id.empty()) {
    in.kind = IncomingKind::other;
  }
}

void read_callback(const json& query, Incoming& in) {
  const json& from = query.value("from", json::object());
  const json& message = query.value("message", json::object());
  in.user_id = integer(from, "id");
  in.first_name = text_of(from, "first_name");
  in.chat_id = integer(message.value("chat", json::object()), "id");
  in.message_id = integer(message, "message_id");
  in.callback_id = text_of(query, "id");
  in.data = text_of(query, "data");
  if (in.user_id != 0 && in.chat_id != 0 && !in.callback_id.empty()) {
    in.kind = IncomingKind::button;
  }
}

}  // namespace

Incoming read_update(const json& update) {
  Incoming in;
  if (!update.is_object()) return in;
  in.update_id = integer(update, "update_id");
  try {
    if (const auto message = update.find("message");
        message != update.end() && message->is_object()) {
      read_message(*message, in);
    } else if (const auto query = update.find("callback_query");
               query != update.end() && query->is_object()) {
      read_callback(*query, in);
    }
  } catch (const json::exception&) {
    // A field of an unexpected type: not something a person sent us.
    Incoming ignored;
    ignored.update_id = in.update_id;
    return ignored;
  }
  return in;
}

}  // namespace rollcall::bots

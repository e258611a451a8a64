// tests/fuzz/telegram_update_fuzzer.cc
//
// Telegram updates (bots/incoming.h): the bytes as a webhook body (one
// Update) and as a getUpdates reply ({"ok":true,"result":[Update...]}),
// parsed as the bots parse them (nlohmann, no exceptions), each Update
// read by bots::read_update, which both the poller and the webhook route
// hand every update to before a conversation sees it.
// Invariants: read_update never throws; update_id is the Update's integer
// update_id (0 when it has none); anything but `ignored` comes from a
// user and a chat (both ids non-zero); a command starts with '/' and has
// no upper case letter, '@' or white space; a photo or video has a file id;
// `ignored` carries no file id or command, `other` no command or callback.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "bots/incoming.h"
#include "fuzz_check.h"

namespace {

using nlohmann::json;
using rollcall::bots::Incoming;
using rollcall::bots::IncomingKind;
using rollcall::bots::read_update;

void check_update(const json& update) {
  const Incoming in = read_update(update);
  const bool has_id =
      update.is_object() && update.contains("update_id") && update["update_id"].is_number_integer();
  FUZZ_CHECK(in.update_id == (has_id ? update["update_id"].get<std::int64_t>() : 0));
  if (in.kind == IncomingKind::ignored) {
    // (A button press without a chat keeps its callback id: it is still ignored.)
    FUZZ_CHECK(in.file_id.empty() && in.command.empty());
    return;
  }
  FUZZ_CHECK(in.user_id != 0 && in.chat_id != 0);
  switch (in.kind) {
    case IncomingKind::text:
      if (!in.command.empty()) {
        FUZZ_CHECK(in.command[0] == '/' && in.text.starts_with(in.command.substr(0, 1)));
        for (const char c : in.command) {
          FUZZ_CHECK(!std::isupper(static_cast<unsigned char>(c)) && c != '@' && c != ' ' &&
                     c != '\n' && c != '\t');
        }
      }
      break;
    case IncomingKind::photo:
    case IncomingKind::video:
      FUZZ_CHECK(!in.file_id.empty());
      break;
    case IncomingKind::button:
      FUZZ_CHECK(!in.callback_id.empty());
      break;
    case IncomingKind::other:
      FUZZ_CHECK(in.command.empty() && in.callback_id.empty());
      break;
    default:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const json body = json::parse(reinterpret_cast<const char*>(data),
                                reinterpret_cast<const char*>(data) + size, nullptr, false);
  if (body.is_discarded()) return 0;
  // A webhook delivers one Update; a getUpdates reply wraps a list of them.
  check_update(body);
  if (body.is_object() && body.contains("result") && body["result"].is_array()) {
    for (const auto& update : body["result"]) check_update(update);
  } else if (body.is_array()) {
    for (const auto& update : body) check_update(update);
  }
  return 0;
}

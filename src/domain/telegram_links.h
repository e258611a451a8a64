// src/domain/telegram_links.h
//
// Linking a teacher's Telegram account (issue 7): a one-time code the
// teacher makes in the web UI and sends to the teacher bot, so that no
// password has to be typed into a chat.
// Owns: the code (8 characters from an alphabet without look-alikes,
// libsodium's CSPRNG; ~40 bits, valid 10 minutes, usable once, kept only
// as its SHA-256) and the rule that one Telegram account links one
// teacher. Leaves to others: the chat itself (bots), transport (http).
// Thread safety: shared; each call is one transaction.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "domain/principal.h"
#include "store/store.h"

namespace rollcall::domain {

struct LinkCode {
  std::string code;  // shown once
  std::int64_t expires_ms = 0;
};

class TelegramLinks {
 public:
  explicit TelegramLinks(store::Store& store) : store_(store) {}

  // A new code for the calling teacher. Errors: forbidden (not a teacher
  // with a profile).
  Result<LinkCode> make_code(const Principal& who);

  // Links `telegram_user_id` to the code's teacher. Errors: link_code_invalid
  // (unknown, used or expired: one message, so a guesser learns nothing),
  // telegram_taken (that Telegram account is another teacher's).
  Result<store::Teacher> redeem(const std::string& code, std::int64_t telegram_user_id);

  static constexpr std::int64_t kLifetimeMs = 10 * 60 * 1000;
  static constexpr std::size_t kLength = 8;

 private:
  store::Store& store_;
};

}  // namespace rollcall::domain

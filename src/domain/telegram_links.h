// src/domain/telegram_links.h
//
// Linking Telegram accounts to people (issue 7). A teacher proves who they
// are to the teacher bot with their phone contact (matched to the profile)
// and then the account password or a one-time code made in the web UI; a
// student names their registration or roll number to the student bot, once.
// Owns: the code (8 characters from an alphabet without look-alikes,
// libsodium's CSPRNG; ~40 bits, valid 10 minutes, usable once, kept only
// as its SHA-256), the rules that one Telegram account links one teacher
// or one student and that a student's link is changed only by their
// teacher or an admin, and the audit of each link.
// Leaves to others: the chat itself (bots), transport (http).
// Thread safety: shared; each call is one transaction.
#pragma once

#include <cstdint>
#include <optional>
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
  // With `expected`, a code made by another teacher is refused as invalid.
  Result<store::Teacher> redeem(const std::string& code, std::int64_t telegram_user_id,
                                std::optional<TeacherId> expected = std::nullopt);

  // The teacher whose profile has this phone (any spelling clean_phone
  // accepts; Telegram sends it without the "+"). Errors: invalid_field,
  // phone_unknown, phone_ambiguous (two profiles share it).
  Result<store::Teacher> teacher_for_phone(const std::string& phone);

  // Links after checking the teacher's account password. Errors:
  // password_wrong, account_disabled, telegram_taken.
  Result<store::Teacher> link_with_password(TeacherId teacher, const std::string& password,
                                            std::int64_t telegram_user_id);

  // Links the student `typed` names: their registration number (PRN, any
  // case; it wins when it is also someone's roll number), or their roll
  // number (any case) when only one student of the school has it. Linking
  // again to the same account is fine. Errors: unknown_student,
  // roll_number_ambiguous (students of several classes have it: send the
  // PRN), student_linked_elsewhere (their teacher or an admin must unlink
  // first), telegram_taken (this account is another student's).
  Result<store::Student> link_student(const std::string& typed, std::int64_t telegram_user_id);

  // Removes a link: a student's by their teacher or an admin; a teacher's
  // by themselves or an admin. Errors: forbidden, student_not_found,
  // teacher_not_found.
  Result<store::Student> unlink_student(const Principal& who, StudentId student);
  Result<store::Teacher> unlink_teacher(const Principal& who, TeacherId teacher);

  // True when `text` could be a link code as typed (any case, with spaces
  // or dashes), rather than a password: a chat takes either.
  static bool looks_like_code(const std::string& text);

  static constexpr std::int64_t kLifetimeMs = 10 * 60 * 1000;
  static constexpr std::size_t kLength = 8;

 private:
  Result<store::Teacher> link_teacher(store::Tx& tx, store::Teacher teacher,
                                      std::int64_t telegram_user_id, const std::string& how);
  store::Store& store_;
};

}  // namespace rollcall::domain

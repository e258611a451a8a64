// src/domain/telegram_links.cc
#include "domain/telegram_links.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>

#include "base/clock.h"
#include "domain/audit.h"
#include "domain/detail/directory_rules.h"
#include "domain/directory.h"
#include "domain/passwords.h"
#include "domain/validate.h"

namespace rollcall::domain {
namespace {

// No 0/O, 1/I/L, 5/S, 2/Z: a code read off a screen is typed right.
constexpr std::string_view kAlphabet = "346789ABCDEFGHJKMNPQRTUVWXY";

// Upper case, spaces and dashes dropped: "abcd-efgh" is "ABCDEFGH".
std::string normalised(const std::string& code) {
  std::string out;
  for (unsigned char c : code) {
    if (c == ' ' || c == '-') continue;
    out += static_cast<char>(std::toupper(c));
  }
  return out;
}

Error invalid_code() {
  return make_error("link_code_invalid",
                    "that link code is not valid (unknown, used or expired); make a new one "
                    "in the web app");
}

}  // namespace

bool TelegramLinks::looks_like_code(const std::string& text) {
  const std::string clean = normalised(text);
  return clean.size() == kLength && std::all_of(clean.begin(), clean.end(), [](char c) {
           return kAlphabet.find(c) != std::string_view::npos;
         });
}

Result<LinkCode> TelegramLinks::make_code(const Principal& who) {
  if (who.role != store::Role::teacher || !who.teacher) {
    return forbidden("link the teacher bot (only teachers with a profile may)");
  }
  LinkCode out;
  for (std::size_t i = 0; i < kLength; ++i) {
    out.code += kAlphabet[randombytes_uniform(static_cast<std::uint32_t>(kAlphabet.size()))];
  }
  const std::int64_t now = unix_ms_now();
  out.expires_ms = now + kLifetimeMs;
  store::TelegramLinkCode row;
  row.teacher = *who.teacher;
  row.code_hash = sha256_hex(out.code);
  row.expires_ms = out.expires_ms;
  row.created_ms = now;
  auto done = store_.write([&](store::Tx& tx) -> Result<void> {
    auto id = tx.insert_link_code(row);
    if (!id) return id.error();
    return audit(tx, &who, "telegram.link_code", "teacher", who.teacher->value, nullptr,
                 {{"expires_ms", out.expires_ms}});
  });
  if (!done) return done.error();
  return out;
}

Result<store::Teacher> TelegramLinks::redeem(const std::string& code, std::int64_t telegram_user_id,
                                             std::optional<TeacherId> expected) {
  const std::string clean = normalised(code);
  if (clean.size() != kLength) return invalid_code();
  return store_.write_value<store::Teacher>([&](store::Tx& tx) -> Result<store::Teacher> {
    auto found = tx.find_link_code(sha256_hex(clean));
    if (!found) return found.error();
    const std::int64_t now = unix_ms_now();
    if (!*found || (*found)->used_ms || (*found)->expires_ms < now) return invalid_code();
    if (expected && *expected != (*found)->teacher) return invalid_code();
    auto teacher = tx.find_teacher((*found)->teacher);
    if (!teacher) return teacher.error();
    if (!*teacher) return invalid_code();
    auto used = tx.use_link_code((*found)->id, now);
    if (!used) return used.error();
    if (!*used) return invalid_code();  // another chat used it a moment ago
    return link_teacher(tx, **teacher, telegram_user_id, "link_code");
  });
}

Result<store::Teacher> TelegramLinks::teacher_for_phone(const std::string& phone) {
  std::string spelled = trim_spaces(phone);
  if (!spelled.empty() && spelled.front() != '+') spelled.insert(0, "+");
  auto clean = clean_phone("phone", spelled);
  if (!clean) return clean.error();
  if (clean->empty()) return field_error("missing_field", "phone", "phone is required");
  auto teachers = store_.read_value<store::Page<store::Teacher>>([&](store::Tx& tx) {
    return tx.list_teachers(store::ListQuery{*clean, 0, 50});
  });
  if (!teachers) return teachers.error();
  std::vector<store::Teacher> same;
  for (auto& teacher : teachers->items) {
    if (teacher.phone == *clean) same.push_back(std::move(teacher));
  }
  if (same.empty()) {
    return make_error("phone_unknown", "no teacher profile has the phone number " + *clean +
                                           "; ask an admin to add it to your profile");
  }
  if (same.size() > 1) {
    return make_error("phone_ambiguous", "more than one teacher profile has the phone number " +
                                             *clean + "; ask an admin to fix the profiles");
  }
  return same.front();
}

Result<store::Teacher> TelegramLinks::link_with_password(TeacherId teacher_id,
                                                         const std::string& password,
                                                         std::int64_t telegram_user_id) {
  auto found = store_.read_value<std::pair<store::Teacher, store::User>>(
      [&](store::Tx& tx) -> Result<std::pair<store::Teacher, store::User>> {
        auto teacher = tx.find_teacher(teacher_id);
        if (!teacher) return teacher.error();
        if (!*teacher) return detail::not_found("teacher", teacher_id.value);
        auto user = tx.find_user((*teacher)->user);
        if (!user) return user.error();
        if (!*user) return detail::not_found("teacher", teacher_id.value);
        return std::pair{**teacher, **user};
      });
  if (!found) return found.error();
  // Argon2 outside any transaction: it takes tens of milliseconds.
  if (!verify_password(password, found->second.password_hash)) {
    return make_error("password_wrong", "that is not the password of " + found->second.username);
  }
  if (!found->second.is_active) {
    return make_error("account_disabled", "this account is disabled; ask an administrator");
  }
  return store_.write_value<store::Teacher>([&](store::Tx& tx) -> Result<store::Teacher> {
    auto teacher = tx.find_teacher(teacher_id);
    if (!teacher) return teacher.error();
    if (!*teacher) return detail::not_found("teacher", teacher_id.value);
    return link_teacher(tx, **teacher, telegram_user_id, "password");
  });
}

Result<store::Teacher> TelegramLinks::link_teacher(store::Tx& tx, store::Teacher teacher,
                                                   std::int64_t telegram_user_id,
                                                   const std::string& how) {
  auto other = tx.find_teacher_by_telegram(telegram_user_id);
  if (!other) return other.error();
  if (*other && (*other)->id != teacher.id) {
    return make_error("telegram_taken",
                      "this Telegram account is linked to another teacher; ask an admin");
  }
  teacher.telegram_id = telegram_user_id;
  ROLLCALL_TRY(tx.update_teacher(teacher));
  ROLLCALL_TRY(audit(tx, nullptr, "telegram.link", "teacher", teacher.id.value, nullptr,
                     {{"telegram_user_id", telegram_user_id}, {"by", how}}));
  return teacher;
}

Result<store::Student> TelegramLinks::link_student(const std::string& typed,
                                                   std::int64_t telegram_user_id) {
  const std::string text = trim_spaces(typed);
  return store_.write_value<store::Student>([&](store::Tx& tx) -> Result<store::Student> {
    // A registration number names one student of the school; a roll number
    // only within a class, so it is taken only when one student has it.
    std::string how = "registration_number";
    auto student = tx.find_student_by_registration(text);
    if (!student) return student.error();
    if (!*student) {
      how = "roll_number";
      auto rolls = tx.list_students_by_roll(text, 2);
      if (!rolls) return rolls.error();
      if (rolls->empty()) {
        return field_error(
            "unknown_student", "roll_number",
            "no student has the registration number or roll number \"" + text.substr(0, 40) + "\"");
      }
      if (rolls->size() > 1) {
        return field_error("roll_number_ambiguous", "roll_number",
                           "students of more than one class have roll number \"" +
                               text.substr(0, 40) +
                               "\"; send your registration number (PRN) instead");
      }
      student = std::optional(rolls->front());
    }
    store::Student linked = **student;
    if (linked.telegram_id == telegram_user_id) return linked;
    if (linked.telegram_id) {
      return make_error(
          "student_linked_elsewhere",
          "roll number " + linked.roll_number +
              " is linked to another Telegram account; ask your teacher to unlink it");
    }
    auto other = tx.find_student_by_telegram(telegram_user_id);
    if (!other) return other.error();
    if (*other) {
      return make_error("telegram_taken", "this Telegram account is linked to roll number " +
                                              (*other)->roll_number +
                                              "; ask your teacher to unlink it first");
    }
    linked.telegram_id = telegram_user_id;
    ROLLCALL_TRY(tx.update_student(linked));
    ROLLCALL_TRY(audit(tx, nullptr, "telegram.link", "student", linked.id.value, nullptr,
                       {{"telegram_user_id", telegram_user_id}, {"by", how}}));
    return linked;
  });
}

Result<store::Student> TelegramLinks::unlink_student(const Principal& who, StudentId id) {
  return store_.write_value<store::Student>([&](store::Tx& tx) -> Result<store::Student> {
    auto student = Directory::student_for_change(tx, who, id);
    if (!student) return student.error();
    store::Student unlinked = *student;
    if (!unlinked.telegram_id) return unlinked;
    const auto before = *unlinked.telegram_id;
    unlinked.telegram_id.reset();
    ROLLCALL_TRY(tx.update_student(unlinked));
    ROLLCALL_TRY(audit(tx, &who, "telegram.unlink", "student", id.value, nullptr,
                       {{"telegram_user_id", before}}));
    return unlinked;
  });
}

Result<store::Teacher> TelegramLinks::unlink_teacher(const Principal& who, TeacherId id) {
  if (!who.is_admin() && who.teacher != id) {
    return forbidden("unlink another teacher's Telegram account (only admins may)");
  }
  return store_.write_value<store::Teacher>([&](store::Tx& tx) -> Result<store::Teacher> {
    auto teacher = tx.find_teacher(id);
    if (!teacher) return teacher.error();
    if (!*teacher) return detail::not_found("teacher", id.value);
    store::Teacher unlinked = **teacher;
    if (!unlinked.telegram_id) return unlinked;
    const auto before = *unlinked.telegram_id;
    unlinked.telegram_id.reset();
    ROLLCALL_TRY(tx.update_teacher(unlinked));
    ROLLCALL_TRY(audit(tx, &who, "telegram.unlink", "teacher", id.value, nullptr,
                       {{"telegram_user_id", before}}));
    return unlinked;
  });
}

}  // namespace rollcall::domain

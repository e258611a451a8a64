// src/domain/telegram_links.cc
#include "domain/telegram_links.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>

#include "base/clock.h"
#include "domain/audit.h"
#include "domain/passwords.h"

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

Result<store::Teacher> TelegramLinks::redeem(const std::string& code,
                                             std::int64_t telegram_user_id) {
  const std::string clean = normalised(code);
  if (clean.size() != kLength) return invalid_code();
  return store_.write_value<store::Teacher>([&](store::Tx& tx) -> Result<store::Teacher> {
    auto found = tx.find_link_code(sha256_hex(clean));
    if (!found) return found.error();
    const std::int64_t now = unix_ms_now();
    if (!*found || (*found)->used_ms || (*found)->expires_ms < now) return invalid_code();
    auto other = tx.find_teacher_by_telegram(telegram_user_id);
    if (!other) return other.error();
    if (*other && (*other)->id != (*found)->teacher) {
      return make_error("telegram_taken",
                        "this Telegram account is linked to another teacher; ask an admin");
    }
    auto teacher = tx.find_teacher((*found)->teacher);
    if (!teacher) return teacher.error();
    if (!*teacher) return invalid_code();
    auto used = tx.use_link_code((*found)->id, now);
    if (!used) return used.error();
    if (!*used) return invalid_code();  // another chat used it a moment ago
    store::Teacher linked = **teacher;
    linked.telegram_id = telegram_user_id;
    ROLLCALL_TRY(tx.update_teacher(linked));
    ROLLCALL_TRY(audit(tx, nullptr, "telegram.link", "teacher", linked.id.value, nullptr,
                       {{"telegram_user_id", telegram_user_id}, {"by", "link_code"}}));
    return linked;
  });
}

}  // namespace rollcall::domain

// src/store/tx_accounts.cc
//
// Tx: settings, users and refresh tokens.
#include <algorithm>
#include <cctype>

#include "base/clock.h"
#include "store/detail/sql.h"
#include "store/store.h"

namespace rollcall::store {
namespace {

// ASCII only, in C++ rather than SQL LOWER: the two back ends fold
// non-ASCII letters differently, and a username must compare the same on
// both. Usernames outside ASCII keep their case.
std::string fold_username(std::string username) {
  std::transform(username.begin(), username.end(), username.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return username;
}

constexpr const char* kUserColumns =
    "id, username, password_hash, role, display_name, is_active, must_change_password, "
    "created_ms";

User read_user(RowReader& row) {
  User user;
  user.id = row.id<UserTag>();
  user.username = row.text();
  user.password_hash = row.text();
  user.role = row.enumeration(role_from_string);
  user.display_name = row.text();
  user.is_active = row.flag();
  user.must_change_password = row.flag();
  user.created_ms = row.integer();
  return user;
}

constexpr const char* kTokenColumns =
    "id, user_id, family, token_hash, expires_ms, is_used, is_revoked, created_ms";

RefreshToken read_token(RowReader& row) {
  RefreshToken token;
  token.id = row.integer();
  token.user = row.id<UserTag>();
  token.family = row.text();
  token.token_hash = row.text();
  token.expires_ms = row.integer();
  token.is_used = row.flag();
  token.is_revoked = row.flag();
  token.created_ms = row.integer();
  return token;
}

std::string read_text(RowReader& row) { return row.text(); }

}  // namespace

Result<std::optional<std::string>> Tx::get_setting(const std::string& key) {
  return select_one<std::string>(connection_, "SELECT value FROM settings WHERE name = $1",
                                 {param(key)}, read_text);
}

Result<void> Tx::put_setting(const std::string& key, const std::string& value) {
  return exec(
      connection_,
      "INSERT INTO settings (name, value, updated_ms) VALUES ($1, $2, $3) "
      "ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms",
      {param(key), param(value), param(unix_ms_now())});
}

Result<std::string> Tx::put_setting_if_absent(const std::string& key, const std::string& value) {
  // DO NOTHING waits for a rival's uncommitted insert of the same key and
  // then yields to it, so the SELECT sees whichever value won.
  auto put = exec(connection_,
                  "INSERT INTO settings (name, value, updated_ms) VALUES ($1, $2, $3) "
                  "ON CONFLICT (name) DO NOTHING",
                  {param(key), param(value), param(unix_ms_now())});
  if (!put) return put.error();
  auto stored = get_setting(key);
  if (!stored) return stored.error();
  if (!stored->has_value()) return make_error("database_error", "setting " + key + " vanished");
  return std::move(**stored);
}

Result<std::vector<std::pair<std::string, std::string>>> Tx::list_settings(
    const std::string& prefix) {
  // The table holds a handful of rows; filtering here avoids LIKE (a
  // prefix may hold '_') and collation-dependent ranges on PostgreSQL.
  auto all = select_all<std::pair<std::string, std::string>>(
      connection_, "SELECT name, value FROM settings ORDER BY name", {}, [](RowReader& row) {
        auto name = row.text();
        return std::pair<std::string, std::string>(std::move(name), row.text());
      });
  if (!all) return all.error();
  std::erase_if(*all, [&](const auto& entry) { return !entry.first.starts_with(prefix); });
  return all;
}

Result<void> Tx::delete_setting(const std::string& key) {
  return exec(connection_, "DELETE FROM settings WHERE name = $1", {param(key)});
}

Result<UserId> Tx::insert_user(const User& user) {
  auto id = insert_id(
      connection_,
      "INSERT INTO users (username, password_hash, role, display_name, is_active, "
      "must_change_password, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      {param(fold_username(user.username)), param(user.password_hash), param(to_string(user.role)),
       param(user.display_name), param(user.is_active), param(user.must_change_password),
       param(user.created_ms)});
  if (!id) return id.error();
  return UserId{*id};
}

Result<std::optional<User>> Tx::find_user(UserId id) {
  return select_one(connection_, select_from(kUserColumns, "users WHERE id = $1"), {param(id)},
                    read_user);
}

Result<std::optional<User>> Tx::find_user_by_username(const std::string& username) {
  return select_one(connection_, select_from(kUserColumns, "users WHERE username = $1"),
                    {param(fold_username(username))}, read_user);
}

Result<Page<User>> Tx::list_users(const ListQuery& query) {
  Filter filter;
  filter.search({"username", "display_name"}, query.search);
  return select_page(connection_, kUserColumns, "users", filter, "username, id", query, read_user);
}

Result<void> Tx::update_user(const User& user) {
  return change_one(connection_,
                    "UPDATE users SET display_name = $2, role = $3, is_active = $4 WHERE id = $1",
                    {param(user.id), param(user.display_name), param(to_string(user.role)),
                     param(user.is_active)},
                    "user with id " + std::to_string(user.id.value));
}

Result<void> Tx::update_password(UserId id, const std::string& password_hash,
                                 bool must_change_password) {
  return change_one(connection_,
                    "UPDATE users SET password_hash = $2, must_change_password = $3 WHERE id = $1",
                    {param(id), param(password_hash), param(must_change_password)},
                    "user with id " + std::to_string(id.value));
}

Result<bool> Tx::delete_user(UserId id) { return delete_by_id(connection_, "users", id.value); }

Result<std::int64_t> Tx::count_users(Role role) {
  return select_integer(connection_, "SELECT COUNT(*) FROM users WHERE role = $1",
                        {param(to_string(role))});
}

Result<void> Tx::insert_login(UserId user, const std::string& family, std::int64_t now_ms) {
  return exec(connection_, "INSERT INTO logins (family, user_id, created_ms) VALUES ($1, $2, $3)",
              {param(family), param(user), param(now_ms)});
}

Result<bool> Tx::is_login_live(const std::string& family, UserId user) {
  auto live = select_integer(
      connection_,
      "SELECT COUNT(*) FROM logins WHERE family = $1 AND user_id = $2 AND ended_ms IS NULL",
      {param(family), param(user)});
  if (!live) return live.error();
  return *live > 0;
}

Result<void> Tx::insert_refresh_token(const RefreshToken& token) {
  return exec(
      connection_,
      "INSERT INTO refresh_tokens (user_id, family, token_hash, expires_ms, is_used, is_revoked, "
      "created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {param(token.user), param(token.family), param(token.token_hash), param(token.expires_ms),
       param(token.is_used), param(token.is_revoked), param(token.created_ms)});
}

Result<std::optional<RefreshToken>> Tx::find_refresh_token(const std::string& token_hash) {
  return select_one(connection_, select_from(kTokenColumns, "refresh_tokens WHERE token_hash = $1"),
                    {param(token_hash)}, read_token);
}

Result<bool> Tx::mark_refresh_token_used(std::int64_t id) {
  // The condition is re-read after a concurrent update of the row commits,
  // so of two simultaneous uses of one token only one wins.
  auto marked = connection_.query(
      "UPDATE refresh_tokens SET is_used = TRUE WHERE id = $1 AND is_used = FALSE RETURNING id",
      {param(id)});
  if (!marked) return marked.error();
  return !marked->rows.empty();
}

// The login row is what access tokens are checked against; the tokens'
// own flag stays for refresh, which reads both.
Result<void> Tx::revoke_token_family(const std::string& family) {
  ROLLCALL_TRY(exec(connection_,
                    "UPDATE logins SET ended_ms = $2 WHERE family = $1 AND ended_ms IS NULL",
                    {param(family), param(unix_ms_now())}));
  return exec(connection_, "UPDATE refresh_tokens SET is_revoked = TRUE WHERE family = $1",
              {param(family)});
}

Result<void> Tx::revoke_user_tokens(UserId user) {
  ROLLCALL_TRY(exec(connection_,
                    "UPDATE logins SET ended_ms = $2 WHERE user_id = $1 AND ended_ms IS NULL",
                    {param(user), param(unix_ms_now())}));
  return exec(connection_, "UPDATE refresh_tokens SET is_revoked = TRUE WHERE user_id = $1",
              {param(user)});
}

}  // namespace rollcall::store

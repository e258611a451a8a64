// src/domain/accounts.h
//
// Accounts: users, logging in, tokens, passwords, and the first admin.
// Owns: the token rules. An access token is a short-lived JWT (jwt.h); a
// refresh token is a random string stored only as its SHA-256, rotated on
// every use; presenting a rotated one again revokes its whole family (the
// login it came from), since only a thief would hold an old one.
// Logins end: an access token names its login (the family, claim "sid")
// and authenticate() checks on every request that the login is live
// (store: logins), so a token stops working the moment its login ends:
// logout (that login), refresh-token reuse (that login), a password change
// or an admin's reset and disabling the account (every login of the user;
// enabling it again brings none back). A login per token rather than one
// version number per user, because a version bump would end every device's
// access token at one device's logout, and the web UI treats that answer
// (token_invalid) as signed out; the check costs one indexed read next to
// the user's row that authenticate() reads anyway.
// Leaves to others: rate limiting (http), transport.
// Thread safety: shared by all request threads; state is in the store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"
#include "domain/principal.h"
#include "store/store.h"

namespace rollcall::domain {

// The longest username (ASCII letters, digits and . _ / - @).
inline constexpr std::size_t kMaxUsernameChars = 64;

struct AccountsOptions {
  std::string jwt_key;  // at least 32 bytes
  int access_token_ttl_s = 900;
  int refresh_token_ttl_s = 30 * 24 * 3600;
};

struct TokenPair {
  std::string access_token;
  std::string refresh_token;
  int access_expires_in_s = 0;
  store::User user;
};

struct NewUser {
  std::string username;
  std::string password;  // "" = generate one (returned once)
  store::Role role = store::Role::student;
  std::string display_name;
  bool must_change_password = false;  // the password was chosen for them
};

struct CreatedUser {
  store::User user;
  std::string generated_password;  // set iff the password was generated
};

class Accounts {
 public:
  Accounts(store::Store& store, AccountsOptions options);

  // Errors: login_failed (one message for an unknown user and a wrong
  // password, so accounts cannot be discovered), account_disabled.
  Result<TokenPair> login(const std::string& username, const std::string& password);

  // Errors: refresh_token_invalid, refresh_token_expired,
  // refresh_token_reused (the family is revoked), account_disabled.
  Result<TokenPair> refresh(const std::string& refresh_token);

  // Ends the token's login: its refresh tokens and its access tokens.
  // Unknown tokens succeed: logging out twice is not an error.
  Result<void> logout(const std::string& refresh_token);

  // Errors: password_wrong, password_too_short/long, password_unchanged
  // (the new one is the current one). Revokes every refresh token of the
  // user, so other devices must log in again, and clears
  // must_change_password.
  Result<void> change_password(const Principal& who, const std::string& current_password,
                               const std::string& new_password);

  // An admin sets a new password for a user who forgot theirs: `password`,
  // or a generated one when "" (returned once). The user must change it
  // at their next login; every login of theirs ends now. Audited
  // (user.password_reset, never the password). Errors: forbidden,
  // user_not_found, password_too_short/long.
  Result<CreatedUser> reset_password(const Principal& who, UserId id, const std::string& password);

  // The same without a principal, by username, for `rollcall user
  // reset-password` on the server's machine (a locked-out admin); audited
  // as done by the system. Errors: user_not_found, password_too_short/long.
  static Result<CreatedUser> reset_password_locally(store::Store& store,
                                                    const std::string& username,
                                                    const std::string& password);

  // Errors: token_invalid (also when its login has ended), token_expired
  // (also for a token from before tokens named their login: refresh it),
  // account_disabled.
  Result<Principal> authenticate(const std::string& access_token);

  // Validates and inserts a user inside `tx`. Errors: invalid_field
  // (username), password_too_short/long, username_taken.
  static Result<CreatedUser> create_user(store::Tx& tx, const NewUser& user);

  // Admin's user management. Errors: forbidden, user_not_found,
  // last_admin (the last active admin cannot be disabled or deleted).
  Result<CreatedUser> add_user(const Principal& who, const NewUser& user);
  Result<store::User> set_user_active(const Principal& who, UserId id, bool is_active);
  Result<void> remove_user(const Principal& who, UserId id);

 private:
  Result<TokenPair> issue(store::Tx& tx, const store::User& user, const std::string& family);

  store::Store& store_;
  AccountsOptions options_;
};

// First start: creates the admin account when the database has no admin.
// The password is `password` if given (it must pass the policy), else
// generated; `generated_password` is set only when generated, so the
// caller can print it once, and then it must be changed at first login.
struct FirstStart {
  bool is_admin_created = false;
  std::string generated_password;
};
Result<FirstStart> ensure_admin(store::Store& store, const std::string& password);

// The JWT signing key: `configured` when set (at least 32 bytes), else a
// random key generated once and kept in the database, so every instance
// sharing it agrees and tokens survive a restart. Errors: jwt_secret_too_short.
Result<std::string> ensure_jwt_key(store::Store& store, const std::string& configured);

}  // namespace rollcall::domain

// src/domain/accounts.cc
#include "domain/accounts.h"

#include <algorithm>
#include <cctype>

#include "base/clock.h"
#include "domain/audit.h"
#include "domain/jwt.h"
#include "domain/passwords.h"
#include "domain/validate.h"
#include "domain/views.h"

namespace rollcall::domain {
namespace {

constexpr std::size_t kMinJwtKeyBytes = 32;  // RFC 7518 3.2: key >= hash output
constexpr const char* kJwtKeySetting = "jwt_key";

Error login_failed() { return make_error("login_failed", "wrong username or password"); }

Error refresh_invalid() {
  return make_error("refresh_token_invalid", "the refresh token is not valid; log in again");
}

// A hash to verify against when the user does not exist, so an unknown
// username costs as much time as a wrong password.
const std::string& decoy_hash() {
  static const std::string hash = hash_password(generate_password()).value();
  return hash;
}

Result<Principal> principal_of(store::Tx& tx, const store::User& user) {
  Principal who{user.id,      user.role,    user.username,
                std::nullopt, std::nullopt, user.must_change_password};
  if (user.role == store::Role::teacher) {
    auto teacher = tx.find_teacher_by_user(user.id);
    if (!teacher) return teacher.error();
    if (*teacher) who.teacher = (*teacher)->id;
  } else if (user.role == store::Role::student) {
    auto student = tx.find_student_by_user(user.id);
    if (!student) return student.error();
    if (*student) who.student = (*student)->id;
  }
  return who;
}

Result<store::User> existing_user(store::Tx& tx, UserId id) {
  auto user = tx.find_user(id);
  if (!user) return user.error();
  if (!*user) return make_error("user_not_found", "no user has id " + std::to_string(id.value));
  return **user;
}

// True iff `user` is the only active admin left.
Result<bool> is_last_admin(store::Tx& tx, const store::User& user) {
  if (user.role != store::Role::admin || !user.is_active) return false;
  auto admins = tx.count_users(store::Role::admin);
  if (!admins) return admins.error();
  return *admins <= 1;
}

}  // namespace

Accounts::Accounts(store::Store& store, AccountsOptions options)
    : store_(store), options_(std::move(options)) {}

Result<TokenPair> Accounts::issue(store::Tx& tx, const store::User& user,
                                  const std::string& family) {
  const std::int64_t now_ms = unix_ms_now();
  AccessClaims claims{user.id.value,    store::to_string(user.role),
                      now_ms / 1000,    now_ms / 1000 + options_.access_token_ttl_s,
                      random_token(12), family};
  TokenPair pair;
  pair.access_token = sign_jwt(claims, options_.jwt_key);
  pair.refresh_token = random_token(32);
  pair.access_expires_in_s = options_.access_token_ttl_s;
  pair.user = user;
  store::RefreshToken token;
  token.user = user.id;
  token.family = family;
  token.token_hash = sha256_hex(pair.refresh_token);
  token.expires_ms = now_ms + std::int64_t{options_.refresh_token_ttl_s} * 1000;
  token.created_ms = now_ms;
  auto saved = tx.insert_refresh_token(token);
  if (!saved) return saved.error();
  return pair;
}

Result<TokenPair> Accounts::login(const std::string& username, const std::string& password) {
  auto user = store_.read_value<std::optional<store::User>>(
      [&](store::Tx& tx) { return tx.find_user_by_username(lower_ascii(username)); });
  if (!user) return user.error();
  // Hash outside any transaction: Argon2 takes tens of milliseconds and
  // must not hold a database lock.
  if (!*user) {
    verify_password(password, decoy_hash());
    return login_failed();
  }
  if (!verify_password(password, (*user)->password_hash)) return login_failed();
  if (!(*user)->is_active) {
    return make_error("account_disabled", "this account is disabled; ask an administrator");
  }
  return store_.write_value<TokenPair>([&](store::Tx& tx) -> Result<TokenPair> {
    const std::string family = random_token(16);
    ROLLCALL_TRY(tx.insert_login((*user)->id, family, unix_ms_now()));
    return issue(tx, **user, family);
  });
}

Result<TokenPair> Accounts::refresh(const std::string& refresh_token) {
  if (refresh_token.empty() || refresh_token.size() > 200) return refresh_invalid();
  std::optional<Error> reuse;
  auto pair = store_.write_value<TokenPair>([&](store::Tx& tx) -> Result<TokenPair> {
    auto found = tx.find_refresh_token(sha256_hex(refresh_token));
    if (!found) return found.error();
    if (!*found || (*found)->is_revoked) return refresh_invalid();
    const auto& token = **found;
    // Revokes in this transaction and commits it, then reports the reuse.
    auto reused = [&]() -> Result<TokenPair> {
      ROLLCALL_TRY(tx.revoke_token_family(token.family));
      reuse = make_error("refresh_token_reused",
                         "this refresh token was already used, so every session of this login "
                         "has been ended; log in again");
      return TokenPair{};
    };
    if (token.is_used) return reused();
    // The login's own row decides: a refresh racing a logout may have
    // written a token the logout did not see.
    auto live = tx.is_login_live(token.family, token.user);
    if (!live) return live.error();
    if (!*live) return refresh_invalid();
    if (token.expires_ms <= unix_ms_now()) {
      return make_error("refresh_token_expired", "the refresh token has expired; log in again");
    }
    auto user = existing_user(tx, token.user);
    if (!user) return refresh_invalid();
    if (!user->is_active) {
      return make_error("account_disabled", "this account is disabled; ask an administrator");
    }
    auto used = tx.mark_refresh_token_used(token.id);
    if (!used) return used.error();
    if (!*used) return reused();  // a simultaneous request used it first
    return issue(tx, *user, token.family);
  });
  if (reuse) return *reuse;
  return pair;
}

Result<void> Accounts::logout(const std::string& refresh_token) {
  return store_.write([&](store::Tx& tx) -> Result<void> {
    auto found = tx.find_refresh_token(sha256_hex(refresh_token));
    if (!found) return found.error();
    if (!*found) return {};
    return tx.revoke_token_family((*found)->family);
  });
}

Result<void> Accounts::change_password(const Principal& who, const std::string& current_password,
                                       const std::string& new_password) {
  auto user =
      store_.read_value<store::User>([&](store::Tx& tx) { return existing_user(tx, who.user); });
  if (!user) return user.error();
  if (!verify_password(current_password, user->password_hash)) {
    return field_error("password_wrong", "current_password", "the current password is wrong");
  }
  if (auto policy = check_password_policy(new_password); !policy) {
    return field_error(policy.error().code, "new_password", policy.error().message);
  }
  if (new_password == current_password) {
    return field_error("password_unchanged", "new_password",
                       "the new password is the current one; choose a different password");
  }
  auto hash = hash_password(new_password);
  if (!hash) return hash.error();
  return store_.write([&](store::Tx& tx) -> Result<void> {
    if (auto updated = tx.update_password(who.user, *hash, false); !updated) return updated;
    if (auto revoked = tx.revoke_user_tokens(who.user); !revoked) return revoked;
    return audit(tx, &who, "user.password_change", "user", who.user.value, nullptr, nullptr);
  });
}

Result<Principal> Accounts::authenticate(const std::string& access_token) {
  auto claims = verify_jwt(access_token, options_.jwt_key, unix_ms_now() / 1000);
  if (!claims) return claims.error();
  if (claims->session_id.empty()) {
    // Issued before tokens named their login: the refresh token still
    // works and gives one that does.
    return make_error("token_expired",
                      "the access token is from an older version; get a new one from "
                      "/api/v1/auth/refresh");
  }
  return store_.read_value<Principal>([&](store::Tx& tx) -> Result<Principal> {
    auto user = tx.find_user(UserId{claims->user_id});
    if (!user) return user.error();
    // A deleted user's or a demoted user's token stops working at once.
    if (!*user || store::to_string((*user)->role) != claims->role) {
      return make_error("token_invalid",
                        "the access token is not valid (account changed); log in again");
    }
    if (!(*user)->is_active) {
      return make_error("account_disabled", "this account is disabled; ask an administrator");
    }
    // Checked on every request, so the token ends with its login: at
    // logout, refresh-token reuse, a password change or reset, a disable
    // (and stays dead after the account is enabled again).
    auto live = tx.is_login_live(claims->session_id, (*user)->id);
    if (!live) return live.error();
    if (!*live) {
      return make_error("token_invalid",
                        "this login has ended (signed out, password changed or account "
                        "disabled); log in again");
    }
    return principal_of(tx, **user);
  });
}

Result<CreatedUser> Accounts::create_user(store::Tx& tx, const NewUser& request) {
  auto username =
      clean_identifier("username", lower_ascii(request.username), kMaxUsernameChars, true);
  if (!username) return username.error();
  if (username->size() < 3) {
    return field_error("invalid_field", "username", "username must have at least 3 characters");
  }
  auto display_name = clean_text("display_name", request.display_name, 0, 200);
  if (!display_name) return display_name.error();
  CreatedUser created;
  std::string password = request.password;
  if (password.empty()) {
    password = generate_password();
    created.generated_password = password;
  }
  if (auto policy = check_password_policy(password); !policy) {
    return field_error(policy.error().code, "password", policy.error().message);
  }
  auto hash = hash_password(password);
  if (!hash) return hash.error();
  store::User& user = created.user;
  user.username = *username;
  user.password_hash = *hash;
  user.role = request.role;
  user.display_name = display_name->empty() ? *username : *display_name;
  user.must_change_password = request.must_change_password;
  user.created_ms = unix_ms_now();
  auto id = tx.insert_user(user);
  if (!id) {
    if (id.error().code == "duplicate") {
      return field_error("username_taken", "username",
                         "the username \"" + *username + "\" is taken; choose another");
    }
    return id.error();
  }
  user.id = *id;
  return created;
}

Result<CreatedUser> Accounts::add_user(const Principal& who, const NewUser& request) {
  if (auto allowed = require_admin(who, "create users"); !allowed) return allowed.error();
  return store_.write_value<CreatedUser>([&](store::Tx& tx) -> Result<CreatedUser> {
    auto created = create_user(tx, request);
    if (!created) return created;
    if (auto logged = audit(tx, &who, "user.create", "user", created->user.id.value, nullptr,
                            to_json(created->user));
        !logged) {
      return logged.error();
    }
    return created;
  });
}

Result<store::User> Accounts::set_user_active(const Principal& who, UserId id, bool is_active) {
  if (auto allowed = require_admin(who, "change users"); !allowed) return allowed.error();
  return store_.write_value<store::User>([&](store::Tx& tx) -> Result<store::User> {
    auto user = existing_user(tx, id);
    if (!user) return user;
    auto last = is_last_admin(tx, *user);
    if (!last) return last.error();
    if (!is_active && *last) {
      return make_error("last_admin", "the last active administrator cannot be disabled");
    }
    const auto before = to_json(*user);
    user->is_active = is_active;
    if (auto updated = tx.update_user(*user); !updated) return updated.error();
    if (!is_active) {
      if (auto revoked = tx.revoke_user_tokens(id); !revoked) return revoked.error();
    }
    if (auto logged = audit(tx, &who, "user.update", "user", id.value, before, to_json(*user));
        !logged) {
      return logged.error();
    }
    return user;
  });
}

Result<void> Accounts::remove_user(const Principal& who, UserId id) {
  if (auto allowed = require_admin(who, "delete users"); !allowed) return allowed;
  return store_.write([&](store::Tx& tx) -> Result<void> {
    auto user = existing_user(tx, id);
    if (!user) return user.error();
    auto last = is_last_admin(tx, *user);
    if (!last) return last.error();
    if (*last) return make_error("last_admin", "the last active administrator cannot be deleted");
    auto deleted = tx.delete_user(id);
    if (!deleted) {
      if (deleted.error().code == "foreign_key") {
        return make_error(
            "user_in_use",
            "this user is a teacher's or student's login; delete that profile instead");
      }
      return deleted.error();
    }
    return audit(tx, &who, "user.delete", "user", id.value, to_json(*user), nullptr);
  });
}

namespace {

// The new password (generated when "") and its hash, outside any
// transaction (hashing takes tens of milliseconds).
struct NewPassword {
  std::string password;
  std::string generated;  // set iff generated
  std::string hash;
};

Result<NewPassword> new_password_for_reset(const std::string& given) {
  NewPassword out;
  out.password = given;
  if (out.password.empty()) out.generated = out.password = generate_password();
  if (auto policy = check_password_policy(out.password); !policy) {
    return field_error(policy.error().code, "password", policy.error().message);
  }
  auto hash = hash_password(out.password);
  if (!hash) return hash.error();
  out.hash = std::move(hash).value();
  return out;
}

// Inside `tx`: sets the password, flags it for change, ends the user's
// logins and audits it (the user's view before and after; no password).
Result<CreatedUser> apply_reset(store::Tx& tx, const Principal* who, store::User user,
                                const NewPassword& fresh, const std::string& how) {
  const auto before = to_json(user);
  ROLLCALL_TRY(tx.update_password(user.id, fresh.hash, true));
  ROLLCALL_TRY(tx.revoke_user_tokens(user.id));
  user.password_hash = fresh.hash;
  user.must_change_password = true;
  auto after = to_json(user);
  after["password_set_by"] = how;
  ROLLCALL_TRY(audit(tx, who, "user.password_reset", "user", user.id.value, before, after));
  return CreatedUser{std::move(user), fresh.generated};
}

}  // namespace

Result<CreatedUser> Accounts::reset_password(const Principal& who, UserId id,
                                             const std::string& password) {
  if (auto allowed = require_admin(who, "set other users' passwords"); !allowed) {
    return allowed.error();
  }
  auto fresh = new_password_for_reset(password);
  if (!fresh) return fresh.error();
  return store_.write_value<CreatedUser>([&](store::Tx& tx) -> Result<CreatedUser> {
    auto user = existing_user(tx, id);
    if (!user) return user.error();
    return apply_reset(tx, &who, std::move(user).value(), *fresh, "admin");
  });
}

Result<CreatedUser> Accounts::reset_password_locally(store::Store& store,
                                                     const std::string& username,
                                                     const std::string& password) {
  auto fresh = new_password_for_reset(password);
  if (!fresh) return fresh.error();
  return store.write_value<CreatedUser>([&](store::Tx& tx) -> Result<CreatedUser> {
    auto user = tx.find_user_by_username(lower_ascii(trim_spaces(username)));
    if (!user) return user.error();
    if (!*user) {
      return make_error("user_not_found", "no user is called \"" + username.substr(0, 64) +
                                              "\"; usernames are listed on the Users page");
    }
    return apply_reset(tx, nullptr, std::move(**user), *fresh, "command line");
  });
}

Result<FirstStart> ensure_admin(store::Store& store, const std::string& password) {
  auto admins = store.read_value<std::int64_t>(
      [](store::Tx& tx) { return tx.count_users(store::Role::admin); });
  if (!admins) return admins.error();
  FirstStart result;
  if (*admins > 0) return result;
  return store.write_value<FirstStart>([&](store::Tx& tx) -> Result<FirstStart> {
    // Another instance may have created it between the read and this write.
    auto again = tx.count_users(store::Role::admin);
    if (!again) return again.error();
    if (*again > 0) return result;
    // A generated password was read off a terminal or a log: the admin
    // replaces it at first login.
    auto created = Accounts::create_user(
        tx, NewUser{"admin", password, store::Role::admin, "Administrator", password.empty()});
    if (!created) return created.error();
    result.is_admin_created = true;
    result.generated_password = created->generated_password;
    if (auto logged = audit(tx, nullptr, "user.create", "user", created->user.id.value, nullptr,
                            to_json(created->user));
        !logged) {
      return logged.error();
    }
    return result;
  });
}

Result<std::string> ensure_jwt_key(store::Store& store, const std::string& configured) {
  if (!configured.empty()) {
    if (configured.size() < kMinJwtKeyBytes) {
      return make_error("jwt_secret_too_short",
                        "jwt_secret must have at least 32 characters; or leave it unset to "
                        "have one generated");
    }
    return configured;
  }
  return store.write_value<std::string>(
      [](store::Tx& tx) { return tx.put_setting_if_absent(kJwtKeySetting, random_token(48)); });
}

}  // namespace rollcall::domain

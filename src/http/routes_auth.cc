// src/http/routes_auth.cc
//
// /api/v1/auth/* and /api/v1/me, /api/v1/users: logging in and out,
// tokens, passwords, and the admin's user list.
#include <algorithm>
#include <cctype>

#include "base/clock.h"
#include "domain/validate.h"
#include "domain/views.h"
#include "http/errors.h"
#include "http/json_input.h"
#include "http/routes.h"

namespace rollcall::http {
namespace {

nlohmann::json token_json(const domain::TokenPair& pair) {
  return {{"access_token", pair.access_token},
          {"token_type", "Bearer"},
          {"expires_in", pair.access_expires_in_s},
          {"refresh_token", pair.refresh_token},
          {"user", domain::to_json(pair.user)}};
}

Error rate_limited(const std::string& what, int retry_after_s) {
  return make_error("rate_limited",
                    "too many " + what + "; try again in " + std::to_string(retry_after_s) + " s");
}

}  // namespace

void add_auth_routes(Router& router, Services& s) {
  router.add("POST", "/api/v1/auth/login", kAnyone,
             "Log in with username and password; returns an access and a refresh token",
             [&s](Call& call) -> Result<Reply> {
               auto input = JsonInput::parse(call, {"username", "password"});
               if (!input) return input.error();
               auto username = input->required_text("username");
               if (!username) return username.error();
               auto password = input->required_text("password");
               if (!password) return password.error();
               // No account has a longer name, and nothing longer may reach
               // the limiter or the store.
               if (username->size() > domain::kMaxUsernameChars) {
                 return field_error("invalid_field", "username",
                                    "username must be at most " +
                                        std::to_string(domain::kMaxUsernameChars) + " characters");
               }
               // The attempt is reserved before the password is checked, so
               // simultaneous guesses cannot all pass; a login that succeeds
               // gives it back, so a user who logs in often is never limited.
               const std::string account = domain::lower_ascii(*username);
               int retry_after_s = 0;
               auto attempt = s.login_limits.reserve(account, call.remote_ip, retry_after_s);
               if (!attempt) {
                 return with_retry_after(
                     error_reply(rate_limited("failed logins", retry_after_s), call.request_id),
                     retry_after_s);
               }
               auto pair = s.accounts.login(*username, *password);
               if (!pair) {
                 if (pair.error().code != "login_failed") s.login_limits.not_counted(*attempt);
                 return pair.error();
               }
               s.login_limits.succeeded(*attempt);
               return Reply::json(token_json(*pair));
             });
  router.add("POST", "/api/v1/auth/refresh", kAnyone,
             "Trade a refresh token for a new pair; the old refresh token stops working",
             [&s](Call& call) -> Result<Reply> {
               auto input = JsonInput::parse(call, {"refresh_token"});
               if (!input) return input.error();
               auto token = input->required_text("refresh_token");
               if (!token) return token.error();
               auto pair = s.accounts.refresh(*token);
               if (!pair) return pair.error();
               return Reply::json(token_json(*pair));
             });
  router.add("POST", "/api/v1/auth/logout", kAnyone, "End the login a refresh token belongs to",
             [&s](Call& call) -> Result<Reply> {
               auto input = JsonInput::parse(call, {"refresh_token"});
               if (!input) return input.error();
               auto token = input->required_text("refresh_token");
               if (!token) return token.error();
               ROLLCALL_TRY(s.accounts.logout(*token));
               return Reply::no_content();
             });
  router.add("POST", "/api/v1/auth/password", kAnyUser,
             "Change your password; every other login of yours ends",
             [&s](Call& call) -> Result<Reply> {
               auto input = JsonInput::parse(call, {"current_password", "new_password"});
               if (!input) return input.error();
               auto current = input->required_text("current_password");
               if (!current) return current.error();
               auto fresh = input->required_text("new_password");
               if (!fresh) return fresh.error();
               ROLLCALL_TRY(s.accounts.change_password(call.who(), *current, *fresh));
               return Reply::no_content();
             });
  router.add("POST", "/api/v1/me/telegram-link-code", Roles{store::Role::teacher},
             "A one-time code that links your Telegram account to the teacher bot",
             [&s](Call& call) -> Result<Reply> {
               auto code = s.telegram_links.make_code(call.who());
               if (!code) return code.error();
               return Reply::json(
                   {{"code", code->code}, {"expires_at", format_iso8601(code->expires_ms)}}, 201);
             });
  router.add("GET", "/api/v1/me", kAnyUser, "Who you are: your user, role and profile ids",
             [](Call& call) -> Result<Reply> {
               const auto& who = call.who();
               nlohmann::json teacher = nullptr, student = nullptr;
               if (who.teacher) teacher = who.teacher->value;
               if (who.student) student = who.student->value;
               return Reply::json({{"user_id", who.user.value},
                                   {"username", who.username},
                                   {"role", store::to_string(who.role)},
                                   {"teacher_id", teacher},
                                   {"student_id", student},
                                   {"must_change_password", who.must_change_password}});
             });

  router.add("GET", "/api/v1/users", kAdmin, "List users (search by username or name)",
             [&s](Call& call) -> Result<Reply> {
               auto query = list_query(call);
               if (!query) return query.error();
               auto page = s.store.read_value<store::Page<store::User>>(
                   [&](store::Tx& tx) { return tx.list_users(*query); });
               if (!page) return page.error();
               nlohmann::json items = nlohmann::json::array();
               for (const auto& user : page->items) items.push_back(domain::to_json(user));
               return Reply::json({{"items", items}, {"total", page->total}});
             });
  router.add(
      "POST", "/api/v1/users", kAdmin,
      "Create a user; without a password one is generated and returned once",
      [&s](Call& call) -> Result<Reply> {
        auto input = JsonInput::parse(call, {"username", "password", "role", "display_name"});
        if (!input) return input.error();
        auto username = input->required_text("username");
        if (!username) return username.error();
        auto role_text = input->required_text("role");
        if (!role_text) return role_text.error();
        auto role = store::role_from_string(*role_text);
        if (!role) {
          return field_error("invalid_field", "role", "role must be admin, teacher or student");
        }
        auto password = input->text("password");
        if (!password) return password.error();
        auto name = input->text("display_name");
        if (!name) return name.error();
        auto created = s.accounts.add_user(
            call.who(), {*username, password->value_or(""), *role, name->value_or("")});
        if (!created) return created.error();
        auto body = domain::to_json(created->user);
        if (!created->generated_password.empty()) {
          body["generated_password"] = created->generated_password;
        }
        return Reply::json(body, 201);
      });
  router.add("PATCH", "/api/v1/users/{id}", kAdmin, "Enable or disable a user",
             [&s](Call& call) -> Result<Reply> {
               auto input = JsonInput::parse(call, {"is_active"});
               if (!input) return input.error();
               auto active = input->boolean("is_active");
               if (!active) return active.error();
               if (!*active)
                 return field_error("missing_field", "is_active", "is_active is required");
               auto user = s.accounts.set_user_active(call.who(), UserId{call.id("id")}, **active);
               if (!user) return user.error();
               return Reply::json(domain::to_json(*user));
             });
  router.add("POST", "/api/v1/users/{id}/password", kAdmin,
             "Set a new password for a user (generated and returned once when omitted); they "
             "must change it at their next login, and every login of theirs ends",
             [&s](Call& call) -> Result<Reply> {
               auto input = JsonInput::parse(call, {"password"});
               if (!input) return input.error();
               auto password = input->text("password");
               if (!password) return password.error();
               auto reset = s.accounts.reset_password(call.who(), UserId{call.id("id")},
                                                      password->value_or(""));
               if (!reset) return reset.error();
               auto body = domain::to_json(reset->user);
               if (!reset->generated_password.empty()) {
                 body["generated_password"] = reset->generated_password;
               }
               return Reply::json(body);
             });
  router.add("DELETE", "/api/v1/users/{id}", kAdmin, "Delete a user that has no profile",
             [&s](Call& call) -> Result<Reply> {
               ROLLCALL_TRY(s.accounts.remove_user(call.who(), UserId{call.id("id")}));
               return Reply::no_content();
             });
}

}  // namespace rollcall::http

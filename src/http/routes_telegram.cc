// src/http/routes_telegram.cc
//
// The Telegram bots' webhook (Telegram POSTs each update to
// /telegram/<bot> with the secret header; the bots check it and handle the
// update) and the removal of a person's Telegram link, so that they can
// link another account (a student's by their teacher or an admin, a
// teacher's by themselves or an admin).
#include "domain/views.h"
#include "http/routes.h"

namespace rollcall::http {

void add_telegram_routes(Router& router, Services& s) {
  for (const std::string bot : {"teacher", "student"}) {
    router.add("POST", "/telegram/" + bot, kAnyone,
               "Telegram delivers an update to the " + bot + " bot (webhook mode)",
               [&s, bot](Call& call) -> Result<Reply> {
                 if (!s.telegram_webhook) {
                   return make_error("telegram_webhook_off",
                                     "no Telegram bot runs on this server (set its token)");
                 }
                 ROLLCALL_TRY(s.telegram_webhook(
                     bot, call.header("X-Telegram-Bot-Api-Secret-Token"), std::string(call.body)));
                 return Reply::json(nlohmann::json::object());
               });
  }
  router.add("DELETE", "/api/v1/students/{id}/telegram", kStaff,
             "Unlink the student's Telegram account (they may then link another)",
             [&s](Call& call) -> Result<Reply> {
               auto student = s.telegram_links.unlink_student(call.who(), StudentId{call.id("id")});
               if (!student) return student.error();
               return Reply::json(domain::to_json(*student));
             });
  router.add("DELETE", "/api/v1/teachers/{id}/telegram", kStaff,
             "Unlink the teacher's Telegram account (yourself, or anyone as an admin)",
             [&s](Call& call) -> Result<Reply> {
               auto teacher = s.telegram_links.unlink_teacher(call.who(), TeacherId{call.id("id")});
               if (!teacher) return teacher.error();
               return Reply::json(domain::to_json(*teacher));
             });
}

}  // namespace rollcall::http

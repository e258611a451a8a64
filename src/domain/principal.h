// src/domain/principal.h
//
// Principal: who is asking, as established by a valid access token, and
// the role checks every service applies before touching data.
// Invariants: a teacher principal carries its TeacherId, a student one its
// StudentId, when such a profile exists.
// Thread safety: plain value type.
#pragma once

#include <optional>
#include <string>

#include "base/ids.h"
#include "base/result.h"
#include "store/records.h"

namespace rollcall::domain {

struct Principal {
  UserId user;
  store::Role role = store::Role::student;
  std::string username;
  std::optional<TeacherId> teacher;  // role == teacher and a profile exists
  std::optional<StudentId> student;  // role == student and a profile exists
  // Someone else chose the password: until the user changes it, only that
  // (and asking who they are) is served (http/server.cc).
  bool must_change_password = false;

  bool is_admin() const { return role == store::Role::admin; }
};

// Errors: forbidden, naming what the role may not do.
Result<void> require_admin(const Principal& who, const std::string& action);

inline Error forbidden(const std::string& what) {
  return make_error("forbidden", "your role may not " + what);
}

}  // namespace rollcall::domain

// src/base/ids.h
//
// Strongly typed ids, so a student id cannot be passed where a class id is
// expected. Owns: the id types. Invariants: an id is an opaque integer; 0
// means "none".
// Thread safety: plain value types.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace rollcall {

template <typename Tag>
struct Id {
  std::int64_t value = 0;

  constexpr bool is_set() const { return value != 0; }
  constexpr auto operator<=>(const Id&) const = default;
};

using StudentId = Id<struct StudentTag>;
using UserId = Id<struct UserTag>;
using TeacherId = Id<struct TeacherTag>;
using ClassId = Id<struct ClassTag>;
using SubjectId = Id<struct SubjectTag>;
using SessionId = Id<struct SessionTag>;
using PhotoId = Id<struct PhotoTag>;
using JobId = Id<struct JobTag>;

}  // namespace rollcall

template <typename Tag>
struct std::hash<rollcall::Id<Tag>> {
  std::size_t operator()(const rollcall::Id<Tag>& id) const noexcept {
    return std::hash<std::int64_t>{}(id.value);
  }
};

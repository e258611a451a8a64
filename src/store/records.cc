// src/store/records.cc
//
// The text forms of the record enums. These strings are stored in the
// database (CHECK constraints in migrations.cc list them) and sent in JSON,
// so they are never renamed.
#include "store/records.h"

#include <array>
#include <utility>

namespace rollcall::store {
namespace {

template <typename E, std::size_t N>
std::string name_of(E value, const std::array<std::pair<E, const char*>, N>& names) {
  for (const auto& [candidate, name] : names) {
    if (candidate == value) return name;
  }
  return "unknown";
}

template <typename E, std::size_t N>
std::optional<E> parse(const std::string& text,
                       const std::array<std::pair<E, const char*>, N>& names) {
  for (const auto& [candidate, name] : names) {
    if (text == name) return candidate;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<Role, const char*>, 3> kRoles{{
    {Role::admin, "admin"},
    {Role::teacher, "teacher"},
    {Role::student, "student"},
}};

constexpr std::array<std::pair<SessionMethod, const char*>, 4> kMethods{{
    {SessionMethod::photo, "photo"},
    {SessionMethod::checkin, "checkin"},
    {SessionMethod::manual, "manual"},
    {SessionMethod::mixed, "mixed"},
}};

constexpr std::array<std::pair<AttendanceStatus, const char*>, 4> kStatuses{{
    {AttendanceStatus::present, "present"},
    {AttendanceStatus::absent, "absent"},
    {AttendanceStatus::late, "late"},
    {AttendanceStatus::excused, "excused"},
}};

constexpr std::array<std::pair<JobState, const char*>, 4> kJobStates{{
    {JobState::queued, "queued"},
    {JobState::running, "running"},
    {JobState::done, "done"},
    {JobState::failed, "failed"},
}};

}  // namespace

std::string to_string(Role role) { return name_of(role, kRoles); }
std::optional<Role> role_from_string(const std::string& text) { return parse(text, kRoles); }

std::string to_string(SessionMethod method) { return name_of(method, kMethods); }
std::optional<SessionMethod> session_method_from_string(const std::string& text) {
  return parse(text, kMethods);
}

std::string to_string(AttendanceStatus status) { return name_of(status, kStatuses); }
std::optional<AttendanceStatus> attendance_status_from_string(const std::string& text) {
  return parse(text, kStatuses);
}

std::string to_string(JobState state) { return name_of(state, kJobStates); }
std::optional<JobState> job_state_from_string(const std::string& text) {
  return parse(text, kJobStates);
}

}  // namespace rollcall::store

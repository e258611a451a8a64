// src/domain/detail/directory_rules.h
//
// What the Directory's files share: not-found and duplicate errors in the
// API's words, field filling with validation, and who teaches what.
// Internal to domain/directory_*.cc.
// Thread safety: pure functions over a Tx.
#pragma once

#include <algorithm>
#include <set>
#include <string>

#include "domain/directory.h"
#include "domain/validate.h"
#include "domain/views.h"

namespace rollcall::domain::detail {

using store::Tx;

inline Error not_found(const std::string& entity, std::int64_t id) {
  return make_error(entity + "_not_found", "no " + entity + " has id " + std::to_string(id));
}

// The store reports unique clashes as `duplicate` naming "table.column";
// the API names them for people.
inline Error explain_duplicate(const Error& error) {
  struct Clash {
    const char* column;
    const char* code;
    const char* field;
    const char* message;
  };
  static constexpr Clash kClashes[] = {
      {"students.roll_key", "roll_number_taken", "roll_number",
       "another student of this class has this roll number (roll numbers are unique within a "
       "class, whatever their case)"},
      {"students.registration_number", "registration_number_taken", "registration_number",
       "another student has this registration number"},
      {"classes.", "class_taken", "section", "a class with this name and section exists"},
      {"subjects.code", "subject_code_taken", "code", "another subject has this code"},
      {"assignments.", "assignment_exists", "",
       "this teacher already teaches this subject to this class"},
      {"users.username", "username_taken", "username", "the username is taken; choose another"},
  };
  if (error.code != "duplicate") return error;
  for (const auto& clash : kClashes) {
    if (error.message.find(clash.column) != std::string::npos) {
      return field_error(clash.code, clash.field, clash.message);
    }
  }
  return make_error("conflict",
                    "the change clashes with an existing record (" + error.message + ")");
}

inline Error missing(const std::string& field) {
  return field_error("missing_field", field, field + " is required");
}

template <typename T>
inline Result<T> found(Result<std::optional<T>> row, const std::string& entity, std::int64_t id) {
  if (!row) return row.error();
  if (!*row) return not_found(entity, id);
  return std::move(**row);
}

// Applies `clean` to `value` if set and stores the result in `out`.
template <typename Clean>
inline Result<void> apply(const std::optional<std::string>& value, std::string& out, Clean clean) {
  if (!value) return {};
  auto cleaned = clean(*value);
  if (!cleaned) return cleaned.error();
  out = std::move(*cleaned);
  return {};
}

inline Result<void> fill_teacher(store::Teacher& teacher, const TeacherFields& fields) {
  ROLLCALL_TRY(apply(fields.name, teacher.name,
                     [](const std::string& v) { return clean_text("name", v, 1, 200); }));
  ROLLCALL_TRY(apply(fields.email, teacher.email,
                     [](const std::string& v) { return clean_email("email", v); }));
  ROLLCALL_TRY(apply(fields.phone, teacher.phone,
                     [](const std::string& v) { return clean_phone("phone", v); }));
  return {};
}

inline Result<void> fill_class(store::ClassGroup& group, const ClassFields& fields) {
  ROLLCALL_TRY(apply(fields.name, group.name,
                     [](const std::string& v) { return clean_text("name", v, 1, 100); }));
  ROLLCALL_TRY(apply(fields.section, group.section,
                     [](const std::string& v) { return clean_text("section", v, 0, 20); }));
  return {};
}

inline Result<void> fill_subject(store::Subject& subject, const SubjectFields& fields) {
  ROLLCALL_TRY(apply(fields.code, subject.code,
                     [](const std::string& v) { return clean_identifier("code", v, 32); }));
  ROLLCALL_TRY(apply(fields.name, subject.name,
                     [](const std::string& v) { return clean_text("name", v, 1, 200); }));
  return {};
}

inline Result<void> fill_student(store::Student& student, const StudentFields& fields) {
  ROLLCALL_TRY(apply(fields.name, student.name,
                     [](const std::string& v) { return clean_text("name", v, 1, 200); }));
  ROLLCALL_TRY(apply(fields.roll_number, student.roll_number,
                     [](const std::string& v) { return clean_identifier("roll_number", v, 32); }));
  ROLLCALL_TRY(
      apply(fields.registration_number, student.registration_number,
            [](const std::string& v) { return clean_identifier("registration_number", v, 32); }));
  ROLLCALL_TRY(apply(fields.phone, student.phone,
                     [](const std::string& v) { return clean_phone("phone", v); }));
  if (fields.class_id) student.class_id = *fields.class_id;
  return {};
}

inline Result<std::set<std::int64_t>> taught_classes(Tx& tx, TeacherId teacher) {
  auto assignments = tx.list_assignments(teacher, std::nullopt);
  if (!assignments) return assignments.error();
  std::set<std::int64_t> ids;
  for (const auto& a : *assignments) ids.insert(a.class_id.value);
  return ids;
}

inline Result<std::set<std::int64_t>> taught_subjects(Tx& tx, TeacherId teacher) {
  auto assignments = tx.list_assignments(teacher, std::nullopt);
  if (!assignments) return assignments.error();
  std::set<std::int64_t> ids;
  for (const auto& a : *assignments) ids.insert(a.subject.value);
  return ids;
}

// A teacher's page of their own classes or subjects: few enough to page
// in memory, which keeps the store's list queries simple. `key` gives the
// text searched (the fields the store's search covers) and sorted on (its
// order), so both lists behave alike.
template <typename T, typename Find, typename Key>
inline Result<store::Page<T>> page_of(const std::set<std::int64_t>& ids,
                                      const store::ListQuery& query, Find find, Key key,
                                      const std::string& entity) {
  std::vector<std::pair<std::string, T>> matches;
  const std::string needle = lower_ascii(query.search);
  for (auto id : ids) {
    auto row = found<T>(find(id), entity, id);
    if (!row) return row.error();
    std::string text = lower_ascii(key(*row));
    if (needle.empty() || text.find(needle) != std::string::npos) {
      matches.emplace_back(std::move(text), std::move(*row));
    }
  }
  std::stable_sort(matches.begin(), matches.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  store::Page<T> page;
  page.total = static_cast<std::int64_t>(matches.size());
  const auto first = std::min<std::size_t>(static_cast<std::size_t>(query.offset), matches.size());
  const auto last =
      std::min<std::size_t>(first + static_cast<std::size_t>(query.limit), matches.size());
  for (auto i = first; i < last; ++i) page.items.push_back(matches[i].second);
  return page;
}

inline Result<void> require_class_exists(Tx& tx, ClassId id) {
  auto group = found<store::ClassGroup>(tx.find_class(id), "class", id.value);
  if (!group) return field_error(group.error().code, "class_id", group.error().message);
  return {};
}

inline Result<void> may_teach(Tx& tx, const Principal& who, ClassId class_id,
                              const std::string& action) {
  if (who.is_admin()) return {};
  if (who.role != store::Role::teacher || !who.teacher) return forbidden(action);
  auto teaches = tx.teaches_class(*who.teacher, class_id);
  if (!teaches) return teaches.error();
  if (!*teaches) return forbidden(action + " outside your own classes");
  return {};
}

}  // namespace rollcall::domain::detail

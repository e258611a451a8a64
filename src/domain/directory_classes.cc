// src/domain/directory_classes.cc
//
// Directory: Classes and subjects.
#include "base/clock.h"
#include "domain/audit.h"
#include "domain/detail/directory_rules.h"

namespace rollcall::domain {

using namespace detail;  // NOLINT: this file implements Directory with its rules

// ---- Classes --------------------------------------------------------------

Result<store::ClassGroup> Directory::create_class(const Principal& who, const ClassFields& fields) {
  ROLLCALL_TRY(require_admin(who, "create classes"));
  if (!fields.name) return missing("name");
  store::ClassGroup group;
  ROLLCALL_TRY(fill_class(group, fields));
  group.created_ms = unix_ms_now();
  return store_.write_value<store::ClassGroup>([&](Tx& tx) -> Result<store::ClassGroup> {
    auto id = tx.insert_class(group);
    if (!id) return explain_duplicate(id.error());
    group.id = *id;
    ROLLCALL_TRY(audit(tx, &who, "class.create", "class", id->value, nullptr, to_json(group)));
    return group;
  });
}

Result<store::ClassGroup> Directory::get_class(const Principal& who, ClassId id) {
  return store_.read_value<store::ClassGroup>([&](Tx& tx) -> Result<store::ClassGroup> {
    auto group = found<store::ClassGroup>(tx.find_class(id), "class", id.value);
    if (!group) return group;
    if (who.role == store::Role::student) {
      auto self = who.student ? tx.find_student(*who.student)
                              : Result<std::optional<store::Student>>(std::nullopt);
      if (!self) return self.error();
      if (!*self || (*self)->class_id != id) return forbidden("see other classes");
      return group;
    }
    ROLLCALL_TRY(may_teach(tx, who, id, "see classes"));
    return group;
  });
}

Result<store::Page<store::ClassGroup>> Directory::list_classes(const Principal& who,
                                                               const store::ListQuery& query) {
  if (who.is_admin()) {
    return store_.read_value<store::Page<store::ClassGroup>>(
        [&](Tx& tx) { return tx.list_classes(query); });
  }
  if (who.role != store::Role::teacher || !who.teacher) return forbidden("list classes");
  return store_.read_value<store::Page<store::ClassGroup>>(
      [&](Tx& tx) -> Result<store::Page<store::ClassGroup>> {
        auto ids = taught_classes(tx, *who.teacher);
        if (!ids) return ids.error();
        return page_of<store::ClassGroup>(
            *ids, query, [&](std::int64_t id) { return tx.find_class(ClassId{id}); },
            [](const store::ClassGroup& g) { return g.name + "\x1f" + g.section; }, "class");
      });
}

Result<store::ClassGroup> Directory::update_class(const Principal& who, ClassId id,
                                                  const ClassFields& fields) {
  ROLLCALL_TRY(require_admin(who, "change classes"));
  return store_.write_value<store::ClassGroup>([&](Tx& tx) -> Result<store::ClassGroup> {
    auto group = found<store::ClassGroup>(tx.find_class(id), "class", id.value);
    if (!group) return group;
    const auto before = to_json(*group);
    ROLLCALL_TRY(fill_class(*group, fields));
    if (auto updated = tx.update_class(*group); !updated) return explain_duplicate(updated.error());
    ROLLCALL_TRY(audit(tx, &who, "class.update", "class", id.value, before, to_json(*group)));
    return group;
  });
}

Result<void> Directory::delete_class(const Principal& who, ClassId id) {
  ROLLCALL_TRY(require_admin(who, "delete classes"));
  return store_.write([&](Tx& tx) -> Result<void> {
    auto group = found<store::ClassGroup>(tx.find_class(id), "class", id.value);
    if (!group) return group.error();
    auto deleted = tx.delete_class(id);
    if (!deleted) {
      if (deleted.error().code == "foreign_key") {
        return make_error("class_not_empty",
                          "the class still has students or sessions; move or delete them first");
      }
      return deleted.error();
    }
    return audit(tx, &who, "class.delete", "class", id.value, to_json(*group), nullptr);
  });
}

// ---- Subjects -------------------------------------------------------------

Result<store::Subject> Directory::create_subject(const Principal& who,
                                                 const SubjectFields& fields) {
  ROLLCALL_TRY(require_admin(who, "create subjects"));
  if (!fields.code) return missing("code");
  if (!fields.name) return missing("name");
  store::Subject subject;
  ROLLCALL_TRY(fill_subject(subject, fields));
  subject.created_ms = unix_ms_now();
  return store_.write_value<store::Subject>([&](Tx& tx) -> Result<store::Subject> {
    auto id = tx.insert_subject(subject);
    if (!id) return explain_duplicate(id.error());
    subject.id = *id;
    ROLLCALL_TRY(
        audit(tx, &who, "subject.create", "subject", id->value, nullptr, to_json(subject)));
    return subject;
  });
}

Result<store::Subject> Directory::get_subject(const Principal& who, SubjectId id) {
  return store_.read_value<store::Subject>([&](Tx& tx) -> Result<store::Subject> {
    auto subject = found<store::Subject>(tx.find_subject(id), "subject", id.value);
    if (!subject || who.is_admin()) return subject;
    if (who.role != store::Role::teacher || !who.teacher) return forbidden("see subjects");
    auto ids = taught_subjects(tx, *who.teacher);
    if (!ids) return ids.error();
    if (!ids->count(id.value)) return forbidden("see subjects you do not teach");
    return subject;
  });
}

Result<store::Page<store::Subject>> Directory::list_subjects(const Principal& who,
                                                             const store::ListQuery& query) {
  if (who.is_admin()) {
    return store_.read_value<store::Page<store::Subject>>(
        [&](Tx& tx) { return tx.list_subjects(query); });
  }
  if (who.role != store::Role::teacher || !who.teacher) return forbidden("list subjects");
  return store_.read_value<store::Page<store::Subject>>(
      [&](Tx& tx) -> Result<store::Page<store::Subject>> {
        auto ids = taught_subjects(tx, *who.teacher);
        if (!ids) return ids.error();
        return page_of<store::Subject>(
            *ids, query, [&](std::int64_t id) { return tx.find_subject(SubjectId{id}); },
            [](const store::Subject& subject) { return subject.code + "\x1f" + subject.name; },
            "subject");
      });
}

Result<store::Subject> Directory::update_subject(const Principal& who, SubjectId id,
                                                 const SubjectFields& fields) {
  ROLLCALL_TRY(require_admin(who, "change subjects"));
  return store_.write_value<store::Subject>([&](Tx& tx) -> Result<store::Subject> {
    auto subject = found<store::Subject>(tx.find_subject(id), "subject", id.value);
    if (!subject) return subject;
    const auto before = to_json(*subject);
    ROLLCALL_TRY(fill_subject(*subject, fields));
    if (auto updated = tx.update_subject(*subject); !updated)
      return explain_duplicate(updated.error());
    ROLLCALL_TRY(audit(tx, &who, "subject.update", "subject", id.value, before, to_json(*subject)));
    return subject;
  });
}

Result<void> Directory::delete_subject(const Principal& who, SubjectId id) {
  ROLLCALL_TRY(require_admin(who, "delete subjects"));
  return store_.write([&](Tx& tx) -> Result<void> {
    auto subject = found<store::Subject>(tx.find_subject(id), "subject", id.value);
    if (!subject) return subject.error();
    // The schema cascades assignments (ON DELETE CASCADE), so the foreign
    // key alone would silently drop who teaches it: refuse while taught.
    auto assignments = tx.list_assignments(std::nullopt, std::nullopt);
    if (!assignments) return assignments.error();
    for (const auto& a : *assignments) {
      if (a.subject == id) {
        return make_error("subject_in_use",
                          "the subject has assignments or sessions; remove them first");
      }
    }
    auto deleted = tx.delete_subject(id);
    if (!deleted) {
      if (deleted.error().code == "foreign_key") {
        return make_error("subject_in_use",
                          "the subject has assignments or sessions; remove them first");
      }
      return deleted.error();
    }
    return audit(tx, &who, "subject.delete", "subject", id.value, to_json(*subject), nullptr);
  });
}

}  // namespace rollcall::domain

// src/domain/sessions.cc
//
// Sessions: create, list, read, change, delete; corrections, manual marks,
// saving. Class photos are in session_photos.cc.
#include "domain/sessions.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <optional>

#include "base/clock.h"
#include "domain/audit.h"
#include "domain/detail/session_rules.h"
#include "domain/reports.h"
#include "domain/validate.h"
#include "domain/views.h"
#include "domain/webhooks.h"

namespace rollcall::domain {
namespace {

using detail::announce_closed;
using detail::announce_record;
using detail::session_for_change;
using detail::session_for_read;

Error missing(const std::string& field) {
  return field_error("missing_field", field, field + " is required");
}

Result<void> check_times(const store::Session& session) {
  // Both in the calendar first, so the difference below cannot overflow.
  ROLLCALL_TRY(check_time_ms("starts_at", session.starts_ms));
  ROLLCALL_TRY(check_time_ms("ends_at", session.ends_ms));
  if (session.ends_ms <= session.starts_ms) {
    return field_error("invalid_field", "ends_at", "a session must end after it starts");
  }
  if (session.ends_ms - session.starts_ms > 24LL * 3600 * 1000) {
    return field_error("invalid_field", "ends_at", "a session lasts at most 24 hours");
  }
  return {};
}

Result<void> apply_method(const std::optional<std::string>& text, store::Session& session) {
  if (!text) return {};
  auto method = store::session_method_from_string(*text);
  if (!method) {
    return field_error("invalid_field", "method", "method is one of photo, checkin, manual, mixed");
  }
  session.method = *method;
  return {};
}

Result<void> require_assignment(store::Tx& tx, TeacherId teacher, ClassId class_id,
                                SubjectId subject) {
  auto assignments = tx.list_assignments(teacher, class_id);
  if (!assignments) return assignments.error();
  for (const auto& a : *assignments) {
    if (a.subject == subject) return {};
  }
  return make_error("forbidden",
                    "your role may not hold sessions of a class and subject you are not assigned");
}

// The teacher of a session sees its class's roster, so an admin may give a
// session only to a teacher who already teaches that class (any subject:
// the assignments are what an admin grants a teacher). Errors:
// teacher_not_found, teacher_not_of_class.
Result<void> require_teacher_of_class(store::Tx& tx, TeacherId teacher, ClassId class_id) {
  auto found = tx.find_teacher(teacher);
  if (!found) return found.error();
  if (!*found) {
    return field_error("teacher_not_found", "teacher_id",
                       "no teacher has id " + std::to_string(teacher.value));
  }
  auto taught = tx.teaches_class(teacher, class_id);
  if (!taught) return taught.error();
  if (!*taught) {
    return field_error("teacher_not_of_class", "teacher_id",
                       (*found)->name +
                           " does not teach this class; assign them to it first "
                           "(Assignments), or choose one of its teachers");
  }
  return {};
}

}  // namespace

Result<std::int64_t> parse_iso8601(const std::string& field, const std::string& text) {
  const auto bad = [&] {
    return field_error("invalid_field", field,
                       field + " must be a date and time like 2026-11-25T09:30:00Z (or +05:30)");
  };
  // Strictly YYYY-MM-DDTHH:MM:SS, digits where digits belong (no signs,
  // spaces or short fields, which sscanf would let through).
  const auto digits = [&](std::size_t from, std::size_t count) {
    if (from + count > text.size()) return -1;
    int value = 0;
    for (std::size_t i = from; i < from + count; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return -1;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  if (text.size() < 19 || text[10] != 'T' || text[13] != ':' || text[16] != ':') return bad();
  const auto day_number = parse_report_date(text.substr(0, 10));
  const int hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (hour < 0 || minute < 0 || second < 0) return bad();
  if (!day_number) {
    const int year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1) return bad();
    using namespace std::chrono;
    const unsigned last = static_cast<unsigned>(year_month_day_last{
        year_month{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)}} /
        std::chrono::last}
                                                    .day());
    static constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                              "May",       "June",     "July",     "August",
                                              "September", "October",  "November", "December"};
    return field_error("invalid_field", field,
                       field + " " + text.substr(0, 10) +
                           " is not a real date: " + kMonths[month - 1] + " " +
                           std::to_string(year) + " has " + std::to_string(last) + " days");
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return field_error("invalid_field", field,
                       field + " " + text.substr(11, 8) +
                           " is not a real time of day: hours go to 23, minutes and seconds to 59");
  }
  std::size_t at = 19;
  std::int64_t millis = 0;
  if (at < text.size() && text[at] == '.') {
    int count = 0;
    ++at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
      if (count < 3) millis = millis * 10 + (text[at] - '0');
      ++count;
      ++at;
    }
    if (count == 0) return bad();
    for (int d = count; d < 3; ++d) millis *= 10;
  }
  std::int64_t offset_min = 0;
  if (at + 1 == text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    offset_min = 0;
  } else if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') && text[at + 3] == ':') {
    const int oh = digits(at + 1, 2), om = digits(at + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return bad();
    offset_min = (text[at] == '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    return bad();
  }
  const std::int64_t seconds = *day_number * 86'400 + hour * 3600 + minute * 60 + second;
  return check_time_ms(field, (seconds - offset_min * 60) * 1000 + millis);
}

nlohmann::json to_json(const store::Session& session) {
  return {{"id", session.id.value},
          {"class_id", session.class_id.value},
          {"subject_id", session.subject.value},
          {"teacher_id", session.teacher.value},
          {"starts_at", format_iso8601(session.starts_ms)},
          {"ends_at", format_iso8601(session.ends_ms)},
          {"starts_ms", session.starts_ms},
          {"ends_ms", session.ends_ms},
          {"method", store::to_string(session.method)},
          {"is_locked", session.is_locked},
          {"created_at", format_iso8601(session.created_ms)}};
}

nlohmann::json to_json(const store::AttendanceRecord& record) {
  nlohmann::json out = {{"session_id", record.session.value},
                        {"student_id", record.student.value},
                        {"status", store::to_string(record.status)},
                        {"decided_by", record.decided_by},
                        {"similarity", nullptr},
                        {"changed_by", nullptr},
                        {"changed_at", format_iso8601(record.changed_ms)}};
  if (record.similarity) out["similarity"] = *record.similarity;
  if (record.changed_by) out["changed_by"] = record.changed_by->value;
  return out;
}

Sessions::Sessions(store::Store& store, face::Engine* engine, SessionOptions options)
    : store_(store), engine_(engine), options_(options) {}

Result<store::Session> Sessions::create(const Principal& who, const SessionFields& fields) {
  if (!who.is_admin() && (who.role != store::Role::teacher || !who.teacher)) {
    return forbidden("create sessions");
  }
  if (!fields.class_id) return missing("class_id");
  if (!fields.subject) return missing("subject_id");
  if (!fields.starts_ms) return missing("starts_at");
  if (!fields.ends_ms) return missing("ends_at");
  store::Session session;
  session.class_id = *fields.class_id;
  session.subject = *fields.subject;
  session.starts_ms = *fields.starts_ms;
  session.ends_ms = *fields.ends_ms;
  session.is_locked = fields.is_locked.value_or(false);
  session.created_ms = unix_ms_now();
  ROLLCALL_TRY(apply_method(fields.method, session));
  ROLLCALL_TRY(check_times(session));
  if (who.is_admin()) {
    if (!fields.teacher) return missing("teacher_id");
    session.teacher = *fields.teacher;
  } else {
    if (fields.teacher && *fields.teacher != *who.teacher) {
      return forbidden("create sessions for another teacher");
    }
    session.teacher = *who.teacher;
  }
  return store_.write_value<store::Session>([&](store::Tx& tx) -> Result<store::Session> {
    auto group = tx.find_class(session.class_id);
    if (!group) return group.error();
    if (!*group) {
      return field_error("class_not_found", "class_id",
                         "no class has id " + std::to_string(session.class_id.value));
    }
    auto subject = tx.find_subject(session.subject);
    if (!subject) return subject.error();
    if (!*subject) {
      return field_error("subject_not_found", "subject_id",
                         "no subject has id " + std::to_string(session.subject.value));
    }
    if (who.is_admin()) {
      ROLLCALL_TRY(require_teacher_of_class(tx, session.teacher, session.class_id));
    } else {
      ROLLCALL_TRY(require_assignment(tx, session.teacher, session.class_id, session.subject));
    }
    store::Session made = session;
    auto id = tx.insert_session(made);
    if (!id) return id.error();
    made.id = *id;
    ROLLCALL_TRY(
        audit(tx, &who, "session.create", "session", made.id.value, nullptr, to_json(made)));
    return made;
  });
}

Result<store::Page<store::Session>> Sessions::list(const Principal& who,
                                                   store::SessionFilter filter,
                                                   const store::ListQuery& query) {
  return store_.read_value<store::Page<store::Session>>(
      [&](store::Tx& tx) -> Result<store::Page<store::Session>> {
        if (who.role == store::Role::student) {
          if (!who.student) return forbidden("see sessions without a student profile");
          auto me = tx.find_student(*who.student);
          if (!me) return me.error();
          if (!*me) return forbidden("see sessions without a student profile");
          if (filter.class_id && *filter.class_id != (*me)->class_id) {
            return forbidden("see sessions of another class");
          }
          filter.class_id = (*me)->class_id;
        } else if (who.role == store::Role::teacher) {
          if (!who.teacher) return forbidden("see sessions without a teacher profile");
          if (filter.class_id) {
            auto taught = tx.teaches_class(*who.teacher, *filter.class_id);
            if (!taught) return taught.error();
            if (!*taught) return forbidden("see sessions outside your own classes");
          } else {
            // Without a class: the teacher's own sessions.
            if (filter.teacher && *filter.teacher != *who.teacher) {
              return forbidden("see another teacher's sessions outside your own classes");
            }
            filter.teacher = *who.teacher;
          }
        }
        return tx.list_sessions(filter, query);
      });
}

Result<store::Session> Sessions::get(const Principal& who, SessionId id) {
  return store_.read_value<store::Session>(
      [&](store::Tx& tx) { return session_for_read(tx, who, id); });
}

Result<store::Session> Sessions::update(const Principal& who, SessionId id,
                                        const SessionFields& fields) {
  return store_.write_value<store::Session>([&](store::Tx& tx) -> Result<store::Session> {
    const bool unlocking = fields.is_locked && !*fields.is_locked;
    auto before = session_for_change(tx, who, id, who.is_admin() && unlocking);
    if (!before) return before.error();
    if (fields.class_id && *fields.class_id != before->class_id) {
      return field_error("invalid_field", "class_id",
                         "a session's class cannot change; delete it and create another");
    }
    if (fields.teacher && *fields.teacher != before->teacher && !who.is_admin()) {
      return forbidden("give a session to another teacher");
    }
    store::Session after = *before;
    if (fields.teacher) after.teacher = *fields.teacher;
    if (fields.subject) after.subject = *fields.subject;
    if (fields.starts_ms) after.starts_ms = *fields.starts_ms;
    if (fields.ends_ms) after.ends_ms = *fields.ends_ms;
    if (fields.is_locked) after.is_locked = *fields.is_locked;
    ROLLCALL_TRY(apply_method(fields.method, after));
    ROLLCALL_TRY(check_times(after));
    if (after.teacher != before->teacher) {
      ROLLCALL_TRY(require_teacher_of_class(tx, after.teacher, after.class_id));
    }
    if (after.subject != before->subject) {
      auto subject = tx.find_subject(after.subject);
      if (!subject) return subject.error();
      if (!*subject) {
        return field_error("subject_not_found", "subject_id",
                           "no subject has id " + std::to_string(after.subject.value));
      }
      if (!who.is_admin()) {
        ROLLCALL_TRY(require_assignment(tx, *who.teacher, after.class_id, after.subject));
      }
    }
    ROLLCALL_TRY(tx.update_session(after));
    ROLLCALL_TRY(
        audit(tx, &who, "session.update", "session", id.value, to_json(*before), to_json(after)));
    if (after.is_locked && !before->is_locked) ROLLCALL_TRY(announce_closed(tx, after));
    return after;
  });
}

Result<void> Sessions::remove(const Principal& who, SessionId id) {
  return store_.write([&](store::Tx& tx) -> Result<void> {
    auto before = session_for_change(tx, who, id);
    if (!before) return before.error();
    auto gone = tx.delete_session(id);
    if (!gone) return gone.error();
    return audit(tx, &who, "session.delete", "session", id.value, to_json(*before), nullptr);
  });
}

Result<nlohmann::json> Sessions::correct_face(const Principal& who, SessionId id,
                                              std::int64_t face_id,
                                              std::optional<StudentId> student) {
  return store_.write_value<nlohmann::json>([&](store::Tx& tx) -> Result<nlohmann::json> {
    auto session = session_for_change(tx, who, id);
    if (!session) return session.error();
    auto owner = tx.session_of_face(face_id);
    if (!owner) return owner.error();
    auto face = tx.find_photo_face(face_id);
    if (!face) return face.error();
    if (!*owner || **owner != id || !*face) {
      return make_error("face_not_found", "session " + std::to_string(id.value) + " has no face " +
                                              std::to_string(face_id));
    }
    auto students = detail::class_students(tx, session->class_id);
    if (!students) return students.error();
    if (student) {
      if (!students->count(*student)) {
        return field_error(
            "student_not_in_class", "student_id",
            "student " + std::to_string(student->value) + " is not in this session's class");
      }
      auto others = tx.list_photo_faces((*face)->class_photo);
      if (!others) return others.error();
      for (const auto& other : *others) {
        if (other.id != face_id && other.student == student && detail::counts(other)) {
          return field_error("student_taken", "student_id",
                             "face " + std::to_string(other.id) +
                                 " of the same photo is already this student; correct it first");
        }
      }
    }
    store::PhotoFace after = **face;
    after.student = student;
    after.status = student ? "matched" : "unknown";
    after.corrected_by = who.user;
    after.corrected_ms = unix_ms_now();
    ROLLCALL_TRY(tx.update_photo_face(after));
    auto before_json = detail::face_json(**face, *students);
    auto after_json = detail::face_json(after, *students);
    ROLLCALL_TRY(
        audit(tx, &who, "session.face.correct", "session", id.value, before_json, after_json));
    return after_json;
  });
}

Result<store::AttendanceRecord> Sessions::mark(const Principal& who, SessionId id,
                                               StudentId student, const std::string& status) {
  return store_.write_value<store::AttendanceRecord>(
      [&](store::Tx& tx) -> Result<store::AttendanceRecord> {
        auto session = session_for_change(tx, who, id);
        if (!session) return session.error();
        const auto parsed = store::attendance_status_from_string(status);
        if (!parsed) {
          return field_error("invalid_field", "status",
                             "status is one of present, absent, late, excused");
        }
        auto found = tx.find_student(student);
        if (!found) return found.error();
        if (!*found || (*found)->class_id != session->class_id) {
          return make_error("student_not_in_class", "student " + std::to_string(student.value) +
                                                        " is not in this session's class");
        }
        auto records = tx.list_attendance(id);
        if (!records) return records.error();
        nlohmann::json before = nullptr;
        std::optional<store::AttendanceRecord> previous;
        for (const auto& r : *records) {
          if (r.student == student) {
            before = to_json(r);
            previous = r;
          }
        }
        store::AttendanceRecord record;
        record.session = id;
        record.student = student;
        record.status = *parsed;
        record.decided_by = "manual";
        record.changed_by = who.user;
        record.changed_ms = unix_ms_now();
        ROLLCALL_TRY(tx.upsert_attendance(record));
        ROLLCALL_TRY(
            audit(tx, &who, "attendance.mark", "attendance", id.value, before, to_json(record)));
        ROLLCALL_TRY(announce_record(tx, record, (*found)->roll_number, previous));
        return record;
      });
}

Result<nlohmann::json> Sessions::save(const Principal& who, SessionId id) {
  return store_.write_value<nlohmann::json>([&](store::Tx& tx) -> Result<nlohmann::json> {
    auto session = session_for_change(tx, who, id);
    if (!session) return session.error();
    auto students = detail::class_students(tx, session->class_id);
    if (!students) return students.error();
    auto faces = tx.list_session_faces(id);
    if (!faces) return faces.error();
    auto records = tx.list_attendance(id);
    if (!records) return records.error();
    std::map<StudentId, store::AttendanceRecord> existing;
    for (const auto& r : *records) existing.emplace(r.student, r);
    std::map<StudentId, float> best;
    for (const auto& face : *faces) {
      if (!detail::counts(face)) continue;
      auto [it, fresh] = best.emplace(*face.student, face.similarity);
      if (!fresh) it->second = std::max(it->second, face.similarity);
    }
    const std::int64_t now = unix_ms_now();
    int changed = 0;
    for (const auto& [student, row] : *students) {
      const auto old = existing.find(student);
      const store::AttendanceRecord* saved = old == existing.end() ? nullptr : &old->second;
      const auto b = best.find(student);
      const auto decision = detail::decide(
          saved, b == best.end() ? std::nullopt : std::optional<float>(b->second), !faces->empty());
      if (saved && detail::same(*saved, decision)) continue;  // saving twice writes nothing new
      store::AttendanceRecord record;
      record.session = id;
      record.student = student;
      record.status = decision.status;
      record.decided_by = decision.decided_by;
      record.similarity = decision.similarity;
      record.changed_by = who.user;
      record.changed_ms = now;
      ROLLCALL_TRY(tx.upsert_attendance(record));
      ROLLCALL_TRY(audit(tx, &who, "attendance.save", "attendance", id.value,
                         old == existing.end() ? nlohmann::json() : to_json(old->second),
                         to_json(record)));
      std::optional<store::AttendanceRecord> previous;
      if (old != existing.end()) previous = old->second;
      ROLLCALL_TRY(announce_record(tx, record, row.roll_number, previous));
      ++changed;
    }
    auto saved = tx.list_attendance(id);
    if (!saved) return saved.error();
    auto merged = detail::merge(*session, *faces, *saved, *students);
    merged["changed"] = changed;
    return merged;
  });
}

Result<nlohmann::json> Sessions::result(const Principal& who, SessionId id) {
  return store_.read_value<nlohmann::json>([&](store::Tx& tx) -> Result<nlohmann::json> {
    if (who.role == store::Role::student) return forbidden("see a session's result");
    auto session = session_for_read(tx, who, id);
    if (!session) return session.error();
    auto students = detail::class_students(tx, session->class_id);
    if (!students) return students.error();
    auto faces = tx.list_session_faces(id);
    if (!faces) return faces.error();
    auto records = tx.list_attendance(id);
    if (!records) return records.error();
    return detail::merge(*session, *faces, *records, *students);
  });
}

Result<std::vector<store::AttendanceRecord>> Sessions::attendance(const Principal& who,
                                                                  SessionId id) {
  return store_.read_value<std::vector<store::AttendanceRecord>>(
      [&](store::Tx& tx) -> Result<std::vector<store::AttendanceRecord>> {
        auto session = session_for_read(tx, who, id);
        if (!session) return session.error();
        auto records = tx.list_attendance(id);
        if (!records) return records.error();
        if (who.role == store::Role::student) {  // only their own record
          std::erase_if(*records, [&](const store::AttendanceRecord& r) {
            return !who.student || r.student != *who.student;
          });
        }
        return records;
      });
}

}  // namespace rollcall::domain

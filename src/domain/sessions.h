// src/domain/sessions.h
//
// Sessions: teaching sessions of a class and subject, and class-photo
// attendance (photos, recognition, review, saving).
// Owns: who may see and change a session, the recognition of a class
// photo against ONLY the students of the session's class (face::recognise
// with the calibrated MatchPolicy, one-to-one), the merge of several
// photos into one result, corrections, manual marks and the saved
// attendance records (one per student, upserted, audited).
// Roles: admins everything; teachers the sessions of their own assigned
// class and subject (creating: only for an assignment they hold; changing:
// a session they own or whose class and subject they teach); students may
// list and read only the sessions of their own class, never photos, faces
// or other students' records.
// Merge rule (docs/API.md "Class photos"): a face counts for its student
// when it is matched, or when a person corrected it onto the student.
// A student found in several photos is one record. A CONFLICT is flagged
// (not refused) when two faces of the same photo resolve to one student,
// or when a face a person corrected onto a student coexists with an
// automatic match of another face: the people disagree with the engine.
// Leaves to others: pixels (face::Engine), rows (store), transport (http).
// Thread safety: shared; photos are analysed outside any transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "domain/enrollment.h"
#include "domain/principal.h"
#include "face/engine.h"
#include "store/store.h"

namespace rollcall::domain {

struct SessionOptions {
  // Per class photo: its bytes and pixels, checked from each photo's
  // header before any is decoded (a 50 MP photo costs ~0.5 GB decoded).
  face::DecodeLimits limits{25u * 1024 * 1024, 24'000'000};
  int max_photos_per_upload = 10;  // photos in one request (setting of that name)
  Retention retention = Retention::keep_photos;
  RuntimeSettings* runtime = nullptr;  // when set, retention is read from it on use
};

// What a create or update sets; empty fields are left alone (create
// requires class_id, subject_id, starts_ms, ends_ms; teacher_id for admins).
struct SessionFields {
  std::optional<ClassId> class_id;
  std::optional<SubjectId> subject;
  std::optional<TeacherId> teacher;
  std::optional<std::int64_t> starts_ms;
  std::optional<std::int64_t> ends_ms;
  std::optional<std::string> method;  // photo, checkin, manual, mixed
  std::optional<bool> is_locked;
};

struct PhotoTimings {
  double decode_ms = 0;
  double detect_ms = 0;
  double embed_ms = 0;
  double match_ms = 0;
  double total_ms = 0;
};

struct ProcessedPhoto {
  std::string filename;
  nlohmann::json photo;  // the photo with every face (Sessions::photo's shape)
  PhotoTimings timings;
};

// "2026-11-25T09:30:00Z", "...00.123Z", "...00+05:30" -> Unix ms.
// Errors: invalid_field naming `field`.
Result<std::int64_t> parse_iso8601(const std::string& field, const std::string& text);

nlohmann::json to_json(const store::Session& session);
nlohmann::json to_json(const store::AttendanceRecord& record);

class Sessions {
 public:
  Sessions(store::Store& store, face::Engine* engine, SessionOptions options = {});

  Result<store::Session> create(const Principal& who, const SessionFields& fields);
  Result<store::Page<store::Session>> list(const Principal& who, store::SessionFilter filter,
                                           const store::ListQuery& query);
  Result<store::Session> get(const Principal& who, SessionId id);
  // A locked session may only be unlocked (is_locked false), by an admin.
  Result<store::Session> update(const Principal& who, SessionId id, const SessionFields& fields);
  Result<void> remove(const Principal& who, SessionId id);

  // Recognises each photo against the session's class and stores it.
  // Errors: no_photos, too_many_photos_in_upload (over
  // max_photos_per_upload), image_too_large / image_too_many_pixels /
  // image_unsupported_type (any photo's header, before any photo is
  // decoded, naming it), session_locked, models_not_ready, image_* (the
  // first photo that does not decode fails the rest of the request).
  Result<std::vector<ProcessedPhoto>> add_photos(const Principal& who, SessionId id,
                                                 const std::vector<Upload>& uploads);
  Result<nlohmann::json> photo(const Principal& who, SessionId id, std::int64_t photo_id);
  // {"items": [...]}: every class photo of the session with its faces
  // (photo()'s shape each), oldest first.
  Result<nlohmann::json> photos(const Principal& who, SessionId id);
  // The original (annotated = false; photo_not_kept when not kept) or the annotated JPEG.
  Result<store::ClassPhoto> photo_image(const Principal& who, SessionId id, std::int64_t photo_id,
                                        bool annotated);

  // Puts a face on another student of the class, or on nobody.
  // Errors: face_not_found, student_not_in_class, student_taken (another
  // face of the same photo has them), session_locked.
  Result<nlohmann::json> correct_face(const Principal& who, SessionId id, std::int64_t face,
                                      std::optional<StudentId> student);
  // A hand-made record (decided_by manual), kept by save.
  Result<store::AttendanceRecord> mark(const Principal& who, SessionId id, StudentId student,
                                       const std::string& status);
  // Writes one record per student of the class; returns the result.
  Result<nlohmann::json> save(const Principal& who, SessionId id);
  // The merged, unsaved view: per student present/absent, unknown faces,
  // borderline faces, conflicts.
  Result<nlohmann::json> result(const Principal& who, SessionId id);
  Result<std::vector<store::AttendanceRecord>> attendance(const Principal& who, SessionId id);

 private:
  store::Store& store_;
  face::Engine* engine_;  // null when the models are not loaded
  SessionOptions options_;
};

}  // namespace rollcall::domain

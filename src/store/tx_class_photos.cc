// src/store/tx_class_photos.cc
//
// Tx: listing, changing and deleting sessions; class photos and the faces
// found in them (issue 5).
#include "store/detail/session_rows.h"
#include "store/detail/sql.h"
#include "store/store.h"

namespace rollcall::store {
namespace {

constexpr const char* kPhotoColumns =
    "id, session_id, content_type, width, height, processing_ms, uploaded_by, created_ms, "
    "filename";
constexpr const char* kPhotoColumnsWithBytes =
    "id, session_id, content_type, width, height, processing_ms, uploaded_by, created_ms, "
    "filename, bytes, annotated";

ClassPhoto read_photo(RowReader& row) {
  ClassPhoto photo;
  photo.id = row.integer();
  photo.session = row.id<SessionTag>();
  photo.content_type = row.text();
  photo.width = static_cast<int>(row.integer());
  photo.height = static_cast<int>(row.integer());
  photo.processing_ms = row.real();
  photo.uploaded_by = row.optional_id<UserTag>();
  photo.created_ms = row.integer();
  photo.filename = row.text();
  return photo;
}

ClassPhoto read_photo_with_bytes(RowReader& row) {
  ClassPhoto photo = read_photo(row);
  photo.bytes = row.blob();
  photo.annotated = row.blob();
  return photo;
}

constexpr const char* kFaceColumns =
    "f.id, f.class_photo_id, f.face_index, f.box_x, f.box_y, f.box_w, f.box_h, f.landmarks_json, "
    "f.detector_score, f.quality_json, f.status, f.student_id, f.similarity, f.runner_up_id, "
    "f.runner_up_similarity, f.margin, f.corrected_by, f.corrected_ms";

PhotoFace read_face(RowReader& row) {
  PhotoFace face;
  face.id = row.integer();
  face.class_photo = row.integer();
  face.face_index = static_cast<int>(row.integer());
  face.x = static_cast<float>(row.real());
  face.y = static_cast<float>(row.real());
  face.w = static_cast<float>(row.real());
  face.h = static_cast<float>(row.real());
  face.landmarks_json = row.text();
  face.detector_score = static_cast<float>(row.real());
  face.quality_json = row.text();
  face.status = row.text();
  face.student = row.optional_id<StudentTag>();
  face.similarity = static_cast<float>(row.real());
  face.runner_up = row.optional_id<StudentTag>();
  if (const auto similarity = row.optional_real()) {
    face.runner_up_similarity = static_cast<float>(*similarity);
  }
  face.margin = static_cast<float>(row.real());
  face.corrected_by = row.optional_id<UserTag>();
  face.corrected_ms = row.optional_integer();
  return face;
}

std::int64_t read_integer(RowReader& row) { return row.integer(); }

}  // namespace

Result<Page<Session>> Tx::list_sessions(const SessionFilter& filter, const ListQuery& query) {
  Filter where;
  if (filter.class_id) where.add("class_id = ?", param(*filter.class_id));
  if (filter.teacher) where.add("teacher_id = ?", param(*filter.teacher));
  if (filter.from_ms) where.add("starts_ms >= ?", param(*filter.from_ms));
  if (filter.to_ms) where.add("starts_ms < ?", param(*filter.to_ms));
  return select_page(connection_, kSessionColumns, "sessions", where, "starts_ms DESC, id DESC",
                     query, read_session);
}

Result<void> Tx::update_session(const Session& session) {
  return change_one(
      connection_,
      "UPDATE sessions SET subject_id = $2, starts_ms = $3, ends_ms = $4, "
      "method = $5, is_locked = $6, teacher_id = $7 WHERE id = $1",
      {param(session.id), param(session.subject), param(session.starts_ms), param(session.ends_ms),
       param(to_string(session.method)), param(session.is_locked), param(session.teacher)},
      "session with id " + std::to_string(session.id.value));
}

Result<bool> Tx::delete_session(SessionId id) {
  return delete_by_id(connection_, "sessions", id.value);
}

Result<std::int64_t> Tx::insert_class_photo(const ClassPhoto& photo) {
  return insert_id(connection_,
                   "INSERT INTO class_photos (session_id, content_type, bytes, width, height, "
                   "annotated, processing_ms, uploaded_by, created_ms, filename) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                   {param(photo.session), param(photo.content_type), param(Blob(photo.bytes)),
                    param(photo.width), param(photo.height), param(Blob(photo.annotated)),
                    param(photo.processing_ms), param(photo.uploaded_by), param(photo.created_ms),
                    param(photo.filename)});
}

Result<std::optional<ClassPhoto>> Tx::find_class_photo(std::int64_t id, bool with_bytes) {
  if (with_bytes) {
    return select_one(connection_,
                      select_from(kPhotoColumnsWithBytes, "class_photos WHERE id = $1"),
                      {param(id)}, read_photo_with_bytes);
  }
  return select_one(connection_, select_from(kPhotoColumns, "class_photos WHERE id = $1"),
                    {param(id)}, read_photo);
}

Result<std::vector<ClassPhoto>> Tx::list_class_photos(SessionId session) {
  return select_all(connection_,
                    select_from(kPhotoColumns, "class_photos WHERE session_id = $1 ORDER BY id"),
                    {param(session)}, read_photo);
}

Result<std::int64_t> Tx::insert_photo_face(const PhotoFace& face) {
  return insert_id(
      connection_,
      "INSERT INTO photo_faces (class_photo_id, face_index, box_x, box_y, box_w, box_h, "
      "landmarks_json, detector_score, quality_json, status, student_id, similarity, "
      "runner_up_id, runner_up_similarity, margin, corrected_by, corrected_ms) VALUES ($1, $2, $3, "
      "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
      {param(face.class_photo), param(face.face_index), param(face.x), param(face.y), param(face.w),
       param(face.h), param(face.landmarks_json), param(face.detector_score),
       param(face.quality_json), param(face.status), param(face.student), param(face.similarity),
       param(face.runner_up), param(face.runner_up_similarity), param(face.margin),
       param(face.corrected_by), param(face.corrected_ms)});
}

Result<std::optional<PhotoFace>> Tx::find_photo_face(std::int64_t id) {
  return select_one(connection_, select_from(kFaceColumns, "photo_faces f WHERE f.id = $1"),
                    {param(id)}, read_face);
}

Result<std::vector<PhotoFace>> Tx::list_session_faces(SessionId session) {
  return select_all(connection_,
                    select_from(kFaceColumns,
                                "photo_faces f JOIN class_photos p ON p.id = f.class_photo_id "
                                "WHERE p.session_id = $1 ORDER BY f.class_photo_id, f.face_index"),
                    {param(session)}, read_face);
}

Result<std::vector<PhotoFace>> Tx::list_photo_faces(std::int64_t class_photo) {
  return select_all(
      connection_,
      select_from(kFaceColumns, "photo_faces f WHERE f.class_photo_id = $1 ORDER BY f.face_index"),
      {param(class_photo)}, read_face);
}

Result<void> Tx::update_photo_face(const PhotoFace& face) {
  return change_one(connection_,
                    "UPDATE photo_faces SET status = $2, student_id = $3, corrected_by = $4, "
                    "corrected_ms = $5 WHERE id = $1",
                    {param(face.id), param(face.status), param(face.student),
                     param(face.corrected_by), param(face.corrected_ms)},
                    "face with id " + std::to_string(face.id));
}

Result<std::optional<SessionId>> Tx::session_of_face(std::int64_t face) {
  auto found = select_one(connection_,
                          "SELECT p.session_id FROM photo_faces f JOIN class_photos p ON "
                          "p.id = f.class_photo_id WHERE f.id = $1",
                          {param(face)}, read_integer);
  if (!found) return found.error();
  if (!*found) return std::optional<SessionId>();
  return std::optional<SessionId>(SessionId{**found});
}

}  // namespace rollcall::store

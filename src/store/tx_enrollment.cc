// src/store/tx_enrollment.cc
//
// Tx: enrollment photos and the embeddings made from them.
#include "store/detail/sql.h"
#include "store/store.h"

namespace rollcall::store {
namespace {

// The bytes column is third from the end so a listing without bytes can
// put NULL in its place and share the reader.
constexpr const char* kPhotoColumns =
    "id, student_id, content_type, bytes, is_kept, quality_json, created_ms";
constexpr const char* kPhotoColumnsWithoutBytes =
    "id, student_id, content_type, NULL, is_kept, quality_json, created_ms";

EnrollmentPhoto read_photo(RowReader& row) {
  EnrollmentPhoto photo;
  photo.id = row.id<PhotoTag>();
  photo.student = row.id<StudentTag>();
  photo.content_type = row.text();
  photo.bytes = row.blob();
  photo.is_kept = row.flag();
  photo.quality_json = row.text();
  photo.created_ms = row.integer();
  return photo;
}

constexpr const char* kEmbeddingColumns =
    "e.id, e.student_id, e.photo_id, e.model_id, e.vector, e.weight, e.created_ms";

StoredEmbedding read_embedding(RowReader& row) {
  StoredEmbedding embedding;
  embedding.id = row.integer();
  embedding.student = row.id<StudentTag>();
  embedding.photo = row.optional_id<PhotoTag>();
  embedding.model_id = row.text();
  embedding.values = row.floats();
  embedding.weight = static_cast<float>(row.real());
  embedding.created_ms = row.integer();
  return embedding;
}

StudentId read_student_id(RowReader& row) { return row.id<StudentTag>(); }

}  // namespace

Result<PhotoId> Tx::insert_photo(const EnrollmentPhoto& photo) {
  // No bytes (embeddings-only retention) is stored as NULL, not as an
  // empty blob, so "has a kept photo" is one test on both back ends.
  const Value bytes = photo.bytes.empty() ? Value{} : param(photo.bytes);
  auto id = insert_id(connection_,
                      "INSERT INTO enrollment_photos (student_id, content_type, bytes, is_kept, "
                      "quality_json, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                      {param(photo.student), param(photo.content_type), bytes,
                       param(photo.is_kept && !photo.bytes.empty()), param(photo.quality_json),
                       param(photo.created_ms)});
  if (!id) return id.error();
  return PhotoId{*id};
}

Result<std::vector<EnrollmentPhoto>> Tx::list_photos(StudentId student, bool with_bytes) {
  return select_all(connection_,
                    select_from(with_bytes ? kPhotoColumns : kPhotoColumnsWithoutBytes,
                                "enrollment_photos WHERE student_id = $1 ORDER BY id"),
                    {param(student)}, read_photo);
}

Result<std::optional<EnrollmentPhoto>> Tx::find_photo(PhotoId id) {
  return select_one(connection_, select_from(kPhotoColumns, "enrollment_photos WHERE id = $1"),
                    {param(id)}, read_photo);
}

Result<bool> Tx::delete_photo(PhotoId id) {
  return delete_by_id(connection_, "enrollment_photos", id.value);
}

Result<std::int64_t> Tx::count_photos(StudentId student) {
  return select_integer(connection_, "SELECT COUNT(*) FROM enrollment_photos WHERE student_id = $1",
                        {param(student)});
}

Result<std::int64_t> Tx::forget_photo_bytes() {
  return change(connection_,
                "UPDATE enrollment_photos SET bytes = NULL, is_kept = FALSE WHERE is_kept = TRUE",
                {});
}

Result<std::int64_t> Tx::insert_embedding(const StoredEmbedding& embedding) {
  return insert_id(connection_,
                   "INSERT INTO embeddings (student_id, photo_id, model_id, vector, weight, "
                   "created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                   {param(embedding.student), param(embedding.photo), param(embedding.model_id),
                    param(encode_floats(embedding.values)), param(embedding.weight),
                    param(embedding.created_ms)});
}

Result<std::vector<StoredEmbedding>> Tx::list_embeddings(StudentId student) {
  return select_all(
      connection_,
      select_from(kEmbeddingColumns, "embeddings e WHERE e.student_id = $1 ORDER BY e.id"),
      {param(student)}, read_embedding);
}

Result<std::vector<StoredEmbedding>> Tx::list_class_embeddings(std::optional<ClassId> class_id,
                                                               const std::string& model_id) {
  Filter filter;
  filter.add("e.model_id = ?", param(model_id));
  if (class_id) filter.add("s.class_id = ?", param(*class_id));
  return select_all(
      connection_,
      select_from(kEmbeddingColumns, "embeddings e JOIN students s ON s.id = e.student_id" +
                                         filter.where() + " ORDER BY e.student_id, e.id"),
      filter.params(), read_embedding);
}

Result<std::int64_t> Tx::delete_embeddings(StudentId student) {
  return change(connection_, "DELETE FROM embeddings WHERE student_id = $1", {param(student)});
}

Result<std::vector<StudentId>> Tx::students_with_photos() {
  return select_all(connection_,
                    "SELECT DISTINCT student_id FROM enrollment_photos WHERE is_kept = TRUE "
                    "ORDER BY student_id",
                    {}, read_student_id);
}

}  // namespace rollcall::store

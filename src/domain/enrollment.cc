// src/domain/enrollment.cc
#include "domain/enrollment.h"

#include <algorithm>

#include "base/clock.h"
#include "domain/audit.h"
#include "domain/directory.h"
#include "domain/templates.h"
#include "domain/views.h"
#include "face/assignment.h"
#include "face/face_template.h"
#include "face/quality.h"

namespace rollcall::domain {
namespace {

Error models_not_ready() {
  return make_error("models_not_ready",
                    "the face models are not loaded; run `rollcall models fetch` and restart");
}

float cosine(const std::vector<float>& a, const std::vector<float>& b) {
  float dot = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) dot += a[i] * b[i];
  return dot;
}

// What analysis keeps for saving, beside what the caller sees.
struct Analysed {
  PhotoOutcome outcome;
  face::Embedding embedding;
  float weight = 0;
  std::string quality_json;
};

}  // namespace

Enrollment::Enrollment(store::Store& store, face::Engine* engine, EnrollmentOptions options)
    : store_(store), engine_(engine), options_(options) {}

Result<void> Enrollment::check_duplicate(const store::Student& student, PhotoOutcome& outcome,
                                         const face::Embedding& embedding) {
  auto classmates = store_.read_value<std::vector<store::StoredEmbedding>>([&](store::Tx& tx) {
    return tx.list_class_embeddings(student.class_id, embedding.model_id);
  });
  if (!classmates) return classmates.error();
  std::optional<PossibleDuplicate> closest;
  const double duplicate_similarity =
      options_.runtime ? options_.runtime->duplicate_similarity() : options_.duplicate_similarity;
  for (const auto& [other, made] : build_templates(*classmates)) {
    if (other == student.id) continue;
    const float similarity = cosine(made.combined.values, embedding.values);
    if (similarity >= duplicate_similarity && (!closest || similarity > closest->similarity)) {
      closest = PossibleDuplicate{other, "", "", similarity};
    }
  }
  if (closest) {
    auto other = store_.read_value<std::optional<store::Student>>(
        [&](store::Tx& tx) { return tx.find_student(closest->student); });
    if (!other) return other.error();
    if (*other) {
      closest->name = (*other)->name;
      closest->roll_number = (*other)->roll_number;
    }
    outcome.duplicate = closest;
  }
  return {};
}

Result<EnrollmentReport> Enrollment::add_photos(const Principal& who, StudentId student_id,
                                                const std::vector<Upload>& uploads) {
  if (uploads.empty()) {
    return field_error("no_photos", "photos", "send 1 to 5 photos in the form field \"photos\"");
  }
  auto student = store_.read_value<store::Student>(
      [&](store::Tx& tx) { return Directory::student_for_change(tx, who, student_id); });
  if (!student) return student.error();
  if (!engine_) return models_not_ready();
  auto existing =
      store_.read_value<std::int64_t>([&](store::Tx& tx) { return tx.count_photos(student_id); });
  if (!existing) return existing.error();
  const auto room = static_cast<std::int64_t>(face::kMaxTemplatePhotos) - *existing;
  if (static_cast<std::int64_t>(uploads.size()) > room) {
    return field_error("too_many_photos", "photos",
                       "a student has at most " + std::to_string(face::kMaxTemplatePhotos) +
                           " photos; this one has " + std::to_string(*existing) + ", so at most " +
                           std::to_string(std::max<std::int64_t>(room, 0)) +
                           " more (delete one to replace it)");
  }

  // Faces first, outside any transaction: analysis takes ~100 ms a photo.
  std::vector<Analysed> analysed;
  const auto policy = face::QualityPolicy::enrollment();
  for (const auto& upload : uploads) {
    Analysed a;
    a.outcome.filename = upload.filename;
    Stopwatch clock;
    auto face = engine_->analyze_portrait(upload.bytes, policy, options_.limits);
    a.outcome.timings.embed_ms = clock.elapsed_ms();
    if (!face) {
      a.outcome.rejection = face.error();
    } else {
      a.embedding = face->embedding;
      a.weight = face::template_weight(face->quality);
      a.outcome.face = {{"detection", to_json(face->detection)},
                        {"quality", to_json(face->quality)}};
      a.quality_json = a.outcome.face.dump();
      if (auto checked = check_duplicate(*student, a.outcome, a.embedding); !checked) {
        return checked.error();
      }
    }
    analysed.push_back(std::move(a));
  }

  EnrollmentReport report;
  report.student = student_id;
  report.model_id = engine_->model_id();
  const bool keep = retention() == Retention::keep_photos;
  auto saved = store_.write([&](store::Tx& tx) -> Result<void> {
    nlohmann::json accepted = nlohmann::json::array();
    for (std::size_t i = 0; i < analysed.size(); ++i) {
      auto& a = analysed[i];
      if (a.outcome.rejection) continue;
      store::EnrollmentPhoto photo;
      photo.student = student_id;
      photo.content_type = face::media_type_of(uploads[i].bytes);
      if (keep) photo.bytes.assign(uploads[i].bytes.begin(), uploads[i].bytes.end());
      photo.is_kept = keep;
      photo.quality_json = a.quality_json;
      photo.created_ms = unix_ms_now();
      auto photo_id = tx.insert_photo(photo);
      if (!photo_id) return photo_id.error();
      photo.id = *photo_id;
      store::StoredEmbedding embedding{
          0,        student_id,      photo.id, a.embedding.model_id, a.embedding.values,
          a.weight, photo.created_ms};
      ROLLCALL_TRY(tx.insert_embedding(embedding));
      photo.bytes.clear();
      accepted.push_back(to_json(photo));
      a.outcome.photo = std::move(photo);
    }
    auto count = tx.count_photos(student_id);
    if (!count) return count.error();
    if (*count > static_cast<std::int64_t>(face::kMaxTemplatePhotos)) {
      // A concurrent upload filled the slots first; this one loses whole.
      return field_error("too_many_photos", "photos",
                         "a student has at most " + std::to_string(face::kMaxTemplatePhotos) +
                             " photos; another upload for this student finished first");
    }
    report.photo_count = *count;
    if (accepted.empty()) return {};
    return audit(tx, &who, "student.enroll", "student", student_id.value, nullptr,
                 {{"photos", accepted}, {"model_id", report.model_id}});
  });
  if (!saved) return saved.error();
  for (auto& a : analysed) report.photos.push_back(std::move(a.outcome));
  return report;
}

Result<std::vector<store::EnrollmentPhoto>> Enrollment::list_photos(const Principal& who,
                                                                    StudentId student) {
  return store_.read_value<std::vector<store::EnrollmentPhoto>>(
      [&](store::Tx& tx) -> Result<std::vector<store::EnrollmentPhoto>> {
        ROLLCALL_TRY(Directory::student_for_read(tx, who, student));
        return tx.list_photos(student, false);
      });
}

Result<store::EnrollmentPhoto> Enrollment::photo_image(const Principal& who, StudentId student,
                                                       PhotoId photo_id) {
  return store_.read_value<store::EnrollmentPhoto>(
      [&](store::Tx& tx) -> Result<store::EnrollmentPhoto> {
        ROLLCALL_TRY(Directory::student_for_read(tx, who, student));
        auto photo = tx.find_photo(photo_id);
        if (!photo) return photo.error();
        if (!*photo || (*photo)->student != student) {
          return make_error("photo_not_found", "student " + std::to_string(student.value) +
                                                   " has no photo " +
                                                   std::to_string(photo_id.value));
        }
        if (!(*photo)->is_kept) {
          return make_error("photo_not_kept",
                            "this photo was not kept (retention: embeddings only); only its "
                            "embedding exists");
        }
        return **photo;
      });
}

Result<void> Enrollment::delete_photo(const Principal& who, StudentId student, PhotoId photo_id) {
  return store_.write([&](store::Tx& tx) -> Result<void> {
    ROLLCALL_TRY(Directory::student_for_change(tx, who, student));
    auto photo = tx.find_photo(photo_id);
    if (!photo) return photo.error();
    if (!*photo || (*photo)->student != student) {
      return make_error("photo_not_found", "student " + std::to_string(student.value) +
                                               " has no photo " + std::to_string(photo_id.value));
    }
    ROLLCALL_TRY(tx.delete_photo(photo_id));
    return audit(tx, &who, "student.photo_delete", "student", student.value, to_json(**photo),
                 nullptr);
  });
}

Result<ReembedProgress> Enrollment::reembed(
    const std::function<void(const ReembedProgress&)>& progress) {
  if (!engine_) return models_not_ready();
  auto students = store_.read_value<std::vector<StudentId>>(
      [](store::Tx& tx) { return tx.students_with_photos(); });
  if (!students) return students.error();
  ReembedProgress done;
  done.students_total = static_cast<std::int64_t>(students->size());
  const auto policy = face::QualityPolicy::enrollment();
  for (StudentId student : *students) {
    auto photos = store_.read_value<std::vector<store::EnrollmentPhoto>>(
        [&](store::Tx& tx) { return tx.list_photos(student, true); });
    if (!photos) return photos.error();
    std::vector<store::StoredEmbedding> fresh;
    for (const auto& photo : *photos) {
      if (!photo.is_kept) continue;
      auto face = engine_->analyze_portrait(photo.bytes, policy, options_.limits);
      if (!face) {
        ++done.photos_failed;
        continue;
      }
      fresh.push_back({0, student, photo.id, face->embedding.model_id, face->embedding.values,
                       face::template_weight(face->quality), unix_ms_now()});
      ++done.photos_embedded;
    }
    // Embeddings of photos that were not kept cannot be recomputed; they
    // stay, tagged with their old model, and are ignored by a new one.
    ROLLCALL_TRY(store_.write([&](store::Tx& tx) -> Result<void> {
      auto old = tx.list_embeddings(student);
      if (!old) return old.error();
      std::vector<store::StoredEmbedding> keep;
      for (const auto& e : *old) {
        const bool is_recomputed =
            e.photo && std::any_of(photos->begin(), photos->end(),
                                   [&](const auto& p) { return p.id == *e.photo && p.is_kept; });
        if (!is_recomputed) keep.push_back(e);
      }
      ROLLCALL_TRY(tx.delete_embeddings(student));
      for (const auto& e : keep) ROLLCALL_TRY(tx.insert_embedding(e));
      for (const auto& e : fresh) ROLLCALL_TRY(tx.insert_embedding(e));
      return audit(tx, nullptr, "student.reembed", "student", student.value, nullptr,
                   {{"embeddings", fresh.size()}, {"model_id", engine_->model_id()}});
    }));
    ++done.students_done;
    if (progress) progress(done);
  }
  return done;
}

Retention Enrollment::retention() const {
  return options_.runtime ? options_.runtime->retention() : options_.retention;
}

Result<std::int64_t> Enrollment::apply_retention() {
  if (retention() != Retention::embeddings_only) return std::int64_t{0};
  return store_.write_value<std::int64_t>([](store::Tx& tx) { return tx.forget_photo_bytes(); });
}

}  // namespace rollcall::domain

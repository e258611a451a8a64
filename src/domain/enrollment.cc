// src/domain/enrollment.cc
#include "domain/enrollment.h"

#include <algorithm>
#include <cstdio>

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

Result<std::optional<PossibleDuplicate>> Enrollment::lookalike(
    const store::Student& student, const face::Embedding& embedding,
    std::optional<float> own_similarity) {
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
    // Strongly like a classmate, or like one more than like themselves.
    const bool is_alike =
        similarity >= duplicate_similarity ||
        (own_similarity && similarity >= options_.match_threshold && similarity > *own_similarity);
    if (is_alike && (!closest || similarity > closest->similarity)) {
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
  }
  return closest;
}

namespace {

std::string two_decimals(float value) {
  char text[16];
  std::snprintf(text, sizeof text, "%.2f", static_cast<double>(value));
  return text;
}

// The student's template from the photos they already have (this model).
std::optional<face::Embedding> own_template(const std::vector<store::StoredEmbedding>& stored,
                                            const std::string& model_id) {
  std::vector<store::StoredEmbedding> same_model;
  for (const auto& e : stored) {
    if (e.model_id == model_id) same_model.push_back(e);
  }
  auto templates = build_templates(same_model);
  if (templates.empty()) return std::nullopt;
  return templates.begin()->second.combined;
}

// not_the_same_person among the photos of one upload for a student who
// has none yet: each must look like at least one of the others.
void check_batch_agrees(std::vector<Analysed>& analysed, float threshold) {
  std::vector<std::size_t> usable;
  for (std::size_t i = 0; i < analysed.size(); ++i) {
    if (!analysed[i].outcome.rejection) usable.push_back(i);
  }
  if (usable.size() < 2) return;
  std::vector<std::pair<std::size_t, float>> refused;  // index, best similarity to another
  for (std::size_t i : usable) {
    float best = -1;
    for (std::size_t j : usable) {
      if (i != j) {
        best = std::max(best, cosine(analysed[i].embedding.values, analysed[j].embedding.values));
      }
    }
    if (best < threshold) refused.emplace_back(i, best);
  }
  for (const auto& [i, best] : refused) {
    analysed[i].outcome.rejection = make_error(
        "not_the_same_person",
        usable.size() == 2
            ? "the two photos do not show the same person (similarity " + two_decimals(best) +
                  ", at least " + two_decimals(threshold) +
                  " needed); send photos of this student only"
            : "this photo does not show the same person as the other photos sent with it "
              "(best similarity " +
                  two_decimals(best) + ", at least " + two_decimals(threshold) + " needed)");
  }
}

}  // namespace

Result<EnrollmentReport> Enrollment::add_photos(const Principal& who, StudentId student_id,
                                                const std::vector<Upload>& uploads,
                                                const EnrollOverrides& overrides) {
  if (uploads.empty()) {
    return field_error("no_photos", "photos", "send 1 to 5 photos in the form field \"photos\"");
  }
  if (overrides.allow_lookalike && !who.is_admin()) {
    return forbidden("accept a photo that looks like a classmate (an admin may)");
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
  auto stored = store_.read_value<std::vector<store::StoredEmbedding>>(
      [&](store::Tx& tx) { return tx.list_embeddings(student_id); });
  if (!stored) return stored.error();
  const auto own = own_template(*stored, engine_->model_id());

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
    }
    analysed.push_back(std::move(a));
  }
  // Is it someone else of the class? Is it the student? (docs/API.md
  // "Enrollment": the rules and their order.)
  if (!own) check_batch_agrees(analysed, options_.same_person_similarity);
  for (auto& a : analysed) {
    if (a.outcome.rejection) continue;
    std::optional<float> own_similarity;
    if (own) own_similarity = cosine(own->values, a.embedding.values);
    auto alike = lookalike(*student, a.embedding, own_similarity);
    if (!alike) return alike.error();
    if (*alike) {
      const auto& other = **alike;
      a.outcome.duplicate = other;
      if (!overrides.allow_lookalike) {
        a.outcome.rejection =
            make_error("looks_like_classmate",
                       "this face looks like " + other.name + " (roll number " + other.roll_number +
                           ") of the same class (similarity " + two_decimals(other.similarity) +
                           "); check the photo is of " + student->name +
                           ". If it is (twins, say), an admin can accept it anyway");
        continue;
      }
      // Accepted by an admin: the flag stays on the photo.
      a.outcome.face["looks_like"] = {{"student_id", other.student.value},
                                      {"name", other.name},
                                      {"roll_number", other.roll_number},
                                      {"similarity", other.similarity},
                                      {"allowed_by", who.user.value}};
    }
    if (own_similarity && *own_similarity < options_.same_person_similarity) {
      a.outcome.rejection =
          make_error("not_the_same_person",
                     "this face does not look like " + student->name +
                         "'s other photos (similarity " + two_decimals(*own_similarity) +
                         ", at least " + two_decimals(options_.same_person_similarity) +
                         " needed); check it is a photo of " + student->name);
    }
  }
  for (auto& a : analysed) {
    if (!a.outcome.rejection) a.quality_json = a.outcome.face.dump();
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
    for (const auto& photo : accepted) {
      const auto& quality = photo["quality"];
      if (quality.is_object() && quality.contains("looks_like")) {
        ROLLCALL_TRY(audit(tx, &who, "student.photo_allow_lookalike", "student", student_id.value,
                           nullptr,
                           {{"photo_id", photo["id"]}, {"looks_like", quality["looks_like"]}}));
      }
    }
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

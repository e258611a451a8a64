// src/domain/enrollment.h
//
// Enrollment: turning 1-5 photos of a student into the embeddings their
// template is made of, and keeping or forgetting the photos.
// Owns: the acceptance rule (exactly one usable face by the strict
// enrollment policy, else the reason), the photo limit, the duplicate
// check (a new face that strongly matches a classmate is flagged), the
// retention setting, and re-embedding after a model change.
// Leaves to others: pixels (face::Engine), rows (store), transport (http).
// Thread safety: shared; each call analyses its photos outside any
// database transaction, then saves in one.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "domain/principal.h"
#include "domain/runtime_settings.h"
#include "face/engine.h"
#include "store/store.h"

namespace rollcall::domain {

struct EnrollmentOptions {
  face::DecodeLimits limits;
  Retention retention = Retention::keep_photos;
  // Cosine at or above which a new photo is flagged as a possible
  // duplicate of a classmate: well above the match threshold (0.37), where
  // the models README measured no impostor pair (docs/ACCURACY.md).
  float duplicate_similarity = 0.6f;
  // A new photo of a student who has photos must score at least this
  // against their template (docs/ACCURACY.md "Enrollment checks": the
  // one-to-one threshold at a predicted false accept of 1e-3, 0.304,
  // rounded up), else it is refused as not_the_same_person.
  float same_person_similarity = 0.31f;
  // The recognition threshold (face::MatchPolicy): a photo that matches a
  // classmate at least this well, and better than the student's own
  // template, would confuse the two in class photos.
  float match_threshold = 0.37f;
  // When set, retention and duplicate_similarity are read from it on use
  // (an admin may change them while the server runs) instead of above.
  RuntimeSettings* runtime = nullptr;
};

struct Upload {
  std::string filename;
  std::span<const std::uint8_t> bytes;  // owned by the caller for the call
};

struct PossibleDuplicate {
  StudentId student;
  std::string name;
  std::string roll_number;
  float similarity = 0;
};

// What a person may overrule when enrolling.
struct EnrollOverrides {
  // An admin accepts a photo that looks like a classmate (twins, one
  // person enrolled twice on purpose); audited, and the photo keeps the
  // flag (photo.quality.looks_like) for everyone to see.
  bool allow_lookalike = false;
};

struct PhotoOutcome {
  std::string filename;
  std::optional<store::EnrollmentPhoto> photo;  // set iff accepted (bytes not included)
  std::optional<Error> rejection;               // set iff rejected: the first reason
  std::vector<face::QualityIssue> issues;       // every quality reason, when a face was found
  nlohmann::json face;                          // detection and quality, when a face was found
  std::optional<PossibleDuplicate> duplicate;
  face::StageTimings timings;

  bool is_accepted() const { return photo.has_value(); }
};

struct EnrollmentReport {
  StudentId student;
  std::vector<PhotoOutcome> photos;  // in upload order
  std::int64_t photo_count = 0;      // the student's accepted photos after this call
  std::string model_id;
};

struct ReembedProgress {
  std::int64_t students_done = 0;
  std::int64_t students_total = 0;
  std::int64_t photos_embedded = 0;
  std::int64_t photos_failed = 0;
};

class Enrollment {
 public:
  // `engine` may be null (models not ready): photo calls then fail with
  // models_not_ready; everything else works.
  Enrollment(store::Store& store, face::Engine* engine, EnrollmentOptions options);

  // Errors (the call): forbidden (also: a teacher asking to allow a
  // look-alike), student_not_found, models_not_ready, no_photos,
  // too_many_photos (more than fit under kMaxTemplatePhotos).
  // Each photo is accepted or rejected on its own: the engine's reasons
  // (no_face, no_human_face, several_faces, quality), then
  // looks_like_classmate (naming them; an admin may allow it) and
  // not_the_same_person (against the student's accepted photos, and the
  // other photos of the same upload), each with the similarity.
  Result<EnrollmentReport> add_photos(const Principal& who, StudentId student,
                                      const std::vector<Upload>& uploads,
                                      const EnrollOverrides& overrides = {});

  Result<std::vector<store::EnrollmentPhoto>> list_photos(const Principal& who, StudentId student);
  // With bytes. Errors also: photo_not_found, photo_not_kept.
  Result<store::EnrollmentPhoto> photo_image(const Principal& who, StudentId student,
                                             PhotoId photo);
  // Removes the photo and the embedding made from it.
  Result<void> delete_photo(const Principal& who, StudentId student, PhotoId photo);

  // Re-computes every embedding from kept photos with the loaded model,
  // student by student (each in its own transaction, so a crash keeps
  // what is done). Photos that no longer pass are counted as failed and
  // their old embeddings dropped. Errors: models_not_ready.
  Result<ReembedProgress> reembed(const std::function<void(const ReembedProgress&)>& progress);

  // Embeddings-only retention: drops the bytes of every kept photo.
  Result<std::int64_t> apply_retention();
  // The retention in force now (RuntimeSettings when set).
  Retention retention() const;

  const EnrollmentOptions& options() const { return options_; }

 private:
  // The classmate this face looks like, if any (see add_photos).
  Result<std::optional<PossibleDuplicate>> lookalike(const store::Student& student,
                                                     const face::Embedding& embedding,
                                                     std::optional<float> own_similarity);

  store::Store& store_;
  face::Engine* engine_;
  EnrollmentOptions options_;
};

}  // namespace rollcall::domain

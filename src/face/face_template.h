// src/face/face_template.h
//
// A student's template: one unit vector made from 1-5 enrollment photos,
// weighted by quality, with the individual embeddings kept so a template
// can be rebuilt when a photo is removed or the policy changes.
// Thread safety: pure functions.
#pragma once

#include <span>
#include <vector>

#include "base/result.h"
#include "face/types.h"

namespace rollcall::face {

inline constexpr std::size_t kMaxTemplatePhotos = 5;

struct WeightedEmbedding {
  Embedding embedding;
  float weight;  // template_weight() of the photo's face
};

struct FaceTemplate {
  Embedding combined;                      // unit length
  std::vector<WeightedEmbedding> sources;  // as given
};

// Errors: template_empty, template_too_many_photos, model_mismatch (all
// sources must come from one model).
Result<FaceTemplate> make_template(std::vector<WeightedEmbedding> sources);

}  // namespace rollcall::face

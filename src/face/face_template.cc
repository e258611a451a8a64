// src/face/face_template.cc
#include "face/face_template.h"

#include "face/embedder.h"

namespace rollcall::face {

Result<FaceTemplate> make_template(std::vector<WeightedEmbedding> sources) {
  if (sources.empty()) {
    return make_error("template_empty", "a template needs at least one photo");
  }
  if (sources.size() > kMaxTemplatePhotos) {
    return make_error("template_too_many_photos",
                      "a template takes at most " + std::to_string(kMaxTemplatePhotos) +
                          " photos, got " + std::to_string(sources.size()));
  }
  const std::string& model = sources.front().embedding.model_id;
  std::vector<float> sum(sources.front().embedding.values.size(), 0.0f);
  for (const auto& s : sources) {
    if (s.embedding.model_id != model || s.embedding.values.size() != sum.size()) {
      return make_error("model_mismatch", "template photos were embedded by different models (" +
                                              model + ", " + s.embedding.model_id + ")");
    }
    for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += s.weight * s.embedding.values[i];
  }
  l2_normalise(sum);
  return FaceTemplate{Embedding{model, std::move(sum)}, std::move(sources)};
}

}  // namespace rollcall::face

// src/domain/templates.cc
#include "domain/templates.h"

#include <algorithm>

namespace rollcall::domain {

std::map<StudentId, face::FaceTemplate> build_templates(
    const std::vector<store::StoredEmbedding>& embeddings) {
  std::map<StudentId, std::vector<face::WeightedEmbedding>> by_student;
  for (const auto& e : embeddings) {
    by_student[e.student].push_back({face::Embedding{e.model_id, e.values, 1.0f}, e.weight});
  }
  std::map<StudentId, face::FaceTemplate> templates;
  for (auto& [student, sources] : by_student) {
    std::sort(sources.begin(), sources.end(),
              [](const auto& a, const auto& b) { return a.weight > b.weight; });
    if (sources.size() > face::kMaxTemplatePhotos) sources.resize(face::kMaxTemplatePhotos);
    auto made = face::make_template(std::move(sources));
    if (made) templates.emplace(student, std::move(made).value());
  }
  return templates;
}

void fill_gallery(face::Gallery& gallery,
                  const std::map<StudentId, face::FaceTemplate>& templates) {
  for (const auto& [student, made] : templates) {
    // Sizes were checked when the embeddings were made; a wrong one cannot
    // be searched and is skipped rather than failing the whole class.
    (void)gallery.put(student, made.combined.values);
  }
}

}  // namespace rollcall::domain

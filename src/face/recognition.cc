// src/face/recognition.cc
#include "face/recognition.h"

namespace rollcall::face {

std::vector<FaceMatch> recognise(const Analysis& analysis, const Gallery& candidates,
                                 const MatchPolicy& policy) {
  const std::vector<StudentId> students = candidates.students();
  std::vector<std::vector<float>> scores;
  std::vector<bool> usable;
  scores.reserve(analysis.faces.size());
  for (const auto& face : analysis.faces) {
    usable.push_back(face.is_usable());
    scores.push_back(face.is_usable() ? candidates.scores(face.embedding.values)
                                      : std::vector<float>(students.size(), -1.0f));
  }
  return assign_faces(scores, students, usable, policy);
}

}  // namespace rollcall::face

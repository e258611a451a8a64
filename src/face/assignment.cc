// src/face/assignment.cc
//
// The Hungarian algorithm is dlib's max_cost_assignment (integer costs,
// square matrix): scores are shifted so only plausible pairs gain, scaled
// to integers, and padded with zero rows or columns.
#include "face/assignment.h"

#include <algorithm>
#include <cmath>

#include <dlib/matrix.h>
#include <dlib/optimization/max_cost_assignment.h>

namespace rollcall::face {
namespace {

// Cosines become integers with 6 decimal places: finer than any score
// difference the policy can act on.
constexpr double kScoreScale = 1e6;

}  // namespace

std::string to_string(MatchStatus status) {
  switch (status) {
    case MatchStatus::matched:
      return "matched";
    case MatchStatus::borderline:
      return "borderline";
    case MatchStatus::unknown:
      return "unknown";
    case MatchStatus::low_quality:
      return "low_quality";
  }
  return "unknown";
}

std::vector<FaceMatch> assign_faces(const std::vector<std::vector<float>>& scores,
                                    const std::vector<StudentId>& candidates,
                                    const std::vector<bool>& usable, const MatchPolicy& policy) {
  const std::size_t faces = scores.size(), students = candidates.size();
  std::vector<FaceMatch> result(faces);
  const float floor = policy.threshold - policy.borderline_band;
  const auto score = [&](std::size_t f, std::size_t s) { return usable[f] ? scores[f][s] : -1.0f; };

  // Only pairs at or above the borderline floor gain anything, so a
  // stranger never displaces a real match to raise the total.
  const long n = static_cast<long>(std::max(faces, students));
  dlib::matrix<long> gain = dlib::zeros_matrix<long>(n, n);
  for (std::size_t f = 0; f < faces; ++f) {
    for (std::size_t s = 0; s < students; ++s) {
      const float above = score(f, s) - floor;
      if (above > 0)
        gain(static_cast<long>(f), static_cast<long>(s)) = std::lround(above * kScoreScale) + 1;
    }
  }
  const std::vector<long> assigned = n > 0 ? dlib::max_cost_assignment(gain) : std::vector<long>{};

  for (std::size_t f = 0; f < faces; ++f) {
    FaceMatch& m = result[f];
    if (!usable[f]) {
      m.status = MatchStatus::low_quality;
      continue;
    }
    // The face's own best and runner-up, whatever the assignment says.
    std::size_t best = students;
    for (std::size_t s = 0; s < students; ++s) {
      if (best == students || scores[f][s] > scores[f][best]) best = s;
    }
    const long pick = assigned[f];
    const bool has_pick =
        pick < static_cast<long>(students) && gain(static_cast<long>(f), pick) > 0;
    const std::size_t chosen = has_pick ? static_cast<std::size_t>(pick) : best;
    if (chosen == students) continue;  // no candidates at all

    m.similarity = scores[f][chosen];
    for (std::size_t s = 0; s < students; ++s) {
      if (s != chosen && scores[f][s] > m.runner_up_similarity) {
        m.runner_up_similarity = scores[f][s];
        m.runner_up = candidates[s];
      }
    }
    float rival = m.runner_up_similarity;
    for (std::size_t other = 0; other < faces; ++other) {
      if (other != f) rival = std::max(rival, score(other, chosen));
    }
    m.margin = m.similarity - rival;

    if (m.similarity < floor) {
      m.status = MatchStatus::unknown;
    } else if (!has_pick) {
      // Resembles a student that another face took (the assignment gave
      // them the face they resemble more). A student is suggested for at
      // most one face of a photo, so this one is unknown; its look-alike
      // stays visible as the runner-up for the person who reviews it.
      m.status = MatchStatus::unknown;
      m.runner_up = candidates[chosen];
      m.runner_up_similarity = m.similarity;
    } else {
      m.student = candidates[chosen];
      m.status = m.similarity >= policy.threshold && m.margin >= policy.margin
                     ? MatchStatus::matched
                     : MatchStatus::borderline;
    }
  }
  return result;
}

Result<Verification> verify(const Embedding& a, const Embedding& b, const MatchPolicy& policy) {
  if (a.model_id != b.model_id) {
    return make_error("model_mismatch", "embeddings come from different models (" + a.model_id +
                                            ", " + b.model_id + "); re-embed one of them");
  }
  const float similarity = cosine(a.values, b.values);
  return Verification{similarity >= policy.threshold, similarity, policy.threshold};
}

}  // namespace rollcall::face

// src/face/assignment.h
//
// Assignment: decides which face in a photo is which candidate student,
// one face to at most one student and one student to at most one face,
// by a global optimum (Hungarian algorithm), then grades each decision.
// Owns: the matching rule (threshold, margin, borderline band). Leaves to
// others: which students are candidates (domain: the session's class).
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "face/embedder.h"

namespace rollcall::face {

// Defaults come from `rollcall eval` on ../shared/data; the method is in
// docs/ACCURACY.md ("Threshold and margin").
struct MatchPolicy {
  float threshold = 0.37f;        // accept at or above this cosine
  float margin = 0.10f;           // ... and this far above any rival
  float borderline_band = 0.10f;  // below threshold by up to this: ask a human
};

enum class MatchStatus { matched, borderline, unknown, low_quality };
std::string to_string(MatchStatus status);

struct FaceMatch {
  MatchStatus status = MatchStatus::unknown;
  // Set for matched and borderline: the student this face most likely is.
  std::optional<StudentId> student;
  float similarity = 0;
  // The best other student for this face (none if there is only one).
  std::optional<StudentId> runner_up;
  float runner_up_similarity = -1;
  // similarity minus the strongest rival: the runner-up student, or another
  // face in the photo that also resembles `student`.
  float margin = 0;
};

// `scores[f][s]` is the cosine of face f against candidate s; faces whose
// `usable[f]` is false (quality gate) are never matched (low_quality).
// Requires: every row has candidates.size() entries; usable.size() ==
// scores.size().
std::vector<FaceMatch> assign_faces(const std::vector<std::vector<float>>& scores,
                                    const std::vector<StudentId>& candidates,
                                    const std::vector<bool>& usable, const MatchPolicy& policy);

// 1:1 verification: same person iff similarity >= policy.threshold.
struct Verification {
  bool is_same_person;
  float similarity;
  float threshold;
};
// Errors: model_mismatch (embeddings from different recognisers do not compare).
Result<Verification> verify(const Embedding& a, const Embedding& b, const MatchPolicy& policy);

}  // namespace rollcall::face

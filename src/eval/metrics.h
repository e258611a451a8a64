// src/eval/metrics.h
//
// Accuracy arithmetic on scored pairs: ROC AUC, TAR at a FAR, k-fold
// verification accuracy (the LFW protocol) and a threshold from a normal
// fit of impostor scores.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <vector>

namespace rollcall::eval {

struct ScoredPair {
  float score;   // cosine similarity
  bool is_same;  // same person?
};

// Probability that a random same-person pair outscores a random
// different-person pair (ties count half). 0.5 when either side is empty.
double roc_auc(const std::vector<ScoredPair>& pairs);

struct OperatingPoint {
  double far = 0;        // false accepts / different-person pairs
  double tar = 0;        // true accepts / same-person pairs
  double threshold = 0;  // accept iff score >= threshold
};

// The lowest threshold whose FAR does not exceed `max_far`, and its TAR.
OperatingPoint tar_at_far(const std::vector<ScoredPair>& pairs, double max_far);

// TAR and FAR of "same iff score >= threshold".
OperatingPoint rates_at(const std::vector<ScoredPair>& pairs, double threshold);

// Accuracy of "same iff score >= threshold".
double accuracy_at(const std::vector<ScoredPair>& pairs, double threshold);

// The threshold with the best accuracy on `pairs` (midpoint between scores).
double best_threshold(const std::vector<ScoredPair>& pairs);

struct KFoldResult {
  double mean_accuracy = 0;
  double std_accuracy = 0;
  std::vector<double> thresholds;  // chosen on the other folds, per fold
};

// LFW protocol: pairs are dealt into `folds` folds (pair i to fold i mod
// folds, after a fixed shuffle); for each fold the threshold is chosen on
// the others and accuracy measured on it.
KFoldResult kfold_accuracy(const std::vector<ScoredPair>& pairs, std::size_t folds = 10);

struct NormalFit {
  double mean = 0;
  double std = 0;
};
NormalFit fit_normal(const std::vector<double>& values);

// z such that P(Z > z) = tail for a standard normal Z (0 < tail < 1).
double normal_upper_quantile(double tail);

}  // namespace rollcall::eval

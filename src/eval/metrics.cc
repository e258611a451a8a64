// src/eval/metrics.cc
#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace rollcall::eval {
namespace {

std::vector<float> scores_where(const std::vector<ScoredPair>& pairs, bool is_same) {
  std::vector<float> out;
  for (const auto& p : pairs) {
    if (p.is_same == is_same) out.push_back(p.score);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

double roc_auc(const std::vector<ScoredPair>& pairs) {
  const auto genuine = scores_where(pairs, true);
  const auto impostor = scores_where(pairs, false);
  if (genuine.empty() || impostor.empty()) return 0.5;
  double wins = 0;
  for (const float g : genuine) {
    const auto below = std::lower_bound(impostor.begin(), impostor.end(), g) - impostor.begin();
    const auto upto = std::upper_bound(impostor.begin(), impostor.end(), g) - impostor.begin();
    wins += static_cast<double>(below) + 0.5 * static_cast<double>(upto - below);
  }
  return wins / (static_cast<double>(genuine.size()) * static_cast<double>(impostor.size()));
}

OperatingPoint tar_at_far(const std::vector<ScoredPair>& pairs, double max_far) {
  const auto genuine = scores_where(pairs, true);
  const auto impostor = scores_where(pairs, false);
  OperatingPoint best{0, 0, 1.0};
  if (impostor.empty() || genuine.empty()) return best;
  // Allowed false accepts; the threshold sits just above the next impostor.
  const auto allowed =
      static_cast<std::size_t>(std::floor(max_far * static_cast<double>(impostor.size())));
  const std::size_t index = impostor.size() - 1 - std::min(allowed, impostor.size() - 1);
  const double threshold =
      allowed >= impostor.size() ? -1.0 : std::nextafter(static_cast<double>(impostor[index]), 2.0);
  const auto accepted_impostors =
      impostor.end() - std::lower_bound(impostor.begin(), impostor.end(), threshold);
  const auto accepted_genuine =
      genuine.end() - std::lower_bound(genuine.begin(), genuine.end(), threshold);
  best.threshold = threshold;
  best.far = static_cast<double>(accepted_impostors) / static_cast<double>(impostor.size());
  best.tar = static_cast<double>(accepted_genuine) / static_cast<double>(genuine.size());
  return best;
}

OperatingPoint rates_at(const std::vector<ScoredPair>& pairs, double threshold) {
  std::size_t same = 0, different = 0, true_accepts = 0, false_accepts = 0;
  for (const auto& p : pairs) {
    const bool accepted = p.score >= threshold;
    (p.is_same ? same : different) += 1;
    (p.is_same ? true_accepts : false_accepts) += accepted ? 1 : 0;
  }
  return {different ? double(false_accepts) / double(different) : 0.0,
          same ? double(true_accepts) / double(same) : 0.0, threshold};
}

double accuracy_at(const std::vector<ScoredPair>& pairs, double threshold) {
  if (pairs.empty()) return 0;
  std::size_t right = 0;
  for (const auto& p : pairs) right += ((p.score >= threshold) == p.is_same) ? 1 : 0;
  return static_cast<double>(right) / static_cast<double>(pairs.size());
}

double best_threshold(const std::vector<ScoredPair>& pairs) {
  std::vector<float> scores;
  for (const auto& p : pairs) scores.push_back(p.score);
  std::sort(scores.begin(), scores.end());
  double best = 0, best_accuracy = -1;
  for (std::size_t i = 0; i + 1 < scores.size(); ++i) {
    const double t = 0.5 * (scores[i] + scores[i + 1]);
    const double a = accuracy_at(pairs, t);
    if (a > best_accuracy) {
      best_accuracy = a;
      best = t;
    }
  }
  return best;
}

KFoldResult kfold_accuracy(const std::vector<ScoredPair>& pairs, std::size_t folds) {
  std::vector<std::size_t> order(pairs.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 shuffle(20261124);  // fixed: the same folds every run
  std::shuffle(order.begin(), order.end(), shuffle);
  KFoldResult result;
  std::vector<double> accuracies;
  for (std::size_t fold = 0; fold < folds; ++fold) {
    std::vector<ScoredPair> train, test;
    for (std::size_t i = 0; i < order.size(); ++i) {
      (i % folds == fold ? test : train).push_back(pairs[order[i]]);
    }
    const double t = best_threshold(train);
    result.thresholds.push_back(t);
    accuracies.push_back(accuracy_at(test, t));
  }
  const NormalFit fit = fit_normal(accuracies);
  result.mean_accuracy = fit.mean;
  result.std_accuracy = fit.std;
  return result;
}

NormalFit fit_normal(const std::vector<double>& values) {
  if (values.empty()) return {};
  const double n = static_cast<double>(values.size());
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
  double sq = 0;
  for (const double v : values) sq += (v - mean) * (v - mean);
  return {mean, values.size() > 1 ? std::sqrt(sq / (n - 1)) : 0.0};
}

double normal_upper_quantile(double tail) {
  // Bisection on the upper tail 0.5 * erfc(z / sqrt 2): monotone, and 60
  // halvings of [-10, 10] are exact to double precision.
  double lo = -10, hi = 10;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (0.5 * std::erfc(mid / std::sqrt(2.0)) > tail ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace rollcall::eval

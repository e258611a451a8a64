// tests/eval/metrics_test.cc
//
// The accuracy arithmetic on hand-made scores with known answers.
#include "eval/metrics.h"

#include <gtest/gtest.h>

namespace rollcall::eval {
namespace {

TEST(RocAuc, IsOneWhenEverySamePairOutscoresEveryDifferentPair) {
  EXPECT_DOUBLE_EQ(roc_auc({{0.9f, true}, {0.8f, true}, {0.3f, false}, {0.1f, false}}), 1.0);
}

TEST(RocAuc, CountsOrderedPairsAndTiesAsHalf) {
  // Same {0.5, 0.2}, different {0.4, 0.2}: 0.5 beats both (2), 0.2 ties
  // one (0.5) and loses one: 2.5 of 4.
  EXPECT_DOUBLE_EQ(roc_auc({{0.5f, true}, {0.2f, true}, {0.4f, false}, {0.2f, false}}), 2.5 / 4);
}

TEST(TarAtFar, PutsTheThresholdJustAboveTheAllowedImpostors) {
  std::vector<ScoredPair> pairs;
  for (int i = 0; i < 100; ++i) pairs.push_back({static_cast<float>(i) / 100, false});
  pairs.push_back({0.985f, true});
  pairs.push_back({0.5f, true});
  const auto at = tar_at_far(pairs, 0.01);  // one impostor (0.99) may pass
  EXPECT_NEAR(at.threshold, 0.98, 1e-6);
  EXPECT_DOUBLE_EQ(at.far, 0.01);
  EXPECT_DOUBLE_EQ(at.tar, 0.5);
}

TEST(KFold, IsPerfectOnSeparableScores) {
  std::vector<ScoredPair> pairs;
  for (int i = 0; i < 50; ++i) {
    pairs.push_back({0.6f + static_cast<float>(i) / 500, true});
    pairs.push_back({0.1f + static_cast<float>(i) / 500, false});
  }
  const auto k = kfold_accuracy(pairs, 10);
  EXPECT_DOUBLE_EQ(k.mean_accuracy, 1.0);
  ASSERT_EQ(k.thresholds.size(), 10u);
  for (const double t : k.thresholds) {
    EXPECT_GT(t, 0.198);
    EXPECT_LT(t, 0.6);
  }
}

TEST(AccuracyAt, CountsBothKindsOfMistake) {
  const std::vector<ScoredPair> pairs = {{0.9f, true}, {0.3f, true}, {0.6f, false}, {0.1f, false}};
  EXPECT_DOUBLE_EQ(accuracy_at(pairs, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(accuracy_at(pairs, 0.7), 0.75);
}

TEST(NormalUpperQuantile, MatchesTheStandardTable) {
  EXPECT_NEAR(normal_upper_quantile(0.5), 0.0, 1e-9);
  EXPECT_NEAR(normal_upper_quantile(0.025), 1.95996, 1e-4);
  EXPECT_NEAR(normal_upper_quantile(1e-4), 3.71902, 1e-4);
}

TEST(FitNormal, GivesMeanAndSampleStandardDeviation) {
  const auto fit = fit_normal({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_DOUBLE_EQ(fit.mean, 5.0);
  EXPECT_NEAR(fit.std, 2.13809, 1e-5);
}

}  // namespace
}  // namespace rollcall::eval

// tests/eval/evaluation_test.cc
//
// `rollcall eval` on the real data set: the figures docs/ACCURACY.md
// reports must hold.
#include "eval/evaluation.h"

#include "test_support.h"

namespace rollcall::eval {
namespace {

const nlohmann::json& report() {
  static const nlohmann::json r = [] {
    auto e =
        evaluate(testing::engine(), EvalOptions{testing::data_dir(), true, face::MatchPolicy{}});
    EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().message);
    return e.ok() ? *e : nlohmann::json::object();
  }();
  return r;
}

TEST(Evaluation, ScoresEveryPairOfTheIdentityPhotos) {
  const auto& v = report()["verification"];
  EXPECT_EQ(v["photos"], 93);
  EXPECT_EQ(v["same_person_pairs"], 179);
  EXPECT_EQ(v["different_person_pairs"], 4099);
}

TEST(Evaluation, VerifiesAtLeastNinetyNinePercentInTenFolds) {
  EXPECT_GE(report()["verification"]["accuracy_10fold_mean"].get<double>(), 0.99);
  EXPECT_GE(report()["verification"]["rank1"].get<double>(), 0.99);
}

TEST(Evaluation, AcceptsNoStrangerInTheOpenSet) {
  EXPECT_LE(report()["open_set"]["false_accept_rate"].get<double>(), 0.001);
  EXPECT_LE(report()["groups"]["stranger_false_accept_rate"].get<double>(), 0.001);
}

TEST(Evaluation, NeverAssignsAStudentTwice) { EXPECT_EQ(report()["groups"]["assigned_twice"], 0); }

TEST(Evaluation, DetectsAtLeastAsManyAnnotatedFacesAsTheClassicDetectors) {
  const auto& d = report()["detection"];
  const double yunet = d["yunet"]["recall"].get<double>();
  EXPECT_GE(yunet, d["dlib_hog"]["recall"].get<double>());
  EXPECT_GE(yunet, d["opencv_haar"]["recall"].get<double>());
}

TEST(Evaluation, RecommendsAThresholdBetweenTheTwoDistributions) {
  const double t = report()["recommended"]["threshold"].get<double>();
  EXPECT_GT(t, report()["verification"]["highest_different_person"].get<double>() - 0.05);
  EXPECT_LT(t, 0.6);
}

}  // namespace
}  // namespace rollcall::eval

// tests/face/assignment_test.cc
//
// The matching rule on hand-made score tables: the logic, not the model.
#include "face/assignment.h"

#include <gtest/gtest.h>

#include <set>

namespace rollcall::face {
namespace {

const StudentId kAda{1}, kBo{2}, kCy{3};
const MatchPolicy kPolicy{.threshold = 0.40f, .margin = 0.05f, .borderline_band = 0.08f};

TEST(AssignFaces, FindsTheGlobalOptimumWhereGreedyFails) {
  // Greedy would give face 0 to Ada (0.90) and leave face 1 with nobody
  // good; the optimum is face 0 -> Bo, face 1 -> Ada.
  const std::vector<std::vector<float>> scores = {{0.90f, 0.85f}, {0.88f, 0.10f}};
  const auto m = assign_faces(scores, {kAda, kBo}, {true, true}, kPolicy);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].student, kBo);
  EXPECT_EQ(m[1].student, kAda);
}

TEST(AssignFaces, NeverGivesOneStudentTwoFaces) {
  const std::vector<std::vector<float>> scores = {
      {0.70f, 0.10f, 0.05f}, {0.69f, 0.12f, 0.02f}, {0.68f, 0.11f, 0.60f}, {0.71f, 0.50f, 0.03f}};
  const auto m = assign_faces(scores, {kAda, kBo, kCy}, {true, true, true, true}, kPolicy);
  std::set<std::int64_t> matched;
  for (const auto& f : m) {
    if (f.status == MatchStatus::matched) {
      EXPECT_TRUE(matched.insert(f.student->value).second) << "student matched twice";
    }
  }
}

TEST(AssignFaces, FlagsAFaceTooCloseToTheRunnerUp) {
  const std::vector<std::vector<float>> scores = {{0.60f, 0.58f}};
  const auto m = assign_faces(scores, {kAda, kBo}, {true}, kPolicy);
  EXPECT_EQ(m[0].status, MatchStatus::borderline);
  EXPECT_EQ(m[0].student, kAda);
  EXPECT_NEAR(m[0].margin, 0.02f, 1e-6);
  EXPECT_EQ(m[0].runner_up, kBo);
}

TEST(AssignFaces, FlagsTwoFacesThatBothLookLikeOneStudent) {
  const std::vector<std::vector<float>> scores = {{0.62f, 0.0f}, {0.60f, 0.0f}};
  const auto m = assign_faces(scores, {kAda, kBo}, {true, true}, kPolicy);
  EXPECT_NE(m[0].status, MatchStatus::matched);
  EXPECT_NE(m[1].status, MatchStatus::matched);
}

TEST(AssignFaces, SuggestsAStudentForAtMostOneFace) {
  // Three strangers who all look a little like Ada (couple.jpg's nested
  // boxes and background faces did this): one suggestion, not three.
  const std::vector<std::vector<float>> scores = {{0.34f, 0.01f}, {0.36f, 0.02f}, {0.33f, 0.00f}};
  const auto m = assign_faces(scores, {kAda, kBo}, {true, true, true}, kPolicy);
  int suggested = 0;
  for (const auto& f : m) {
    if (f.student == kAda) ++suggested;
    EXPECT_NE(f.status, MatchStatus::matched);
  }
  EXPECT_EQ(suggested, 1);
  EXPECT_EQ(m[1].student, kAda);  // the closest of the three
  EXPECT_EQ(m[1].status, MatchStatus::borderline);
  EXPECT_EQ(m[0].status, MatchStatus::unknown);
  EXPECT_EQ(m[0].runner_up, kAda);  // still shown as the look-alike
}

TEST(AssignFaces, FlagsAScoreJustBelowTheThreshold) {
  const std::vector<std::vector<float>> scores = {{0.37f, 0.0f}};
  const auto m = assign_faces(scores, {kAda, kBo}, {true}, kPolicy);
  EXPECT_EQ(m[0].status, MatchStatus::borderline);
}

TEST(AssignFaces, CallsAStrangerUnknown) {
  const std::vector<std::vector<float>> scores = {{0.15f, 0.20f}};
  const auto m = assign_faces(scores, {kAda, kBo}, {true}, kPolicy);
  EXPECT_EQ(m[0].status, MatchStatus::unknown);
  EXPECT_FALSE(m[0].student.has_value());
}

TEST(AssignFaces, NeverMatchesAFaceThatFailedTheQualityGate) {
  const std::vector<std::vector<float>> scores = {{0.95f, 0.0f}};
  const auto m = assign_faces(scores, {kAda, kBo}, {false}, kPolicy);
  EXPECT_EQ(m[0].status, MatchStatus::low_quality);
  EXPECT_FALSE(m[0].student.has_value());
}

TEST(AssignFaces, HandlesNoCandidatesAndNoFaces) {
  EXPECT_TRUE(assign_faces({}, {kAda}, {}, kPolicy).empty());
  const auto m = assign_faces({{}}, {}, {true}, kPolicy);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].status, MatchStatus::unknown);
}

TEST(Verify, RefusesEmbeddingsFromDifferentModels) {
  const Embedding a{"model_a", {1, 0}}, b{"model_b", {1, 0}};
  const auto v = verify(a, b, kPolicy);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, "model_mismatch");
}

}  // namespace
}  // namespace rollcall::face

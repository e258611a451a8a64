// tests/face/gallery_test.cc
#include "face/gallery.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>

namespace rollcall::face {
namespace {

std::vector<float> random_unit(cv::RNG& rng) {
  std::vector<float> v(kEmbeddingSize);
  for (auto& x : v) x = static_cast<float>(rng.gaussian(1.0));
  l2_normalise(v);
  return v;
}

TEST(Gallery, RefusesAnEmbeddingOfTheWrongSize) {
  Gallery g;
  const auto r = g.put(StudentId{1}, std::vector<float>(10, 0.1f));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "embedding_wrong_size");
}

TEST(Gallery, FindsTheStudentWhoseTemplateIsClosest) {
  cv::RNG rng(1);
  Gallery g;
  std::vector<std::vector<float>> t;
  for (int i = 1; i <= 30; ++i) {
    t.push_back(random_unit(rng));
    ASSERT_TRUE(g.put(StudentId{i}, t.back()).ok());
  }
  const auto m = g.find(t[7], 0.5f);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->student, StudentId{8});
  EXPECT_NEAR(m->similarity, 1.0f, 1e-5);
}

TEST(Gallery, IgnoresAStrangerBelowThreshold) {
  cv::RNG rng(2);
  Gallery g;
  for (int i = 1; i <= 30; ++i) ASSERT_TRUE(g.put(StudentId{i}, random_unit(rng)).ok());
  EXPECT_FALSE(g.find(random_unit(rng), 0.3f).has_value());
}

TEST(Gallery, ReplacesAndErasesTemplates) {
  cv::RNG rng(3);
  Gallery g;
  const auto a = random_unit(rng), b = random_unit(rng), c = random_unit(rng);
  ASSERT_TRUE(g.put(StudentId{1}, a).ok());
  ASSERT_TRUE(g.put(StudentId{2}, b).ok());
  ASSERT_TRUE(g.put(StudentId{1}, c).ok());  // replace
  EXPECT_EQ(g.size(), 2u);
  EXPECT_EQ(g.find(c, 0.9f)->student, StudentId{1});
  EXPECT_TRUE(g.erase(StudentId{1}));
  EXPECT_FALSE(g.erase(StudentId{1}));
  EXPECT_EQ(g.size(), 1u);
  EXPECT_EQ(g.find(b, 0.9f)->student, StudentId{2});
}

TEST(Gallery, LargeGallerySearchAgreesWithAnExactScan) {
  // Above kExactRows the int8 pre-selection is used; near-duplicates of
  // stored templates must still come back first, in exact order.
  cv::RNG rng(4);
  Gallery g;
  std::vector<std::vector<float>> t;
  const int n = static_cast<int>(Gallery::kExactRows) * 2;
  for (int i = 0; i < n; ++i) {
    t.push_back(random_unit(rng));
    ASSERT_TRUE(g.put(StudentId{i + 1}, t.back()).ok());
  }
  for (int probe = 0; probe < 50; ++probe) {
    const int target = rng.uniform(0, n);
    std::vector<float> noisy = t[static_cast<std::size_t>(target)];
    for (auto& x : noisy) x += static_cast<float>(rng.gaussian(0.03));
    l2_normalise(noisy);
    const auto best = g.nearest(noisy, 2);
    ASSERT_EQ(best.size(), 2u);
    EXPECT_EQ(best[0].student, StudentId{target + 1});
    EXPECT_NEAR(best[0].similarity, cosine(noisy, t[static_cast<std::size_t>(target)]), 1e-5);
    EXPECT_GE(best[0].similarity, best[1].similarity);
  }
}

}  // namespace
}  // namespace rollcall::face

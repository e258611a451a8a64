// tests/face/engine_test.cc
//
// The pipeline on real photos from ../shared/data: faces found, the right
// portrait accepted, bad portraits refused with the reason.
#include "face/engine.h"

#include <future>
#include <iostream>

#include <opencv2/imgproc.hpp>

#include "test_support.h"

namespace rollcall::face {
namespace {

using testing::bytes_of;
using testing::engine;
using testing::image_of;

std::size_t faces_in(const std::string& photo) {
  const auto a = engine().analyze(bytes_of(photo), QualityPolicy::recognition(), {});
  EXPECT_TRUE(a.ok()) << photo;
  return a.ok() ? a->faces.size() : 0;
}

Embedding portrait_embedding(const std::string& photo) {
  const auto f = engine().analyze_portrait(bytes_of(photo), QualityPolicy::enrollment(), {});
  EXPECT_TRUE(f.ok()) << photo << ": " << (f.ok() ? "" : f.error().message);
  return f.ok() ? f->embedding : Embedding{};
}

TEST(Engine, FindsEveryFaceOfAGroupPhoto) {
  EXPECT_EQ(faces_in("groups/bbt4.jpg"), 6u);  // six people, all enrolled
  EXPECT_EQ(faces_in("groups/bbt1.jpg"), 4u);
}

TEST(Engine, FindsAboutFiftyFourFacesInTheClassPhoto) {
  const std::size_t n = faces_in("groups/class_54.jpg");
  EXPECT_GE(n, 50u);
  EXPECT_LE(n, 58u);
}

TEST(Engine, FindsMoreThanOneHundredFiftyFacesInOnePhoto) {
  // Three copies of the real class photo side by side: ~162 real faces.
  const cv::Mat one = image_of("groups/class_54.jpg");
  cv::Mat three;
  cv::hconcat(std::vector<cv::Mat>{one, one, one}, three);
  const auto a = engine().analyze(three, QualityPolicy::recognition());
  ASSERT_TRUE(a.ok());
  EXPECT_GE(a->faces.size(), 150u);
  std::size_t embedded = 0;
  for (const auto& f : a->faces) embedded += f.embedding.values.size() == kEmbeddingSize ? 1 : 0;
  EXPECT_GE(embedded, 140u);
}

TEST(Engine, FindsTheHandAnnotatedFacesOfThePascalPhotos) {
  // boxes.csv: 7 faces in voc_2007_007763, 7 in voc_2008_002079.
  EXPECT_NEAR(static_cast<double>(faces_in("groups/voc_2007_007763.jpg")), 7, 1);
  EXPECT_NEAR(static_cast<double>(faces_in("groups/voc_2008_002079.jpg")), 7, 1);
}

TEST(Engine, EmbeddingsAreUnitLengthAndTaggedWithTheModel) {
  const auto e = portrait_embedding("identities/angelina_jolie/01.jpg");
  ASSERT_EQ(e.values.size(), kEmbeddingSize);
  EXPECT_NEAR(cosine(e.values, e.values), 1.0f, 1e-4);
  EXPECT_EQ(e.model_id, engine().model_id());
  EXPECT_EQ(e.model_id.rfind("fr_feature@", 0), 0u);
}

TEST(Engine, MatchesTheSamePersonAcrossTwoPhotos) {
  const auto a = portrait_embedding("identities/angelina_jolie/01.jpg");
  const auto b = portrait_embedding("identities/angelina_jolie/02.jpg");
  const auto v = verify(a, b, MatchPolicy{});
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->is_same_person) << "similarity " << v->similarity;
}

TEST(Engine, RejectsTwoDifferentPeople) {
  const auto a = portrait_embedding("identities/angelina_jolie/01.jpg");
  const auto b = portrait_embedding("identities/jennifer_aniston/02.jpg");
  const auto v = verify(a, b, MatchPolicy{});
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->is_same_person) << "similarity " << v->similarity;
}

TEST(Engine, FindsTheFaceOfATightChip) {
  // 150x150 chips where the face fills the frame need the padded pass.
  const auto f =
      engine().analyze_portrait(bytes_of("identities/amy/02.png"), QualityPolicy::enrollment(), {});
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_GT(f->quality.eye_distance_px, 30);
}

// couple.jpg (2280x1588, two people and logos behind them) gave 7 faces:
// halves of each real face, nested and stacked. Each face is found once,
// whole (the detector's coarse pass).
TEST(Engine, FindsEachFaceOnceNotAsBoxesNestedInsideIt) {
  const auto a = engine().analyze(bytes_of("groups/couple.jpg"), QualityPolicy::recognition(), {});
  ASSERT_TRUE(a.ok());
  ASSERT_GE(a->faces.size(), 2u);
  for (std::size_t i = 0; i < a->faces.size(); ++i) {
    for (std::size_t j = i + 1; j < a->faces.size(); ++j) {
      const auto& p = a->faces[i].detection.box;
      const auto& q = a->faces[j].detection.box;
      const float inside = (p & q).area() / std::min(p.area(), q.area());
      EXPECT_LT(inside, 0.6f) << "face " << j << " lies inside face " << i;
    }
  }
  // The two people, each as one whole face (~640 px wide), not halves.
  int whole = 0;
  for (const auto& face : a->faces) whole += face.detection.box.width >= 500 ? 1 : 0;
  EXPECT_EQ(whole, 2);
  std::cout << "couple.jpg: " << a->faces.size() << " faces, " << whole << " of them whole\n";
}

TEST(Engine, DropsABoxInsideABetterOneButKeepsNeighbours) {
  Detection big, inner, beside;
  big.box = {100, 100, 200, 200};
  big.score = 0.95f;
  inner.box = {150, 150, 80, 80};  // wholly inside big
  inner.score = 0.7f;
  beside.box = {280, 100, 200, 200};  // overlaps big by 10 %
  beside.score = 0.9f;
  const auto kept = drop_nested({big, beside, inner}, 0.6f);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].score, 0.95f);
  EXPECT_EQ(kept[1].score, 0.9f);
}

TEST(Engine, RefusesAPortraitWithSeveralPeople) {
  const auto f =
      engine().analyze_portrait(bytes_of("groups/bbt4.jpg"), QualityPolicy::enrollment(), {});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, "several_faces");
  EXPECT_NE(f.error().message.find("6 faces"), std::string::npos);
}

TEST(Engine, RefusesAPortraitOfDogsAsNoHumanFaceNotAsSeveralFaces) {
  const auto f =
      engine().analyze_portrait(bytes_of("negatives/dogs.jpg"), QualityPolicy::enrollment(), {});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, "no_human_face") << f.error().message;
}

TEST(Engine, RefusesAnImageWithNoFace) {
  // The sky-and-floor corner of a real photo: no face in it.
  const cv::Mat crop = image_of("groups/class_54.jpg")(cv::Rect(0, 0, 120, 40)).clone();
  const auto f = engine().analyze_portrait(crop, QualityPolicy::enrollment());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, "no_face");
}

TEST(Engine, RefusesATooSmallFaceAndSaysHowSmall) {
  const cv::Mat original = image_of("identities/angelina_jolie/01.jpg");
  const auto full = engine().analyze_portrait(original, QualityPolicy::enrollment());
  ASSERT_TRUE(full.ok());
  // Scaled so about 16 px remain between the eyes: still detected, too small.
  const double scale = 16.0 / full->quality.eye_distance_px;
  cv::Mat small;
  cv::resize(original, small, cv::Size(), scale, scale, cv::INTER_AREA);
  const auto f = engine().analyze_portrait(small, QualityPolicy::enrollment());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, "face_too_small");
  EXPECT_NE(f.error().message.find("px between the eyes, need 24"), std::string::npos)
      << f.error().message;
}

TEST(Engine, RefusesADarkFace) {
  const cv::Mat dark = image_of("identities/angelina_jolie/01.jpg") * 0.12;
  const auto f = engine().analyze_portrait(dark, QualityPolicy::enrollment());
  ASSERT_FALSE(f.ok());
  EXPECT_TRUE(f.error().code == "face_too_dark" || f.error().code == "no_face") << f.error().code;
}

TEST(Engine, RefusesABlurredFace) {
  cv::Mat blurred;
  cv::GaussianBlur(image_of("identities/jeff_bezos/02.jpg"), blurred, cv::Size(0, 0), 9);
  const auto f = engine().analyze_portrait(blurred, QualityPolicy::enrollment());
  ASSERT_FALSE(f.ok());
  EXPECT_TRUE(f.error().code == "face_blurred" || f.error().code == "no_face") << f.error().code;
}

TEST(Engine, PassesDecodeErrorsThrough) {
  auto bytes = bytes_of("groups/bbt4.jpg");
  bytes.resize(bytes.size() / 3);
  const auto a = engine().analyze(bytes, QualityPolicy::recognition(), {});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, "image_truncated");
}

TEST(Engine, GivesTheSameAnswerFromManyThreadsAtOnce) {
  const auto bytes = bytes_of("groups/bbt4.jpg");
  const auto reference = engine().analyze(bytes, QualityPolicy::recognition(), {});
  ASSERT_TRUE(reference.ok());
  std::vector<std::future<Result<Analysis>>> runs;
  for (int i = 0; i < 6; ++i) {
    runs.push_back(std::async(std::launch::async, [&] {
      return engine().analyze(bytes, QualityPolicy::recognition(), {});
    }));
  }
  for (auto& run : runs) {
    const auto a = run.get();
    ASSERT_TRUE(a.ok());
    ASSERT_EQ(a->faces.size(), reference->faces.size());
    for (std::size_t i = 0; i < a->faces.size(); ++i) {
      EXPECT_NEAR(cosine(a->faces[i].embedding.values, reference->faces[i].embedding.values), 1.0f,
                  1e-4);
    }
  }
}

}  // namespace
}  // namespace rollcall::face

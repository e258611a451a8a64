// tests/face/align_test.cc
#include "face/align.h"

#include <gtest/gtest.h>

namespace rollcall::face {
namespace {

TEST(SimilarityTransform, RecoversAKnownRotationScaleAndShift) {
  const Landmarks to = {cv::Point2f(38.3f, 51.7f), cv::Point2f(73.5f, 51.5f),
                        cv::Point2f(56.0f, 71.7f), cv::Point2f(41.5f, 92.4f),
                        cv::Point2f(70.7f, 92.2f)};
  // from = to rotated by 30 degrees, scaled by 2.5 and shifted.
  const double angle = 30 * CV_PI / 180, scale = 2.5;
  Landmarks from;
  for (int i = 0; i < 5; ++i) {
    const double x = to[i].x, y = to[i].y;
    from[i] =
        cv::Point2f(static_cast<float>(scale * (std::cos(angle) * x - std::sin(angle) * y) + 100),
                    static_cast<float>(scale * (std::sin(angle) * x + std::cos(angle) * y) + 40));
  }
  const cv::Matx23d m = similarity_transform(from, to);
  for (int i = 0; i < 5; ++i) {
    const double x = m(0, 0) * from[i].x + m(0, 1) * from[i].y + m(0, 2);
    const double y = m(1, 0) * from[i].x + m(1, 1) * from[i].y + m(1, 2);
    EXPECT_NEAR(x, to[i].x, 1e-3);
    EXPECT_NEAR(y, to[i].y, 1e-3);
  }
}

TEST(AlignFace, MakesTheRecognisersInputSize) {
  const cv::Mat image(300, 300, CV_8UC3, cv::Scalar(90, 120, 150));
  const Landmarks l = {cv::Point2f(120, 140), cv::Point2f(180, 140), cv::Point2f(150, 175),
                       cv::Point2f(125, 205), cv::Point2f(175, 205)};
  const cv::Mat aligned = align_face(image, l);
  EXPECT_EQ(aligned.cols, kAlignedSize);
  EXPECT_EQ(aligned.rows, kAlignedSize);
  EXPECT_EQ(aligned.type(), CV_8UC3);
}

}  // namespace
}  // namespace rollcall::face

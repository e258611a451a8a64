// src/face/human_check.cc
#include "face/human_check.h"

#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv/cv_image.h>

#include <cmath>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

namespace rollcall::face {
namespace {

// The crop the second opinions see: the face levelled by its eyes, its
// box's long side plus 35 % each way, scaled to kCropSide pixels.
constexpr int kCropSide = 160;
constexpr double kMargin = 0.35;

cv::Mat levelled_crop(const cv::Mat& bgr, const Detection& face) {
  const cv::Point2f eye_a = face.landmarks[0], eye_b = face.landmarks[1];
  const double angle =
      std::atan2(eye_b.y - eye_a.y, eye_b.x - eye_a.x) * 180.0 / 3.14159265358979323846;
  const cv::Point2f centre(face.box.x + face.box.width / 2, face.box.y + face.box.height / 2);
  const double side = std::max(face.box.width, face.box.height) * (1 + 2 * kMargin);
  cv::Mat warp = cv::getRotationMatrix2D(centre, angle, kCropSide / side);
  warp.at<double>(0, 2) += kCropSide / 2.0 - centre.x;
  warp.at<double>(1, 2) += kCropSide / 2.0 - centre.y;
  cv::Mat crop;
  // Grey beyond the photo's edge, as around a tight face chip.
  cv::warpAffine(bgr, crop, warp, cv::Size(kCropSide, kCropSide), cv::INTER_LINEAR,
                 cv::BORDER_CONSTANT, cv::Scalar(128, 128, 128));
  return crop;
}

// A found box counts when its centre is near the crop's centre (where
// YuNet's face is) and it is at least a third of the crop.
bool is_centred(const cv::Rect& box) {
  const double cx = box.x + box.width / 2.0, cy = box.y + box.height / 2.0;
  return std::abs(cx - kCropSide / 2.0) < 0.2 * kCropSide &&
         std::abs(cy - kCropSide / 2.0) < 0.2 * kCropSide;
}

}  // namespace

struct HumanCheck::Detectors {
  cv::CascadeClassifier haar_default;
  cv::CascadeClassifier haar_alt2;
  cv::CascadeClassifier lbp;
  dlib::frontal_face_detector hog = dlib::get_frontal_face_detector();
};

HumanCheck::HumanCheck(std::unique_ptr<Detectors> detectors) : detectors_(std::move(detectors)) {}
HumanCheck::HumanCheck(HumanCheck&&) noexcept = default;
HumanCheck& HumanCheck::operator=(HumanCheck&&) noexcept = default;
HumanCheck::~HumanCheck() = default;

Result<HumanCheck> HumanCheck::load(const std::string& cascade_dir) {
  auto detectors = std::make_unique<Detectors>();
  const std::pair<cv::CascadeClassifier*, std::string> files[] = {
      {&detectors->haar_default, "/haarcascades/haarcascade_frontalface_default.xml"},
      {&detectors->haar_alt2, "/haarcascades/haarcascade_frontalface_alt2.xml"},
      {&detectors->lbp, "/lbpcascades/lbpcascade_frontalface_improved.xml"}};
  for (const auto& [cascade, file] : files) {
    if (!cascade->load(cascade_dir + file)) {
      return make_error("model_load_failed", "cannot load the face cascade " + cascade_dir + file +
                                                 " (Debian package opencv-data)");
    }
  }
  return HumanCheck(std::move(detectors));
}

HumanVotes HumanCheck::votes(const cv::Mat& bgr, const Detection& face) {
  HumanVotes out;
  if (bgr.empty() || face.box.width <= 0) return out;
  const cv::Mat crop = levelled_crop(bgr, face);
  cv::Mat grey;
  cv::cvtColor(crop, grey, cv::COLOR_BGR2GRAY);
  cv::Mat equalised;
  cv::equalizeHist(grey, equalised);
  const cv::Size smallest(kCropSide * 35 / 100, kCropSide * 35 / 100);
  const auto finds = [&](cv::CascadeClassifier& cascade) {
    std::vector<cv::Rect> found;
    // minNeighbors 1: permissive, since a vote of several detectors
    // decides (measured in docs/ACCURACY.md).
    cascade.detectMultiScale(equalised, found, 1.05, 1, 0, smallest);
    for (const auto& box : found) {
      if (is_centred(box)) return true;
    }
    return false;
  };
  out.haar_default = finds(detectors_->haar_default);
  out.haar_alt2 = finds(detectors_->haar_alt2);
  out.lbp = finds(detectors_->lbp);
  dlib::cv_image<unsigned char> image(grey);
  for (const auto& box : detectors_->hog(image)) {
    const cv::Rect rect(static_cast<int>(box.left()), static_cast<int>(box.top()),
                        static_cast<int>(box.width()), static_cast<int>(box.height()));
    if (is_centred(rect)) out.hog = true;
  }
  return out;
}

}  // namespace rollcall::face

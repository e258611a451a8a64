// src/eval/peers.cc
//
// The two detectors YuNet is compared with. Both are Debian packages:
// libdlib-dev and opencv-data (the cascade file).
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv/cv_image.h>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "eval/evaluation.h"

namespace rollcall::eval {

std::vector<cv::Rect2f> detect_with_dlib_hog(const cv::Mat& bgr) {
  static dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
  dlib::array2d<unsigned char> grey;
  dlib::assign_image(grey, dlib::cv_image<dlib::bgr_pixel>(bgr));
  dlib::pyramid_up(grey);  // one upsample, so faces of ~40 px are found
  std::vector<cv::Rect2f> out;
  for (const auto& r : detector(grey)) {
    out.emplace_back(static_cast<float>(r.left()) / 2, static_cast<float>(r.top()) / 2,
                     static_cast<float>(r.width()) / 2, static_cast<float>(r.height()) / 2);
  }
  return out;
}

Result<std::vector<cv::Rect2f>> detect_with_haar(const cv::Mat& bgr) {
  static const char* kCascade =
      "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";
  cv::CascadeClassifier cascade;
  if (!cascade.load(kCascade)) {
    return make_error("file_unreadable",
                      std::string("cannot load ") + kCascade + " (Debian package opencv-data)");
  }
  cv::Mat grey;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  cv::equalizeHist(grey, grey);
  std::vector<cv::Rect> found;
  // OpenCV's sample settings (samples/cpp/facedetect.cpp).
  cascade.detectMultiScale(grey, found, 1.1, 3, 0, cv::Size(20, 20));
  return std::vector<cv::Rect2f>(found.begin(), found.end());
}

}  // namespace rollcall::eval

// src/face/anti_spoof.cc
#include "face/anti_spoof.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace rollcall::face {
namespace {

// Models README section 3: the crop is the face box scaled 2.7x.
constexpr float kCropScale = 2.7f;

}  // namespace

cv::Rect anti_spoof_crop(const cv::Rect2f& box, cv::Size image_size) {
  const float w = std::max(box.width, 1.0f);
  const float h = std::max(box.height, 1.0f);
  // The model was trained on crops of the full scale where it fits; where
  // it does not, the largest scale that fits keeps the face centred in the
  // crop's frame of reference (the rule of the model's reference code,
  // Silent-Face-Anti-Spoofing's CropImage._get_new_box).
  const float scale = std::min({kCropScale, static_cast<float>(image_size.height - 1) / h,
                                static_cast<float>(image_size.width - 1) / w});
  const float new_w = w * scale;
  const float new_h = h * scale;
  const float cx = box.x + box.width / 2;
  const float cy = box.y + box.height / 2;
  float left = std::clamp(cx - new_w / 2, 0.0f, std::max(0.0f, image_size.width - 1 - new_w));
  float top = std::clamp(cy - new_h / 2, 0.0f, std::max(0.0f, image_size.height - 1 - new_h));
  cv::Rect crop(static_cast<int>(std::lround(left)), static_cast<int>(std::lround(top)),
                std::max(1, static_cast<int>(std::lround(new_w))),
                std::max(1, static_cast<int>(std::lround(new_h))));
  return crop & cv::Rect(0, 0, image_size.width, image_size.height);
}

Result<AntiSpoof> AntiSpoof::load(const std::string& model_path) {
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(model_path);
    if (net.empty()) {
      return make_error("model_load_failed", "could not load the anti-spoof model " + model_path);
    }
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return AntiSpoof(std::move(net));
  } catch (const cv::Exception& e) {
    return make_error("model_load_failed",
                      "could not load the anti-spoof model " + model_path + ": " + e.what());
  }
}

Result<float> AntiSpoof::p_live(const cv::Mat& bgr, const Detection& face) {
  if (bgr.empty()) return make_error("liveness_failed", "no image to score");
  const cv::Rect crop = anti_spoof_crop(face.box, bgr.size());
  if (crop.area() <= 0) return make_error("liveness_failed", "the face lies outside the image");
  cv::Mat result;
  try {
    // Raw 0-255 values, NCHW, as the models README says, but in OpenCV's
    // BGR order, not the RGB the README names: the model's reference code
    // (Silent-Face-Anti-Spoofing) feeds cv2.imread's BGR image unscaled,
    // and measured here BGR scores the real clip's 43 frames at p(live)
    // >= 0.997 where RGB gave as low as 0.70, and fails fewer identity
    // photos (docs/ACCURACY.md "Liveness (issue 6)").
    const cv::Mat blob = cv::dnn::blobFromImage(
        bgr(crop), 1.0, cv::Size(kAntiSpoofInputSize, kAntiSpoofInputSize), cv::Scalar(),
        /*swapRB=*/false, /*crop=*/false);
    net_.setInput(blob, "input");
    result = net_.forward("output");
  } catch (const cv::Exception& e) {
    return make_error("liveness_failed", std::string("anti-spoof model failed: ") + e.what());
  }
  if (result.total() != 3) {
    return make_error("liveness_failed",
                      "anti-spoof model returned " + std::to_string(result.total()) + " values");
  }
  // Softmax over the three logits; class 0 is live.
  const float* logits = result.ptr<float>();
  const float top = std::max({logits[0], logits[1], logits[2]});
  double sum = 0;
  for (int i = 0; i < 3; ++i) sum += std::exp(static_cast<double>(logits[i] - top));
  return static_cast<float>(std::exp(static_cast<double>(logits[0] - top)) / sum);
}

}  // namespace rollcall::face

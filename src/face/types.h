// src/face/types.h
//
// The values that flow between the face pipeline's stages.
// Invariants: coordinates are in the pixels of the decoded (upright) image;
// an Embedding's values are unit length.
#pragma once

#include <array>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace rollcall::face {

// In the detector's order: the eye on the image's left, the other eye,
// nose tip, mouth corner on the image's left, the other mouth corner.
using Landmarks = std::array<cv::Point2f, 5>;

struct Detection {
  cv::Rect2f box;
  Landmarks landmarks;
  float score = 0;  // detector confidence in [0, 1]
};

// A recogniser output, tagged with the model that made it so that a model
// change can tell which embeddings must be recomputed.
struct Embedding {
  std::string model_id;
  std::vector<float> values;  // unit length
  // Length before normalisation. Recognisers trained with margin losses
  // give clear faces longer features (the idea behind MagFace), so a short
  // one flags a face the model cannot read well.
  float raw_norm = 0;
};

}  // namespace rollcall::face

// src/face/embedder.h
//
// Embedder: turns aligned 112x112 faces into unit-length 512-d embeddings
// with fr_feature.onnx through cv::dnn, in batches.
// Owns: one loaded network and the model id it tags embeddings with.
// Thread safety: NOT thread-safe (cv::dnn::Net keeps per-call state); use
// one Embedder per thread (the Engine keeps a pool).
#pragma once

#include <span>
#include <string>
#include <vector>

#include <opencv2/dnn.hpp>

#include "base/result.h"
#include "face/types.h"

namespace rollcall::face {

inline constexpr std::size_t kEmbeddingSize = 512;  // fr_feature.onnx output

class Embedder {
 public:
  // Errors: model_load_failed.
  static Result<Embedder> load(const std::string& model_path, std::string model_id);

  // One embedding per aligned face, in order. Requires: each face is
  // kAlignedSize square BGR. Errors: embed_failed.
  Result<std::vector<Embedding>> embed(std::span<const cv::Mat> aligned);

  const std::string& model_id() const { return model_id_; }

 private:
  Embedder(cv::dnn::Net net, std::string model_id)
      : net_(std::move(net)), model_id_(std::move(model_id)) {}
  cv::dnn::Net net_;
  std::string model_id_;
};

// Dot product of two unit vectors: cosine similarity in [-1, 1].
float cosine(std::span<const float> a, std::span<const float> b);

// Scales `v` to unit length in place; a zero vector stays zero.
void l2_normalise(std::span<float> v);

}  // namespace rollcall::face

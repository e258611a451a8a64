// src/face/gallery.h
//
// Gallery: enrolled face templates in memory and nearest-neighbour search
// over them, from a class of 30 to an institution of 100 000.
// Owns: templates and their student ids. Leaves to others: saving them
// (store) and deciding attendance from a score (domain).
// Invariants: each template is unit length and kEmbeddingSize long; a
// student has at most one template.
// Thread safety: searches run concurrently with each other; put() and
// erase() take an exclusive lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "face/embedder.h"

namespace rollcall::face {

struct Match {
  StudentId student;
  float similarity;  // cosine, in [-1, 1]; higher is closer
};

class Gallery {
 public:
  Gallery() = default;
  Gallery(const Gallery&) = delete;
  Gallery& operator=(const Gallery&) = delete;

  // Adds or replaces the template of `student`, normalising it first.
  // Fails with embedding_wrong_size if the span is not kEmbeddingSize.
  Result<void> put(StudentId student, std::span<const float> embedding);

  // Removes the student's template; true iff there was one.
  bool erase(StudentId student);

  std::size_t size() const;
  std::vector<StudentId> students() const;

  // The `k` closest students, closest first. Exact below kExactRows
  // templates; above, an int8 scan picks candidates that are re-scored
  // exactly (see gallery.cc), so the order of the top few is exact.
  std::vector<Match> nearest(std::span<const float> probe, std::size_t k) const;

  // The closest student at or above `threshold`, else nullopt. No match
  // is not an error: strangers in a class photo are normal.
  std::optional<Match> find(std::span<const float> probe, float threshold) const;

  // Cosine of `probe` against every template, in students() order.
  std::vector<float> scores(std::span<const float> probe) const;

  // Exact scan below this many templates: a class gallery is always exact.
  static constexpr std::size_t kExactRows = 4096;

 private:
  std::optional<std::size_t> row_of(StudentId student) const;
  std::vector<Match> nearest_exact(std::span<const float> probe, std::size_t k) const;
  std::vector<Match> nearest_quantised(std::span<const float> probe, std::size_t k) const;

  mutable std::shared_mutex mutex_;
  std::vector<StudentId> ids_;                       // guarded by mutex_
  std::unordered_map<StudentId, std::size_t> rows_;  // guarded; ids_[rows_[s]] == s
  std::vector<float> templates_;                     // guarded by mutex_; row i is ids_[i]
  std::vector<std::int8_t> codes_;                   // guarded by mutex_; int8 copy of row i
  std::vector<float> code_scales_;                   // guarded by mutex_; code = value * scale
};

}  // namespace rollcall::face

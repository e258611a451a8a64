// src/face/decode.h
//
// Turning untrusted image bytes into pixels, safely.
// Owns: format sniffing and size limits; OpenCV's decoder applies the
// EXIF orientation. Leaves to others:
// reading files or sockets (callers hand over bytes).
// Invariants: a successful decode is an 8-bit, 3-channel BGR image whose
// pixel count was checked against the limit BEFORE any pixel was decoded.
// Thread safety: free functions, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include <opencv2/core.hpp>

#include "base/result.h"

namespace rollcall::face {

enum class ImageFormat { jpeg, png, webp };

std::string to_string(ImageFormat format);

// The IANA media type: image/jpeg, image/png, image/webp.
std::string media_type(ImageFormat format);

// The media type the header of `bytes` shows, else application/octet-stream.
std::string media_type_of(std::span<const std::uint8_t> bytes);

struct DecodeLimits {
  // 25 MB covers a 48 MP phone JPEG at high quality; more is an upload
  // mistake or an attack.
  std::size_t max_bytes = 25u * 1024 * 1024;
  // 50 MP: every current phone camera, and still only ~150 MB as BGR.
  std::uint64_t max_pixels = 50'000'000;
};

// What the header says, read without decoding any pixel.
struct ImageHeader {
  ImageFormat format;
  int width = 0;  // as stored, before EXIF orientation
  int height = 0;
};

// Reads format and dimensions. Errors: image_empty, image_unsupported_type,
// image_corrupt, image_truncated.
Result<ImageHeader> read_image_header(std::span<const std::uint8_t> bytes);

// Decodes JPEG, PNG or WebP into BGR, rotated upright by its EXIF
// orientation. Errors: image_empty, image_too_large (bytes),
// image_too_many_pixels, image_unsupported_type, image_corrupt,
// image_truncated.
Result<cv::Mat> decode_image(std::span<const std::uint8_t> bytes, const DecodeLimits& limits = {});

}  // namespace rollcall::face

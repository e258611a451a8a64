// src/face/decode.cc
//
// OpenCV decodes (and applies EXIF orientation, IMREAD_COLOR); this file
// decides beforehand whether it may. JPEG and PNG headers are parsed here
// because OpenCV 4.6 offers no header-only read from memory, and a
// decompression bomb must be refused before cv::imdecode allocates its
// pixels. WebP headers come from libwebp.
#include "face/decode.h"

#include <webp/decode.h>

#include <algorithm>
#include <array>

#include <opencv2/imgcodecs.hpp>

namespace rollcall::face {
namespace {

using Bytes = std::span<const std::uint8_t>;

bool starts_with(Bytes bytes, std::initializer_list<std::uint8_t> magic) {
  return bytes.size() >= magic.size() && std::equal(magic.begin(), magic.end(), bytes.begin());
}

std::uint32_t be32(Bytes b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

std::uint16_t be16(Bytes b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

Error corrupt(const std::string& format, const std::string& why) {
  return make_error("image_corrupt", "the " + format + " image is corrupt (" + why +
                                         "); export it again or send another photo");
}

Error truncated(const std::string& format) {
  return make_error("image_truncated", "the " + format +
                                           " image is cut short (the upload or copy was "
                                           "interrupted); send the whole file again");
}

Result<ImageHeader> png_header(Bytes b) {
  // Signature (8) + IHDR length (4) + "IHDR" (4) + width (4) + height (4).
  if (b.size() < 24) return truncated("PNG");
  if (!std::equal(b.begin() + 12, b.begin() + 16, "IHDR")) {
    return corrupt("PNG", "first chunk is not IHDR");
  }
  const std::uint32_t w = be32(b, 16), h = be32(b, 20);
  if (w == 0 || h == 0 || w > 0x7fffffff || h > 0x7fffffff) {
    return corrupt("PNG", "impossible dimensions");
  }
  // A complete PNG ends with the IEND chunk; trailing bytes are tolerated.
  static constexpr std::array<std::uint8_t, 4> kIend{'I', 'E', 'N', 'D'};
  if (std::search(b.begin() + 24, b.end(), kIend.begin(), kIend.end()) == b.end()) {
    return truncated("PNG");
  }
  return ImageHeader{ImageFormat::png, static_cast<int>(w), static_cast<int>(h)};
}

bool is_start_of_frame(std::uint8_t marker) {
  // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

Result<ImageHeader> jpeg_header(Bytes b) {
  ImageHeader header{ImageFormat::jpeg, 0, 0};
  std::size_t at = 2;
  while (true) {
    if (at + 4 > b.size()) return truncated("JPEG");
    if (b[at] != 0xFF) return corrupt("JPEG", "bad marker");
    const std::uint8_t marker = b[at + 1];
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    const std::size_t length = be16(b, at + 2);
    if (length < 2) return corrupt("JPEG", "bad segment length");
    if (at + 2 + length > b.size()) return truncated("JPEG");
    const Bytes segment = b.subspan(at + 4, length - 2);
    if (is_start_of_frame(marker)) {
      if (segment.size() < 5) return corrupt("JPEG", "short frame header");
      header.height = be16(segment, 1);
      header.width = be16(segment, 3);
      if (header.width == 0 || header.height == 0) {
        return corrupt("JPEG", "zero width or height");
      }
    } else if (marker == 0xDA) {  // start of scan: pixel data follows
      if (header.width == 0) return corrupt("JPEG", "no frame header");
      // Complete files end with EOI (FFD9); some cameras append bytes after.
      static constexpr std::array<std::uint8_t, 2> kEoi{0xFF, 0xD9};
      if (std::search(b.begin() + static_cast<std::ptrdiff_t>(at), b.end(), kEoi.begin(),
                      kEoi.end()) == b.end()) {
        return truncated("JPEG");
      }
      return header;
    }
    at += 2 + length;
  }
}

Result<ImageHeader> webp_header(Bytes b) {
  // RIFF size field counts the bytes after the first 8.
  const std::uint32_t riff_size = b[4] | (b[5] << 8) | (b[6] << 16) | (std::uint32_t{b[7]} << 24);
  if (std::uint64_t{riff_size} + 8 > b.size()) return truncated("WebP");
  WebPBitstreamFeatures features;
  if (WebPGetFeatures(b.data(), b.size(), &features) != VP8_STATUS_OK) {
    return corrupt("WebP", "unreadable header");
  }
  if (features.has_animation) {
    return make_error("image_unsupported_type",
                      "animated WebP is not supported; send a still photo");
  }
  return ImageHeader{ImageFormat::webp, features.width, features.height};
}

}  // namespace

std::string media_type(ImageFormat format) {
  switch (format) {
    case ImageFormat::jpeg:
      return "image/jpeg";
    case ImageFormat::png:
      return "image/png";
    case ImageFormat::webp:
      return "image/webp";
  }
  return "application/octet-stream";
}

std::string media_type_of(std::span<const std::uint8_t> bytes) {
  auto header = read_image_header(bytes);
  return header ? media_type(header->format) : "application/octet-stream";
}

std::string to_string(ImageFormat format) {
  switch (format) {
    case ImageFormat::jpeg:
      return "JPEG";
    case ImageFormat::png:
      return "PNG";
    case ImageFormat::webp:
      return "WebP";
  }
  return "image";
}

Result<ImageHeader> read_image_header(Bytes bytes) {
  if (bytes.empty()) {
    return make_error("image_empty", "the image is empty (0 bytes)");
  }
  if (starts_with(bytes, {0xFF, 0xD8, 0xFF})) return jpeg_header(bytes);
  if (starts_with(bytes, {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A})) {
    return png_header(bytes);
  }
  if (bytes.size() >= 12 && starts_with(bytes, {'R', 'I', 'F', 'F'}) &&
      std::equal(bytes.begin() + 8, bytes.begin() + 12, "WEBP")) {
    return webp_header(bytes);
  }
  return make_error("image_unsupported_type",
                    "not a JPEG, PNG or WebP image; convert the photo to "
                    "one of those");
}

Result<cv::Mat> decode_image(Bytes bytes, const DecodeLimits& limits) {
  if (bytes.size() > limits.max_bytes) {
    return make_error("image_too_large",
                      "the image is " + std::to_string(bytes.size()) + " bytes, the limit is " +
                          std::to_string(limits.max_bytes) + "; send a smaller file");
  }
  auto header = read_image_header(bytes);
  if (!header) return header.error();
  const std::uint64_t pixels = std::uint64_t(header->width) * std::uint64_t(header->height);
  if (pixels > limits.max_pixels) {
    return make_error("image_too_many_pixels",
                      "the image is " + std::to_string(header->width) + "x" +
                          std::to_string(header->height) + " (" + std::to_string(pixels) +
                          " pixels), the limit is " + std::to_string(limits.max_pixels) +
                          " pixels; resize it before sending");
  }
  cv::Mat image;
  try {
    // imdecode wants a Mat; this one only borrows the caller's bytes.
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U,
                         const_cast<std::uint8_t*>(bytes.data()));
    image = cv::imdecode(buffer, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    return corrupt(to_string(header->format), e.what());
  }
  if (image.empty()) {
    return corrupt(to_string(header->format), "the decoder could not read it");
  }
  return image;
}

}  // namespace rollcall::face

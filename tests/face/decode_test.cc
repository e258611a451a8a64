// tests/face/decode_test.cc
//
// Every way an upload can be bad gets its own code; nothing crashes.
#include "face/decode.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "test_support.h"

namespace rollcall::face {
namespace {

using testing::bytes_of;

std::vector<std::uint8_t> encode(const cv::Mat& image, const std::string& ext) {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(cv::imencode(ext, image, out));
  return out;
}

std::string code_of(const std::vector<std::uint8_t>& bytes, const DecodeLimits& limits = {}) {
  auto r = decode_image(bytes, limits);
  return r.ok() ? "ok" : r.error().code;
}

TEST(Decode, ReadsARealJpeg) {
  const auto image = decode_image(bytes_of("groups/bbt4.jpg"));
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->cols, 710);
  EXPECT_EQ(image->rows, 473);
  EXPECT_EQ(image->type(), CV_8UC3);
}

TEST(Decode, ReadsPngAndWebPOfARealPhoto) {
  const cv::Mat original = testing::image_of("groups/bbt4.jpg");
  for (const std::string ext : {".png", ".webp"}) {
    const auto image = decode_image(encode(original, ext));
    ASSERT_TRUE(image.ok()) << ext << ": " << image.error().message;
    EXPECT_EQ(image->size(), original.size()) << ext;
  }
}

TEST(Decode, ReadsAGreyscalePngAsThreeChannels) {
  cv::Mat grey;
  cv::cvtColor(testing::image_of("groups/bbt4.jpg"), grey, cv::COLOR_BGR2GRAY);
  const auto image = decode_image(encode(grey, ".png"));
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->type(), CV_8UC3);
}

TEST(Decode, HonoursExifOrientation) {
  // An APP1 Exif segment saying "rotate 90 degrees clockwise" (value 6),
  // inserted after SOI of a real photo.
  auto bytes = bytes_of("groups/bbt4.jpg");
  std::vector<std::uint8_t> app1 = {0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0,    'M', 'M',
                                    0,    42,   0, 0, 0,   8,   0,   1,   1, 0x12, 0,   3,
                                    0,    0,    0, 1, 0,   6,   0,   0,   0, 0,    0,   0};
  app1[3] = static_cast<std::uint8_t>(app1.size() - 2);
  bytes.insert(bytes.begin() + 2, app1.begin(), app1.end());
  const auto image = decode_image(bytes);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->cols, 473);
  EXPECT_EQ(image->rows, 710);
}

TEST(Decode, RefusesEmptyInput) { EXPECT_EQ(code_of({}), "image_empty"); }

TEST(Decode, RefusesOtherFileTypes) {
  const std::string gif = "GIF89a\x01\x00\x01\x00";
  const std::string pdf = "%PDF-1.7\n";
  const std::string text = "name,roll\nAda,1\n";
  for (const auto& s : {gif, pdf, text}) {
    const auto r = decode_image(std::vector<std::uint8_t>(s.begin(), s.end()));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "image_unsupported_type");
    EXPECT_NE(r.error().message.find("JPEG, PNG or WebP"), std::string::npos);
  }
}

TEST(Decode, RefusesATruncatedJpeg) {
  auto bytes = bytes_of("groups/bbt4.jpg");
  bytes.resize(bytes.size() / 2);
  EXPECT_EQ(code_of(bytes), "image_truncated");
}

TEST(Decode, RefusesAJpegCutInsideItsHeaders) {
  auto bytes = bytes_of("groups/bbt4.jpg");
  bytes.resize(100);
  EXPECT_EQ(code_of(bytes), "image_truncated");
}

TEST(Decode, RefusesTruncatedPngAndWebP) {
  const cv::Mat original = testing::image_of("groups/bbt4.jpg");
  for (const std::string ext : {".png", ".webp"}) {
    auto bytes = encode(original, ext);
    bytes.resize(bytes.size() * 2 / 3);
    EXPECT_EQ(code_of(bytes), "image_truncated") << ext;
  }
}

TEST(Decode, RefusesAJpegWithABrokenMarker) {
  auto bytes = bytes_of("groups/bbt4.jpg");
  // The second segment's marker no longer starts with FF.
  const std::size_t second = 4 + ((bytes[4] << 8) | bytes[5]);
  bytes[second] = 0x00;
  EXPECT_EQ(code_of(bytes), "image_corrupt");
}

TEST(Decode, RefusesAJpegWhosePixelDataIsGarbage) {
  auto bytes = bytes_of("groups/bbt4.jpg");
  // Keep the headers, replace the entropy-coded data with a frame header
  // that no decoder accepts: a zero-height frame.
  for (std::size_t i = 2; i + 8 < bytes.size(); ++i) {
    if (bytes[i] == 0xFF && bytes[i + 1] == 0xC0) {
      bytes[i + 5] = 0;
      bytes[i + 6] = 0;
      break;
    }
  }
  EXPECT_EQ(code_of(bytes), "image_corrupt");
}

TEST(Decode, RefusesMoreBytesThanTheLimit) {
  const auto bytes = bytes_of("groups/bbt4.jpg");
  const auto r = decode_image(bytes, DecodeLimits{.max_bytes = 1000});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "image_too_large");
  EXPECT_NE(r.error().message.find("limit is 1000"), std::string::npos);
}

TEST(Decode, RefusesADecompressionBombBeforeDecoding) {
  // 12 000 x 12 000 black pixels compress to a few hundred KB of PNG.
  const cv::Mat black(12000, 12000, CV_8UC1, cv::Scalar(0));
  const auto bytes = encode(black, ".png");
  ASSERT_LT(bytes.size(), 2u * 1024 * 1024);
  const auto r = decode_image(bytes, DecodeLimits{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "image_too_many_pixels");
  EXPECT_NE(r.error().message.find("12000x12000"), std::string::npos);
}

TEST(Decode, RefusesAPngHeaderClaimingAbsurdSize) {
  auto bytes = encode(testing::image_of("groups/bbt4.jpg"), ".png");
  // IHDR width and height at bytes 16..23, big-endian: 65535 x 65535.
  for (int i = 16; i < 24; ++i) bytes[i] = (i % 4 < 2) ? 0x00 : 0xFF;
  EXPECT_EQ(code_of(bytes), "image_too_many_pixels");
}

TEST(Decode, RandomBytesAfterAValidSignatureNeverCrash) {
  cv::RNG rng(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(rng.uniform(4, 4000)));
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng.uniform(0, 256));
    const std::uint8_t jpeg[] = {0xFF, 0xD8, 0xFF};
    std::copy(jpeg, jpeg + 3, bytes.begin());
    EXPECT_NE(code_of(bytes), "ok");
  }
}

}  // namespace
}  // namespace rollcall::face

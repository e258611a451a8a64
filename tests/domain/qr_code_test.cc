// tests/domain/qr_code_test.cc
//
// QR codes of check-in links (domain/qr_code.h): the modules, the SVG
// (rasterised here from its path and decoded) and the PNG (decoded as
// bytes) both read back to the link with OpenCV's cv::QRCodeDetector, and
// both carry the 4-module white quiet zone the standard asks for.
#include "domain/qr_code.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

namespace rollcall::domain {
namespace {

const std::string kLink = "https://rollcall.example.edu/checkin?session=4711&code=093518";

// Debian's OpenCV is built without QUIRC, so cv::QRCodeDetector finds a
// code (its 4 corners) but cannot read it: the reading is zbar's
// (zbarimg, from zbar-tools), on the same image written as a PNG.
std::string decode(const cv::Mat& image) {
  cv::QRCodeDetector detector;
  std::vector<cv::Point2f> corners;
  EXPECT_TRUE(detector.detect(image, corners)) << "cv::QRCodeDetector found no QR code";
  EXPECT_EQ(corners.size(), 4u);
  std::string read = detector.detectAndDecode(image);
  if (!read.empty()) return read;  // an OpenCV with QUIRC
  char path[] = "/tmp/rollcall-qr-test-XXXXXX.png";
  const int fd = ::mkstemps(path, 4);
  if (fd < 0) return "(mkstemps failed)";
  ::close(fd);
  EXPECT_TRUE(cv::imwrite(path, image));
  const std::string command =
      std::string("zbarimg --quiet --raw -Sdisable -Sqrcode.enable ") + path + " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe != nullptr) {
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) read += buffer;
    EXPECT_EQ(::pclose(pipe), 0) << command << " read nothing";
  }
  std::remove(path);
  while (!read.empty() && read.back() == '\n') read.pop_back();
  return read;
}

// Draws the SVG's one path ("Mx yh1v1h-1z" per dark module) on white,
// `scale` pixels per unit; checks the viewBox is `side` units.
cv::Mat rasterise_svg(const std::string& svg, int side, int scale) {
  const std::string box = "viewBox=\"0 0 " + std::to_string(side) + " " + std::to_string(side);
  EXPECT_NE(svg.find(box), std::string::npos) << svg.substr(0, 200);
  cv::Mat image(side * scale, side * scale, CV_8UC1, cv::Scalar(255));
  const std::regex module(R"(M(\d+) (\d+)h1v1h-1z)");
  int modules = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), module); it != std::sregex_iterator();
       ++it) {
    const int x = std::stoi((*it)[1]);
    const int y = std::stoi((*it)[2]);
    EXPECT_LT(x, side);
    EXPECT_LT(y, side);
    image(cv::Rect(x * scale, y * scale, scale, scale)).setTo(cv::Scalar(0));
    ++modules;
  }
  EXPECT_GT(modules, 0);
  return image;
}

TEST(QrCode, ModulesHaveTheFinderPatternInTheCorner) {
  const auto qr = make_qr(kLink);
  ASSERT_TRUE(qr.ok()) << qr.error().message;
  ASSERT_GE(qr->size, 21);
  EXPECT_EQ((qr->size - 17) % 4, 0) << "a QR code is 17 + 4 * version modules wide";
  ASSERT_EQ(qr->dark.size(), static_cast<std::size_t>(qr->size) * qr->size);
  // The 7x7 finder: a dark ring, a light ring, a dark 3x3 core.
  const auto dark = [&](int x, int y) { return static_cast<bool>(qr->dark[y * qr->size + x]); };
  for (int i = 0; i < 7; ++i) {
    EXPECT_TRUE(dark(i, 0));
    EXPECT_TRUE(dark(0, i));
    EXPECT_TRUE(dark(i, 6));
  }
  EXPECT_FALSE(dark(1, 1));
  EXPECT_TRUE(dark(3, 3));
}

TEST(QrCode, TheSvgDecodesToTheLinkAndHasTheQuietZone) {
  const auto qr = make_qr(kLink);
  ASSERT_TRUE(qr.ok()) << qr.error().message;
  const std::string svg = qr_svg(*qr);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  const int side = qr->size + 8;
  const cv::Mat image = rasterise_svg(svg, side, 6);
  // No dark module in the 4-module border.
  const cv::Rect inner(4 * 6, 4 * 6, qr->size * 6, qr->size * 6);
  cv::Mat border = image.clone();
  border(inner).setTo(cv::Scalar(255));
  EXPECT_EQ(cv::countNonZero(border == 0), 0);
  EXPECT_EQ(image.at<std::uint8_t>(inner.y, inner.x), 0) << "the finder starts at the quiet zone";
  EXPECT_EQ(decode(image), kLink);
}

TEST(QrCode, ThePngDecodesToTheLinkAndHasTheQuietZone) {
  const auto qr = make_qr(kLink);
  ASSERT_TRUE(qr.ok()) << qr.error().message;
  for (const int scale : {4, 8}) {
    const auto png = qr_png(*qr, scale);
    ASSERT_TRUE(png.ok()) << png.error().message;
    ASSERT_GT(png->size(), 8u);
    EXPECT_EQ(std::string(png->begin(), png->begin() + 4), "\x89PNG");
    const cv::Mat image = cv::imdecode(*png, cv::IMREAD_GRAYSCALE);
    ASSERT_FALSE(image.empty());
    const int side = (qr->size + 8) * scale;
    ASSERT_EQ(image.cols, side);
    ASSERT_EQ(image.rows, side);
    const int quiet = 4 * scale;
    for (const cv::Rect band :
         {cv::Rect(0, 0, side, quiet), cv::Rect(0, side - quiet, side, quiet),
          cv::Rect(0, 0, quiet, side), cv::Rect(side - quiet, 0, quiet, side)}) {
      EXPECT_EQ(cv::countNonZero(image(band) < 128), 0) << "dark pixels in the quiet zone";
    }
    EXPECT_LT(image.at<std::uint8_t>(quiet, quiet), 128) << "the finder starts at the quiet zone";
    EXPECT_EQ(decode(image), kLink) << "scale " << scale;
  }
}

TEST(QrCode, DifferentLinksGiveDifferentCodes) {
  const auto a = make_qr(kLink);
  const auto b = make_qr("https://rollcall.example.edu/checkin?session=4711&code=093519");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->dark, b->dark);
  const auto png = qr_png(*b);
  ASSERT_TRUE(png.ok());
  EXPECT_EQ(decode(cv::imdecode(*png, cv::IMREAD_GRAYSCALE)),
            "https://rollcall.example.edu/checkin?session=4711&code=093519");
}

}  // namespace
}  // namespace rollcall::domain

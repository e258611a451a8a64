// src/domain/qr_code.cc
#include "domain/qr_code.h"

#include <memory>

#include <qrencode.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace rollcall::domain {
namespace {

constexpr int kQuietZone = 4;  // modules of white around the code, as the standard asks

}  // namespace

Result<QrModules> make_qr(const std::string& text) {
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M), &QRcode_free);
  if (!code) return make_error("qr_failed", "could not make a QR code of " + text);
  QrModules qr;
  qr.size = code->width;
  qr.dark.resize(static_cast<std::size_t>(qr.size) * qr.size);
  for (std::size_t i = 0; i < qr.dark.size(); ++i) qr.dark[i] = (code->data[i] & 1) != 0;
  return qr;
}

std::string qr_svg(const QrModules& qr) {
  const int side = qr.size + 2 * kQuietZone;
  std::string path;
  for (int y = 0; y < qr.size; ++y) {
    for (int x = 0; x < qr.size; ++x) {
      if (!qr.dark[static_cast<std::size_t>(y) * qr.size + x]) continue;
      path +=
          "M" + std::to_string(x + kQuietZone) + " " + std::to_string(y + kQuietZone) + "h1v1h-1z";
    }
  }
  const std::string s = std::to_string(side);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + s + " " + s +
         "\" shape-rendering=\"crispEdges\"><rect width=\"" + s + "\" height=\"" + s +
         "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>\n";
}

Result<std::vector<std::uint8_t>> qr_png(const QrModules& qr, int scale) {
  const int side = (qr.size + 2 * kQuietZone) * scale;
  cv::Mat image(side, side, CV_8UC1, cv::Scalar(255));
  for (int y = 0; y < qr.size; ++y) {
    for (int x = 0; x < qr.size; ++x) {
      if (!qr.dark[static_cast<std::size_t>(y) * qr.size + x]) continue;
      image(cv::Rect((x + kQuietZone) * scale, (y + kQuietZone) * scale, scale, scale))
          .setTo(cv::Scalar(0));
    }
  }
  std::vector<std::uint8_t> png;
  if (!cv::imencode(".png", image, png)) return make_error("qr_failed", "could not encode the PNG");
  return png;
}

}  // namespace rollcall::domain

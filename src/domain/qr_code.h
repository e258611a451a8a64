// src/domain/qr_code.h
//
// QR codes for check-in links: libqrencode makes the modules; this file
// only draws them, as SVG (crisp on a projector at any size) and as PNG
// (for chat apps and the Telegram bot).
// Thread safety: pure functions (libqrencode is reentrant).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace rollcall::domain {

// The modules of a QR code for `text` at error correction level M, row
// by row (true = dark), `size` x `size`. Errors: qr_failed.
struct QrModules {
  int size = 0;
  std::vector<bool> dark;
};
Result<QrModules> make_qr(const std::string& text);

// A self-contained SVG with a 4-module quiet zone, one path for all dark
// modules.
std::string qr_svg(const QrModules& qr);

// A PNG of `scale` pixels per module, with a 4-module quiet zone.
Result<std::vector<std::uint8_t>> qr_png(const QrModules& qr, int scale = 8);

}  // namespace rollcall::domain

// tests/fuzz/decode_fuzzer.cc
//
// libFuzzer target for the untrusted-bytes edge: header parsing and
// decoding must answer every input with a value or an Error, never crash,
// hang or read out of bounds. Build and run with `./dev fuzz`.
#include <cstddef>
#include <cstdint>
#include <span>

#include "face/decode.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  (void)rollcall::face::read_image_header(bytes);
  // Small pixel limit: the fuzzer explores headers, not huge allocations.
  (void)rollcall::face::decode_image(bytes, {.max_bytes = 1 << 20, .max_pixels = 1 << 20});
  return 0;
}

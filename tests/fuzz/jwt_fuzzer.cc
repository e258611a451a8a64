// tests/fuzz/jwt_fuzzer.cc
//
// Access-token verification (domain/jwt.h) with a fixed 32-byte key, the
// way every authenticated request checks its bearer token.
// Invariants:
// - The input as a token never verifies: without the key nobody makes a
//   valid signature (and "alg": "none" or another algorithm is refused).
// - The input as the header and payload of a token that IS signed with
//   the key (what a server bug or a future version might sign): verify
//   answers claims or token_invalid / token_expired and never throws,
//   whatever the JSON holds.
// - Claims taken from the input, signed and verified, come back equal.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <sodium.h>

#include "domain/jwt.h"
#include "fuzz_check.h"

namespace {

using rollcall::domain::AccessClaims;
using rollcall::domain::sign_jwt;
using rollcall::domain::verify_jwt;

const std::string kKey = "fuzz-key-0123456789abcdef-0123456789abcdef";
constexpr std::int64_t kNow = 1'800'000'000;

std::string base64url(std::string_view bytes) {
  constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string text(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  text.resize(std::strlen(text.c_str()));
  return text;
}

std::string signature(std::string_view signing_input) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(kKey.data()),
                              kKey.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return base64url(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac));
}

// Roles and token ids are ASCII names the server makes; JSON cannot
// carry bytes that are not UTF-8, so the fuzzer's bytes are mapped.
std::string printable(std::string_view bytes) {
  std::string out(bytes);
  for (char& c : out) c = static_cast<char>(' ' + static_cast<unsigned char>(c) % 95);
  return out;
}

bool is_token_code(const std::string& code) {
  return code == "token_invalid" || code == "token_expired";
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) { return sodium_init() < 0 ? 1 : 0; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);

  // 1. As a token, it is forged.
  auto forged = verify_jwt(input, kKey, kNow);
  FUZZ_CHECK(!forged && forged.error().code == "token_invalid");

  // 2. As header and payload JSON (split at the first newline), signed.
  const auto split = input.find('\n');
  const std::string header =
      split == std::string::npos ? R"({"alg":"HS256","typ":"JWT"})" : input.substr(0, split);
  const std::string payload = split == std::string::npos ? input : input.substr(split + 1);
  const std::string signing_input = base64url(header) + "." + base64url(payload);
  auto signed_token = verify_jwt(signing_input + "." + signature(signing_input), kKey, kNow);
  if (!signed_token) FUZZ_CHECK(is_token_code(signed_token.error().code));

  // 3. Claims from the input round-trip.
  AccessClaims claims;
  if (size >= 16) {
    std::memcpy(&claims.user_id, data, 8);
    std::memcpy(&claims.expires_s, data + 8, 8);
    claims.role = printable(input.substr(16, 16));
    claims.token_id = printable(input.substr(std::min<std::size_t>(32, size)));
  }
  claims.issued_s = kNow - 1;
  auto verified = verify_jwt(sign_jwt(claims, kKey), kKey, kNow);
  if (claims.expires_s > kNow) {
    FUZZ_CHECK(verified.ok());
    FUZZ_CHECK(verified->user_id == claims.user_id && verified->role == claims.role &&
               verified->issued_s == claims.issued_s && verified->expires_s == claims.expires_s &&
               verified->token_id == claims.token_id);
  } else {
    FUZZ_CHECK(!verified && verified.error().code == "token_expired");
  }
  return 0;
}

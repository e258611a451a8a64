// src/domain/jwt.cc
#include "domain/jwt.h"

#include <sodium.h>

#include <nlohmann/json.hpp>
#include <vector>

namespace rollcall::domain {
namespace {

constexpr int kBase64 = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

std::string base64url(std::string_view bytes) {
  std::vector<char> text(sodium_base64_ENCODED_LEN(bytes.size(), kBase64));
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), kBase64);
  return std::string(text.data());
}

std::optional<std::string> from_base64url(std::string_view text) {
  std::string bytes(text.size(), '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(),
                        text.size(), nullptr, &length, &end, kBase64) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  bytes.resize(length);
  return bytes;
}

std::string hmac(std::string_view message, const std::string& key) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

Error invalid(const std::string& why) {
  return make_error("token_invalid", "the access token is not valid (" + why + "); log in again");
}

}  // namespace

std::string sign_jwt(const AccessClaims& claims, const std::string& key) {
  static const std::string header = base64url(R"({"alg":"HS256","typ":"JWT"})");
  const nlohmann::json payload = {{"sub", std::to_string(claims.user_id)},
                                  {"role", claims.role},
                                  {"iat", claims.issued_s},
                                  {"exp", claims.expires_s},
                                  {"jti", claims.token_id},
                                  {"sid", claims.session_id}};
  const std::string signing_input = header + "." + base64url(payload.dump());
  return signing_input + "." + base64url(hmac(signing_input, key));
}

Result<AccessClaims> verify_jwt(const std::string& token, const std::string& key,
                                std::int64_t now_s) {
  const auto first = token.find('.');
  const auto second = first == std::string::npos ? first : token.find('.', first + 1);
  if (second == std::string::npos || token.find('.', second + 1) != std::string::npos) {
    return invalid("not three parts");
  }
  const std::string_view signing_input(token.data(), second);
  const auto signature = from_base64url(std::string_view(token).substr(second + 1));
  const std::string expected = hmac(signing_input, key);
  if (!signature || signature->size() != expected.size() ||
      sodium_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return invalid("bad signature");
  }
  // The signature is checked before the header is read, so the header
  // cannot choose the algorithm; it must still say HS256.
  const auto header = from_base64url(std::string_view(token).substr(0, first));
  const auto payload =
      from_base64url(std::string_view(token).substr(first + 1, second - first - 1));
  if (!header || !payload) return invalid("bad encoding");
  const auto header_json = nlohmann::json::parse(*header, nullptr, false);
  const auto claims_json = nlohmann::json::parse(*payload, nullptr, false);
  if (!header_json.is_object() || header_json.value("alg", "") != "HS256") {
    return invalid("wrong algorithm");
  }
  if (!claims_json.is_object() || !claims_json.contains("sub") || !claims_json["sub"].is_string() ||
      !claims_json.contains("exp") || !claims_json["exp"].is_number_integer() ||
      !claims_json.contains("role") || !claims_json["role"].is_string()) {
    return invalid("missing claims");
  }
  AccessClaims claims;
  try {
    claims.user_id = std::stoll(claims_json["sub"].get<std::string>());
  } catch (const std::exception&) {
    return invalid("bad subject");
  }
  claims.role = claims_json["role"].get<std::string>();
  // value() throws on a present value of another type: check it first
  // (found by tests/fuzz/jwt_fuzzer.cc).
  if ((claims_json.contains("iat") && !claims_json["iat"].is_number_integer()) ||
      (claims_json.contains("jti") && !claims_json["jti"].is_string())) {
    return invalid("bad claims");
  }
  claims.issued_s = claims_json.value("iat", std::int64_t{0});
  claims.expires_s = claims_json["exp"].get<std::int64_t>();
  claims.token_id = claims_json.value("jti", "");
  if (claims_json.contains("sid")) {
    if (!claims_json["sid"].is_string()) return invalid("bad session");
    claims.session_id = claims_json["sid"].get<std::string>();
  }
  if (now_s >= claims.expires_s) {
    return make_error("token_expired",
                      "the access token has expired; get a new one from /api/v1/auth/refresh");
  }
  return claims;
}

}  // namespace rollcall::domain

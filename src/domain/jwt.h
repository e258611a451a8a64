// src/domain/jwt.h
//
// Access tokens: JSON Web Tokens signed with HMAC-SHA256 (RFC 7519, alg
// HS256 only). Written here over libsodium's HMAC rather than with libjwt
// because a verifier that accepts exactly one algorithm, fixed in code,
// cannot be talked into "alg": "none" or a key-confusion attack, and the
// whole of it is smaller than the glue a library would need.
// Owns: encoding, signing, verification, expiry. Leaves to others: what a
// claim means (accounts.h).
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace rollcall::domain {

struct AccessClaims {
  std::int64_t user_id = 0;    // "sub"
  std::string role;            // "role"
  std::int64_t issued_s = 0;   // "iat", Unix seconds
  std::int64_t expires_s = 0;  // "exp", Unix seconds
  std::string token_id;        // "jti"
  // "sid": the login the token belongs to (its refresh-token family), so
  // the token ends with it (accounts.h). "" in tokens from before it was
  // added.
  std::string session_id;
};

// Requires: key is at least 32 bytes.
std::string sign_jwt(const AccessClaims& claims, const std::string& key);

// Errors: token_invalid (malformed, wrong algorithm, bad signature, missing
// claims), token_expired (valid but past "exp" at `now_s`).
Result<AccessClaims> verify_jwt(const std::string& token, const std::string& key,
                                std::int64_t now_s);

}  // namespace rollcall::domain

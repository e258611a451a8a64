// src/domain/passwords.h
//
// Password hashing (Argon2id through libsodium's crypto_pwhash_str, which
// embeds algorithm, salt and cost in the stored string) and the password
// policy. Owns: the cost parameters. Leaves to others: where hashes live.
// Thread safety: pure functions; libsodium is initialised on first use.
#pragma once

#include <string>

#include "base/result.h"

namespace rollcall::domain {

// 12 characters is NIST SP 800-63B's recommended floor for user-chosen
// passwords when no breach list is checked; 128 caps hashing work.
inline constexpr std::size_t kMinPasswordLength = 12;
inline constexpr std::size_t kMaxPasswordLength = 128;

// Errors: password_too_short, password_too_long.
Result<void> check_password_policy(const std::string& password);

// Argon2id with libsodium's "interactive" limits (2 passes, 64 MiB):
// ~70 ms on one core here, so a login costs about that. Errors: internal.
Result<std::string> hash_password(const std::string& password);

// Constant-time check against a stored hash; false for a malformed hash.
bool verify_password(const std::string& password, const std::string& stored_hash);

// A random password of 20 characters from an unambiguous alphabet, for the
// first admin and for accounts an admin creates without one.
std::string generate_password();

// `bytes` random bytes from the OS CSPRNG, as unpadded base64url text.
std::string random_token(std::size_t bytes);

// SHA-256 of `text`, lower-case hex (refresh tokens are stored this way).
std::string sha256_hex(const std::string& text);

// Compares secrets (codes, tokens) in time that does not depend on where
// they differ (libsodium's sodium_memcmp); different lengths are unequal.
bool same_secret(const std::string& a, const std::string& b);

}  // namespace rollcall::domain

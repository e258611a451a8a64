// src/base/bounded_key.h
//
// bounded_key: a map key of at most kMaxBoundedKeyBytes + 1 bytes for any
// text, so a client cannot make the server keep a key as long as what it
// sent (a 20 MB username in a rate limiter, issue 16). Short text is kept
// as is, so it can still be read in a debugger; longer text becomes its
// BLAKE2b-256 digest. The first byte says which, so a short key can never
// equal a long one's digest.
// Thread safety: a pure function.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace rollcall {

inline constexpr std::size_t kMaxBoundedKeyBytes = 64;

inline std::string bounded_key(std::string_view text) {
  if (text.size() <= kMaxBoundedKeyBytes) return "=" + std::string(text);
  // A cryptographic digest, not std::hash: a guesser must not be able to
  // pick a long key that lands in a victim's bucket.
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), nullptr, 0);
  return "#" + std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

}  // namespace rollcall

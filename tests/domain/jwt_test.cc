// tests/domain/jwt_test.cc
#include "domain/jwt.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "domain/passwords.h"

namespace rollcall::domain {
namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef-test-key";

AccessClaims claims_until(std::int64_t expires_s) {
  return AccessClaims{42, "teacher", 1000, expires_s, "abc", "login-1"};
}

TEST(Jwt, VerifiesWhatItSigned) {
  auto claims = verify_jwt(sign_jwt(claims_until(2000), kKey), kKey, 1500);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims->user_id, 42);
  EXPECT_EQ(claims->role, "teacher");
  EXPECT_EQ(claims->expires_s, 2000);
  EXPECT_EQ(claims->token_id, "abc");
  EXPECT_EQ(claims->session_id, "login-1") << "the login it ends with";
}

TEST(Jwt, RejectsAnExpiredToken) {
  auto claims = verify_jwt(sign_jwt(claims_until(2000), kKey), kKey, 2000);
  ASSERT_FALSE(claims.ok());
  EXPECT_EQ(claims.error().code, "token_expired");
}

TEST(Jwt, RejectsATokenSignedWithAnotherKey) {
  auto claims = verify_jwt(sign_jwt(claims_until(2000), kKey + "x"), kKey, 1500);
  ASSERT_FALSE(claims.ok());
  EXPECT_EQ(claims.error().code, "token_invalid");
}

TEST(Jwt, RejectsATamperedPayload) {
  auto token = sign_jwt(claims_until(2000), kKey);
  const auto first = token.find('.');
  // Swap the payload for one claiming admin, keeping the signature.
  auto forged = sign_jwt(AccessClaims{42, "admin", 1000, 2000, "abc", "login-1"}, kKey + "other");
  const auto forged_payload = forged.substr(forged.find('.'), forged.rfind('.') - forged.find('.'));
  token = token.substr(0, first) + forged_payload + token.substr(token.rfind('.'));
  auto claims = verify_jwt(token, kKey, 1500);
  ASSERT_FALSE(claims.ok());
  EXPECT_EQ(claims.error().code, "token_invalid");
}

std::string base64url(const std::string& bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

// A token signed with the right key whose claims have the wrong types.
std::string signed_token(const std::string& header, const std::string& payload) {
  const auto input = base64url(header) + "." + base64url(payload);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(kKey.data()),
                              kKey.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(input.data()),
                                input.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return input + "." + base64url(std::string(reinterpret_cast<char*>(mac), sizeof mac));
}

// Found by tests/fuzz/jwt_fuzzer.cc: value() threw a type_error instead.
TEST(Jwt, ASignedTokenWithClaimsOfTheWrongTypeIsInvalidNotAnException) {
  for (const std::string payload : {R"({"sub":"1","role":"a","exp":1900000000,"iat":"x"})",
                                    R"({"sub":"1","role":"a","exp":1900000000,"jti":7})"}) {
    Result<AccessClaims> claims = make_error("unset", "");
    ASSERT_NO_THROW(claims = verify_jwt(signed_token(R"({"alg":"HS256"})", payload), kKey, 1500));
    ASSERT_FALSE(claims.ok()) << payload;
    EXPECT_EQ(claims.error().code, "token_invalid") << payload;
  }
}

TEST(Jwt, RejectsTheNoneAlgorithm) {
  // {"alg":"none","typ":"JWT"} . {"sub":"1","role":"admin","exp":9999999999} . (empty)
  const std::string token =
      "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
      "eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIiwiZXhwIjo5OTk5OTk5OTk5fQ.";
  auto claims = verify_jwt(token, kKey, 1500);
  ASSERT_FALSE(claims.ok());
  EXPECT_EQ(claims.error().code, "token_invalid");
}

TEST(Jwt, RejectsGarbage) {
  for (const std::string token : {"", "a", "a.b", "a.b.c.d", "...", "e30.e30.AAAA"}) {
    auto claims = verify_jwt(token, kKey, 1500);
    ASSERT_FALSE(claims.ok()) << token;
    EXPECT_EQ(claims.error().code, "token_invalid") << token;
  }
}

TEST(Passwords, VerifyOnlyTheRightPassword) {
  auto hash = hash_password("correct horse battery");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_TRUE(verify_password("correct horse battery", *hash));
  EXPECT_FALSE(verify_password("correct horse batterY", *hash));
  EXPECT_FALSE(verify_password("correct horse battery", "not a hash"));
}

TEST(Passwords, PolicyNamesTheLimits) {
  EXPECT_EQ(check_password_policy("short").error().code, "password_too_short");
  EXPECT_EQ(check_password_policy(std::string(200, 'x')).error().code, "password_too_long");
  EXPECT_TRUE(check_password_policy(generate_password()).ok());
}

TEST(Passwords, RandomTokensDiffer) {
  EXPECT_NE(random_token(32), random_token(32));
  EXPECT_EQ(random_token(32).size(), 43u);  // 32 bytes, unpadded base64url
}

}  // namespace
}  // namespace rollcall::domain

// tests/base/result_test.cc
#include "base/result.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

Result<int> half(int n) {
  if (n % 2 != 0) return make_error("odd_number", std::to_string(n) + " is odd");
  return n / 2;
}

TEST(Result, CarriesTheValueOnSuccess) {
  const auto r = half(8);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 4);
}

TEST(Result, CarriesCodeAndMessageOnFailure) {
  const auto r = half(7);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "odd_number");
  EXPECT_EQ(r.error().message, "7 is odd");
}

TEST(Result, VoidResultIsOkByDefault) {
  const Result<void> ok;
  const Result<void> failed = make_error("x", "y");
  EXPECT_TRUE(ok.ok());
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "x");
}

}  // namespace
}  // namespace rollcall

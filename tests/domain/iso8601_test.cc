// tests/domain/iso8601_test.cc
//
// Times a person or a client types: only real calendar dates and times of
// day pass, each refusal names the field and says what is wrong.
#include <gtest/gtest.h>

#include "domain/sessions.h"

namespace rollcall::domain {
namespace {

TEST(Iso8601, ReadsUtcOffsetsAndMilliseconds) {
  EXPECT_EQ(*parse_iso8601("starts_at", "2000-01-01T00:00:00Z"), 946'684'800'000);
  EXPECT_EQ(*parse_iso8601("starts_at", "2026-11-25T09:30:00+05:30"),
            *parse_iso8601("starts_at", "2026-11-25T04:00:00Z"));
  EXPECT_EQ(*parse_iso8601("starts_at", "2026-11-25T04:00:00.25Z") -
                *parse_iso8601("starts_at", "2026-11-25T04:00:00Z"),
            250);
  EXPECT_EQ(*parse_iso8601("starts_at", "2028-02-29T08:00:00-05:00"),
            *parse_iso8601("starts_at", "2028-02-29T13:00:00Z"));  // a leap day
}

TEST(Iso8601, TheThirtyFirstOfFebruaryIsNotTheThirdOfMarch) {
  const auto result = parse_iso8601("starts_at", "2026-02-31T09:00:00Z");
  ASSERT_FALSE(result.ok()) << *result;
  EXPECT_EQ(result.error().code, "invalid_field");
  EXPECT_EQ(result.error().field, "starts_at");
  EXPECT_EQ(result.error().message,
            "starts_at 2026-02-31 is not a real date: February 2026 has 28 days");
  EXPECT_FALSE(parse_iso8601("ends_at", "2026-02-29T09:00:00Z").ok());  // not a leap year
  EXPECT_FALSE(parse_iso8601("ends_at", "2026-04-31T09:00:00Z").ok());
  EXPECT_FALSE(parse_iso8601("ends_at", "2026-13-01T09:00:00Z").ok());
  EXPECT_FALSE(parse_iso8601("ends_at", "2026-00-10T09:00:00Z").ok());
}

TEST(Iso8601, HoursMinutesAndSecondsStayInTheirRange) {
  const auto result = parse_iso8601("ends_at", "2026-03-01T24:00:00Z");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(
      result.error().message,
      "ends_at 24:00:00 is not a real time of day: hours go to 23, minutes and seconds to 59");
  EXPECT_FALSE(parse_iso8601("ends_at", "2026-03-01T09:60:00Z").ok());
  EXPECT_FALSE(parse_iso8601("ends_at", "2026-03-01T09:00:60Z").ok());
  EXPECT_FALSE(parse_iso8601("ends_at", "2026-03-01T09:00:00+24:00").ok());
}

TEST(Iso8601, OnlyDigitsWhereDigitsBelong) {
  for (const std::string bad :
       {"yesterday", "", "2026-3-01T09:00:00Z", " 2026-03-01T09:00:00Z", "+026-03-01T09:00:00Z",
        "2026-03-01 09:00:00Z", "2026-03-01T09:00:00", "2026-03-01T9:00:00Z",
        "2026-03-01T09:00:00.Z", "2026-03-01T09:00:00+0530", "2026-03-01T09:00:00Zjunk"}) {
    const auto result = parse_iso8601("starts_at", bad);
    EXPECT_FALSE(result.ok()) << "'" << bad << "' read as " << *result;
    if (!result.ok()) {
      EXPECT_EQ(result.error().field, "starts_at");
    }
  }
}

// Issue 16, defect 12: times far outside any school year overflowed the
// 24-hour check; every time is now in the years 2000-2099.
TEST(Iso8601, Defect12TimesOutsideTheYears2000To2099AreRefusedByField) {
  for (const std::string far :
       {"1970-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "2000-01-01T00:30:00+05:30"}) {
    const auto result = parse_iso8601("starts_at", far);
    ASSERT_FALSE(result.ok()) << far << " read as " << *result;
    EXPECT_EQ(result.error().code, "invalid_field") << far;
    EXPECT_EQ(result.error().field, "starts_at") << far;
    EXPECT_NE(result.error().message.find("2000-01-01 to 2099-12-31"), std::string::npos)
        << result.error().message;
  }
  EXPECT_TRUE(parse_iso8601("ends_at", "2099-12-31T23:59:59.999Z").ok());
}

}  // namespace
}  // namespace rollcall::domain

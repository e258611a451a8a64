// tests/domain/validate_test.cc
#include "domain/validate.h"

#include <gtest/gtest.h>

#include "domain/roster_import.h"

namespace rollcall::domain {
namespace {

TEST(Validate, TrimsTextAndCountsCodePointsNotBytes) {
  auto name = clean_text("name", "  अनन्या शर्मा ", 1, 12);
  ASSERT_TRUE(name.ok()) << name.error().message;
  EXPECT_EQ(*name, "अनन्या शर्मा");
}

TEST(Validate, RejectsControlCharactersAndBadUtf8WithTheField) {
  for (const std::string bad : {"a\x01b", "\xff\xfe", "caf\xc3"}) {
    auto result = clean_text("name", bad, 1, 50);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, "invalid_field");
    EXPECT_EQ(result.error().field, "name");
  }
}

TEST(Validate, RejectsEmptyAndTooLongText) {
  EXPECT_EQ(clean_text("name", "   ", 1, 5).error().message, "name must not be empty");
  EXPECT_EQ(clean_text("name", "abcdef", 1, 5).error().message,
            "name may have at most 5 characters");
}

TEST(Validate, NormalisesPhoneNumbersToE164) {
  EXPECT_EQ(*clean_phone("phone", "+91 98765-43210"), "+919876543210");
  EXPECT_EQ(*clean_phone("phone", ""), "");
  EXPECT_FALSE(clean_phone("phone", "98765 43210").ok());
  EXPECT_FALSE(clean_phone("phone", "+12").ok());
}

TEST(Validate, ChecksIdentifiersAndEmails) {
  EXPECT_EQ(*clean_identifier("roll_number", " IT-2024/017 ", 32), "IT-2024/017");
  EXPECT_FALSE(clean_identifier("roll_number", "a b", 32).ok());
  EXPECT_FALSE(clean_identifier("roll_number", std::string(33, 'a'), 32).ok());
  EXPECT_TRUE(clean_email("email", "t.rao@college.edu").ok());
  EXPECT_FALSE(clean_email("email", "t.rao@college").ok());
  EXPECT_FALSE(clean_email("email", "@college.edu").ok());
}

TEST(RosterImport, MapsPhotoNamesToRollNumbers) {
  const std::set<std::string> rolls = {"it017", "a_1", "a"};
  EXPECT_EQ(roll_of_photo("IT017.jpg", rolls), "it017");
  EXPECT_EQ(roll_of_photo("photos/IT017_2.JPEG", rolls), "it017");
  EXPECT_EQ(roll_of_photo("IT017.webp", rolls), "it017");
  EXPECT_EQ(roll_of_photo("IT017.txt", rolls), "");
  EXPECT_EQ(roll_of_photo("IT018.png", rolls), "");
}

TEST(RosterImport, PrefersARollNumberThatEndsInADigitOverAPhotoSuffix) {
  const std::set<std::string> rolls = {"a_1", "a"};
  EXPECT_EQ(roll_of_photo("A_1.jpg", rolls), "a_1");
  EXPECT_EQ(roll_of_photo("A_2.jpg", rolls), "a");
}

TEST(RosterImport, ReportsAClassIdThatIsNotANumber) {
  auto rows = parse_roster("name,roll_number,registration_number,class_id\nA,R1,P1,ten\n");
  ASSERT_TRUE(rows.ok());
  ASSERT_TRUE((*rows)[0].problem.has_value());
  EXPECT_EQ((*rows)[0].problem->field, "class_id");
}

TEST(RosterImport, ParsesColumnsInAnyOrderAndCase) {
  auto rows = parse_roster(
      "Roll_Number,Name,registration_number,class,section\r\n"
      "IT1,Asha,PRN1,BTech IT,A\r\n"
      "IT2,\"Rao, Vikram\",PRN2,BTech IT,A\r\n");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(*(*rows)[1].fields.name, "Rao, Vikram");
  EXPECT_EQ((*rows)[1].class_name, "BTech IT");
  EXPECT_EQ((*rows)[1].line, 3u);
}

TEST(RosterImport, NamesAMissingColumn) {
  auto rows = parse_roster("name,roll_number,class\nA,1,X\n");
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.error().code, "roster_missing_column");
  EXPECT_NE(rows.error().message.find("registration_number"), std::string::npos);
}

// Issue 16, defect 12: starts_ms = -9e18 and ends_ms = 9e18 overflowed
// the 24-hour check; a time outside the calendar is refused first.
TEST(Validate, Defect12ATimeOutsideTheCalendarIsRefusedWithItsRange) {
  EXPECT_EQ(*check_time_ms("starts_ms", kEarliestTimeMs), kEarliestTimeMs);
  EXPECT_EQ(*check_time_ms("ends_ms", kEndOfTimeMs - 1), kEndOfTimeMs - 1);
  for (const std::int64_t far :
       {kEarliestTimeMs - 1, kEndOfTimeMs, std::int64_t{0},
        std::int64_t{-9'000'000'000'000'000'000}, std::int64_t{9'000'000'000'000'000'000}}) {
    const auto result = check_time_ms("starts_ms", far);
    ASSERT_FALSE(result.ok()) << far;
    EXPECT_EQ(result.error().code, "invalid_field");
    EXPECT_EQ(result.error().field, "starts_ms");
    EXPECT_EQ(result.error().message,
              "starts_ms must be a time from 2000-01-01 to 2099-12-31 (Unix ms 946684800000 to "
              "4102444799999)");
  }
}

}  // namespace
}  // namespace rollcall::domain

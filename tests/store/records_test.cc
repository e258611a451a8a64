// tests/store/records_test.cc
//
// The stored names of the record enums: every value round-trips, and
// anything else is refused rather than guessed.
#include "store/records.h"

#include <gtest/gtest.h>

#include "store/detail/sql.h"

namespace rollcall::store {
namespace {

TEST(StoreRecordNames, RolesRoundTrip) {
  for (const Role role : {Role::admin, Role::teacher, Role::student}) {
    EXPECT_EQ(role_from_string(to_string(role)), role);
  }
  EXPECT_EQ(to_string(Role::teacher), "teacher");
}

TEST(StoreRecordNames, SessionMethodsRoundTrip) {
  for (const SessionMethod method : {SessionMethod::photo, SessionMethod::checkin,
                                     SessionMethod::manual, SessionMethod::mixed}) {
    EXPECT_EQ(session_method_from_string(to_string(method)), method);
  }
  EXPECT_EQ(to_string(SessionMethod::checkin), "checkin");
}

TEST(StoreRecordNames, AttendanceStatusesRoundTrip) {
  for (const AttendanceStatus status : {AttendanceStatus::present, AttendanceStatus::absent,
                                        AttendanceStatus::late, AttendanceStatus::excused}) {
    EXPECT_EQ(attendance_status_from_string(to_string(status)), status);
  }
  EXPECT_EQ(to_string(AttendanceStatus::excused), "excused");
}

TEST(StoreRecordNames, JobStatesRoundTrip) {
  for (const JobState state :
       {JobState::queued, JobState::running, JobState::done, JobState::failed}) {
    EXPECT_EQ(job_state_from_string(to_string(state)), state);
  }
  EXPECT_EQ(to_string(JobState::running), "running");
}

TEST(StoreRecordNames, UnknownOrMiscasedNamesAreRefused) {
  EXPECT_FALSE(role_from_string("Admin").has_value());
  EXPECT_FALSE(role_from_string("").has_value());
  EXPECT_FALSE(session_method_from_string("video").has_value());
  EXPECT_FALSE(attendance_status_from_string("present ").has_value());
  EXPECT_FALSE(job_state_from_string("cancelled").has_value());
}

TEST(StoreFloatBlobs, AreLittleEndianFloat32) {
  EXPECT_EQ(encode_floats({1.0f, -2.0f}), (Blob{0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0}));
  EXPECT_EQ(decode_floats({0x00, 0x00, 0x80, 0x3f}), std::vector<float>{1.0f});
}

TEST(StoreFloatBlobs, ABlobThatIsNotWholeFloatsIsRefused) {
  EXPECT_FALSE(decode_floats({0x00, 0x00, 0x80}).has_value());
}

TEST(StoreLikePatterns, EscapeTheUsersWildcards) {
  EXPECT_EQ(contains_pattern("ab"), "%ab%");
  EXPECT_EQ(contains_pattern("100%_x\\"), "%100\\%\\_x\\\\%");
}

}  // namespace
}  // namespace rollcall::store

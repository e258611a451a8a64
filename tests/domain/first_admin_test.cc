// tests/domain/first_admin_test.cc
//
// The first admin: a generated password (read off a terminal) must be
// replaced at first login; a configured one need not. A real SQLite store.
#include <gtest/gtest.h>

#include "domain/accounts.h"
#include "temp_store.h"

namespace rollcall::domain {
namespace {

class FirstAdminTest : public rollcall::testing::TempStoreTest {
 protected:
  Accounts accounts() { return Accounts(*store_, {std::string(48, 'k'), 900, 3600}); }
};

TEST_F(FirstAdminTest, AGeneratedFirstAdminPasswordMustBeChangedAtFirstLogin) {
  const auto first = ensure_admin(*store_, "");
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(first->is_admin_created);
  auto login = accounts().login("admin", first->generated_password);
  ASSERT_TRUE(login.ok()) << login.error().message;
  EXPECT_TRUE(login->user.must_change_password);
  const auto who = accounts().authenticate(login->access_token);
  ASSERT_TRUE(who.ok());
  EXPECT_TRUE(who->must_change_password);
  ASSERT_TRUE(
      accounts().change_password(*who, first->generated_password, "admins-own-password").ok());
  login = accounts().login("admin", "admins-own-password");
  ASSERT_TRUE(login.ok());
  EXPECT_FALSE(login->user.must_change_password);
}

TEST_F(FirstAdminTest, AConfiguredFirstAdminPasswordNeedNotBeChanged) {
  ASSERT_TRUE(ensure_admin(*store_, "configured-admin-password").ok());
  const auto login = accounts().login("admin", "configured-admin-password");
  ASSERT_TRUE(login.ok()) << login.error().message;
  EXPECT_FALSE(login->user.must_change_password);
}

TEST_F(FirstAdminTest, TheCommandLineResetByUsernameFlagsTheUserAndEndsTheirLogins) {
  ASSERT_TRUE(ensure_admin(*store_, "configured-admin-password").ok());
  const auto before = accounts().login("admin", "configured-admin-password");
  ASSERT_TRUE(before.ok());
  const auto reset = Accounts::reset_password_locally(*store_, " ADMIN ", "");
  ASSERT_TRUE(reset.ok()) << reset.error().message;
  EXPECT_EQ(reset->generated_password.size(), 20u);
  EXPECT_FALSE(accounts().refresh(before->refresh_token).ok());
  const auto after = accounts().login("admin", reset->generated_password);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->user.must_change_password);
}

}  // namespace
}  // namespace rollcall::domain

// tests/store/accounts_test.cc
//
// Settings, users and refresh tokens.
#include <thread>

#include "store_fixture.h"

namespace rollcall::store::testing {
namespace {

class AccountsTest : public StoreTest {};
ROLLCALL_ON_BOTH_BACKENDS(AccountsTest);

TEST_P(AccountsTest, AMissingSettingIsEmpty) {
  EXPECT_FALSE(must(read([](Tx& tx) { return tx.get_setting("jwt_key"); })).has_value());
}

TEST_P(AccountsTest, PutSettingReplacesTheValue) {
  must(write([](Tx& tx) { return tx.put_setting("jwt_key", "one"); }));
  must(write([](Tx& tx) { return tx.put_setting("jwt_key", "two"); }));
  EXPECT_EQ(must(read([](Tx& tx) { return tx.get_setting("jwt_key"); })), "two");
}

TEST_P(AccountsTest, PutSettingIfAbsentKeepsTheFirstValue) {
  EXPECT_EQ(must(write([](Tx& tx) { return tx.put_setting_if_absent("jwt_key", "first"); })),
            "first");
  EXPECT_EQ(must(write([](Tx& tx) { return tx.put_setting_if_absent("jwt_key", "second"); })),
            "first");
}

TEST_P(AccountsTest, ConcurrentFirstStartsAgreeOnOneSetting) {
  constexpr int kThreads = 8;
  std::vector<std::string> seen(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      seen[i] = must(write(
          [&](Tx& tx) { return tx.put_setting_if_absent("jwt_key", "key-" + std::to_string(i)); }));
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& value : seen) EXPECT_EQ(value, seen[0]);
  EXPECT_FALSE(seen[0].empty());
}

TEST_P(AccountsTest, UserRoundTripsWithItsUsernameLowerCased) {
  User alice = user("Alice.Admin", Role::admin);
  alice.is_active = false;
  const UserId id = must(write([&](Tx& tx) { return tx.insert_user(alice); }));
  ASSERT_TRUE(id.is_set());
  const auto found = must(read([&](Tx& tx) { return tx.find_user(id); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->username, "alice.admin");
  EXPECT_EQ(found->password_hash, alice.password_hash);
  EXPECT_EQ(found->role, Role::admin);
  EXPECT_EQ(found->display_name, alice.display_name);
  EXPECT_FALSE(found->is_active);
  EXPECT_EQ(found->created_ms, 1000);
}

TEST_P(AccountsTest, FindsAUserByUsernameInAnyCase) {
  const UserId id = add_user("bob");
  const auto found = must(read([](Tx& tx) { return tx.find_user_by_username("BoB"); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, id);
  EXPECT_FALSE(must(read([](Tx& tx) { return tx.find_user_by_username("carol"); })).has_value());
}

TEST_P(AccountsTest, UsernamesDifferingOnlyInCaseAreDuplicates) {
  add_user("bob");
  const auto again = write([](Tx& tx) { return tx.insert_user(user("BOB")); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "duplicate");
  EXPECT_EQ(again.error().message, "users.username");
}

TEST_P(AccountsTest, UpdateUserChangesNameRoleAndActivity) {
  const UserId id = add_user("dave");
  User changed = user("ignored", Role::teacher);
  changed.id = id;
  changed.display_name = "Dave D.";
  changed.is_active = false;
  must(write([&](Tx& tx) { return tx.update_user(changed); }));
  const auto found = must(read([&](Tx& tx) { return tx.find_user(id); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->username, "dave");  // not changed by update_user
  EXPECT_EQ(found->display_name, "Dave D.");
  EXPECT_EQ(found->role, Role::teacher);
  EXPECT_FALSE(found->is_active);
}

TEST_P(AccountsTest, UpdatingAMissingUserIsNotFound) {
  User ghost = user("ghost");
  ghost.id = UserId{999};
  const auto updated = write([&](Tx& tx) { return tx.update_user(ghost); });
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().code, "not_found");
}

TEST_P(AccountsTest, UpdatePasswordReplacesTheHash) {
  const UserId id = add_user("erin");
  must(write([&](Tx& tx) { return tx.update_password(id, "$argon2id$new"); }));
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.find_user(id); }))->password_hash, "$argon2id$new");
}

TEST_P(AccountsTest, CountsUsersByRole) {
  add_user("a1", Role::admin);
  add_user("t1", Role::teacher);
  add_user("t2", Role::teacher);
  EXPECT_EQ(must(read([](Tx& tx) { return tx.count_users(Role::admin); })), 1);
  EXPECT_EQ(must(read([](Tx& tx) { return tx.count_users(Role::teacher); })), 2);
  EXPECT_EQ(must(read([](Tx& tx) { return tx.count_users(Role::student); })), 0);
}

TEST_P(AccountsTest, ListsUsersBySearchAndPage) {
  for (const char* name : {"anna", "annabel", "bert", "joanna"}) add_user(name);
  ListQuery query;
  query.search = "ANN";
  query.limit = 2;
  const auto page = must(read([&](Tx& tx) { return tx.list_users(query); }));
  EXPECT_EQ(page.total, 3);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].username, "anna");
  EXPECT_EQ(page.items[1].username, "annabel");
}

TEST_P(AccountsTest, DeleteUserSaysWhetherThereWasOne) {
  const UserId id = add_user("frank");
  EXPECT_TRUE(must(write([&](Tx& tx) { return tx.delete_user(id); })));
  EXPECT_FALSE(must(write([&](Tx& tx) { return tx.delete_user(id); })));
  EXPECT_FALSE(must(read([&](Tx& tx) { return tx.find_user(id); })).has_value());
}

RefreshToken token(UserId user, const std::string& family, const std::string& hash) {
  RefreshToken token;
  token.user = user;
  token.family = family;
  token.token_hash = hash;
  token.expires_ms = 5000;
  token.created_ms = 1000;
  return token;
}

TEST_P(AccountsTest, RefreshTokenRoundTrips) {
  const UserId owner = add_user("gina");
  must(write([&](Tx& tx) { return tx.insert_refresh_token(token(owner, "fam-1", "hash-1")); }));
  const auto found = must(read([](Tx& tx) { return tx.find_refresh_token("hash-1"); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_GT(found->id, 0);
  EXPECT_EQ(found->user, owner);
  EXPECT_EQ(found->family, "fam-1");
  EXPECT_EQ(found->expires_ms, 5000);
  EXPECT_FALSE(found->is_used);
  EXPECT_FALSE(found->is_revoked);
  EXPECT_FALSE(must(read([](Tx& tx) { return tx.find_refresh_token("nope"); })).has_value());
}

TEST_P(AccountsTest, MarkingATokenUsedSticks) {
  const UserId owner = add_user("hank");
  must(write([&](Tx& tx) { return tx.insert_refresh_token(token(owner, "fam", "h1")); }));
  const auto id = must(read([](Tx& tx) { return tx.find_refresh_token("h1"); }))->id;
  EXPECT_TRUE(must(write([&](Tx& tx) { return tx.mark_refresh_token_used(id); })));
  EXPECT_TRUE(must(read([](Tx& tx) { return tx.find_refresh_token("h1"); }))->is_used);
}

TEST_P(AccountsTest, MarkingATokenUsedAgainSaysSomeoneElseUsedItFirst) {
  const UserId owner = add_user("hugo");
  must(write([&](Tx& tx) { return tx.insert_refresh_token(token(owner, "fam", "h2")); }));
  const auto id = must(read([](Tx& tx) { return tx.find_refresh_token("h2"); }))->id;
  EXPECT_TRUE(must(write([&](Tx& tx) { return tx.mark_refresh_token_used(id); })));
  EXPECT_FALSE(must(write([&](Tx& tx) { return tx.mark_refresh_token_used(id); })));
}

TEST_P(AccountsTest, ALoginIsLiveUntilItsFamilyIsRevoked) {
  const UserId owner = add_user("iris");
  must(write([&](Tx& tx) { return tx.insert_login(owner, "phone", 1000); }));
  must(write([&](Tx& tx) { return tx.insert_login(owner, "laptop", 1000); }));
  EXPECT_TRUE(must(read([&](Tx& tx) { return tx.is_login_live("phone", owner); })));
  must(write([](Tx& tx) { return tx.revoke_token_family("phone"); }));
  EXPECT_FALSE(must(read([&](Tx& tx) { return tx.is_login_live("phone", owner); })));
  EXPECT_TRUE(must(read([&](Tx& tx) { return tx.is_login_live("laptop", owner); })));
}

TEST_P(AccountsTest, ALoginIsLiveOnlyForItsOwnUser) {
  const UserId owner = add_user("jade");
  const UserId other = add_user("joel");
  must(write([&](Tx& tx) { return tx.insert_login(owner, "jade-1", 1000); }));
  EXPECT_FALSE(must(read([&](Tx& tx) { return tx.is_login_live("jade-1", other); })));
  EXPECT_FALSE(must(read([&](Tx& tx) { return tx.is_login_live("unknown", owner); })));
}

TEST_P(AccountsTest, RevokingAUsersTokensEndsEveryLoginOfTheirsAndNoOneElses) {
  const UserId jill = add_user("jill");
  const UserId kate = add_user("kate");
  must(write([&](Tx& tx) { return tx.insert_login(jill, "jill-1", 1000); }));
  must(write([&](Tx& tx) { return tx.insert_login(jill, "jill-2", 1000); }));
  must(write([&](Tx& tx) { return tx.insert_login(kate, "kate-1", 1000); }));
  must(write([&](Tx& tx) { return tx.revoke_user_tokens(jill); }));
  EXPECT_FALSE(must(read([&](Tx& tx) { return tx.is_login_live("jill-1", jill); })));
  EXPECT_FALSE(must(read([&](Tx& tx) { return tx.is_login_live("jill-2", jill); })));
  EXPECT_TRUE(must(read([&](Tx& tx) { return tx.is_login_live("kate-1", kate); })));
}

TEST_P(AccountsTest, RevokingAFamilyRevokesEveryRotationAndNothingElse) {
  const UserId owner = add_user("ivy");
  must(write([&](Tx& tx) -> Result<void> {
    for (const auto& [family, hash] : std::vector<std::pair<std::string, std::string>>{
             {"stolen", "s1"}, {"stolen", "s2"}, {"stolen", "s3"}, {"laptop", "l1"}}) {
      if (auto put = tx.insert_refresh_token(token(owner, family, hash)); !put) return put;
    }
    return {};
  }));
  must(write([](Tx& tx) { return tx.revoke_token_family("stolen"); }));
  for (const char* hash : {"s1", "s2", "s3"}) {
    EXPECT_TRUE(must(read([&](Tx& tx) { return tx.find_refresh_token(hash); }))->is_revoked)
        << hash;
  }
  EXPECT_FALSE(must(read([](Tx& tx) { return tx.find_refresh_token("l1"); }))->is_revoked);
}

TEST_P(AccountsTest, RevokingAUsersTokensLeavesOtherUsersAlone) {
  const UserId jack = add_user("jack");
  const UserId kim = add_user("kim");
  must(write([&](Tx& tx) { return tx.insert_refresh_token(token(jack, "j", "jh")); }));
  must(write([&](Tx& tx) { return tx.insert_refresh_token(token(kim, "k", "kh")); }));
  must(write([&](Tx& tx) { return tx.revoke_user_tokens(jack); }));
  EXPECT_TRUE(must(read([](Tx& tx) { return tx.find_refresh_token("jh"); }))->is_revoked);
  EXPECT_FALSE(must(read([](Tx& tx) { return tx.find_refresh_token("kh"); }))->is_revoked);
}

TEST_P(AccountsTest, DuplicateTokenHashIsRefused) {
  const UserId owner = add_user("lena");
  must(write([&](Tx& tx) { return tx.insert_refresh_token(token(owner, "a", "same")); }));
  const auto again =
      write([&](Tx& tx) { return tx.insert_refresh_token(token(owner, "b", "same")); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "duplicate");
  EXPECT_EQ(again.error().message, "refresh_tokens.token_hash");
}

TEST_P(AccountsTest, DeletingAUserDeletesTheirTokens) {
  const UserId owner = add_user("mia");
  must(write([&](Tx& tx) { return tx.insert_refresh_token(token(owner, "f", "m1")); }));
  must(write([&](Tx& tx) { return tx.insert_login(owner, "f", 1000); }));
  must(write([&](Tx& tx) { return tx.delete_user(owner); }));
  EXPECT_EQ(count_rows("refresh_tokens"), 0);
  EXPECT_EQ(count_rows("logins"), 0);
}

TEST_P(AccountsTest, ATeachersLoginCannotBeDeleted) {
  const TeacherId teacher = add_teacher("Joshi");
  const UserId login = must(read([&](Tx& tx) { return tx.find_teacher(teacher); }))->user;
  const auto deleted = write([&](Tx& tx) { return tx.delete_user(login); });
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error().code, "foreign_key");
  EXPECT_EQ(deleted.error().message, "teachers.user_id -> users.id");
}

TEST_P(AccountsTest, AStudentsLoginCannotBeDeleted) {
  const UserId login = add_user("it01");
  Student linked = student("IT-01", add_class("BTech IT"));
  linked.user = login;
  must(write([&](Tx& tx) { return tx.insert_student(linked); }));
  const auto deleted = write([&](Tx& tx) { return tx.delete_user(login); });
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error().code, "foreign_key");
  EXPECT_EQ(deleted.error().message, "students.user_id -> users.id");
}

TEST_P(AccountsTest, ATokenForAMissingUserIsAForeignKeyError) {
  const auto put =
      write([](Tx& tx) { return tx.insert_refresh_token(token(UserId{42}, "f", "x")); });
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, "foreign_key");
  EXPECT_EQ(put.error().message, "refresh_tokens.user_id -> users.id");
}

}  // namespace
}  // namespace rollcall::store::testing

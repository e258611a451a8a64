// tests/domain/telegram_links_test.cc
//
// Linking a teacher's Telegram account with a one-time code (issue 7),
// against a real SQLite store in a temporary directory: only a teacher
// makes codes; a code links once, in any case and with dashes; an unknown,
// used or expired code gets one answer; one Telegram account, one teacher.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "base/clock.h"
#include "domain/telegram_links.h"
#include "store/detail/connection.h"
#include "store/store.h"

namespace rollcall::domain {
namespace {

namespace fs = std::filesystem;

class TelegramLinksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rollcall-links-" + std::to_string(std::random_device{}()));
    store::StoreOptions options;
    options.data_dir = dir_;
    options.pool_size = 1;
    auto opened = store::Store::open(options);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    links_ = std::make_unique<TelegramLinks>(*store_);
    ada_ = teacher("ada");
    grace_ = teacher("grace");
  }
  void TearDown() override {
    links_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  Principal teacher(const std::string& name) {
    Principal who;
    who.role = store::Role::teacher;
    who.username = name;
    auto done = store_->write([&](store::Tx& tx) -> Result<void> {
      store::User user;
      user.username = name;
      user.display_name = name;
      user.role = store::Role::teacher;
      user.password_hash = "x";
      user.is_active = true;
      auto id = tx.insert_user(user);
      if (!id) return id.error();
      who.user = *id;
      store::Teacher t;
      t.user = *id;
      t.name = name;
      auto teacher_id = tx.insert_teacher(t);
      if (!teacher_id) return teacher_id.error();
      who.teacher = *teacher_id;
      return {};
    });
    EXPECT_TRUE(done.ok()) << done.error().message;
    return who;
  }

  std::optional<std::int64_t> telegram_of(const Principal& who) {
    auto found = store_->read_value<std::optional<store::Teacher>>(
        [&](store::Tx& tx) { return tx.find_teacher(*who.teacher); });
    EXPECT_TRUE(found.ok());
    return (*found)->telegram_id;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<TelegramLinks> links_;
  Principal ada_, grace_;
};

TEST_F(TelegramLinksTest, OnlyATeacherMakesACode) {
  Principal admin;
  admin.role = store::Role::admin;
  const auto refused = links_->make_code(admin);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "forbidden");
  const auto code = links_->make_code(ada_);
  ASSERT_TRUE(code.ok()) << code.error().message;
  EXPECT_EQ(code->code.size(), TelegramLinks::kLength);
  EXPECT_EQ(code->code.find_first_of("015SIOLZ2"), std::string::npos) << code->code;
  EXPECT_NEAR(static_cast<double>(code->expires_ms - unix_ms_now()),
              static_cast<double>(TelegramLinks::kLifetimeMs), 5000.0);
}

TEST_F(TelegramLinksTest, ACodeLinksOnceInAnyCaseAndWithDashes) {
  const auto code = links_->make_code(ada_);
  ASSERT_TRUE(code.ok());
  std::string typed = code->code.substr(0, 4) + "-" + code->code.substr(4);
  for (auto& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto linked = links_->redeem(typed, 5551234);
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  EXPECT_EQ(linked->id, *ada_.teacher);
  EXPECT_EQ(telegram_of(ada_), 5551234);
  const auto again = links_->redeem(code->code, 5551234);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "link_code_invalid");
}

TEST_F(TelegramLinksTest, UnknownAndExpiredCodesGetOneAnswer) {
  const auto unknown = links_->redeem("ABCDEFGH", 1);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "link_code_invalid");
  const auto short_code = links_->redeem("ABC", 1);
  ASSERT_FALSE(short_code.ok());
  EXPECT_EQ(short_code.error().code, "link_code_invalid");
  EXPECT_EQ(short_code.error().message, unknown.error().message);
  // An expired one: its row moved into the past.
  const auto code = links_->make_code(ada_);
  ASSERT_TRUE(code.ok());
  ASSERT_TRUE(store_
                  ->write([&](store::Tx& tx) -> Result<void> {
                    auto rows = tx.connection().query(
                        "UPDATE telegram_link_codes SET expires_ms = 1", store::Params{});
                    if (!rows) return rows.error();
                    return {};
                  })
                  .ok());
  const auto expired = links_->redeem(code->code, 1);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, "link_code_invalid");
  EXPECT_FALSE(telegram_of(ada_).has_value());
}

TEST_F(TelegramLinksTest, OneTelegramAccountLinksOneTeacher) {
  const auto first = links_->make_code(ada_);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(links_->redeem(first->code, 42).ok());
  const auto second = links_->make_code(grace_);
  ASSERT_TRUE(second.ok());
  const auto taken = links_->redeem(second->code, 42);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, "telegram_taken");
  EXPECT_FALSE(telegram_of(grace_).has_value());
  // The code was not spent by the refusal: grace links another account.
  ASSERT_TRUE(links_->redeem(second->code, 43).ok());
  EXPECT_EQ(telegram_of(grace_), 43);
}

}  // namespace
}  // namespace rollcall::domain

// tests/domain/telegram_links_test.cc
//
// Linking Telegram accounts (issue 7), against a real SQLite store in a
// temporary directory: only a teacher makes codes; a code links once, in
// any case and with dashes; an unknown, used or expired code gets one
// answer; one Telegram account, one teacher. A teacher is found by the
// phone in any spelling and linked with their password; a student links
// by registration number, or by a roll number only one student has, once,
// and only their teacher or an admin unlinks them.
#include <gtest/gtest.h>

#include "base/clock.h"
#include "domain/passwords.h"
#include "domain/telegram_links.h"
#include "store/detail/connection.h"
#include "store/store.h"
#include "temp_store.h"

namespace rollcall::domain {
namespace {

class TelegramLinksTest : public rollcall::testing::TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    if (HasFatalFailure()) return;
    links_ = std::make_unique<TelegramLinks>(*store_);
    ada_ = teacher("ada");
    grace_ = teacher("grace");
  }
  void TearDown() override {
    links_.reset();
    TempStoreTest::TearDown();
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

  void set_phone_and_password(const Principal& who, const std::string& phone,
                              const std::string& password) {
    auto hash = hash_password(password);
    ASSERT_TRUE(hash.ok());
    auto done = store_->write([&](store::Tx& tx) -> Result<void> {
      auto teacher = tx.find_teacher(*who.teacher);
      if (!teacher) return teacher.error();
      (*teacher)->phone = phone;
      ROLLCALL_TRY(tx.update_teacher(**teacher));
      return tx.update_password(who.user, *hash);
    });
    ASSERT_TRUE(done.ok()) << done.error().message;
  }

  // A class taught by ada, with students.
  void add_class_with_students() {
    auto done = store_->write([&](store::Tx& tx) -> Result<void> {
      store::ClassGroup group;
      group.name = "CS";
      group.section = "A";
      auto class_id = tx.insert_class(group);
      if (!class_id) return class_id.error();
      store::Subject subject;
      subject.code = "CS101";
      subject.name = "Programming";
      auto subject_id = tx.insert_subject(subject);
      if (!subject_id) return subject_id.error();
      auto assigned = tx.insert_assignment({0, *ada_.teacher, *class_id, *subject_id});
      if (!assigned) return assigned.error();
      for (const std::string roll : {"R-1", "R-2"}) {
        store::Student student;
        student.name = "Student " + roll;
        student.roll_number = roll;
        student.registration_number = "PRN" + roll;
        student.class_id = *class_id;
        auto id = tx.insert_student(student);
        if (!id) return id.error();
        students_.push_back(*id);
      }
      return {};
    });
    ASSERT_TRUE(done.ok()) << done.error().message;
  }

  std::optional<std::int64_t> telegram_of(const Principal& who) {
    auto found = store_->read_value<std::optional<store::Teacher>>(
        [&](store::Tx& tx) { return tx.find_teacher(*who.teacher); });
    EXPECT_TRUE(found.ok());
    return (*found)->telegram_id;
  }

  std::unique_ptr<TelegramLinks> links_;
  Principal ada_, grace_;
  std::vector<StudentId> students_;
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

TEST_F(TelegramLinksTest, ThePhoneFindsTheTeacherInAnySpelling) {
  set_phone_and_password(ada_, "+919876543210", "correct horse battery");
  for (const std::string phone : {"919876543210", "+91 98765-43210", " +919876543210 "}) {
    const auto found = links_->teacher_for_phone(phone);
    ASSERT_TRUE(found.ok()) << phone << ": " << found.error().message;
    EXPECT_EQ(found->id, *ada_.teacher);
  }
  const auto unknown = links_->teacher_for_phone("+15551230000");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "phone_unknown");
  EXPECT_NE(unknown.error().message.find("+15551230000"), std::string::npos);
  // A prefix of a profile's number is not that number.
  EXPECT_EQ(links_->teacher_for_phone("+9198765432").error().code, "phone_unknown");
  EXPECT_EQ(links_->teacher_for_phone("call me").error().code, "invalid_field");
  set_phone_and_password(grace_, "+919876543210", "another long password");
  EXPECT_EQ(links_->teacher_for_phone("+919876543210").error().code, "phone_ambiguous");
}

TEST_F(TelegramLinksTest, ThePasswordLinksOnlyWhenRight) {
  set_phone_and_password(ada_, "+919876543210", "correct horse battery");
  const auto wrong = links_->link_with_password(*ada_.teacher, "correct horse", 77);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, "password_wrong");
  EXPECT_FALSE(telegram_of(ada_).has_value());
  const auto linked = links_->link_with_password(*ada_.teacher, "correct horse battery", 77);
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  EXPECT_EQ(telegram_of(ada_), 77);
}

TEST_F(TelegramLinksTest, AnotherTeachersCodeIsRefusedWhenTheChatNamedOne) {
  const auto graces = links_->make_code(grace_);
  ASSERT_TRUE(graces.ok());
  const auto refused = links_->redeem(graces->code, 9, ada_.teacher);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "link_code_invalid");
  EXPECT_FALSE(telegram_of(ada_).has_value());
  EXPECT_FALSE(telegram_of(grace_).has_value());
}

TEST_F(TelegramLinksTest, AStudentLinksOnceAndOnlyTheirTeacherUnlinks) {
  add_class_with_students();
  const auto linked = links_->link_student(" R-1 ", 500);
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  EXPECT_EQ(linked->telegram_id, 500);
  EXPECT_TRUE(links_->link_student("R-1", 500).ok());  // again, same account: fine
  EXPECT_EQ(links_->link_student("R-1", 501).error().code, "student_linked_elsewhere");
  EXPECT_EQ(links_->link_student("R-2", 500).error().code, "telegram_taken");
  EXPECT_EQ(links_->link_student("R-9", 502).error().code, "unknown_student");

  // grace does not teach the class; ada does.
  EXPECT_EQ(links_->unlink_student(grace_, students_[0]).error().code, "forbidden");
  const auto unlinked = links_->unlink_student(ada_, students_[0]);
  ASSERT_TRUE(unlinked.ok()) << unlinked.error().message;
  EXPECT_FALSE(unlinked->telegram_id.has_value());
  const auto relinked = links_->link_student("R-1", 501);
  ASSERT_TRUE(relinked.ok()) << relinked.error().message;
  EXPECT_EQ(relinked->telegram_id, 501);
}

// A second class with its own R-1 (roll numbers are unique per class).
TEST_F(TelegramLinksTest, ARollNumberTwoClassesShareIsRefusedAskingForThePrn) {
  add_class_with_students();
  auto done = store_->write([&](store::Tx& tx) -> Result<void> {
    store::ClassGroup group;
    group.name = "IT";
    group.section = "B";
    auto class_id = tx.insert_class(group);
    if (!class_id) return class_id.error();
    store::Student student;
    student.name = "Other R-1";
    student.roll_number = "r-1";
    student.registration_number = "PRN-IT-B-1";
    student.class_id = *class_id;
    auto id = tx.insert_student(student);
    if (!id) return id.error();
    return {};
  });
  ASSERT_TRUE(done.ok()) << done.error().message;
  const auto ambiguous = links_->link_student("R-1", 600);
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_EQ(ambiguous.error().code, "roll_number_ambiguous");
  EXPECT_NE(ambiguous.error().message.find("send your registration number (PRN)"),
            std::string::npos)
      << ambiguous.error().message;
  const auto by_prn = links_->link_student("prnr-1", 600);  // any case
  ASSERT_TRUE(by_prn.ok()) << by_prn.error().message;
  EXPECT_EQ(by_prn->id, students_[0]);
}

TEST_F(TelegramLinksTest, AStudentLinksByTheirRollNumberInAnyCaseWhenItIsTheOnlyOne) {
  add_class_with_students();
  const auto linked = links_->link_student("r-2", 700);
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  EXPECT_EQ(linked->id, students_[1]);
}

TEST_F(TelegramLinksTest, ATeacherUnlinksThemselvesAndAnAdminAnyone) {
  const auto code = links_->make_code(ada_);
  ASSERT_TRUE(code.ok());
  ASSERT_TRUE(links_->redeem(code->code, 42).ok());
  EXPECT_EQ(links_->unlink_teacher(grace_, *ada_.teacher).error().code, "forbidden");
  EXPECT_EQ(telegram_of(ada_), 42);
  ASSERT_TRUE(links_->unlink_teacher(ada_, *ada_.teacher).ok());
  EXPECT_FALSE(telegram_of(ada_).has_value());
}

}  // namespace
}  // namespace rollcall::domain

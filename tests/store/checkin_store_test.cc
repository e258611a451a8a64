// tests/store/checkin_store_test.cc
//
// The self check-in tables (migration 8, store/tx_checkin.cc) on both back
// ends: windows (latest, update, due for finalisation), the durable queue
// of submissions (claim order, leases: a claimed row is not claimed again
// until its lease ends; release_checkin_claims hands claims back; the
// capture is emptied by the verdict; concurrent claimers never share a
// row), the one-active-submission rule (a second active one is a
// duplicate; after a rejection a new one is allowed), and the attempts
// counted per student and per IP.
#include <algorithm>
#include <set>
#include <thread>

#include "store_fixture.h"

namespace rollcall::store::testing {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;  // ms

class CheckinStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    class_id_ = add_class("CS");
    subject_ = add_subject("CS101");
    teacher_ = add_teacher("ada");
    session_ = add_session();
  }

  SessionId add_session() {
    Session s;
    s.class_id = class_id_;
    s.subject = subject_;
    s.teacher = teacher_;
    s.starts_ms = kNow;
    s.ends_ms = kNow + 3'600'000;
    s.method = SessionMethod::checkin;
    s.created_ms = kNow;
    return must(write([&](Tx& tx) { return tx.insert_session(s); }));
  }

  CheckinWindow window(SessionId session, std::int64_t opens_ms, std::int64_t closes_ms) {
    CheckinWindow w;
    w.session = session;
    w.code = "012345";
    w.opens_ms = opens_ms;
    w.closes_ms = closes_ms;
    w.grace_ms = 30'000;
    w.latitude = 52.52;
    w.longitude = 13.405;
    w.radius_m = 50;
    w.accept_photos = true;
    w.created_ms = opens_ms;
    return w;
  }
  std::int64_t add_window(SessionId session, std::int64_t opens_ms, std::int64_t closes_ms) {
    const auto w = window(session, opens_ms, closes_ms);
    return must(write([&](Tx& tx) { return tx.insert_checkin_window(w); }));
  }

  static CheckinSubmission submission(std::int64_t window, SessionId session, StudentId student,
                                      const std::string& public_id, std::int64_t submitted_ms) {
    CheckinSubmission s;
    s.public_id = public_id;
    s.window = window;
    s.session = session;
    s.student = student;
    s.client_ip = "10.0.0.7";
    s.latitude = 52.5201;
    s.longitude = 13.4051;
    s.accuracy_m = 8;
    s.distance_m = 13.2;
    s.capture_kind = "photos";
    s.capture_parts = "3,2";
    s.capture = {1, 2, 3, 4, 5};
    s.submitted_ms = submitted_ms;
    return s;
  }
  Result<std::int64_t> insert(const CheckinSubmission& s) {
    return write([&](Tx& tx) { return tx.insert_checkin_submission(s); });
  }
  std::optional<CheckinSubmission> claim(std::int64_t now_ms, std::int64_t lease_ms = 30'000) {
    return must(write([&](Tx& tx) { return tx.claim_checkin_submission(now_ms, lease_ms); }));
  }
  std::optional<CheckinSubmission> find(const std::string& public_id, bool with_capture = false) {
    return must(read([&](Tx& tx) { return tx.find_checkin_submission(public_id, with_capture); }));
  }
  void finish(CheckinSubmission s, SubmissionState state, const std::string& code) {
    s.state = state;
    s.verdict_code = code;
    s.verdict_message = "because " + code;
    s.finished_ms = kNow + 5'000;
    if (state == SubmissionState::accepted) s.attendance = "present";
    must(write([&](Tx& tx) { return tx.finish_checkin_submission(s); }));
  }

  ClassId class_id_;
  SubjectId subject_;
  TeacherId teacher_;
  SessionId session_;
};
ROLLCALL_ON_BOTH_BACKENDS(CheckinStoreTest);

TEST_P(CheckinStoreTest, WindowRoundTripsAndTheLatestIsTheNewest) {
  EXPECT_FALSE(must(read([&](Tx& tx) { return tx.latest_checkin_window(session_); })));
  const auto first = add_window(session_, kNow, kNow + 90'000);
  auto w = window(session_, kNow + 100'000, kNow + 190'000);
  w.late_after_ms = kNow + 130'000;
  w.accept_photos = false;
  const auto second = must(write([&](Tx& tx) { return tx.insert_checkin_window(w); }));
  EXPECT_NE(first, second);
  const auto latest = must(read([&](Tx& tx) { return tx.latest_checkin_window(session_); }));
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->id, second);
  EXPECT_EQ(latest->session, session_);
  EXPECT_EQ(latest->code, "012345");
  EXPECT_EQ(latest->opens_ms, kNow + 100'000);
  EXPECT_EQ(latest->closes_ms, kNow + 190'000);
  EXPECT_EQ(latest->grace_ms, 30'000);
  EXPECT_DOUBLE_EQ(latest->latitude, 52.52);
  EXPECT_DOUBLE_EQ(latest->longitude, 13.405);
  EXPECT_DOUBLE_EQ(latest->radius_m, 50);
  EXPECT_EQ(latest->late_after_ms, kNow + 130'000);
  EXPECT_FALSE(latest->accept_photos);
  EXPECT_FALSE(latest->finalized_ms.has_value());

  auto changed = *latest;
  changed.closes_ms = kNow + 200'000;
  changed.finalized_ms = kNow + 250'000;
  must(write([&](Tx& tx) { return tx.update_checkin_window(changed); }));
  const auto again = must(read([&](Tx& tx) { return tx.find_checkin_window(second); }));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->closes_ms, kNow + 200'000);
  EXPECT_EQ(again->finalized_ms, kNow + 250'000);

  changed.id = 999'999;
  const auto missing = write([&](Tx& tx) { return tx.update_checkin_window(changed); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "not_found");
}

TEST_P(CheckinStoreTest, DueWindowsAreThosePastTheirGraceAndNotFinalized) {
  const auto other = add_session();
  const auto third = add_session();
  const auto early = add_window(session_, kNow, kNow + 10'000);  // due at +40 s
  const auto later = add_window(other, kNow, kNow + 60'000);     // due at +90 s
  const auto finalized = add_window(third, kNow, kNow + 5'000);  // due, but done
  auto done = must(read([&](Tx& tx) { return tx.find_checkin_window(finalized); }));
  done->finalized_ms = kNow + 40'000;
  must(write([&](Tx& tx) { return tx.update_checkin_window(*done); }));

  const auto ids = [&](std::int64_t now) {
    std::vector<std::int64_t> out;
    for (const auto& w : must(read([&](Tx& tx) { return tx.due_checkin_windows(now); }))) {
      out.push_back(w.id);
    }
    return out;
  };
  EXPECT_EQ(ids(kNow + 39'999), std::vector<std::int64_t>{});
  EXPECT_EQ(ids(kNow + 40'000), std::vector<std::int64_t>{early});
  EXPECT_EQ(ids(kNow + 90'000), (std::vector<std::int64_t>{early, later}));
}

TEST_P(CheckinStoreTest, AClassesUnfinalizedWindowsAreFoundNewestFirst) {
  const auto other_session = add_session();
  const auto older = add_window(session_, kNow, kNow + 10'000);
  const auto newer = add_window(other_session, kNow + 1'000, kNow + 90'000);
  auto done = must(read([&](Tx& tx) { return tx.find_checkin_window(older); }));
  const auto ids = [&](ClassId class_id) {
    std::vector<std::int64_t> out;
    for (const auto& w :
         must(read([&](Tx& tx) { return tx.unfinalized_windows_of_class(class_id); }))) {
      out.push_back(w.id);
    }
    return out;
  };
  EXPECT_EQ(ids(class_id_), (std::vector<std::int64_t>{newer, older}));
  done->finalized_ms = kNow + 40'000;
  must(write([&](Tx& tx) { return tx.update_checkin_window(*done); }));
  EXPECT_EQ(ids(class_id_), std::vector<std::int64_t>{newer});
  // Another class's windows are not this class's.
  EXPECT_EQ(ids(add_class("Maths")), std::vector<std::int64_t>{});
}

TEST_P(CheckinStoreTest, SubmissionRoundTripsWithAndWithoutItsCapture) {
  const auto w = add_window(session_, kNow, kNow + 90'000);
  const auto student = add_student("R1", class_id_);
  const auto id = must(insert(submission(w, session_, student, "ck_round", kNow + 1'000)));
  EXPECT_GT(id, 0);
  const auto without = find("ck_round");
  ASSERT_TRUE(without.has_value());
  EXPECT_EQ(without->id, id);
  EXPECT_EQ(without->window, w);
  EXPECT_EQ(without->student, student);
  EXPECT_EQ(without->state, SubmissionState::queued);
  EXPECT_EQ(without->capture_parts, "3,2");
  EXPECT_TRUE(without->capture.empty());
  EXPECT_DOUBLE_EQ(without->distance_m, 13.2);
  EXPECT_EQ(without->attempts, 0);
  const auto with = find("ck_round", true);
  ASSERT_TRUE(with.has_value());
  EXPECT_EQ(with->capture, (std::vector<std::uint8_t>{1, 2, 3, 4, 5}));
  EXPECT_FALSE(find("ck_nothing").has_value());
}

TEST_P(CheckinStoreTest, ClaimsInOrderAndALeaseHoldsUntilItEnds) {
  const auto w = add_window(session_, kNow, kNow + 90'000);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    const auto student = add_student("R" + std::to_string(i), class_id_);
    ids.push_back(must(
        insert(submission(w, session_, student, "ck_" + std::to_string(i), kNow + 1'000 + i))));
  }
  const std::int64_t lease = 30'000;
  const auto first = claim(kNow + 2'000, lease);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id, ids[0]);
  EXPECT_EQ(first->state, SubmissionState::verifying);
  EXPECT_EQ(first->attempts, 1);
  EXPECT_EQ(first->started_ms, kNow + 2'000);
  EXPECT_EQ(first->lease_until_ms, kNow + 2'000 + lease);
  EXPECT_EQ(first->capture, (std::vector<std::uint8_t>{1, 2, 3, 4, 5}));
  // Stored, not just returned.
  const auto stored = find("ck_0");
  EXPECT_EQ(stored->state, SubmissionState::verifying);
  EXPECT_EQ(stored->lease_until_ms, kNow + 2'000 + lease);

  EXPECT_EQ(claim(kNow + 2'001, lease)->id, ids[1]);
  EXPECT_EQ(claim(kNow + 2'002, lease)->id, ids[2]);
  // Every row is leased: nothing to claim until the first lease ends.
  EXPECT_FALSE(claim(kNow + 2'000 + lease - 1, lease).has_value());
  const auto again = claim(kNow + 2'000 + lease, lease);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->id, ids[0]);
  EXPECT_EQ(again->attempts, 2);
  EXPECT_EQ(again->lease_until_ms, kNow + 2'000 + 2 * lease);
}

TEST_P(CheckinStoreTest, ReleasedClaimsAreClaimableAtOnce) {
  const auto w = add_window(session_, kNow, kNow + 90'000);
  const auto a = add_student("RA", class_id_);
  const auto b = add_student("RB", class_id_);
  const auto first = must(insert(submission(w, session_, a, "ck_a", kNow)));
  const auto second = must(insert(submission(w, session_, b, "ck_b", kNow)));
  ASSERT_TRUE(claim(kNow + 1'000).has_value());
  ASSERT_TRUE(claim(kNow + 1'000).has_value());
  ASSERT_FALSE(claim(kNow + 1'001).has_value());
  // A finished row is not handed back by a release.
  auto done = find("ck_b", true);
  finish(*done, SubmissionState::accepted, "checked_in");

  const auto released =
      must(write([&](Tx& tx) { return tx.release_checkin_claims(kNow + 2'000); }));
  EXPECT_EQ(released, 1);
  const auto back = claim(kNow + 2'000);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->id, first);
  EXPECT_EQ(back->attempts, 2);
  EXPECT_FALSE(claim(kNow + 2'001).has_value());
  EXPECT_EQ(find("ck_b")->id, second);
  EXPECT_EQ(find("ck_b")->state, SubmissionState::accepted);
}

TEST_P(CheckinStoreTest, FinishingStoresTheVerdictAndDropsTheCapture) {
  const auto w = add_window(session_, kNow, kNow + 90'000);
  const auto student = add_student("R1", class_id_);
  must(insert(submission(w, session_, student, "ck_done", kNow)));
  auto claimed = claim(kNow + 10);
  ASSERT_TRUE(claimed.has_value());
  claimed->similarity = 0.61f;
  claimed->motion = 0.05f;
  finish(*claimed, SubmissionState::accepted, "checked_in");
  const auto found = find("ck_done", true);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->state, SubmissionState::accepted);
  EXPECT_EQ(found->verdict_code, "checked_in");
  EXPECT_EQ(found->verdict_message, "because checked_in");
  EXPECT_EQ(found->attendance, "present");
  EXPECT_NEAR(found->similarity.value_or(-1), 0.61f, 1e-6);
  EXPECT_NEAR(found->motion.value_or(-1), 0.05f, 1e-6);
  EXPECT_FALSE(found->passive_live.has_value());
  EXPECT_EQ(found->finished_ms, kNow + 5'000);
  EXPECT_TRUE(found->capture.empty());
  EXPECT_FALSE(claim(kNow + 1'000'000).has_value()) << "a finished row is never claimed";
}

TEST_P(CheckinStoreTest, OneActiveSubmissionPerStudentAndSession) {
  const auto w = add_window(session_, kNow, kNow + 90'000);
  const auto student = add_student("R1", class_id_);
  const auto other = add_student("R2", class_id_);
  must(insert(submission(w, session_, student, "ck_1", kNow)));
  const auto twice = insert(submission(w, session_, student, "ck_2", kNow + 1));
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, "duplicate");
  EXPECT_NE(twice.error().message.find("student_id"), std::string::npos) << twice.error().message;
  // Another student, or the same student in another session, is fine.
  must(insert(submission(w, session_, other, "ck_3", kNow + 2)));
  const auto later = add_session();
  const auto w2 = add_window(later, kNow, kNow + 90'000);
  must(insert(submission(w2, later, student, "ck_4", kNow + 3)));

  const auto active =
      must(read([&](Tx& tx) { return tx.active_checkin_submission(session_, student); }));
  ASSERT_TRUE(active.has_value());
  EXPECT_EQ(active->public_id, "ck_1");

  // Rejected: the place is free again, and the rejected row stays.
  auto claimed = claim(kNow + 10);
  ASSERT_TRUE(claimed.has_value());
  ASSERT_EQ(claimed->public_id, "ck_1");
  finish(*claimed, SubmissionState::rejected, "face_mismatch");
  EXPECT_FALSE(must(read([&](Tx& tx) { return tx.active_checkin_submission(session_, student); })));
  must(insert(submission(w, session_, student, "ck_5", kNow + 20)));
  EXPECT_EQ(must(read([&](Tx& tx) {
              return tx.active_checkin_submission(session_, student);
            }))->public_id,
            "ck_5");
  // Rejected twice: two rejected rows may live side by side.
  auto retry = find("ck_5", true);
  finish(*retry, SubmissionState::rejected, "liveness_failed");
  must(insert(submission(w, session_, student, "ck_6", kNow + 30)));
  // Accepted still holds the place.
  auto accepted = find("ck_6", true);
  finish(*accepted, SubmissionState::accepted, "checked_in");
  const auto after = insert(submission(w, session_, student, "ck_7", kNow + 40));
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, "duplicate");

  const auto listed = must(read([&](Tx& tx) { return tx.list_checkin_submissions(w); }));
  std::vector<std::string> names;
  for (const auto& s : listed) names.push_back(s.public_id);
  EXPECT_EQ(names, (std::vector<std::string>{"ck_1", "ck_3", "ck_5", "ck_6"}));
}

TEST_P(CheckinStoreTest, PublicIdsAreUnique) {
  const auto w = add_window(session_, kNow, kNow + 90'000);
  must(insert(submission(w, session_, add_student("R1", class_id_), "ck_same", kNow)));
  const auto clash = insert(submission(w, session_, add_student("R2", class_id_), "ck_same", kNow));
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, "duplicate");
}

TEST_P(CheckinStoreTest, PendingCountsQueuedAndVerifyingPerWindowAndOverall) {
  const auto w = add_window(session_, kNow, kNow + 90'000);
  const auto other_session = add_session();
  const auto w2 = add_window(other_session, kNow, kNow + 90'000);
  for (int i = 0; i < 3; ++i) {
    must(insert(submission(w, session_, add_student("A" + std::to_string(i), class_id_),
                           "ck_a" + std::to_string(i), kNow + i)));
  }
  must(insert(submission(w2, other_session, add_student("B", class_id_), "ck_b", kNow + 10)));
  const auto pending = [&](std::optional<std::int64_t> window) {
    return must(read([&](Tx& tx) { return tx.count_pending_submissions(window); }));
  };
  EXPECT_EQ(pending(w), 3);
  EXPECT_EQ(pending(w2), 1);
  EXPECT_EQ(pending(std::nullopt), 4);
  auto claimed = claim(kNow + 100);  // verifying still counts
  EXPECT_EQ(pending(w), 3);
  finish(*claimed, SubmissionState::rejected, "no_face");
  EXPECT_EQ(pending(w), 2);
  EXPECT_EQ(pending(std::nullopt), 3);
}

TEST_P(CheckinStoreTest, AttemptsAreCountedPerStudentAndPerIpSinceATime) {
  const auto w = add_window(session_, kNow, kNow + 90'000);
  const auto w2 = add_window(add_session(), kNow, kNow + 90'000);
  const auto a = add_student("RA", class_id_);
  const auto b = add_student("RB", class_id_);
  const auto attempt = [&](std::int64_t window, std::optional<StudentId> student,
                           const std::string& ip, std::int64_t at) {
    must(write([&](Tx& tx) {
      return tx.insert_checkin_attempt({window, student, ip, "wrong_code", at});
    }));
  };
  attempt(w, a, "10.0.0.1", kNow);
  attempt(w, a, "10.0.0.1", kNow + 10'000);
  attempt(w, a, "10.0.0.2", kNow + 20'000);
  attempt(w, b, "10.0.0.1", kNow + 30'000);
  attempt(w2, a, "10.0.0.1", kNow + 40'000);
  attempt(w, std::nullopt, "10.0.0.1", kNow + 50'000);
  const auto by_student = [&](std::int64_t window, StudentId s) {
    return must(read([&](Tx& tx) { return tx.count_student_attempts(window, s); }));
  };
  const auto by_ip = [&](std::int64_t window, const std::string& ip, std::int64_t since) {
    return must(read([&](Tx& tx) { return tx.count_ip_attempts(window, ip, since); }));
  };
  EXPECT_EQ(by_student(w, a), 3);
  EXPECT_EQ(by_student(w, b), 1);
  EXPECT_EQ(by_student(w2, a), 1);
  EXPECT_EQ(by_student(w2, b), 0);
  EXPECT_EQ(by_ip(w, "10.0.0.1", kNow), 4);
  EXPECT_EQ(by_ip(w, "10.0.0.1", kNow + 10'000), 3);  // from the time given, inclusive
  EXPECT_EQ(by_ip(w, "10.0.0.1", kNow + 10'001), 2);
  EXPECT_EQ(by_ip(w, "10.0.0.2", kNow), 1);
  EXPECT_EQ(by_ip(w2, "10.0.0.1", kNow), 1);
}

TEST_P(CheckinStoreTest, ConcurrentClaimersNeverShareARow) {
  const auto w = add_window(session_, kNow, kNow + 90'000);
  constexpr int kRows = 12;
  for (int i = 0; i < kRows; ++i) {
    must(insert(submission(w, session_, add_student("C" + std::to_string(i), class_id_),
                           "ck_c" + std::to_string(i), kNow + i)));
  }
  std::mutex mutex;
  std::vector<std::int64_t> claimed;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        auto got = write([&](Tx& tx) { return tx.claim_checkin_submission(kNow + 100, 60'000); });
        if (!got.ok()) {
          ADD_FAILURE() << got.error().code << ": " << got.error().message;
          return;
        }
        if (!*got) return;
        std::lock_guard lock(mutex);
        claimed.push_back((*got)->id);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::int64_t> distinct(claimed.begin(), claimed.end());
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(kRows));
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kRows));
}

TEST_P(CheckinStoreTest, DeletingTheSessionRemovesItsCheckinRows) {
  const auto w = add_window(session_, kNow, kNow + 90'000);
  const auto student = add_student("R1", class_id_);
  must(insert(submission(w, session_, student, "ck_x", kNow)));
  must(write([&](Tx& tx) {
    return tx.insert_checkin_attempt({w, student, "10.0.0.1", "queued", kNow});
  }));
  must(write([&](Tx& tx) { return tx.delete_session(session_); }));
  EXPECT_EQ(count_rows("checkin_windows"), 0);
  EXPECT_EQ(count_rows("checkin_submissions"), 0);
  EXPECT_EQ(count_rows("checkin_attempts"), 0);
}

}  // namespace
}  // namespace rollcall::store::testing

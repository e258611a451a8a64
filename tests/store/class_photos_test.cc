// tests/store/class_photos_test.cc
//
// Class photos and their faces, and listing, changing and deleting
// sessions (migration 6, tx_class_photos.cc), on both back ends.
#include "store_fixture.h"

namespace rollcall::store::testing {
namespace {

class ClassPhotosTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    class_ = add_class("BTech IT");
    other_class_ = add_class("BTech CS");
    subject_ = add_subject("CS301");
    teacher_ = add_teacher("Joshi");
    other_teacher_ = add_teacher("Rao");
    student_ = add_student("IT-01", class_);
    uploader_ = add_user("uploader", Role::teacher);
  }

  SessionId add_session(ClassId class_id, TeacherId teacher, std::int64_t starts_ms) {
    Session session;
    session.class_id = class_id;
    session.subject = subject_;
    session.teacher = teacher;
    session.starts_ms = starts_ms;
    session.ends_ms = starts_ms + 3'600'000;
    session.created_ms = 1;
    return must(write([&](Tx& tx) { return tx.insert_session(session); }));
  }

  std::int64_t add_photo(SessionId session) {
    ClassPhoto photo;
    photo.session = session;
    photo.content_type = "image/jpeg";
    photo.bytes = {1, 2, 3};
    photo.width = 640;
    photo.height = 480;
    photo.annotated = {9, 8};
    photo.processing_ms = 12.5;
    photo.uploaded_by = uploader_;
    photo.created_ms = 77;
    return must(write([&](Tx& tx) { return tx.insert_class_photo(photo); }));
  }

  PhotoFace face(std::int64_t photo, int index) const {
    PhotoFace face;
    face.class_photo = photo;
    face.face_index = index;
    face.x = 10;
    face.y = 20;
    face.w = 30;
    face.h = 40;
    face.landmarks_json = "[[1,2],[3,4],[5,6],[7,8],[9,10]]";
    face.detector_score = 0.9f;
    face.quality_json = "{}";
    face.status = "matched";
    face.student = student_;
    face.similarity = 0.6f;
    face.runner_up_similarity = 0.2f;
    face.margin = 0.4f;
    return face;
  }

  ClassId class_, other_class_;
  SubjectId subject_;
  TeacherId teacher_, other_teacher_;
  StudentId student_;
  UserId uploader_;
};
ROLLCALL_ON_BOTH_BACKENDS(ClassPhotosTest);

TEST_P(ClassPhotosTest, PhotoRoundTripsWithAndWithoutBytes) {
  const SessionId session = add_session(class_, teacher_, 1000);
  const auto id = add_photo(session);
  const auto bare = must(read([&](Tx& tx) { return tx.find_class_photo(id, false); }));
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->session, session);
  EXPECT_EQ(bare->width, 640);
  EXPECT_EQ(bare->processing_ms, 12.5);
  EXPECT_EQ(bare->uploaded_by, uploader_);
  EXPECT_TRUE(bare->bytes.empty());
  const auto full = must(read([&](Tx& tx) { return tx.find_class_photo(id, true); }));
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->bytes, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_EQ(full->annotated, (std::vector<std::uint8_t>{9, 8}));
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.list_class_photos(session); })).size(), 1u);
}

TEST_P(ClassPhotosTest, FacesRoundTripAndCorrect) {
  const SessionId session = add_session(class_, teacher_, 1000);
  const auto photo = add_photo(session);
  const auto first = must(write([&](Tx& tx) { return tx.insert_photo_face(face(photo, 0)); }));
  PhotoFace unknown = face(photo, 1);
  unknown.status = "unknown";
  unknown.student.reset();
  unknown.runner_up_similarity.reset();
  const auto second = must(write([&](Tx& tx) { return tx.insert_photo_face(unknown); }));
  auto faces = must(read([&](Tx& tx) { return tx.list_session_faces(session); }));
  ASSERT_EQ(faces.size(), 2u);
  EXPECT_EQ(faces[0].id, first);
  EXPECT_EQ(faces[0].student, student_);
  EXPECT_FLOAT_EQ(faces[0].similarity, 0.6f);
  EXPECT_FLOAT_EQ(faces[0].runner_up_similarity.value_or(-1), 0.2f);
  EXPECT_EQ(faces[0].landmarks_json, "[[1,2],[3,4],[5,6],[7,8],[9,10]]");
  EXPECT_EQ(faces[1].status, "unknown");
  EXPECT_FALSE(faces[1].student.has_value());
  EXPECT_FALSE(faces[1].runner_up_similarity.has_value());

  PhotoFace corrected = faces[1];
  corrected.student = student_;
  corrected.status = "matched";
  corrected.corrected_by = uploader_;
  corrected.corrected_ms = 500;
  must(write([&](Tx& tx) { return tx.update_photo_face(corrected); }));
  const auto found = must(read([&](Tx& tx) { return tx.find_photo_face(second); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->student, student_);
  EXPECT_EQ(found->corrected_by, uploader_);
  EXPECT_EQ(found->corrected_ms, 500);
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.session_of_face(second); })), session);
  EXPECT_FALSE(must(read([&](Tx& tx) { return tx.session_of_face(99999); })).has_value());
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.list_photo_faces(photo); })).size(), 2u);
}

TEST_P(ClassPhotosTest, AFaceIndexIsUniqueInItsPhoto) {
  const auto photo = add_photo(add_session(class_, teacher_, 1000));
  must(write([&](Tx& tx) { return tx.insert_photo_face(face(photo, 0)); }));
  auto again = write([&](Tx& tx) { return tx.insert_photo_face(face(photo, 0)); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "duplicate");
}

TEST_P(ClassPhotosTest, ListsSessionsByClassTeacherAndDateNewestFirst) {
  const auto a = add_session(class_, teacher_, 1000);
  const auto b = add_session(class_, other_teacher_, 5000);
  const auto c = add_session(other_class_, teacher_, 9000);
  ListQuery query;
  auto all = must(read([&](Tx& tx) { return tx.list_sessions({}, query); }));
  ASSERT_EQ(all.total, 3);
  EXPECT_EQ(all.items[0].id, c);
  EXPECT_EQ(all.items[2].id, a);
  SessionFilter by_class;
  by_class.class_id = class_;
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.list_sessions(by_class, query); })).total, 2);
  SessionFilter by_teacher;
  by_teacher.teacher = teacher_;
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.list_sessions(by_teacher, query); })).total, 2);
  SessionFilter range;
  range.from_ms = 2000;
  range.to_ms = 9000;
  auto ranged = must(read([&](Tx& tx) { return tx.list_sessions(range, query); }));
  ASSERT_EQ(ranged.total, 1);
  EXPECT_EQ(ranged.items[0].id, b);
  query.limit = 1;
  query.offset = 1;
  auto paged = must(read([&](Tx& tx) { return tx.list_sessions({}, query); }));
  EXPECT_EQ(paged.total, 3);
  ASSERT_EQ(paged.items.size(), 1u);
  EXPECT_EQ(paged.items[0].id, b);
}

TEST_P(ClassPhotosTest, UpdatesAndDeletesASessionWithItsPhotosFacesAndRecords) {
  const auto session = add_session(class_, teacher_, 1000);
  auto found = must(read([&](Tx& tx) { return tx.find_session(session); }));
  ASSERT_TRUE(found.has_value());
  found->is_locked = true;
  found->method = SessionMethod::manual;
  found->ends_ms = 7000;
  must(write([&](Tx& tx) { return tx.update_session(*found); }));
  auto after = must(read([&](Tx& tx) { return tx.find_session(session); }));
  EXPECT_TRUE(after->is_locked);
  EXPECT_EQ(after->method, SessionMethod::manual);
  EXPECT_EQ(after->ends_ms, 7000);

  const auto photo = add_photo(session);
  must(write([&](Tx& tx) { return tx.insert_photo_face(face(photo, 0)); }));
  AttendanceRecord record;
  record.session = session;
  record.student = student_;
  record.status = AttendanceStatus::present;
  record.decided_by = "photo";
  record.changed_ms = 1;
  must(write([&](Tx& tx) { return tx.upsert_attendance(record); }));
  EXPECT_TRUE(must(write([&](Tx& tx) { return tx.delete_session(session); })));
  EXPECT_EQ(count_rows("class_photos"), 0);
  EXPECT_EQ(count_rows("photo_faces"), 0);
  EXPECT_EQ(count_rows("attendance_records"), 0);
  EXPECT_FALSE(must(write([&](Tx& tx) { return tx.delete_session(session); })));
  Session missing = *after;
  missing.id = SessionId{424242};
  auto updated = write([&](Tx& tx) { return tx.update_session(missing); });
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().code, "not_found");
}

TEST_P(ClassPhotosTest, DeletingAStudentLeavesTheirFacesUnassigned) {
  const auto photo = add_photo(add_session(class_, teacher_, 1000));
  const auto id = must(write([&](Tx& tx) { return tx.insert_photo_face(face(photo, 0)); }));
  EXPECT_TRUE(must(write([&](Tx& tx) { return tx.delete_student(student_); })));
  const auto found = must(read([&](Tx& tx) { return tx.find_photo_face(id); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->student.has_value());
}

}  // namespace
}  // namespace rollcall::store::testing

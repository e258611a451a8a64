// tests/store/enrollment_test.cc
//
// Enrollment photos and embeddings: bytes and vectors come back exactly,
// and deleting a student or a photo takes what was made from it.
#include <bit>
#include <cmath>
#include <limits>

#include "store_fixture.h"

namespace rollcall::store::testing {
namespace {

class EnrollmentTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    class_ = add_class("BTech IT");
    student_ = add_student("IT-01", class_);
  }

  static EnrollmentPhoto photo(StudentId student, std::vector<std::uint8_t> bytes) {
    EnrollmentPhoto photo;
    photo.student = student;
    photo.content_type = "image/jpeg";
    photo.bytes = std::move(bytes);
    photo.quality_json = R"({"sharpness": 0.9})";
    photo.created_ms = 2000;
    return photo;
  }
  PhotoId add_photo(StudentId student, std::vector<std::uint8_t> bytes) {
    return must(write([&](Tx& tx) { return tx.insert_photo(photo(student, bytes)); }));
  }

  static StoredEmbedding embedding(StudentId student, std::optional<PhotoId> from,
                                   std::vector<float> values,
                                   const std::string& model = "fr_feature@87aacdfe") {
    StoredEmbedding embedding;
    embedding.student = student;
    embedding.photo = from;
    embedding.model_id = model;
    embedding.values = std::move(values);
    embedding.weight = 0.75f;
    embedding.created_ms = 3000;
    return embedding;
  }
  std::int64_t add_embedding(const StoredEmbedding& stored) {
    return must(write([&](Tx& tx) { return tx.insert_embedding(stored); }));
  }

  ClassId class_;
  StudentId student_;
};
ROLLCALL_ON_BOTH_BACKENDS(EnrollmentTest);

// Every byte value, including NUL and 0xff, which text-based protocols
// are prone to mangle.
std::vector<std::uint8_t> every_byte() {
  std::vector<std::uint8_t> bytes;
  for (int round = 0; round < 3; ++round) {
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<std::uint8_t>(b));
  }
  return bytes;
}

TEST_P(EnrollmentTest, PhotoBytesRoundTripExactly) {
  const PhotoId id = add_photo(student_, every_byte());
  const auto found = must(read([&](Tx& tx) { return tx.find_photo(id); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->student, student_);
  EXPECT_EQ(found->content_type, "image/jpeg");
  EXPECT_EQ(found->bytes, every_byte());
  EXPECT_TRUE(found->is_kept);
  EXPECT_EQ(found->quality_json, R"({"sharpness": 0.9})");
  EXPECT_EQ(found->created_ms, 2000);
}

TEST_P(EnrollmentTest, ListsPhotosWithOrWithoutTheirBytes) {
  add_photo(student_, {1, 2, 3});
  add_photo(student_, {4, 5});
  const auto with = must(read([&](Tx& tx) { return tx.list_photos(student_, true); }));
  ASSERT_EQ(with.size(), 2u);
  EXPECT_EQ(with[0].bytes, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_EQ(with[1].bytes, (std::vector<std::uint8_t>{4, 5}));
  const auto without = must(read([&](Tx& tx) { return tx.list_photos(student_, false); }));
  ASSERT_EQ(without.size(), 2u);
  EXPECT_TRUE(without[0].bytes.empty());
  EXPECT_TRUE(without[0].is_kept);
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.count_photos(student_); })), 2);
}

TEST_P(EnrollmentTest, APhotoWithoutBytesIsNotKept) {
  const PhotoId id = add_photo(student_, {});
  const auto found = must(read([&](Tx& tx) { return tx.find_photo(id); }));
  EXPECT_FALSE(found->is_kept);
  EXPECT_TRUE(found->bytes.empty());
  EXPECT_TRUE(must(read([](Tx& tx) { return tx.students_with_photos(); })).empty());
}

TEST_P(EnrollmentTest, ForgettingPhotoBytesKeepsTheRowsAndTheEmbeddings) {
  const StudentId other = add_student("IT-02", class_);
  const PhotoId a = add_photo(student_, {1});
  add_photo(other, {2});
  add_embedding(embedding(student_, a, {0.5f}));
  EXPECT_EQ(must(read([](Tx& tx) { return tx.students_with_photos(); })),
            (std::vector<StudentId>{student_, other}));
  EXPECT_EQ(must(write([](Tx& tx) { return tx.forget_photo_bytes(); })), 2);
  EXPECT_EQ(must(write([](Tx& tx) { return tx.forget_photo_bytes(); })), 0);
  const auto found = must(read([&](Tx& tx) { return tx.find_photo(a); }));
  EXPECT_FALSE(found->is_kept);
  EXPECT_TRUE(found->bytes.empty());
  EXPECT_EQ(count_rows("embeddings"), 1);
  EXPECT_TRUE(must(read([](Tx& tx) { return tx.students_with_photos(); })).empty());
}

TEST_P(EnrollmentTest, FloatVectorsRoundTripBitForBit) {
  std::vector<float> values;
  for (int i = 0; i < 512; ++i) values.push_back(std::sin(static_cast<float>(i)) / 22.6f);
  // The awkward ones: signed zero, the smallest subnormal, extremes, a NaN
  // with a payload, infinities.
  values.push_back(-0.0f);
  values.push_back(std::numeric_limits<float>::denorm_min());
  values.push_back(std::numeric_limits<float>::max());
  values.push_back(std::numeric_limits<float>::lowest());
  values.push_back(std::bit_cast<float>(std::uint32_t{0x7fc12345}));
  values.push_back(std::numeric_limits<float>::infinity());
  values.push_back(-std::numeric_limits<float>::infinity());
  StoredEmbedding stored = embedding(student_, std::nullopt, values);
  stored.weight = 0.1f;  // not exact in binary: must still come back as the same float
  const std::int64_t id = add_embedding(stored);

  const auto listed = must(read([&](Tx& tx) { return tx.list_embeddings(student_); }));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, id);
  EXPECT_EQ(listed[0].student, student_);
  EXPECT_FALSE(listed[0].photo.has_value());
  EXPECT_EQ(listed[0].model_id, "fr_feature@87aacdfe");
  EXPECT_EQ(std::bit_cast<std::uint32_t>(listed[0].weight), std::bit_cast<std::uint32_t>(0.1f));
  EXPECT_EQ(listed[0].created_ms, 3000);
  ASSERT_EQ(listed[0].values.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(std::bit_cast<std::uint32_t>(listed[0].values[i]),
              std::bit_cast<std::uint32_t>(values[i]))
        << "value " << i;
  }
}

TEST_P(EnrollmentTest, VectorsAreStoredLittleEndian) {
  add_embedding(embedding(student_, std::nullopt, {1.0f}));
  const auto bytes = must(read([](Tx& tx) -> Result<Blob> {
    auto rows = tx.connection().query("SELECT vector FROM embeddings");
    if (!rows) return rows.error();
    return std::get<Blob>(rows->rows.at(0).at(0));
  }));
  EXPECT_EQ(bytes, (Blob{0x00, 0x00, 0x80, 0x3f}));  // 1.0f is 0x3f800000
}

TEST_P(EnrollmentTest, AnEmptyVectorRoundTrips) {
  add_embedding(embedding(student_, std::nullopt, {}));
  const auto listed = must(read([&](Tx& tx) { return tx.list_embeddings(student_); }));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_TRUE(listed[0].values.empty());
}

TEST_P(EnrollmentTest, ClassEmbeddingsFilterByClassAndModelInStudentOrder) {
  const ClassId cs = add_class("BTech CS");
  const StudentId second = add_student("IT-02", class_);
  const StudentId outsider = add_student("CS-01", cs);
  add_embedding(embedding(second, std::nullopt, {2.0f}));
  add_embedding(embedding(student_, std::nullopt, {1.0f}));
  add_embedding(embedding(student_, std::nullopt, {1.5f}));
  add_embedding(embedding(outsider, std::nullopt, {3.0f}));
  add_embedding(embedding(student_, std::nullopt, {9.0f}, "other@model"));

  const auto of_class =
      must(read([&](Tx& tx) { return tx.list_class_embeddings(class_, "fr_feature@87aacdfe"); }));
  ASSERT_EQ(of_class.size(), 3u);
  EXPECT_EQ(of_class[0].student, student_);
  EXPECT_EQ(of_class[0].values, std::vector<float>{1.0f});
  EXPECT_EQ(of_class[1].student, student_);
  EXPECT_EQ(of_class[1].values, std::vector<float>{1.5f});
  EXPECT_EQ(of_class[2].student, second);

  const auto everyone = must(
      read([&](Tx& tx) { return tx.list_class_embeddings(std::nullopt, "fr_feature@87aacdfe"); }));
  EXPECT_EQ(everyone.size(), 4u);
  const auto other_model =
      must(read([&](Tx& tx) { return tx.list_class_embeddings(std::nullopt, "other@model"); }));
  EXPECT_EQ(other_model.size(), 1u);
}

TEST_P(EnrollmentTest, DeletingAPhotoDeletesTheEmbeddingsMadeFromIt) {
  const PhotoId kept = add_photo(student_, {1});
  const PhotoId dropped = add_photo(student_, {2});
  add_embedding(embedding(student_, kept, {1.0f}));
  add_embedding(embedding(student_, dropped, {2.0f}));
  add_embedding(embedding(student_, std::nullopt, {3.0f}));
  EXPECT_TRUE(must(write([&](Tx& tx) { return tx.delete_photo(dropped); })));
  EXPECT_FALSE(must(write([&](Tx& tx) { return tx.delete_photo(dropped); })));
  const auto left = must(read([&](Tx& tx) { return tx.list_embeddings(student_); }));
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].photo, kept);
  EXPECT_FALSE(left[1].photo.has_value());
}

TEST_P(EnrollmentTest, DeletingAStudentDeletesTheirPhotosAndEmbeddings) {
  const StudentId other = add_student("IT-02", class_);
  const PhotoId mine = add_photo(student_, {1, 2, 3});
  add_photo(other, {4});
  add_embedding(embedding(student_, mine, {1.0f}));
  add_embedding(embedding(student_, std::nullopt, {1.0f}));
  add_embedding(embedding(other, std::nullopt, {2.0f}));

  EXPECT_TRUE(must(write([&](Tx& tx) { return tx.delete_student(student_); })));
  EXPECT_EQ(count_rows("enrollment_photos"), 1);
  EXPECT_EQ(count_rows("embeddings"), 1);
  EXPECT_TRUE(must(read([&](Tx& tx) { return tx.list_photos(student_, true); })).empty());
  EXPECT_TRUE(must(read([&](Tx& tx) { return tx.list_embeddings(student_); })).empty());
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.list_embeddings(other); })).size(), 1u);
  EXPECT_FALSE(must(write([&](Tx& tx) { return tx.delete_student(student_); })));
}

TEST_P(EnrollmentTest, DeleteEmbeddingsCountsWhatWent) {
  add_embedding(embedding(student_, std::nullopt, {1.0f}));
  add_embedding(embedding(student_, std::nullopt, {2.0f}));
  EXPECT_EQ(must(write([&](Tx& tx) { return tx.delete_embeddings(student_); })), 2);
  EXPECT_EQ(must(write([&](Tx& tx) { return tx.delete_embeddings(student_); })), 0);
}

TEST_P(EnrollmentTest, AnEmbeddingOfAMissingPhotoNamesTheReference) {
  const auto added =
      write([&](Tx& tx) { return tx.insert_embedding(embedding(student_, PhotoId{999}, {1.0f})); });
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.error().code, "foreign_key");
  EXPECT_EQ(added.error().message, "embeddings.photo_id -> enrollment_photos.id");
}

}  // namespace
}  // namespace rollcall::store::testing

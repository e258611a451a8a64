// tests/jobs/zip_archive_test.cc
//
// ZIPs of real enrollment photos, made here with libzip, and the broken
// and hostile ZIPs an upload form receives.
#include "jobs/zip_archive.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <cstring>
#include <string>

#include "test_support.h"

namespace rollcall::jobs {
namespace {

using Bytes = std::vector<std::uint8_t>;
using rollcall::testing::bytes_of;

struct Entry {
  std::string name;  // ending in '/' = a directory
  Bytes bytes;
  bool is_stored = false;  // no compression
};

// The ZIP that libzip writes for `entries`, as bytes.
Bytes make_zip(const std::vector<Entry>& entries) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_source_keep(buffer);  // survive zip_close, which writes into it
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  EXPECT_NE(archive, nullptr);
  for (const auto& entry : entries) {
    if (entry.name.ends_with('/')) {
      EXPECT_GE(zip_dir_add(archive, entry.name.c_str(), ZIP_FL_ENC_UTF_8), 0);
      continue;
    }
    zip_source_t* source = zip_source_buffer(archive, entry.bytes.data(), entry.bytes.size(), 0);
    const auto index = zip_file_add(archive, entry.name.c_str(), source, ZIP_FL_ENC_UTF_8);
    EXPECT_GE(index, 0) << entry.name;
    if (entry.is_stored) zip_set_file_compression(archive, index, ZIP_CM_STORE, 0);
  }
  EXPECT_EQ(zip_close(archive), 0);
  zip_stat_t stat;
  zip_source_stat(buffer, &stat);
  Bytes bytes(stat.size);
  zip_source_open(buffer);
  EXPECT_EQ(zip_source_read(buffer, bytes.data(), bytes.size()),
            static_cast<zip_int64_t>(bytes.size()));
  zip_source_close(buffer);
  zip_source_free(buffer);
  return bytes;
}

std::unique_ptr<ZipArchive> opened(Bytes bytes, ZipLimits limits = {}) {
  auto archive = ZipArchive::open(std::move(bytes), limits);
  EXPECT_TRUE(archive.ok()) << archive.error().code << ": " << archive.error().message;
  return archive.ok() ? std::move(archive).value() : nullptr;
}

std::string open_error(Bytes bytes, ZipLimits limits = {}) {
  auto archive = ZipArchive::open(std::move(bytes), limits);
  EXPECT_FALSE(archive.ok());
  return archive.ok() ? "" : archive.error().code;
}

// Overwrites the little-endian 32-bit value at `offset`.
void put_u32(Bytes& bytes, std::size_t offset, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

std::size_t find_signature(const Bytes& bytes, const char* signature) {
  for (std::size_t i = bytes.size() - 4; i-- > 0;)
    if (std::memcmp(bytes.data() + i, signature, 4) == 0) return i;
  ADD_FAILURE() << "no signature";
  return 0;
}

TEST(ZipArchive, ListsAndReadsRealPhotos) {
  const auto amy = bytes_of("identities/amy/01.png");
  const auto howard = bytes_of("identities/howard/02.png");
  auto archive = opened(
      make_zip({{"class 7/", {}}, {"class 7/amy.png", amy}, {"class 7/howard.png", howard, true}}));
  ASSERT_NE(archive, nullptr);
  EXPECT_EQ(archive->names(), (std::vector<std::string>{"class 7/amy.png", "class 7/howard.png"}));
  const auto read_amy = archive->read("class 7/amy.png");
  ASSERT_TRUE(read_amy.ok()) << read_amy.error().message;
  EXPECT_EQ(*read_amy, amy);
  const auto read_howard = archive->read("class 7/howard.png");
  ASSERT_TRUE(read_howard.ok()) << read_howard.error().message;
  EXPECT_EQ(*read_howard, howard);
}

TEST(ZipArchive, SkipsMacOsForksHiddenFilesAndDirectories) {
  const auto photo = bytes_of("identities/amy/01.png");
  auto archive = opened(make_zip({{"amy.png", photo},
                                  {"__MACOSX/._amy.png", {1, 2, 3}},
                                  {".DS_Store", {1}},
                                  {"photos/.hidden.png", photo},
                                  {".git/config", {1}},
                                  {"empty/", {}}}));
  ASSERT_NE(archive, nullptr);
  EXPECT_EQ(archive->names(), (std::vector<std::string>{"amy.png"}));
  EXPECT_EQ(archive->read(".DS_Store").error().code, "zip_entry_not_found");
}

TEST(ZipArchive, KeepsNamesInOtherScripts) {
  auto archive =
      opened(make_zip({{"Дмитрий/अमिताभ 王小明.png", bytes_of("identities/amy/01.png")}}));
  ASSERT_NE(archive, nullptr);
  EXPECT_EQ(archive->names(), (std::vector<std::string>{"Дмитрий/अमिताभ 王小明.png"}));
}

TEST(ZipArchive, AnUnknownNameIsNotFound) {
  auto archive = opened(make_zip({{"amy.png", bytes_of("identities/amy/01.png")}}));
  ASSERT_NE(archive, nullptr);
  const auto read = archive->read("bob.png");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, "zip_entry_not_found");
}

TEST(ZipArchive, RefusesBytesThatAreNotAZip) {
  EXPECT_EQ(open_error({}), "zip_invalid");
  EXPECT_EQ(open_error(bytes_of("identities/amy/01.png")), "zip_invalid");
}

TEST(ZipArchive, RefusesATruncatedZip) {
  auto bytes = make_zip({{"amy.png", bytes_of("identities/amy/01.png")}});
  bytes.resize(bytes.size() / 2);
  EXPECT_EQ(open_error(bytes), "zip_invalid");
}

TEST(ZipArchive, ReportsDamagedDataWhenReading) {
  auto bytes = make_zip({{"amy.png", bytes_of("identities/amy/01.png")}});
  // Local header (30 bytes) and name, then deflate data: garble its middle.
  for (std::size_t i = 2000; i < 2100; ++i) bytes[i] ^= 0x5A;
  auto archive = opened(bytes);
  ASSERT_NE(archive, nullptr);
  const auto read = archive->read("amy.png");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, "zip_invalid");
}

TEST(ZipArchive, RefusesTooManyEntries) {
  std::vector<Entry> entries;
  for (int i = 0; i < 5; ++i) entries.push_back({std::to_string(i) + ".png", {1, 2, 3}});
  const auto bytes = make_zip(entries);
  EXPECT_EQ(open_error(bytes, {.max_entries = 4}), "zip_too_many_entries");
  EXPECT_NE(opened(bytes, {.max_entries = 5}), nullptr);
}

TEST(ZipArchive, RefusesAnEntryDeclaredLargerThanTheLimit) {
  // 32 MiB of zeros deflate to about 32 KiB: a small upload, a large file.
  const Bytes zeros(32u * 1024 * 1024, 0);
  auto archive =
      opened(make_zip({{"bomb.png", zeros}, {"amy.png", bytes_of("identities/amy/01.png")}}),
             {.max_entry_bytes = 1024 * 1024});
  ASSERT_NE(archive, nullptr);
  const auto read = archive->read("bomb.png");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, "zip_entry_too_large");
  EXPECT_NE(read.error().message.find("bomb.png"), std::string::npos);
  EXPECT_TRUE(archive->read("amy.png").ok()) << "the other files stay readable";
}

TEST(ZipArchive, StopsReadingAnEntryThatLiesAboutItsSize) {
  auto bytes = make_zip({{"bomb.png", Bytes(8u * 1024 * 1024, 0)}});
  // Claim 1000 bytes in both the local header and the central directory,
  // so the archive is self-consistent and only the data gives it away.
  put_u32(bytes, 22, 1000);
  put_u32(bytes, find_signature(bytes, "PK\x01\x02") + 24, 1000);
  auto archive = opened(bytes, {.max_entry_bytes = 1024 * 1024});
  ASSERT_NE(archive, nullptr);
  const auto read = archive->read("bomb.png");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, "zip_entry_too_large") << read.error().message;
  EXPECT_NE(read.error().message.find("1000 bytes"), std::string::npos) << read.error().message;
}

TEST(ZipArchive, RefusesFilesDeclaredLargerThanTheTotalLimit) {
  const auto photo = bytes_of("identities/amy/01.png");
  const auto bytes = make_zip({{"1.png", photo}, {"2.png", photo}, {"3.png", photo}});
  EXPECT_EQ(open_error(bytes, {.max_total_bytes = 2 * photo.size()}), "zip_too_large");
  EXPECT_NE(opened(bytes, {.max_total_bytes = 3 * photo.size()}), nullptr);
}

TEST(ZipArchive, ReadsTogetherStayWithinTheTotalLimit) {
  const auto photo = bytes_of("identities/amy/01.png");
  auto archive = opened(make_zip({{"amy.png", photo}}), {.max_total_bytes = 2 * photo.size()});
  ASSERT_NE(archive, nullptr);
  EXPECT_TRUE(archive->read("amy.png").ok());
  EXPECT_TRUE(archive->read("amy.png").ok());
  const auto third = archive->read("amy.png");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, "zip_too_large");
}

TEST(ZipArchive, RefusesAnEncryptedEntry) {
  const auto photo = bytes_of("identities/amy/01.png");
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_source_keep(buffer);
  zip_t* writer = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  const auto index =
      zip_file_add(writer, "amy.png", zip_source_buffer(writer, photo.data(), photo.size(), 0), 0);
  if (zip_file_set_encryption(writer, index, ZIP_EM_AES_256, "secret") != 0) {
    zip_discard(writer);
    zip_source_free(buffer);
    GTEST_SKIP() << "this libzip cannot encrypt";
  }
  ASSERT_EQ(zip_close(writer), 0);
  zip_stat_t stat;
  zip_source_stat(buffer, &stat);
  Bytes bytes(stat.size);
  zip_source_open(buffer);
  zip_source_read(buffer, bytes.data(), bytes.size());
  zip_source_close(buffer);
  zip_source_free(buffer);

  auto archive = opened(bytes);
  ASSERT_NE(archive, nullptr);
  const auto read = archive->read("amy.png");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, "zip_invalid");
  EXPECT_NE(read.error().message.find("password"), std::string::npos) << read.error().message;
}

}  // namespace
}  // namespace rollcall::jobs

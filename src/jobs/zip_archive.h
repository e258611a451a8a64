// src/jobs/zip_archive.h
//
// ZipArchive: an uploaded ZIP (of enrollment photos) read in memory, with
// limits, since the bytes come from users and ZIP sizes can lie.
// Owns: the uploaded bytes and libzip's view of them. Leaves to others:
// what the entries mean (the import job) and checking images (face).
// Invariants: names() lists files only: no directories, nothing under
// __MACOSX/, nothing with a path part starting with '.' (.DS_Store, ../);
// the declared sizes of the listed entries add up to at most
// max_total_bytes. read() never holds more than max_entry_bytes of an
// entry (plus one 64 KiB chunk), whatever the entry declares, and all
// read() calls together return at most max_total_bytes.
// Thread safety: none; use one archive from one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

struct zip;  // libzip's zip_t; zip.h stays in the .cc

namespace rollcall::jobs {

struct ZipLimits {
  std::size_t max_entries = 10'000;                     // every entry, skipped ones too
  std::uint64_t max_entry_bytes = 25u * 1024 * 1024;    // one file, uncompressed; = max_image_bytes
  std::uint64_t max_total_bytes = 1024u * 1024 * 1024;  // all files, uncompressed
};

class ZipArchive {
 public:
  // Errors: zip_invalid (not a ZIP, or damaged), zip_too_many_entries,
  // zip_too_large (declared sizes over max_total_bytes).
  static Result<std::unique_ptr<ZipArchive>> open(std::vector<std::uint8_t> bytes,
                                                  ZipLimits limits);

  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;
  ~ZipArchive();

  // The files, in archive order, as UTF-8 paths inside the ZIP ("class 7/
  // amy.jpg"); a name that occurs twice is listed (and read) once.
  const std::vector<std::string>& names() const { return names_; }

  // The bytes of one listed file. Errors: zip_entry_not_found,
  // zip_entry_too_large (declared or actual size over max_entry_bytes),
  // zip_too_large (all reads together over max_total_bytes), zip_invalid
  // (damaged data, CRC mismatch, encryption, unknown compression).
  Result<std::vector<std::uint8_t>> read(const std::string& name);

 private:
  struct Closer {
    void operator()(::zip* archive) const;
  };

  ZipArchive(std::vector<std::uint8_t> bytes, ZipLimits limits);

  std::vector<std::uint8_t> bytes_;  // what archive_ reads; declared first, destroyed last
  ZipLimits limits_;
  std::unique_ptr<::zip, Closer> archive_;
  std::vector<std::string> names_;
  std::map<std::string, std::uint64_t> index_;  // name -> libzip entry index
  std::uint64_t bytes_read_ = 0;                // by every read() so far
};

}  // namespace rollcall::jobs

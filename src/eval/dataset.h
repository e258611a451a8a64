// src/eval/dataset.h
//
// Reading labelled photos from disk: a folder per person (the `--gallery`
// layout of `rollcall identify`), and the ../shared/data CSV files.
// Owns: file reading and gallery building for the CLI, eval and bench.
// Thread safety: free functions.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "face/face.h"

namespace rollcall::eval {

namespace fs = std::filesystem;

// Errors: file_unreadable.
Result<std::vector<std::uint8_t>> read_file(const fs::path& path);

struct Person {
  std::string name;              // the folder name
  std::vector<fs::path> photos;  // sorted by file name
};

// Every sub-folder of `dir` with at least one .jpg/.jpeg/.png/.webp.
// Errors: gallery_unreadable.
Result<std::vector<Person>> read_people(const fs::path& dir);

struct EnrolledPhoto {
  fs::path path;
  face::AnalyzedFace face;
};
struct RejectedPhoto {
  fs::path path;
  Error why;
};

// A gallery with a name for every id, built the way enrollment builds
// templates: each photo must hold one good face (QualityPolicy::enrollment),
// at most kMaxTemplatePhotos per person, quality-weighted.
struct NamedGallery {
  face::Gallery gallery;
  std::map<StudentId, std::string> names;
  std::map<std::string, std::vector<EnrolledPhoto>> photos;  // by person
  std::vector<RejectedPhoto> rejected;
};

// `leave_out` names a person not to enroll (open-set evaluation).
Result<std::unique_ptr<NamedGallery>> build_gallery(face::Engine& engine,
                                                    const std::vector<Person>& people,
                                                    const std::string& leave_out = "");

// Rows of a CSV file with a header, as column -> value. Enough for the
// data set's simple files (no quoted commas). Errors: file_unreadable.
Result<std::vector<std::map<std::string, std::string>>> read_csv(const fs::path& path);

}  // namespace rollcall::eval

// src/domain/roster_import.h
//
// Bulk import: a CSV roster of students plus photos named by registration
// number (<prn>.jpg, <prn>_2.jpg, ...; .jpeg, .png and .webp too, any case),
// or by roll number when every row is in one class (roll numbers are unique
// only within a class; a registration number wins when both match).
// Each row is created and enrolled on its own: a bad row is reported
// with its line and reason and never stops the rest.
// Columns (header row required, any order, case-insensitive): name,
// roll_number, registration_number, and either class_id or class +
// section; phone optional. Described in docs/API.md ("Bulk import").
// Thread safety: shared; one import runs on one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "domain/directory.h"
#include "domain/enrollment.h"

namespace rollcall::domain {

inline constexpr std::size_t kMaxRosterRows = 20'000;

struct RosterRow {
  std::size_t line = 0;
  StudentFields fields;
  std::string class_name, section;  // when class_id is not given
  std::optional<Error> problem;     // a cell that cannot be read; the row is skipped
};

// Errors: csv_invalid, csv_too_many_rows, roster_empty, roster_missing_column.
Result<std::vector<RosterRow>> parse_roster(std::string_view csv);

// A row's problem. The message begins "the student was added, but ..."
// or "the student was not added: ...", for people reading the list.
struct RowError {
  std::size_t line = 0;
  std::string roll_number;
  std::string code;
  std::string message;
  bool is_student_added = false;  // the row's student exists, whatever went wrong after
  std::string registration_number;
};
nlohmann::json to_json(const RowError& error);

// Photo files by name: the key (a roll or registration number, lower
// case) in `rolls` that a file name (any folder) belongs to, "" when none.
// "<key>.jpg" wins over "<key>_2.jpg", so a key may itself end in _<digit>.
std::string roll_of_photo(const std::string& filename, const std::set<std::string>& rolls);

// Reads one photo's bytes by the name given to add_photo_names.
using PhotoReader = std::function<Result<std::vector<std::uint8_t>>(const std::string& name)>;

struct ImportProgress {
  std::size_t done = 0;
  std::size_t total = 0;
  std::size_t students_created = 0;
  std::size_t photos_accepted = 0;
  std::vector<RowError> errors;
};

class RosterImport {
 public:
  RosterImport(store::Store& store, Directory& directory, Enrollment& enrollment)
      : store_(store), directory_(directory), enrollment_(enrollment) {}

  // Runs every row as `who`; `photo_names` are the files available to
  // `read`. `on_row` is called after each row (progress, persistence).
  ImportProgress run(const Principal& who, const std::vector<RosterRow>& rows,
                     const std::vector<std::string>& photo_names, const PhotoReader& read,
                     const std::function<void(const ImportProgress&)>& on_row);

 private:
  Result<ClassId> class_of(const RosterRow& row, std::map<std::string, ClassId>& cache);

  store::Store& store_;
  Directory& directory_;
  Enrollment& enrollment_;
};

}  // namespace rollcall::domain

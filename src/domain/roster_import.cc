// src/domain/roster_import.cc
#include "domain/roster_import.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>

#include "domain/csv.h"
#include "domain/validate.h"

namespace rollcall::domain {
namespace {}  // namespace

nlohmann::json to_json(const RowError& error) {
  return {{"line", error.line},
          {"roll_number", error.roll_number},
          {"registration_number", error.registration_number},
          {"student_added", error.is_student_added},
          {"code", error.code},
          {"message", error.message}};
}

Result<std::vector<RosterRow>> parse_roster(std::string_view csv) {
  auto rows = parse_csv_rows(csv, kMaxRosterRows + 1);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error("roster_empty", "the CSV has no header row and no students");
  std::map<std::string, std::size_t> column;
  for (std::size_t i = 0; i < rows->front().fields.size(); ++i) {
    column[lower_ascii(trim_spaces(rows->front().fields[i]))] = i;
  }
  for (const char* required : {"name", "roll_number", "registration_number"}) {
    if (!column.count(required)) {
      return make_error("roster_missing_column",
                        std::string("the CSV header has no \"") + required +
                            "\" column; it needs name, roll_number, registration_number and "
                            "class_id or class + section");
    }
  }
  const bool has_class_id = column.count("class_id") > 0;
  if (!has_class_id && !column.count("class")) {
    return make_error("roster_missing_column",
                      "the CSV header needs a class_id column, or class and section columns");
  }
  std::vector<RosterRow> out;
  for (std::size_t r = 1; r < rows->size(); ++r) {
    const auto& fields = (*rows)[r].fields;
    auto cell = [&](const char* name) -> std::optional<std::string> {
      auto it = column.find(name);
      if (it == column.end() || it->second >= fields.size()) return std::nullopt;
      return trim_spaces(fields[it->second]);
    };
    RosterRow row;
    row.line = (*rows)[r].line;
    row.fields.name = cell("name");
    row.fields.roll_number = cell("roll_number");
    row.fields.registration_number = cell("registration_number");
    row.fields.phone = cell("phone");
    if (has_class_id) {
      std::int64_t id = 0;
      const auto text = cell("class_id").value_or("");
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
      if (error != std::errc() || end != text.data() + text.size() || id <= 0) {
        row.problem = field_error("invalid_field", "class_id",
                                  "class_id must be a class's number, got \"" + text + "\"");
      }
      row.fields.class_id = ClassId{id};
    } else {
      row.class_name = cell("class").value_or("");
      row.section = cell("section").value_or("");
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::string roll_of_photo(const std::string& filename, const std::set<std::string>& rolls) {
  const std::filesystem::path path(filename);
  const std::string extension = lower_ascii(path.extension().string());
  if (extension != ".jpg" && extension != ".jpeg" && extension != ".png" && extension != ".webp") {
    return "";
  }
  const std::string stem = lower_ascii(path.stem().string());
  if (rolls.count(stem)) return stem;
  // <roll>_2 .. <roll>_9: further photos of one student.
  const auto underscore = stem.rfind('_');
  if (underscore != std::string::npos && underscore + 2 == stem.size() &&
      std::isdigit(static_cast<unsigned char>(stem.back())) &&
      rolls.count(stem.substr(0, underscore))) {
    return stem.substr(0, underscore);
  }
  return "";
}

Result<ClassId> RosterImport::class_of(const RosterRow& row,
                                       std::map<std::string, ClassId>& cache) {
  if (row.fields.class_id) return *row.fields.class_id;
  const std::string key = row.class_name + "\x1f" + row.section;
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  auto page = store_.read_value<store::Page<store::ClassGroup>>([&](store::Tx& tx) {
    return tx.list_classes(store::ListQuery{row.class_name, 0, 200});
  });
  if (!page) return page.error();
  for (const auto& group : page->items) {
    if (lower_ascii(group.name) == lower_ascii(row.class_name) &&
        lower_ascii(group.section) == lower_ascii(row.section)) {
      cache[key] = group.id;
      return group.id;
    }
  }
  return field_error(
      "class_not_found", "class",
      "no class \"" + row.class_name + "\" section \"" + row.section + "\"; create it first");
}

ImportProgress RosterImport::run(const Principal& who, const std::vector<RosterRow>& rows,
                                 const std::vector<std::string>& photo_names,
                                 const PhotoReader& read,
                                 const std::function<void(const ImportProgress&)>& on_row) {
  // Every row's class first: roll numbers repeat across classes, so photos
  // may be named by roll number only when one class holds the whole import.
  std::map<std::string, ClassId> classes;
  std::vector<Result<ClassId>> row_classes;
  std::set<std::int64_t> distinct_classes;
  for (const auto& row : rows) {
    row_classes.push_back(row.problem ? Result<ClassId>(*row.problem) : class_of(row, classes));
    if (row_classes.back()) distinct_classes.insert(row_classes.back()->value);
  }
  const bool is_one_class = distinct_classes.size() <= 1;
  std::set<std::string> prns, rolls;
  for (const auto& row : rows) {
    prns.insert(lower_ascii(row.fields.registration_number.value_or("")));
    rolls.insert(lower_ascii(row.fields.roll_number.value_or("")));
  }
  // A registration number wins over a roll number that happens to be spelt
  // the same.
  std::map<std::string, std::vector<std::string>> photos_by_prn, photos_by_roll;
  for (const auto& name : photo_names) {
    if (auto prn = roll_of_photo(name, prns); !prn.empty()) {
      photos_by_prn[prn].push_back(name);
    } else if (auto roll = roll_of_photo(name, rolls); !roll.empty()) {
      photos_by_roll[roll].push_back(name);
    }
  }
  ImportProgress progress;
  progress.total = rows.size();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const std::string roll = row.fields.roll_number.value_or("");
    const std::string prn = row.fields.registration_number.value_or("");
    bool is_added = false;
    // Every message says whether the student is in the school now.
    auto fail = [&](const std::string& code, const std::string& problem) {
      progress.errors.push_back(
          {row.line, roll, code,
           (is_added ? "the student was added, but " : "the student was not added: ") + problem,
           is_added, prn});
    };
    const auto& class_id = row_classes[i];
    if (!class_id) {
      fail(class_id.error().code, class_id.error().message);
    } else {
      StudentFields fields = row.fields;
      fields.class_id = *class_id;
      auto created = directory_.create_student(who, fields);
      if (!created) {
        fail(created.error().code, created.error().message);
      } else {
        is_added = true;
        ++progress.students_created;
        const auto& student = created->student;
        auto names = photos_by_prn[lower_ascii(student.registration_number)];
        const auto& by_roll = photos_by_roll[lower_ascii(student.roll_number)];
        if (is_one_class) names.insert(names.end(), by_roll.begin(), by_roll.end());
        std::sort(names.begin(), names.end());
        if (names.empty() && !by_roll.empty()) {
          fail("photo_named_by_roll_number",
               "photo " + by_roll.front() +
                   " is named by roll number, which students of different classes in this "
                   "import may share; name it by registration number (" +
                   student.registration_number + ".jpg)");
        } else if (names.empty()) {
          fail("photo_missing", "no photo is named " + student.registration_number + ".jpg" +
                                    (is_one_class ? " or " + student.roll_number + ".jpg" : "") +
                                    " (or .png, .webp)");
        }
        std::vector<std::pair<std::string, std::vector<std::uint8_t>>> files;
        for (const auto& name : names) {
          auto content = read(name);
          if (!content) {
            fail(content.error().code,
                 "photo " + name + " could not be read: " + content.error().message);
            continue;
          }
          files.emplace_back(name, std::move(content).value());
        }
        std::vector<Upload> uploads;
        for (const auto& [name, content] : files) uploads.push_back({name, content});
        if (!uploads.empty()) {
          auto report = enrollment_.add_photos(who, student.id, uploads);
          if (!report) {
            fail(report.error().code, "the photos were not enrolled: " + report.error().message);
          } else {
            for (const auto& outcome : report->photos) {
              if (outcome.is_accepted()) {
                ++progress.photos_accepted;
              } else {
                fail(outcome.rejection->code, "photo " + outcome.filename +
                                                  " cannot be used: " + outcome.rejection->message);
              }
            }
          }
        }
      }
    }
    ++progress.done;
    if (on_row) on_row(progress);
  }
  return progress;
}

}  // namespace rollcall::domain

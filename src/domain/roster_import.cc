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
  std::set<std::string> rolls;
  for (const auto& row : rows) rolls.insert(lower_ascii(row.fields.roll_number.value_or("")));
  std::map<std::string, std::vector<std::string>> photos_by_roll;
  for (const auto& name : photo_names) {
    const auto roll = roll_of_photo(name, rolls);
    if (!roll.empty()) photos_by_roll[roll].push_back(name);
  }
  std::map<std::string, ClassId> classes;
  ImportProgress progress;
  progress.total = rows.size();
  for (const auto& row : rows) {
    const std::string roll = row.fields.roll_number.value_or("");
    auto fail = [&](const Error& error) {
      progress.errors.push_back({row.line, roll, error.code, error.message});
    };
    auto class_id = row.problem ? Result<ClassId>(*row.problem) : class_of(row, classes);
    if (!class_id) {
      fail(class_id.error());
    } else {
      StudentFields fields = row.fields;
      fields.class_id = *class_id;
      auto created = directory_.create_student(who, fields);
      if (!created) {
        fail(created.error());
      } else {
        ++progress.students_created;
        auto names = photos_by_roll[lower_ascii(created->student.roll_number)];
        std::sort(names.begin(), names.end());
        if (names.empty()) {
          fail(make_error("photo_missing", "no photo named " + roll + ".jpg (or .png, .webp)"));
        }
        std::vector<std::pair<std::string, std::vector<std::uint8_t>>> files;
        for (const auto& name : names) {
          auto content = read(name);
          if (!content) {
            fail(content.error());
            continue;
          }
          files.emplace_back(name, std::move(content).value());
        }
        std::vector<Upload> uploads;
        for (const auto& [name, content] : files) uploads.push_back({name, content});
        if (!uploads.empty()) {
          auto report = enrollment_.add_photos(who, created->student.id, uploads);
          if (!report) {
            fail(report.error());
          } else {
            for (const auto& outcome : report->photos) {
              if (outcome.is_accepted()) {
                ++progress.photos_accepted;
              } else {
                fail(Error{outcome.rejection->code,
                           outcome.filename + ": " + outcome.rejection->message});
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

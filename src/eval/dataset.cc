// src/eval/dataset.cc
#include "eval/dataset.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace rollcall::eval {
namespace {

bool is_photo(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".webp";
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, sep)) out.push_back(cell);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

}  // namespace

Result<std::vector<std::uint8_t>> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("file_unreadable", "cannot read " + path.string());
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

Result<std::vector<Person>> read_people(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return make_error("gallery_unreadable",
                      dir.string() + " is not a directory; a gallery is one folder per person");
  }
  std::vector<Person> people;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_directory()) continue;
    Person person{entry.path().filename().string(), {}};
    for (const auto& file : fs::directory_iterator(entry.path())) {
      if (file.is_regular_file() && is_photo(file.path())) person.photos.push_back(file.path());
    }
    std::sort(person.photos.begin(), person.photos.end());
    if (!person.photos.empty()) people.push_back(std::move(person));
  }
  std::sort(people.begin(), people.end(),
            [](const Person& a, const Person& b) { return a.name < b.name; });
  if (people.empty()) {
    return make_error("gallery_unreadable", dir.string() + " has no person folders with photos");
  }
  return people;
}

Result<std::unique_ptr<NamedGallery>> build_gallery(face::Engine& engine,
                                                    const std::vector<Person>& people,
                                                    const std::string& leave_out) {
  auto out = std::make_unique<NamedGallery>();
  std::int64_t next_id = 1;
  for (const auto& person : people) {
    const StudentId id{next_id++};
    if (person.name == leave_out) continue;
    std::vector<face::WeightedEmbedding> sources;
    for (const auto& path : person.photos) {
      if (sources.size() == face::kMaxTemplatePhotos) break;
      auto bytes = read_file(path);
      if (!bytes) return bytes.error();
      auto analysed =
          engine.analyze_portrait(*bytes, face::QualityPolicy::enrollment(), face::DecodeLimits{});
      if (!analysed) {
        out->rejected.push_back({path, analysed.error()});
        continue;
      }
      sources.push_back({analysed->embedding, face::template_weight(analysed->quality)});
      out->photos[person.name].push_back({path, std::move(analysed).value()});
    }
    if (sources.empty()) continue;
    auto made = face::make_template(std::move(sources));
    if (!made) return made.error();
    if (auto put = out->gallery.put(id, made->combined.values); !put) return put.error();
    out->names[id] = person.name;
  }
  return out;
}

Result<std::vector<std::map<std::string, std::string>>> read_csv(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return make_error("file_unreadable", "cannot read " + path.string());
  std::string line;
  // The data set's files end lines with CRLF; a cell must not keep the CR.
  const auto next_line = [&] {
    if (!std::getline(in, line)) return false;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  };
  next_line();
  const auto header = split(line, ',');
  std::vector<std::map<std::string, std::string>> rows;
  while (next_line()) {
    if (line.empty()) continue;
    const auto cells = split(line, ',');
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace rollcall::eval

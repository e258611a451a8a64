// tests/fuzz/zip_fuzzer.cc
//
// ZIP uploads of enrollment photos (POST /api/v1/students/import with a
// ZIP): jobs::ZipArchive::open on the bytes, then every listed file read
// and matched to a roll number (domain::roll_of_photo), as the import job
// does. The limits are the server's (ZipLimits, max_entry_bytes =
// max_image_bytes's default of 25 MiB) but for the total, lowered so that
// the fuzzer meets it too.
// Invariants: open and read answer a value or an Error with a documented
// code, never crash; names() lists no directory, nothing under __MACOSX/,
// no path part starting with '.' (so no "../"), and no name twice; a read
// never returns more than max_entry_bytes, and all reads together never
// more than max_total_bytes; a name not listed is zip_entry_not_found.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "domain/roster_import.h"
#include "fuzz_check.h"
#include "jobs/zip_archive.h"

namespace {

using rollcall::jobs::ZipArchive;
using rollcall::jobs::ZipLimits;

bool is_listable(const std::string& name) {
  if (name.empty() || name.back() == '/' || name.back() == '\\') return false;
  if (name.starts_with("__MACOSX/")) return false;
  std::size_t start = 0;
  while (start < name.size()) {
    if (name[start] == '.') return false;
    const auto next = name.find_first_of("/\\", start);
    if (next == std::string::npos) break;
    start = next + 1;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ZipLimits limits;
  limits.max_total_bytes = 4u * 1024 * 1024;
  auto opened = ZipArchive::open(std::vector<std::uint8_t>(data, data + size), limits);
  if (!opened) {
    const auto& code = opened.error().code;
    FUZZ_CHECK(code == "zip_invalid" || code == "zip_too_many_entries" || code == "zip_too_large");
    return 0;
  }
  ZipArchive& archive = **opened;
  const std::set<std::string> unique(archive.names().begin(), archive.names().end());
  FUZZ_CHECK(unique.size() == archive.names().size());
  const std::set<std::string> rolls{"amy", "ben", "21bce0001"};
  std::uint64_t total = 0;
  for (const auto& name : archive.names()) {
    FUZZ_CHECK(is_listable(name));
    const auto roll = rollcall::domain::roll_of_photo(name, rolls);
    FUZZ_CHECK(roll.empty() || rolls.contains(roll));
    auto bytes = archive.read(name);
    if (!bytes) {
      const auto& code = bytes.error().code;
      FUZZ_CHECK(code == "zip_invalid" || code == "zip_entry_too_large" || code == "zip_too_large");
      continue;
    }
    FUZZ_CHECK(bytes->size() <= limits.max_entry_bytes);
    total += bytes->size();
    FUZZ_CHECK(total <= limits.max_total_bytes);
  }
  auto missing = archive.read("../not listed.jpg");
  FUZZ_CHECK(!missing && missing.error().code == "zip_entry_not_found");
  return 0;
}

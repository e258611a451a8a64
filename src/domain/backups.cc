// src/domain/backups.cc
#include "domain/backups.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "base/clock.h"
#include "domain/audit.h"

namespace rollcall::domain {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "rollcall-";
constexpr std::string_view kSuffix = ".db";

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; });
}

// "rollcall-20261125-093000.db" -> 2026-11-25T09:30:00Z in Unix ms.
// Requires: Backups::is_backup_name(name).
std::int64_t time_of(std::string_view name) {
  const auto stamp = name.substr(kPrefix.size(), 15);  // YYYYMMDD-HHMMSS
  const auto number = [&](std::size_t at, std::size_t size) {
    return std::stoi(std::string(stamp.substr(at, size)));
  };
  std::tm utc{};
  utc.tm_year = number(0, 4) - 1900;
  utc.tm_mon = number(4, 2) - 1;
  utc.tm_mday = number(6, 2);
  utc.tm_hour = number(9, 2);
  utc.tm_min = number(11, 2);
  utc.tm_sec = number(13, 2);
  return static_cast<std::int64_t>(timegm(&utc)) * 1000;
}

std::string stamp_of(std::int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::snprintf(text, sizeof text, "%04d%02d%02d-%02d%02d%02d", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return text;
}

Result<BackupFile> file_of(const fs::path& dir, const std::string& name) {
  BackupFile file;
  file.name = name;
  file.path = dir / name;
  std::error_code error;
  file.size_bytes = fs::file_size(file.path, error);
  if (error) return make_error("backup_not_found", "no backup is called " + name);
  file.created_ms = time_of(name);
  return file;
}

Error not_found(const std::string& name) {
  return field_error(
      "backup_not_found", "backup",
      "no backup is called \"" + name.substr(0, 64) + "\"; GET /api/v1/backups lists them");
}

}  // namespace

Backups::Backups(store::Store& store, fs::path dir) : store_(store), dir_(std::move(dir)) {}

bool Backups::is_backup_name(std::string_view name) {
  // rollcall-YYYYMMDD-HHMMSS.db or rollcall-YYYYMMDD-HHMMSS-N.db (N: 2-99,
  // for backups made within one second).
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return false;
  auto middle = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (middle.size() < 15 || !all_digits(middle.substr(0, 8)) || middle[8] != '-' ||
      !all_digits(middle.substr(9, 6))) {
    return false;
  }
  const auto rest = middle.substr(15);
  return rest.empty() || (rest.size() >= 2 && rest.size() <= 3 && rest[0] == '-' &&
                          all_digits(rest.substr(1)) && rest[1] != '0');
}

Result<BackupFile> Backups::create(const Principal& who) {
  if (!who.is_admin()) return forbidden("make backups");
  if (store_.backend() != store::Backend::sqlite) {
    return make_error("backup_unsupported",
                      "the server copies SQLite databases only; back up PostgreSQL with pg_dump "
                      "--format=custom (see docs/OPERATIONS.md)");
  }
  std::lock_guard lock(create_mutex_);
  std::error_code error;
  // A backup holds everything the database does (password hashes, the
  // JWT key, faces): its folder is 0700 and each file 0600, whatever the
  // umask of whoever started the server.
  fs::create_directories(dir_, error);
  if (!error) fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace, error);
  if (error) {
    return make_error("backup_failed",
                      "cannot create the backup folder " + dir_.string() + ": " + error.message());
  }
  const std::string stamp = stamp_of(unix_ms_now());
  std::string name;
  for (int n = 1; n < 100 && name.empty(); ++n) {
    std::string candidate = std::string(kPrefix) + stamp + (n == 1 ? "" : "-" + std::to_string(n)) +
                            std::string(kSuffix);
    if (!fs::exists(dir_ / candidate, error) && !fs::exists(dir_ / (candidate + ".part"), error)) {
      name = std::move(candidate);
    }
  }
  if (name.empty()) return make_error("backup_failed", "too many backups in one second");
  // Written under another name first, so a listing never offers half a file.
  const fs::path part = dir_ / (name + ".part");
  if (auto copied = store_.backup(part); !copied) {
    fs::remove(part, error);
    return copied.error();
  }
  fs::permissions(part, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace,
                  error);
  if (error) {
    fs::remove(part, error);
    return make_error("backup_failed", "cannot make the backup " + name + " private");
  }
  fs::rename(part, dir_ / name, error);
  if (error) {
    fs::remove(part, error);
    return make_error("backup_failed", "cannot name the backup " + name + ": " + error.message());
  }
  auto file = file_of(dir_, name);
  if (!file) return file.error();
  auto audited = store_.write([&](store::Tx& tx) {
    return audit(tx, &who, "backup.create", "backup", 0, nullptr,
                 {{"name", file->name}, {"size_bytes", file->size_bytes}});
  });
  if (!audited) return audited.error();
  return file;
}

Result<std::vector<BackupFile>> Backups::list(const Principal& who) {
  if (!who.is_admin()) return forbidden("see backups");
  std::vector<BackupFile> out;
  std::error_code error;
  if (!fs::is_directory(dir_, error)) return out;
  for (const auto& entry : fs::directory_iterator(dir_, error)) {
    const auto name = entry.path().filename().string();
    if (!is_backup_name(name) || !entry.is_regular_file(error)) continue;
    if (auto file = file_of(dir_, name)) out.push_back(std::move(*file));
  }
  if (error) {
    return make_error("backup_failed", "cannot read the backup folder: " + error.message());
  }
  // Newest first; within one second, the later suffix first.
  std::sort(out.begin(), out.end(), [](const BackupFile& a, const BackupFile& b) {
    if (a.created_ms != b.created_ms) return a.created_ms > b.created_ms;
    if (a.name.size() != b.name.size()) return a.name.size() > b.name.size();
    return a.name > b.name;
  });
  return out;
}

Result<BackupFile> Backups::find(const Principal& who, const std::string& name) {
  if (!who.is_admin()) return forbidden("download backups");
  if (!is_backup_name(name)) return not_found(name);
  std::error_code error;
  if (!fs::is_regular_file(dir_ / name, error)) return not_found(name);
  auto file = file_of(dir_, name);
  if (!file) return not_found(name);
  return file;
}

}  // namespace rollcall::domain

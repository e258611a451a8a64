// src/app/serve_data_dir.cc
#include "app/serve_data_dir.h"

#include <sys/stat.h>

#include <cstdio>

namespace rollcall::app {
namespace {

namespace fs = std::filesystem;

std::string octal(fs::perms perms) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(perms) & 07777u);
  return text;
}

// A file or directory (not a link) that group or others may use becomes
// 0600 (files) or 0700 (directories); the change is noted in `fixed`.
void make_private(const fs::path& path, const fs::path& shown_as, std::vector<std::string>& fixed,
                  std::error_code& error) {
  const auto status = fs::symlink_status(path, error);
  if (error) return;
  if (fs::is_symlink(status) || !fs::exists(status)) return;
  const bool is_dir = fs::is_directory(status);
  const fs::perms want =
      is_dir ? fs::perms::owner_all : fs::perms::owner_read | fs::perms::owner_write;
  const fs::perms have = status.permissions() & fs::perms::all;
  const fs::perms shared = fs::perms::group_all | fs::perms::others_all;
  if ((have & shared) == fs::perms::none) return;  // private already
  fs::permissions(path, want, fs::perm_options::replace | fs::perm_options::nofollow, error);
  if (error) {
    // nofollow is unsupported for chmod on some systems; the path is not a
    // link (checked above), so following it changes the same file.
    error.clear();
    fs::permissions(path, want, fs::perm_options::replace, error);
  }
  if (!error) fixed.push_back(shown_as.string() + " " + octal(have) + " -> " + octal(want));
}

}  // namespace

fs::path external_sqlite_file(const std::string& database) {
  constexpr std::string_view kPrefix = "sqlite://";
  if (!database.starts_with(kPrefix) || database.size() == kPrefix.size()) return {};
  return fs::path(database.substr(kPrefix.size()));
}

Result<std::vector<std::string>> make_data_dir_private(const fs::path& data_dir,
                                                       const fs::path& database_file) {
  ::umask(077);
  std::error_code error;
  fs::create_directories(data_dir, error);
  if (error) {
    return make_error("data_dir_unusable", "cannot create the data directory " + data_dir.string() +
                                               ": " + error.message());
  }
  std::vector<std::string> fixed;
  make_private(data_dir, data_dir, fixed, error);
  if (error) {
    return make_error("data_dir_unusable", "cannot make the data directory " + data_dir.string() +
                                               " private: " + error.message());
  }
  // Directory links are not followed (the default), so nothing outside
  // the data directory is changed through one.
  for (auto it = fs::recursive_directory_iterator(data_dir, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    std::error_code one;
    make_private(it->path(), fs::relative(it->path(), data_dir, one), fixed, one);
  }
  if (error) {
    return make_error("data_dir_unusable", "cannot read the data directory " + data_dir.string() +
                                               ": " + error.message());
  }
  if (!database_file.empty()) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const fs::path file = database_file.string() + suffix;
      std::error_code one;
      make_private(file, file, fixed, one);
    }
  }
  return fixed;
}

}  // namespace rollcall::app

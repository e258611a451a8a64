// src/jobs/zip_archive.cc
#include "jobs/zip_archive.h"

#include <zip.h>

#include <algorithm>
#include <array>
#include <limits>
#include <string_view>

namespace rollcall::jobs {
namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;

std::string mib(std::uint64_t bytes) {
  return std::to_string((bytes + 1024 * 1024 - 1) / (1024 * 1024)) + " MiB";
}

// Files a person zipping a folder did not mean to send: directories,
// macOS resource forks, hidden files; also any "../" path part.
bool is_skipped(std::string_view name) {
  if (name.empty() || name.back() == '/' || name.back() == '\\') return true;
  if (name.starts_with("__MACOSX/")) return true;
  std::size_t start = 0;
  while (start < name.size()) {
    if (name[start] == '.') return true;
    const auto next = name.find_first_of("/\\", start);
    if (next == std::string_view::npos) break;
    start = next + 1;
  }
  return false;
}

Error damaged(const std::string& what,
              const std::string& fix = "make the ZIP again with a standard ZIP tool") {
  return make_error("zip_invalid", what + "; " + fix);
}

struct FileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

}  // namespace

void ZipArchive::Closer::operator()(::zip* archive) const { zip_discard(archive); }

ZipArchive::ZipArchive(std::vector<std::uint8_t> bytes, ZipLimits limits)
    : bytes_(std::move(bytes)), limits_(limits) {}

ZipArchive::~ZipArchive() = default;

Result<std::unique_ptr<ZipArchive>> ZipArchive::open(std::vector<std::uint8_t> bytes,
                                                     ZipLimits limits) {
  if (bytes.empty()) return damaged("the ZIP file is empty");
  std::unique_ptr<ZipArchive> archive(new ZipArchive(std::move(bytes), limits));

  zip_error_t error;
  zip_error_init(&error);
  // freep = 0: the buffer stays ours (bytes_), libzip only reads it.
  zip_source_t* source =
      zip_source_buffer_create(archive->bytes_.data(), archive->bytes_.size(), 0, &error);
  if (!source) {
    const std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    return damaged("the ZIP cannot be read (" + message + ")");
  }
  // ZIP_CHECKCONS: compare local headers with the central directory, since
  // a crafted ZIP can make them disagree.
  zip_t* opened = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (!opened) {
    const std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    zip_source_free(source);  // zip_open_from_source only takes it on success
    return damaged("the file is not a readable ZIP archive (" + message + ")");
  }
  zip_error_fini(&error);
  archive->archive_.reset(opened);

  const zip_int64_t count = zip_get_num_entries(opened, 0);
  if (count < 0) return damaged("the ZIP's list of files cannot be read");
  if (static_cast<std::uint64_t>(count) > limits.max_entries) {
    return make_error("zip_too_many_entries", "the ZIP has " + std::to_string(count) +
                                                  " entries; at most " +
                                                  std::to_string(limits.max_entries) +
                                                  " are allowed, so split it into smaller ZIPs");
  }

  std::uint64_t declared_total = 0;
  for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(opened, i, 0, &stat) != 0 || !(stat.valid & ZIP_STAT_NAME))
      return damaged("entry " + std::to_string(i) + " of the ZIP cannot be read");
    const std::string name = stat.name;
    if (is_skipped(name) || archive->index_.contains(name)) continue;
    if (stat.valid & ZIP_STAT_SIZE) {
      declared_total = stat.size > std::numeric_limits<std::uint64_t>::max() - declared_total
                           ? std::numeric_limits<std::uint64_t>::max()
                           : declared_total + stat.size;
    }
    archive->index_.emplace(name, i);
    archive->names_.push_back(name);
  }
  if (declared_total > limits.max_total_bytes) {
    return make_error("zip_too_large", "the files in the ZIP unpack to " + mib(declared_total) +
                                           "; at most " + mib(limits.max_total_bytes) +
                                           " are allowed, so split it into smaller ZIPs");
  }
  return archive;
}

Result<std::vector<std::uint8_t>> ZipArchive::read(const std::string& name) {
  const auto found = index_.find(name);
  if (found == index_.end()) {
    return make_error("zip_entry_not_found",
                      "the ZIP has no file \"" + name + "\"; use a name from its list of files");
  }
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(archive_.get(), found->second, 0, &stat) != 0)
    return damaged("\"" + name + "\" in the ZIP cannot be read");
  const auto too_large = [&](const std::string& size) {
    return make_error("zip_entry_too_large",
                      "\"" + name + "\" in the ZIP " + size + "; files may be at most " +
                          mib(limits_.max_entry_bytes) + ", so make it smaller or leave it out");
  };
  if ((stat.valid & ZIP_STAT_SIZE) && stat.size > limits_.max_entry_bytes)
    return too_large("is " + mib(stat.size));
  if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) && stat.encryption_method != ZIP_EM_NONE)
    return damaged("\"" + name + "\" in the ZIP is encrypted", "make the ZIP without a password");
  if ((stat.valid & ZIP_STAT_COMP_METHOD) && !zip_compression_method_supported(stat.comp_method, 0))
    return damaged("\"" + name + "\" in the ZIP uses compression method " +
                       std::to_string(stat.comp_method) + ", which cannot be read",
                   "make the ZIP with the usual (deflate) compression");

  std::unique_ptr<zip_file_t, FileCloser> file(zip_fopen_index(archive_.get(), found->second, 0));
  if (!file)
    return damaged("\"" + name + "\" in the ZIP cannot be opened (" + zip_strerror(archive_.get()) +
                   ")");

  std::vector<std::uint8_t> out;
  out.reserve(static_cast<std::size_t>((stat.valid & ZIP_STAT_SIZE) ? stat.size : 0));
  std::array<std::uint8_t, kChunkBytes> chunk;
  while (true) {
    const zip_int64_t n = zip_fread(file.get(), chunk.data(), chunk.size());
    if (n < 0) {
      return damaged("\"" + name + "\" in the ZIP is damaged (" + zip_file_strerror(file.get()) +
                     ")");
    }
    if (n == 0) break;
    // The declared size can lie (a zip bomb): the limit is on what comes out.
    const auto size = out.size() + static_cast<std::size_t>(n);
    if (size > limits_.max_entry_bytes) {
      const auto declared = (stat.valid & ZIP_STAT_SIZE) ? std::to_string(stat.size) : "no";
      return too_large("unpacks to more than " + mib(limits_.max_entry_bytes) +
                       " although its header says " + declared + " bytes");
    }
    if (bytes_read_ + size > limits_.max_total_bytes) {
      return make_error("zip_too_large", "the files in the ZIP unpack to more than " +
                                             mib(limits_.max_total_bytes) +
                                             "; split it into smaller ZIPs");
    }
    out.insert(out.end(), chunk.begin(), chunk.begin() + n);
  }
  bytes_read_ += out.size();
  return out;
}

}  // namespace rollcall::jobs

// src/http/routes_backups.cc
//
// Backups over the API (admin): make an online copy of the SQLite
// database, list the copies, download one. The copies are files in
// <data_dir>/backups named by domain::Backups; PostgreSQL answers
// backup_unsupported (use pg_dump, docs/OPERATIONS.md).
#include <fstream>
#include <memory>

#include "base/clock.h"
#include "http/routes.h"

namespace rollcall::http {
namespace {

nlohmann::json backup_json(const domain::BackupFile& file) {
  return {{"name", file.name},
          {"size_bytes", file.size_bytes},
          {"created_at", format_iso8601(file.created_ms)},
          {"download_url", "/api/v1/backups/" + file.name + "/download"}};
}

// A backup may be larger than is sensible to hold in memory: it goes out
// in chunks, read as the connection takes them.
constexpr std::size_t kChunkBytes = 256 * 1024;

}  // namespace

void add_backup_routes(Router& router, Services& s) {
  auto& backups = s.backups;
  router.add("POST", "/api/v1/backups", kAdmin,
             "Back up the SQLite database now (PostgreSQL: use pg_dump)",
             [&backups](Call& call) -> Result<Reply> {
               auto file = backups.create(call.who());
               if (!file) return file.error();
               return Reply::json(backup_json(*file), 201);
             });
  router.add("GET", "/api/v1/backups", kAdmin, "The backups made so far, newest first",
             [&backups](Call& call) -> Result<Reply> {
               auto files = backups.list(call.who());
               if (!files) return files.error();
               nlohmann::json items = nlohmann::json::array();
               for (const auto& file : *files) items.push_back(backup_json(file));
               return Reply::json({{"items", items}, {"total", items.size()}});
             });
  router.add("GET", "/api/v1/backups/{backup}/download", kAdmin,
             "Download one backup (an SQLite database file)",
             [&backups](Call& call) -> Result<Reply> {
               auto file = backups.find(call.who(), call.ref("backup"));
               if (!file) return file.error();
               auto in = std::make_shared<std::ifstream>(file->path, std::ios::binary);
               if (!*in) {
                 return make_error("backup_not_found",
                                   "the backup " + file->name + " can no longer be read");
               }
               Reply reply;
               reply.content_type = "application/vnd.sqlite3";
               reply.headers.emplace_back("Content-Disposition",
                                          "attachment; filename=\"" + file->name + "\"");
               reply.headers.emplace_back("Cache-Control", "no-store");
               reply.stream = [in](std::string& chunk, const std::function<bool()>& is_open) {
                 if (!is_open()) return false;
                 chunk.resize(kChunkBytes);
                 in->read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
                 chunk.resize(static_cast<std::size_t>(in->gcount()));
                 return !in->eof() && !in->fail();
               };
               return reply;
             });
}

}  // namespace rollcall::http

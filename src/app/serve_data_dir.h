// src/app/serve_data_dir.h
//
// The data directory as only its owner may read it. It holds the SQLite
// database (the JWT signing key when none is configured, password hashes,
// webhook secrets, faces and embeddings), its -wal and -shm files and the
// backups: a local user who can read them can sign an admin token.
// Invariants after make_data_dir_private: the process umask is 077, so
// whatever it creates later (the database, its WAL, backups) is its
// owner's only; the directory and every directory under it are 0700 and
// every file 0600. Symbolic links are neither followed nor changed.
// Thread safety: call at start, before other threads run (umask is the
// process's).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"

namespace rollcall::app {

// Sets umask 077, creates `data_dir` (0700) if it is missing, and takes
// group and other access from it and from everything in it; also from
// `database_file` and its -wal and -shm when it is set (a sqlite:// file
// kept elsewhere). Returns what it changed, each as "path 0644 -> 0600"
// (paths inside data_dir relative to it). Errors: data_dir_unusable.
Result<std::vector<std::string>> make_data_dir_private(const std::filesystem::path& data_dir,
                                                       const std::filesystem::path& database_file);

// The SQLite file a database setting names outside the data directory
// ("sqlite:///srv/rollcall.db" -> /srv/rollcall.db); "" for the default
// file (inside data_dir, already covered) and for PostgreSQL.
std::filesystem::path external_sqlite_file(const std::string& database);

}  // namespace rollcall::app

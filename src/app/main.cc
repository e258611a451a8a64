// src/app/main.cc
//
// `rollcall`: one binary, sub-commands registered by the cli_*.cc files.
#include <CLI/CLI.hpp>

#include "app/app.h"

int main(int argc, char** argv) {
  CLI::App cli{"Rollcall: face-recognition attendance"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", "rollcall 0.1.0");
  rollcall::app::add_face_commands(cli);
  rollcall::app::add_model_commands(cli);
  rollcall::app::add_eval_commands(cli);
  rollcall::app::add_bench_commands(cli);
  rollcall::app::add_server_commands(cli);
  rollcall::app::add_report_commands(cli);
  CLI11_PARSE(cli, argc, argv);
  return 0;
}

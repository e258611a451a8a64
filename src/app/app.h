// src/app/app.h
//
// The app module: the `rollcall` command line and the wiring between
// modules. The only module that includes everything.
// Owns: sub-commands, configuration (config.h), output formatting
// (output.h). Each cli_*.cc registers one family of sub-commands.
#pragma once

#include <CLI/CLI.hpp>

namespace rollcall::app {

void add_face_commands(CLI::App& cli);    // detect, verify, identify
void add_model_commands(CLI::App& cli);   // models fetch | check | list
void add_eval_commands(CLI::App& cli);    // eval
void add_bench_commands(CLI::App& cli);   // bench
void add_server_commands(CLI::App& cli);  // serve, config show, backup, import, reembed
void add_report_commands(CLI::App& cli);  // report session | class | student

}  // namespace rollcall::app

// src/app/cli_eval.cc  (placeholder until eval lands)
#include "app/app.h"
namespace rollcall::app {
void add_eval_commands(CLI::App&) {}
}  // namespace rollcall::app

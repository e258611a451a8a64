#include <CLI/CLI.hpp>
namespace rollcall::app {
void add_bench_commands(CLI::App&) {}
}  // namespace rollcall::app

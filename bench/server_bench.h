// bench/server_bench.h
//
// `rollcall bench server`: the HTTP server measured from outside, as a
// client sees it. Starts a real `rollcall serve` (this same binary) on a
// free loopback port with a fresh data directory and, for PostgreSQL, a
// fresh database; then times an authenticated read and an enrollment
// upload from several keep-alive clients, and reads the server's memory
// idle and with a school-sized roster inserted straight into its database.
// Owns: the child server, its temp directory and database, for the length
// of one run; both are removed afterwards, also when the run fails.
// Leaves to others: the server itself (src/app/serve.cc). Figures and how
// to read them: docs/PERFORMANCE.md, "Server (issue 4)".
// Thread safety: one run at a time (it is a command).
#pragma once

namespace CLI {
class App;
}

namespace rollcall::bench {

// Registers `server` under the `bench` command.
void add_server_bench_command(CLI::App& bench);

}  // namespace rollcall::bench

// bench/abuse_bench.h
//
// `rollcall bench abuse`: a real `rollcall serve` (this binary, on a free
// loopback port, fresh data) under hostile and heavy clients, from many
// loopback addresses (Linux routes all of 127.0.0.0/8 here), bounded in
// time. Three phases, each judged against a target (issue 16):
// 1. load: 2 000 keep-alive connections polling a verdict every 2 s plus
//    500 slowloris connections; /healthz and a logged-in GET must keep a
//    p99 under 100 ms and the server's memory under 400 MB;
// 2. logins: 100 simultaneous wrong passwords for one account from 100
//    addresses; at most the configured number may reach the password
//    check, and the owner then logs in from their usual address;
// 3. bodies: a chunked 400 MiB body on every public POST route, refused
//    with 413 while it streams, the server's memory unchanged.
// Exits non-zero when a target is missed. Figures and how to read them:
// docs/PERFORMANCE.md "Hostile traffic".
// Thread safety: one run at a time (it is a command).
#pragma once

namespace CLI {
class App;
}

namespace rollcall::bench {

// Registers `abuse` under the `bench` command.
void add_abuse_bench_command(CLI::App& bench);

}  // namespace rollcall::bench

// bench/checkin_bench.h
//
// `rollcall bench checkin`: self check-in measured from outside, as a
// class of phones sees it. Starts a real `rollcall serve` (server_child.h),
// enrolls students with real photos in classes of at most 23 (one per
// person in ../shared/data/identities, so no class holds a face twice),
// opens a check-in window per class, and fires genuine, wrong-face,
// wrong-code and outside-the-fence submissions in one of four modes
// (spread, burst, sustained, kill); then reports acknowledgement and
// verdict times, the verdicts, and whether any acknowledged submission was
// LOST (no verdict by the end: the exit status is then non-zero).
// Owns: the plan of one run (who submits what, when) and its figures.
// Leaves to others: sending and polling (checkin_traffic.h), the child
// server (server_child.h), the server's check-in (src/domain/checkin.h).
// Figures and how to run each mode: docs/PERFORMANCE.md, "Self check-in
// (issue 6)".
// Thread safety: one run at a time (it is a command).
#pragma once

namespace CLI {
class App;
}

namespace rollcall::bench {

// Registers `checkin` under the `bench` command.
void add_checkin_bench_command(CLI::App& bench);

}  // namespace rollcall::bench

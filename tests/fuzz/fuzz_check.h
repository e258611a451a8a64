// tests/fuzz/fuzz_check.h
//
// FUZZ_CHECK: an invariant of a fuzz target. Unlike assert() it holds in
// every build type (NDEBUG or not), and it aborts with the broken rule
// named, which libFuzzer reports as a crash and saves the input for.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

// GPRAM_CHECK: always-on invariant of our own code (never for peer input: that is an Error).
#pragma once

#include <cstdio>
#include <cstdlib>

#define GPRAM_CHECK(cond)                                                                 \
  do {                                                                                    \
    if (!(cond)) [[unlikely]] {                                                           \
      std::fprintf(stderr, "gpram: invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

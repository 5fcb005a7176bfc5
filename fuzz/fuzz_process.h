// What every fuzz target sets up once per process, before its first input.
//
// A target runs one input at a time, and the engine's threads (a database's
// workers, the controlled scheduler's threads) only ever work while the
// thread that handed them work waits. So the whole process loses nothing by
// running on one CPU, and gains a lot: a hand-off to a thread asleep on
// another, idle CPU waits for that CPU to wake (an inter-processor interrupt,
// slow on virtual machines), while on the same CPU it is a plain context
// switch. Side by side on this project's 2-core machines: fuzz_sql 1.7x,
// fuzz_copy_csv 2.4x, fuzz_wal 1.9x faster (fuzz/README.md, "Speed").
//
// The CPU is the one the process runs on when its first input arrives; the
// kernel starts a new process on an idle CPU, so the workers of `-fork=N`
// spread over the machine (measured with -fork=2: 1.4x the inputs of the
// same run unpinned). LIFEGUARD_FUZZ_ONE_CPU=0 leaves the affinity alone.
//
// Thread-safety: call from the fuzzer's thread (LLVMFuzzerTestOneInput).
#pragma once

#include <sched.h>

#include <cstdlib>
#include <cstring>

#include "lifeguard/sync/controlled.h"

namespace lifeguard::fuzz {

inline void prepareProcess() {
  [[maybe_unused]] static const bool prepared = [] {
    // Each input's database runs its workers on OS threads the last input
    // left idle: creating threads would cost more than the input.
    testing::reuseOsThreads(true);
    const char* one_cpu = std::getenv("LIFEGUARD_FUZZ_ONE_CPU");
    int cpu = sched_getcpu();
    if ((one_cpu == nullptr || std::strcmp(one_cpu, "0") != 0) && cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      sched_setaffinity(0, sizeof(set), &set);  // this thread and every thread it starts
    }
    return true;
  }();
}

}  // namespace lifeguard::fuzz

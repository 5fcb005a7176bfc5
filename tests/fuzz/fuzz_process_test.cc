// fuzz/fuzz_process.h: a fuzz target's process runs on one CPU, unless
// LIFEGUARD_FUZZ_ONE_CPU=0. Each case runs in a forked child, so the test
// process keeps its own affinity.
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

#include "fuzz_process.h"

namespace {

int cpusOfThisThread() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return -1;
  return CPU_COUNT(&set);
}

// prepareProcess() in a child with LIFEGUARD_FUZZ_ONE_CPU=`one_cpu` (unset if
// null); returns how many CPUs a thread started afterwards may run on.
int cpusAfterPrepare(const char* one_cpu) {
  pid_t child = fork();
  if (child == 0) {
    if (one_cpu == nullptr) {
      unsetenv("LIFEGUARD_FUZZ_ONE_CPU");
    } else {
      setenv("LIFEGUARD_FUZZ_ONE_CPU", one_cpu, 1);
    }
    lifeguard::fuzz::prepareProcess();
    int cpus = -1;
    std::thread([&cpus] { cpus = cpusOfThisThread(); }).join();  // as a database's worker would be
    _exit(cpus < 0 ? 255 : cpus);
  }
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(FuzzProcessTest, TheProcessRunsOnOneCpu) { EXPECT_EQ(cpusAfterPrepare(nullptr), 1); }

TEST(FuzzProcessTest, ZeroInTheEnvironmentKeepsEveryCpu) {
  int cpus = cpusOfThisThread();
  if (cpus < 2) GTEST_SKIP() << "this machine lets the test run on " << cpus << " CPU";
  EXPECT_EQ(cpusAfterPrepare("0"), cpus);
  EXPECT_EQ(cpusAfterPrepare("1"), 1);
}

}  // namespace

// lifeguard: drives an engine through lifecycle interleavings and judges them.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli.h"
#include "lifeguard/harness/artifact.h"
#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/plugin.h"

namespace {

constexpr const char* kUsage = R"(usage: lifeguard <command> [options]

  run       random schedules against an engine, with a progress line and a summary
            [--engine lifeguard] [--policy P (default: the engine's first)] [--seconds S | --iterations N]
            [--seed X] [--actors K] [--out DIR] [--deadline-ms MS] [--max-failures N (0: no limit)]
            [--scheduler os|random|pct|dfs] [--pct-depth D] [--preemptions B] [--dfs-runs N]
            [--pct-points lifecycle|all (where PCT's change points fall: among lifecycle steps,
            the default, or among all steps; run, explore and sweep)]
            [--max-steps N] [--check-determinism (each run twice, traces compared)]
            [--confirm N (replay each failure N times before reporting it, and say how often it
            reproduced; default 3 free-running, 1 under a controlled scheduler)]
            [--outside-contract (also draw overlaps the engine's contract makes the caller's
            fault; failures in them are reported apart, and do not fail the campaign)]
            [--report DIR (an HTML index of the campaign, failures grouped, each with its timeline)]
            [--strategy plain|swarm|sweep (swarm testing: each schedule draws a random subset of
            the operation kinds; sweep: one of each schedule's closes (drawn, not one of a handle
            its closer closed before) fired at --sweep-points M points of the operation it races,
            default 8, and the first 2 steps of each of its phases (planned, running), or at
            every point of one shorter than 4M steps, as lifeguard sweep does; fewer, evenly
            spread, where the schedule's runs would take over 5 s in all)]
  explore   FILE  one schedule under scheduler seeds S..S+N-1 (or dfs, or os) until it fails; saves
            the failure with its decision trace [--policy P] [--scheduler pct] [--runs 100] [--seed S]
            [--out PATH] [--confirm N (replay the artifact N times: same report?)]
            [--want REGEX (only a failure whose report matches counts)] [--expect-none]
  import-crash FILE  a libFuzzer crash file becomes a regression test: for fuzz_lifecycle
            a readable .sched with its decision trace and an expect line per policy in
            tests/regressions/; for another --target (sql, copy_csv, wal) a copy in
            fuzz/regressions/TARGET/   [--policy P (the crash's)] [--name N] [--out DIR]
  replay    FILE... run saved schedules again and judge them (a recorded decision trace
            is replayed exactly; a departure from it is the verdict divergence)
            [--policy P] [--expect VERDICT[|VERDICT]] [--runs N]; a failure artifact expects the
            verdict it failed with, and replay says "reproduced K of N"
  shrink    FILE  delta-debug a failing schedule to a smallest one that fails the
            same way (same verdict); writes NAME.min.sched beside it
            (a candidate is kept if it fails so in at least --min of --tries runs; default 2 of 3,
            1 of 1 under a controlled scheduler) [--tries M] [--min K] [--deadline-ms MS]
  show      FILE  the history of a failure artifact as a per-actor timeline (a schedule
            without one, such as a regression file, is run once to get one)
            [--html [-o OUT.html] (a self-contained page of swimlanes; default FILE.html)]
            [--policy P (the policy to run a file without history under)]
  sweep     FILE  fire the schedule's first close that waits on another actor's operation at each
            point of that operation: at its K-th step, K = 0..N, the closer then running
            ahead of every other thread (controlled scheduler, exact; default random), or K
            microseconds after it began (--scheduler os); reports each
            failing K and saves the first [--points M (an even sample; default 100)]
            [--at B.J (the await before the close)] [--policy P] [--scheduler S] [--out DIR]
  generate  print a random schedule   [--seed X] [--actors K] [--engine E] [--policy P] [--strategy swarm]
  engines   the engines this build has, with their policies
  contract  an engine's contract as a table: the answers allowed per operation and handle
            state, its close style and what it makes the caller's fault, with sources
            [--engine E] [--policy P]

Every command takes --engine-lib PATH.so (repeatable): an adapter built out of tree, whose
engines then join the list (adapters/README.md).
Verdicts: pass, contract, data, invariant, hang, sanitizer, crash, harness, divergence.
Options take a value as "--name value" or "--name=value".
Schedules are documented in harness/SCHEDULES.md.
)";

#if defined(__SANITIZE_ADDRESS__)
#define LIFEGUARD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LIFEGUARD_ASAN 1
#endif
#endif

// The engine a command will run: --engine's, or the first schedule file's.
[[maybe_unused]] std::string engineOf(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--engine") return args[i + 1];
  }
  for (const std::string& arg : args) {
    if (arg.rfind("--engine=", 0) == 0) return arg.substr(9);
    std::string ignored;
    if (arg.ends_with(".sched")) {
      if (auto schedule = lifeguard::harness::loadSchedule(arg, &ignored)) return schedule->engine;
    }
  }
  return "";
}

// Under AddressSanitizer, for an engine whose code it does not instrument,
// starts the program again with freed memory filled with 0xbe (its first
// 4 KiB): the engine's use-after-free then crashes on the poisoned pointer
// instead of reading stale memory and going on unseen. (Only then: in
// instrumented code ASan reports it better, with its stack.) The options are
// read when the process starts, hence the exec. ASAN_OPTIONS may override
// it, and LIFEGUARD_FREE_FILL (set, to any value: 0) turns it off.
void poisonFreedMemoryFor(const std::vector<std::string>& args, char** argv) {
#if defined(LIFEGUARD_ASAN)
  const lifeguard::harness::EngineEntry* engine = lifeguard::harness::findEngine(engineOf(args));
  if (engine == nullptr || !engine->uninstrumented || std::getenv("LIFEGUARD_FREE_FILL") != nullptr) return;
  const char* options = std::getenv("ASAN_OPTIONS");
  std::string poisoned = "max_free_fill_size=4096:free_fill_byte=190";
  if (options != nullptr && *options != '\0') poisoned += std::string(":") + options;  // the user's win
  ::setenv("ASAN_OPTIONS", poisoned.c_str(), 1);
  ::setenv("LIFEGUARD_FREE_FILL", "1", 1);
  ::execv("/proc/self/exe", argv);  // returns only if it failed: go on without
#else
  (void)args, (void)argv;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  // --engine-lib PATH (anywhere, repeatable): load a plug-in's engines first.
  for (std::size_t i = 0; i < args.size();) {
    std::string path;
    if (args[i] == "--engine-lib") {
      if (i + 1 >= args.size()) return std::fprintf(stderr, "lifeguard: --engine-lib needs a PATH.so\n"), 2;
      path = args[i + 1];
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
    } else if (args[i].rfind("--engine-lib=", 0) == 0) {
      path = args[i].substr(13);
      args.erase(args.begin() + static_cast<long>(i));
    } else {
      ++i;
      continue;
    }
    std::string error = lifeguard::harness::loadEngineLibrary(path);
    if (!error.empty()) return std::fprintf(stderr, "lifeguard: %s\n", error.c_str()), 2;
  }
  if (args.empty()) return std::fputs(kUsage, stderr), 2;
  poisonFreedMemoryFor(args, argv);
  std::string command = args[0];
  args.erase(args.begin());
  using namespace lifeguard::harness::cli;
  if (command == "run") return run(args);
  if (command == "replay") return replay(args);
  if (command == "shrink") return shrink(args);
  if (command == "show") return show(args);
  if (command == "sweep") return sweep(args);
  if (command == "generate") return generate(args);
  if (command == "engines") return engines(args);
  if (command == "contract") return contract(args);
  if (command == "explore") return explore(args);
  if (command == "import-crash") return importCrash(args);
  std::fprintf(stderr, "lifeguard: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}

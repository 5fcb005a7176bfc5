// lifeguard: drives an engine through lifecycle interleavings and judges them.
#include <cstdio>
#include <string>
#include <vector>

#include "cli.h"
#include "lifeguard/harness/plugin.h"

namespace {

constexpr const char* kUsage = R"(usage: lifeguard <command> [options]

  run       random schedules against an engine, with a progress line and a summary
            [--engine lifeguard] [--policy P (default: the engine's first)] [--seconds S | --iterations N]
            [--seed X] [--actors K] [--out DIR] [--deadline-ms MS] [--max-failures N (0: no limit)]
            [--scheduler os|random|pct|dfs] [--pct-depth D] [--preemptions B] [--dfs-runs N]
            [--max-steps N] [--check-determinism (each run twice, traces compared)]
            [--confirm N (replay each failure N times before reporting it, and say how often it
            reproduced; default 3 free-running, 1 under a controlled scheduler)]
            [--outside-contract (also draw overlaps the engine's contract makes the caller's
            fault; failures in them are reported apart, and do not fail the campaign)]
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
  generate  print a random schedule   [--seed X] [--actors K] [--engine E] [--policy P]
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

}  // namespace

// Under AddressSanitizer, freed memory is filled with 0xbe (its first 4 KiB):
// an engine under test that was not built with ASan (a prebuilt library)
// then crashes on a pointer it reads from freed memory instead of reading
// stale values and going on unseen. ASAN_OPTIONS still overrides it.
extern "C" const char* __asan_default_options() { return "max_free_fill_size=4096:free_fill_byte=190"; }

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
  std::string command = args[0];
  args.erase(args.begin());
  using namespace lifeguard::harness::cli;
  if (command == "run") return run(args);
  if (command == "replay") return replay(args);
  if (command == "shrink") return shrink(args);
  if (command == "show") return show(args);
  if (command == "generate") return generate(args);
  if (command == "engines") return engines(args);
  if (command == "contract") return contract(args);
  if (command == "explore") return explore(args);
  if (command == "import-crash") return importCrash(args);
  std::fprintf(stderr, "lifeguard: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}

// lifeguard explore: one schedule under many scheduler seeds (or every dfs
// interleaving, or free-running threads again and again: os) until it fails; the failure is saved with its decision trace
// and, with --confirm N, replayed N times to show it reproduces exactly.
// Exit status: 0 when the (wanted) failure was found and confirmed; with
// --expect-none, 0 when no run failed at all.
#include <chrono>
#include <cstdio>
#include <regex>

#include "cli/cli.h"
#include "run/dfs.h"
#include "lifeguard/harness/artifact.h"
#include "lifeguard/harness/runner.h"

namespace lifeguard::harness::cli {
namespace {

using Clock = std::chrono::steady_clock;

// A failure's message without what changes from process to process (pids,
// addresses), so two reports of the same bug compare equal.
std::string signature(const RunResult& result) {
  static const std::regex kVolatile("==[0-9]+==|0x[0-9a-f]+");
  return std::string(toString(result.verdict)) + " " + std::regex_replace(result.message, kVolatile, "_");
}

// Runs the schedule's next interleaving: seed `run` for random and pct, the
// explorer's next prefix for dfs. False when dfs has nothing left.
bool runNext(Schedule& schedule, const RunOptions& options, DfsExplorer& dfs, std::uint64_t run, RunResult* result) {
  RunOptions o = options;
  if (schedule.scheduler.name == "dfs") {
    auto prefix = dfs.next();
    if (!prefix) return false;
    schedule.trace.decisions = *prefix;
    o.trace_is_prefix = true;
  } else {
    schedule.scheduler.seed = run;
  }
  *result = runIsolated(schedule, o);
  if (schedule.scheduler.name == "dfs") dfs.record(result->trace);
  return true;
}

// Replays the artifact `times` times; all must give the same signature.
int confirm(const std::string& path, const RunOptions& options, const std::string& expected, int times) {
  std::string error;
  auto artifact = loadSchedule(path, &error);
  if (!artifact) return std::fprintf(stderr, "lifeguard explore: %s\n", error.c_str()), 2;
  int same = 0;
  for (int i = 0; i < times; ++i) {
    RunResult again = runIsolated(*artifact, options);
    bool match = signature(again) == expected;
    same += match ? 1 : 0;
    if (!match) std::printf("  replay %d differs: %s\n", i + 1, signature(again).c_str());
  }
  std::printf("replayed %s %d times: %d/%d the same failure%s\n", path.c_str(), times, same, times,
              artifact->scheduler.controlled() ? ", exactly" : "");
  return same == times ? 0 : 1;
}

}  // namespace

void exploreOptions(Options& o) {
  o.about("one schedule under scheduler seeds S..S+N-1 (or dfs, or os) until it fails; saves the failure with "
          "its decision trace");
  o.files("FILE", "the .sched file to explore", 1, 1);
  o.text("policy", "run it under this policy instead of its own");
  o.scheduler("pct");
  o.count("runs", "scheduler seeds to try (default 100)");
  o.count("seed", "the first scheduler seed (default 1)");
  o.text("out", "where the failure is saved (default lifeguard-failures/explore-POLICY.sched)");
  o.count("confirm", "replay the artifact N times: same report? (default 0)");
  o.deadline();
  o.count("max-steps", "a controlled run longer than this many steps is a livelock (default 2000000)");
  o.text("want", "only a failure whose message or report matches this regular expression counts");
  o.flag("expect-none", "exit 0 if no failure is found (a check that a fix holds)");
}

int explore(const Args& args) {
  std::string error;
  auto schedule = loadSchedule(args.positional()[0], &error);
  if (!schedule) return std::fprintf(stderr, "lifeguard explore: %s\n", error.c_str()), 2;
  if (args.has("policy")) schedule->policy = args.get("policy", "");
  auto spec = schedulerFrom(args, "pct", &error);
  std::uint64_t runs = args.number("runs", 100, &error);
  std::uint64_t first_seed = args.number("seed", 1, &error);
  int confirm_times = static_cast<int>(args.number("confirm", 0, &error));
  RunOptions options;
  options.op_deadline = std::chrono::milliseconds(args.number("deadline-ms", 10'000, &error));
  options.max_steps = args.number("max-steps", options.max_steps, &error);
  if (!error.empty()) return std::fprintf(stderr, "lifeguard explore: %s\n", error.c_str()), 2;
  schedule->scheduler = *spec;
  schedule->trace = {};
  std::string out = args.get("out", "lifeguard-failures/explore-" + schedule->policy + ".sched");
  DfsExplorer dfs(spec->preemptions);
  auto start = Clock::now();
  // --want: only a failure whose message or report matches counts.
  std::optional<std::regex> want;
  if (args.has("want")) {
    try {
      want.emplace(args.get("want", ""));
    } catch (const std::regex_error& e) {
      return std::fprintf(stderr, "lifeguard explore: --want is not a regular expression: %s\n", e.what()), 2;
    }
  }
  RunResult result;
  std::uint64_t run = 1, others = 0;
  for (; run <= runs; ++run) {
    if (!runNext(*schedule, options, dfs, first_seed + run - 1, &result)) break;
    bool failed = result.verdict != Verdict::kPass;
    if (failed && (!want || std::regex_search(result.message + "\n" + result.report, *want))) break;
    // PCT's change points spread over the longest run so far (the artifact records it).
    schedule->scheduler.steps = std::max(schedule->scheduler.steps, pctLength(schedule->scheduler, result.trace));
    if (!failed) continue;
    ++others;
    std::printf("  run %llu: %s (not the wanted failure)\n", static_cast<unsigned long long>(run),
                signature(result).substr(0, 160).c_str());
    result = {};
  }
  if (others > 0) std::printf("%llu other failures\n", static_cast<unsigned long long>(others));
  const bool expect_none = args.has("expect-none");
  if (result.verdict == Verdict::kPass) {
    std::printf("no failure in %llu runs of %s under %s (%.1f s)\n", static_cast<unsigned long long>(run - 1),
                args.positional()[0].c_str(), spec->name.c_str(), secondsSince(start));
    return expect_none && others == 0 ? 0 : 1;
  }
  std::printf("found %s at run %llu (%s, %llu steps) in %.2f s: %s\n", std::string(toString(result.verdict)).c_str(),
              static_cast<unsigned long long>(run), formatSchedulerSpec(schedule->scheduler).c_str(),
              static_cast<unsigned long long>(result.trace.steps()), secondsSince(start), result.message.c_str());
  schedule->trace = decisionTrace(result.trace);
  error = writeFile(out, formatArtifact(*schedule, result, out));
  if (!error.empty()) return std::fprintf(stderr, "lifeguard explore: %s\n", error.c_str()), 2;
  std::printf("wrote %s\n  replay: lifeguard replay %s\n", out.c_str(), out.c_str());
  if (expect_none) return 1;
  return confirm_times > 0 ? confirm(out, options, signature(result), confirm_times) : 0;
}

const Command kExplore{"explore", exploreOptions, explore};

}  // namespace lifeguard::harness::cli

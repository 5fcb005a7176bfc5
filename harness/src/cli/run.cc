// lifeguard run: a campaign of random schedules; lifeguard generate.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "cli/cli.h"
#include "run/dfs.h"
#include "judge/overlaps.h"
#include "lifeguard/harness/artifact.h"
#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/generator.h"
#include "lifeguard/harness/plugin.h"
#include "lifeguard/harness/runner.h"

namespace lifeguard::harness::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct Campaign {
  GeneratorOptions generator;
  RunOptions run;
  SchedulerSpec scheduler;
  std::uint64_t seed = 0;
  double seconds = 0;
  std::uint64_t iterations = 0;
  std::uint64_t max_failures = 10;
  std::uint64_t dfs_runs = 200;  // per schedule
  bool check_determinism = false;
  std::uint64_t confirm = 0;  // replays of each failure before it is reported
  std::string out = "lifeguard-failures";
  std::string report;  // --report DIR
  std::uint64_t sweep_points = 0;  // --strategy sweep: close points per schedule
  bool quiet = false;
  bool tty = false;
};

// Counters of a campaign, for the progress line and the summary.
struct Tally {
  std::uint64_t runs = 0, failures = 0, first_failure_at = 0, max_steps = 0;
  std::uint64_t sum_steps = 0, sum_lifecycle = 0, max_lifecycle = 0;  // controlled runs: k per run
  std::uint64_t outside = 0;  // failures in runs the contract makes the caller's fault
  std::uint64_t confirm_runs = 0, reproduced = 0;  // --confirm replays, and how many failed the same way
  double first_failure_s = -1;
  std::map<Verdict, std::uint64_t> by_verdict;
  OverlapTally overlaps;  // what the runs exercised
};


// On a terminal the line redraws itself; otherwise (CI logs) it is a line.
void printProgress(const Campaign& c, const Tally& t, double elapsed, bool final) {
  if (c.quiet && !final) return;
  std::fprintf(stderr, "%s[%s %s %s] %6.1fs  %llu runs (%.1f/s)  %llu failures%s", c.tty ? "\r" : "",
               c.generator.engine.c_str(), c.generator.policy.c_str(), c.scheduler.name.c_str(), elapsed,
               static_cast<unsigned long long>(t.runs), elapsed > 0 ? static_cast<double>(t.runs) / elapsed : 0.0,
               static_cast<unsigned long long>(t.failures), final || !c.tty ? "\n" : "");
  std::fflush(stderr);
}

std::string artifactPath(const Campaign& c, std::uint64_t seed, Verdict verdict, bool outside) {
  return c.out + "/" + c.generator.policy + (outside ? "-outside-" : "-") + std::string(toString(verdict)) +
         "-seed" + std::to_string(seed) + ".sched";
}

// The first step where two traces differ, or -1.
std::int64_t firstDifference(const testing::ControlledTrace& a, const testing::ControlledTrace& b) {
  std::size_t n = std::min(a.steps(), b.steps());
  for (std::size_t i = 0; i < n; ++i) {
    if (a.decisions[i] != b.decisions[i] || a.runnable[i] != b.runnable[i]) return static_cast<std::int64_t>(i);
  }
  return a.steps() == b.steps() ? -1 : static_cast<std::int64_t>(n);
}

// --check-determinism: the same schedule and seed must give the same run.
void checkDeterminism(const Schedule& schedule, const RunOptions& options, RunResult* first) {
  RunResult second = runIsolated(schedule, options);
  std::int64_t step = firstDifference(first->trace, second.trace);
  if (step < 0 && second.verdict == first->verdict) return;
  first->verdict = Verdict::kDivergence;
  first->message = "not deterministic: two runs with the same seed " +
                   (step >= 0 ? "took different decisions from step " + std::to_string(step) + " (" +
                                    std::to_string(first->trace.steps()) + " and " +
                                    std::to_string(second.trace.steps()) + " steps)"
                              : "ended with verdicts " + std::string(toString(first->verdict)) + " and " +
                                    std::string(toString(second.verdict)));
}

// An operation shorter than this many times the sweep's points is swept at
// every point.
constexpr std::uint64_t kSweepWhole = 4;

// --strategy sweep: one close of the schedule fired at c.sweep_points
// points of the operation it races (after a run that measures it, and the
// steps at which it reached its phases) and the first steps of each phase
// (sweepPoints), or at every point of a short one (a result's read, a
// refused call: under kSweepWhole times that many steps), where a sample
// would miss a one-step window past the operation's head most of the time;
// fewer of them, evenly spread, where its runs are slow (withinBudget: how
// many then depends on this machine's speed; a failure replays exactly all
// the same, from its file).
// On a failure `schedule` becomes the failing one.
RunResult sweepSchedule(const Campaign& c, Schedule& schedule, ClosePoint point, Tally& t) {
  RunResult result;
  std::vector<std::uint64_t> phases;
  const auto start = Clock::now();
  auto n = measureClosePoint(schedule, point, c.run, &result, &phases);
  const auto took_us = static_cast<std::uint64_t>(secondsSince(start) * 1e6);
  ++t.runs;
  if (result.verdict != Verdict::kPass || !n) {  // the measuring run failed: that is the failure
    schedule.actors[point.actor][point.index].await_event = AwaitEvent::kReturned;
    return result;
  }
  const std::uint64_t m = *n < kSweepWhole * c.sweep_points ? *n + 1 : c.sweep_points;
  for (std::uint64_t k : withinBudget(sweepPoints(*n, m, schedule.seed, phases), took_us)) {
    Schedule at = atClosePoint(schedule, point, k);
    result = runIsolated(at, c.run);
    ++t.runs;
    if (result.verdict == Verdict::kPass) continue;
    schedule = at;
    break;
  }
  return result;
}

// Runs one generated schedule (every dfs interleaving of it, within the
// bound and --dfs-runs; each of its close points under --strategy sweep);
// returns the first failure, or a pass.
RunResult runSchedule(const Campaign& c, Schedule& schedule, Tally& t) {
  if (c.sweep_points > 0 && c.scheduler.name != "dfs") {
    std::vector<ClosePoint> points = closePoints(schedule);
    if (!points.empty()) return sweepSchedule(c, schedule, drawClosePoint(schedule, points), t);
  }
  if (c.scheduler.name != "dfs") {
    RunResult result = runIsolated(schedule, c.run);
    ++t.runs;
    if (c.check_determinism && result.verdict != Verdict::kHarness) checkDeterminism(schedule, c.run, &result);
    return result;
  }
  DfsExplorer explorer(c.scheduler.preemptions);
  RunOptions options = c.run;
  options.trace_is_prefix = true;
  RunResult result;
  for (std::uint64_t n = 0; n < c.dfs_runs; ++n) {
    auto prefix = explorer.next();
    if (!prefix) break;
    schedule.trace.decisions = *prefix;
    result = runIsolated(schedule, options);
    ++t.runs;
    explorer.record(result.trace);
    if (result.verdict != Verdict::kPass) break;
  }
  return result;
}

// Fits the generator to its engine: the engine's exact version (written into
// every schedule), its capabilities and its caller faults. False and `error`
// for an unknown engine or policy.
bool drawFor(GeneratorOptions* options, std::string* error) {
  auto adapter = makeAdapter(options->engine, options->policy, error);
  if (adapter == nullptr) return false;
  options->engine = adapter->name();
  options->capabilities = adapter->capabilities();
  options->caller_faults = adapter->contract().callerFaults();
  return true;
}

// The flags a replay of an artifact of this campaign needs.
std::string replayFlags(const Campaign& c) {
  std::string flags;
  for (const std::string& lib : loadedEngineLibraries()) flags += "--engine-lib " + lib + " ";
  return flags + (c.scheduler.controlled() ? "" : "--runs 10 ");
}

// Replays the failure's artifact (with its decision trace, if controlled)
// c.confirm times, then writes it with how often it reproduced and reports it.
void reportFailure(const Campaign& c, const Schedule& schedule, const RunResult& result, Tally& t,
                   double elapsed, CampaignReport& report) {
  const bool outside = !result.outside_contract.empty();
  ++(outside ? t.outside : t.failures);
  if (!outside && t.first_failure_s < 0) t.first_failure_s = elapsed, t.first_failure_at = t.runs;
  Schedule artifact = schedule;
  artifact.trace = decisionTrace(result.trace);
  // A divergence of --check-determinism is two runs that differ: one replay
  // cannot reproduce it, so it is not replayed. A replay counts if it fails
  // the same way (the same verdict, and for a sanitizer the same engine frame).
  const std::uint64_t confirm = result.verdict == Verdict::kDivergence ? 0 : c.confirm;
  const Failure failure = Failure::of(result);
  std::uint64_t reproduced = 0;
  for (std::uint64_t i = 0; i < confirm; ++i) {
    if (failure.matches(runIsolated(artifact, c.run))) ++reproduced;
  }
  t.confirm_runs += confirm;
  t.reproduced += reproduced;
  std::string rate = confirm == 0 ? "" : "reproduced " + std::to_string(reproduced) + " of " +
                                             std::to_string(confirm) + " replays";
  std::string path = artifactPath(c, schedule.seed, result.verdict, outside);
  std::string error = writeFile(path, formatArtifact(artifact, result, path, rate));
  if (outside) std::fprintf(stderr, "\nOUTSIDE THE CONTRACT (%s)", result.outside_contract.c_str());
  std::fprintf(stderr, "\nFAIL %s (seed %llu%s%s): %s\n  replay: lifeguard replay %s%s\n",
               std::string(toString(result.verdict)).c_str(), static_cast<unsigned long long>(schedule.seed),
               rate.empty() ? "" : ", ", rate.c_str(), result.message.c_str(),
               replayFlags(c).c_str(), path.c_str());
  for (const std::string& hint : result.hints) std::fprintf(stderr, "  why: %s\n", hint.c_str());
  if (!error.empty()) std::fprintf(stderr, "  (%s)\n", error.c_str());
  error = report.addFailure(artifact, result, path, "lifeguard replay " + replayFlags(c) + path, rate);
  if (error.empty()) error = report.update(t.runs, elapsed, t.overlaps.summary(), false);
  if (!error.empty()) std::fprintf(stderr, "  (report: %s)\n", error.c_str());
}

// The head of the campaign's --report index.
CampaignSummary reportHead(const Campaign& c) {
  CampaignSummary head;
  head.engine = c.generator.engine;
  if (const EngineEntry* entry = findEngine(c.generator.engine)) head.engine_description = entry->description;
  head.policy = c.generator.policy;
  head.scheduler = c.scheduler.name == "pct" ? "pct, depth " + std::to_string(c.scheduler.depth) : c.scheduler.name;
  if (c.generator.swarm) head.scheduler += ", swarm";
  if (c.sweep_points > 0) head.scheduler += ", sweep of " + std::to_string(c.sweep_points) + " close points";
  head.first_seed = c.seed;
  return head;
}

// Steps per controlled run, and k: the lifecycle steps among them.
void printSteps(const Campaign& c, const Tally& t) {
  auto mean = [&](std::uint64_t sum) { return static_cast<unsigned long long>(sum / std::max<std::uint64_t>(t.runs, 1)); };
  const char* pct = c.scheduler.name != "pct"      ? ""
                    : c.scheduler.lifecycle_points ? " (PCT's change points fall among these)"
                                                   : " (PCT's change points fall among all steps)";
  std::printf("; steps per run: mean %llu, max %llu; lifecycle steps (k) per run: mean %llu, max %llu%s",
              mean(t.sum_steps), static_cast<unsigned long long>(t.max_steps), mean(t.sum_lifecycle),
              static_cast<unsigned long long>(t.max_lifecycle), pct);
}

void printSummary(const Campaign& c, const Tally& t, double elapsed) {
  std::printf("summary: engine %s, policy %s, scheduler %s, %llu runs in %.1f s (%.1f/s), %llu failures",
              c.generator.engine.c_str(), c.generator.policy.c_str(), c.scheduler.name.c_str(),
              static_cast<unsigned long long>(t.runs), elapsed,
              elapsed > 0 ? static_cast<double>(t.runs) / elapsed : 0.0, static_cast<unsigned long long>(t.failures));
  if (t.outside > 0) {
    std::printf(", %llu outside the contract (the caller's fault: not engine bugs)",
                static_cast<unsigned long long>(t.outside));
  }
  for (const auto& [verdict, count] : t.by_verdict) {
    if (verdict != Verdict::kPass) {
      std::printf(", %s %llu", std::string(toString(verdict)).c_str(), static_cast<unsigned long long>(count));
    }
  }
  if (t.confirm_runs > 0) {
    std::printf("; failures reproduced in %llu of %llu replays", static_cast<unsigned long long>(t.reproduced),
                static_cast<unsigned long long>(t.confirm_runs));
  }
  if (t.max_steps > 0) printSteps(c, t);
  if (t.first_failure_s >= 0) {
    std::printf("; first failure after %.2f s, run %llu", t.first_failure_s,
                static_cast<unsigned long long>(t.first_failure_at));
  }
  std::printf("\n");
  std::string exercised = t.overlaps.summary();
  std::printf("exercised: %s\n", exercised.empty() ? "no close overlapped any work" : exercised.c_str());
}

int runCampaign(Campaign& c) {
  auto start = Clock::now();
  auto last_print = start;
  Tally t;
  CampaignReport report(c.report, reportHead(c));
  for (std::uint64_t i = 0;; ++i) {
    if (c.iterations > 0 ? t.runs >= c.iterations : secondsSince(start) >= c.seconds) break;
    std::uint64_t seed = c.seed + i;
    Schedule schedule = generateSchedule(seed, c.generator);
    schedule.scheduler = c.scheduler;
    schedule.scheduler.seed = seed;
    RunResult result = runSchedule(c, schedule, t);
    if (result.outside_contract.empty()) ++t.by_verdict[result.verdict];
    t.overlaps.count(schedule, result.history);
    // PCT spreads its change points over the longest run seen so far
    // (counting lifecycle steps only, with points=lifecycle).
    t.max_steps = std::max<std::uint64_t>(t.max_steps, result.trace.steps());
    t.max_lifecycle = std::max<std::uint64_t>(t.max_lifecycle, result.trace.lifecycle_steps);
    t.sum_steps += result.trace.steps(), t.sum_lifecycle += result.trace.lifecycle_steps;
    c.scheduler.steps = std::max(c.scheduler.steps, pctLength(c.scheduler, result.trace));
    if (result.verdict != Verdict::kPass) {
      reportFailure(c, schedule, result, t, secondsSince(start), report);
      if (c.max_failures > 0 && t.failures + t.outside >= c.max_failures) break;
    }
    if (secondsSince(last_print) > (c.tty ? 0.5 : 10.0)) {
      printProgress(c, t, secondsSince(start), false);
      last_print = Clock::now();
    }
  }
  double elapsed = secondsSince(start);
  printProgress(c, t, elapsed, true);
  printSummary(c, t, elapsed);
  if (!c.report.empty()) {
    std::string error = report.update(t.runs, elapsed, t.overlaps.summary(), true);
    std::printf("report: %s\n", error.empty() ? (c.report + "/index.html").c_str() : error.c_str());
  }
  if (t.failures == 0 && t.runs > 0 && !t.overlaps.closeOverlappedWork()) {
    std::printf("VACUOUS: in %llu runs no close overlapped a call in flight, so this campaign tested nothing it "
                "exists to test; run it longer (--seconds), with more actors, or --strategy sweep\n",
                static_cast<unsigned long long>(t.runs));
    return 3;
  }
  return t.failures == 0 ? 0 : 1;
}

}  // namespace

void runOptions(Options& o) {
  o.about("random schedules against an engine, with a progress line and a summary");
  o.text("engine", "the engine to test (default lifeguard; `lifeguard engines` lists them)");
  o.text("policy", "its teardown policy (default: the engine's first)");
  o.count("seconds", "how long the campaign runs (default 60)");
  o.count("iterations", "how many schedules it runs instead (0: --seconds decides)");
  o.count("seed", "the first schedule's seed (default: a random one, printed)");
  o.count("actors", "threads per schedule (default 3)", 1, 8);
  o.text("out", "where failures are saved as .sched artifacts (default lifeguard-failures)");
  o.deadline();
  o.count("max-failures", "stop after this many failures (default 10; 0: no limit)");
  o.scheduler("os");
  o.count("dfs-runs", "dfs: interleavings per schedule (default 200)");
  o.count("max-steps", "a controlled run longer than this many steps is a livelock (default 2000000)");
  o.flag("check-determinism", "run each schedule twice under a controlled scheduler and compare the traces");
  o.count("confirm", "replay each failure N times before reporting it, and say how often it reproduced (default 3 "
                     "free-running, 1 under a controlled scheduler)");
  o.flag("outside-contract", "also draw overlaps the engine's contract makes the caller's fault; failures in them "
                             "are reported apart, and do not fail the campaign");
  o.text("report", "write an HTML index of the campaign to DIR, failures grouped, each with its timeline");
  o.choice("strategy", "plain; swarm (each schedule draws a random subset of the operation kinds); sweep (one of "
                       "each schedule's closes, drawn, fired at --sweep-points points of the operation it races and "
                       "the first 2 steps of each of its phases, or at every point of a short one; fewer, evenly "
                       "spread, where the schedule's runs would take over 5 s in all)", {"plain", "swarm", "sweep"});
  o.count("sweep-points", "sweep: points per schedule (default 8)");
  o.flag("quiet", "no progress line");
}

int run(const Args& args) {
  std::string error;
  Campaign c;
  c.generator.engine = args.get("engine", "lifeguard");
  c.generator.policy = args.get("policy", defaultPolicy(c.generator.engine));
  c.generator.actors = static_cast<int>(args.number("actors", 3, &error));
  c.seconds = static_cast<double>(args.number("seconds", 60, &error));
  c.iterations = args.number("iterations", 0, &error);
  c.seed = args.number("seed", std::random_device{}(), &error);
  c.max_failures = args.number("max-failures", 10, &error);
  c.run.op_deadline = std::chrono::milliseconds(args.number("deadline-ms", 10'000, &error));
  c.run.max_steps = args.number("max-steps", c.run.max_steps, &error);
  c.dfs_runs = args.number("dfs-runs", 200, &error);
  if (auto spec = schedulerFrom(args, "os", &error)) c.scheduler = *spec;
  c.check_determinism = args.has("check-determinism");
  c.generator.outside_contract = args.has("outside-contract");
  const std::string strategy = args.get("strategy", "plain");
  c.generator.swarm = strategy == "swarm";
  if (strategy == "sweep") c.sweep_points = args.number("sweep-points", 8, &error);
  if (strategy != "plain" && strategy != "swarm" && strategy != "sweep") {
    error = "--strategy takes plain, swarm or sweep";
  }
  // Free-running threads may not fail again: replay each failure a few times
  // and say how often it reproduced. A controlled run replays exactly: once.
  c.confirm = args.number("confirm", c.scheduler.controlled() ? 1 : 3, &error);
  c.out = args.get("out", "lifeguard-failures");
  c.report = args.get("report", "");
  c.quiet = args.has("quiet");
  c.tty = ::isatty(STDERR_FILENO) != 0;
  if (!error.empty()) return std::fprintf(stderr, "lifeguard run: %s\n", error.c_str()), 2;
  if (c.generator.actors < 1 || c.generator.actors > 8) {
    return std::fprintf(stderr, "lifeguard run: --actors takes 1 to 8\n"), 2;
  }
  if (c.run.op_deadline.count() == 0) return std::fprintf(stderr, "lifeguard run: --deadline-ms must be > 0\n"), 2;
  if (c.scheduler.controlled() && !testing::controlledCompiledIn()) {
    return std::fprintf(stderr, "lifeguard run: --scheduler %s needs a build with sync points (dev, tsan, fuzz)\n",
                        c.scheduler.name.c_str()), 2;
  }
  if (c.check_determinism && !c.scheduler.controlled()) {
    return std::fprintf(stderr, "lifeguard run: --check-determinism needs a controlled --scheduler "
                                "(random, pct or dfs); free-running threads are not deterministic\n"), 2;
  }
  if (!drawFor(&c.generator, &error)) return std::fprintf(stderr, "lifeguard run: %s\n", error.c_str()), 2;
  if (c.scheduler.controlled() && !c.generator.capabilities.controllable) {
    return std::fprintf(stderr, "lifeguard run: engine %s runs threads and locks that --scheduler %s cannot reach "
                                "(in another process, or a prebuilt library's own): its actors would only take "
                                "turns, and no close would overlap work; use --scheduler os\n",
                        c.generator.engine.c_str(), c.scheduler.name.c_str()), 2;
  }
  std::printf("lifeguard run: engine %s, policy %s, scheduler %s, %d actors, seeds from %llu, %s%s\n",
              c.generator.engine.c_str(), c.generator.policy.c_str(),
              (c.scheduler.name == "random" || c.scheduler.name == "pct" ? c.scheduler.name + " (seed = schedule seed)"
               + (c.scheduler.name == "pct" ? ", depth " + std::to_string(c.scheduler.depth) : "")
                                                                         : formatSchedulerSpec(c.scheduler)).c_str(),
              c.generator.actors, static_cast<unsigned long long>(c.seed),
              c.iterations > 0 ? (std::to_string(c.iterations) + " runs").c_str()
                               : (std::to_string(static_cast<int>(c.seconds)) + " s").c_str(),
              c.check_determinism ? ", each run twice (determinism check)" : "");
  if (c.generator.swarm) std::printf("  strategy swarm: each schedule draws the operation and query kinds it may use\n");
  if (c.sweep_points > 0) {
    std::printf("  strategy sweep: one close of each schedule (drawn, not one of a handle its closer closed before)"
                " fired at %llu points of the operation it races and the first %llu steps of each of its phases"
                " (at every point, if it takes fewer than %llu steps; fewer points, if the schedule's runs would take"
                " more than %llu s in all)\n",
                static_cast<unsigned long long>(c.sweep_points), static_cast<unsigned long long>(kPhaseHead),
                static_cast<unsigned long long>(kSweepWhole * c.sweep_points),
                static_cast<unsigned long long>(kSweepBudgetUs / 1'000'000));
  }
  std::fflush(stdout);
  return runCampaign(c);
}

void enginesOptions(Options& o) {
  o.about("the engines this build has, with their policies");
}

int engines(const Args&) {
  for (const EngineEntry* entry : registeredEngines()) {
    std::string policies;
    for (const std::string& p : entry->policies) policies += (policies.empty() ? "" : ", ") + p;
    std::printf("%-16s %s\n%16s policies: %s (default %s)\n", entry->name.c_str(), entry->description.c_str(), "",
                policies.c_str(), entry->policies.empty() ? "-" : entry->policies.front().c_str());
  }
  return 0;
}

void generateOptions(Options& o) {
  o.about("print a random schedule");
  o.count("seed", "the schedule's seed (default 1)");
  o.count("actors", "threads (default 3)", 1, 8);
  o.text("engine", "the engine it is for (default lifeguard)");
  o.text("policy", "its teardown policy (default: the engine's first)");
  o.choice("strategy", "plain, or swarm (a random subset of the operation kinds)", {"plain", "swarm"});
}

int generate(const Args& args) {
  std::string error;
  GeneratorOptions options;
  options.engine = args.get("engine", "lifeguard");
  options.policy = args.get("policy", defaultPolicy(options.engine));
  options.actors = static_cast<int>(args.number("actors", 3, &error));
  const std::string strategy = args.get("strategy", "plain");
  options.swarm = strategy == "swarm";
  if (strategy != "plain" && strategy != "swarm") error = "generate takes --strategy plain or swarm";
  std::uint64_t seed = args.number("seed", 1, &error);
  if (!error.empty()) return std::fprintf(stderr, "lifeguard generate: %s\n", error.c_str()), 2;
  if (options.actors < 1 || options.actors > 8) {
    return std::fprintf(stderr, "lifeguard generate: --actors takes 1 to 8\n"), 2;
  }
  if (!drawFor(&options, &error)) return std::fprintf(stderr, "lifeguard generate: %s\n", error.c_str()), 2;
  std::fputs(formatSchedule(generateSchedule(seed, options)).c_str(), stdout);
  return 0;
}

const Command kRun{"run", runOptions, run};
const Command kGenerate{"generate", generateOptions, generate};
const Command kEngines{"engines", enginesOptions, engines};

}  // namespace lifeguard::harness::cli

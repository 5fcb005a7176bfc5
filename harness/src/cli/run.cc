// lifeguard run: a campaign of random schedules (its jobs: campaign.h);
// lifeguard generate; lifeguard engines.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "cli/campaign.h"
#include "lifeguard/harness/calibration.h"
#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/generator.h"
#include "lifeguard/harness/plugin.h"

namespace lifeguard::harness::cli {

GeneratorOptions generatorFrom(const Args& args, std::string* error) {
  GeneratorOptions options;
  options.engine = args.get("engine", "lifeguard");
  options.policy = args.get("policy", defaultPolicy(options.engine));
  options.actors = static_cast<int>(args.number("actors", 3, error));
  return options;
}

bool drawFor(GeneratorOptions* options, std::string* error) {
  auto adapter = makeAdapter(options->engine, options->policy, error);
  if (adapter == nullptr) return false;
  options->engine = adapter->name();
  options->capabilities = adapter->capabilities();
  options->caller_faults = adapter->contract().callerFaults();
  return true;
}

std::chrono::milliseconds sizedDeadline(const Args& args, std::string* error) {
  // Work sized for the engine runs 0.3 s at most: a hang is called sooner.
  const bool calibrated = args.get("sizes", "calibrated") == "calibrated";
  return std::chrono::milliseconds(args.number("deadline-ms", calibrated ? 5'000 : 10'000, error));
}

bool sizeWork(const std::string& sizes, const RunOptions& run, GeneratorOptions* options, std::string* note,
              std::string* error) {
  if (sizes == "fixed") return true;
  if (sizes != "calibrated") return *error = "--sizes takes calibrated or fixed, not '" + sizes + "'", false;
  const char* dir = std::getenv("LIFEGUARD_CALIBRATION_DIR");
  std::error_code ec;
  std::filesystem::path cache = dir != nullptr ? std::filesystem::path(dir)
                                               : std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() /
                                                     "calibration";
  std::string how;
  std::optional<WorkRates> rates =
      calibratedRates(options->engine, options->policy, options->capabilities, run, cache, &how, error);
  if (!rates) return false;
  options->rates = *rates;
  *note = "  work sized for this engine on this machine (" + formatRates(*rates) + "; " + how +
          "): long queries run 0.3-3, 3-30 or 30-300 ms, failing ones 0.3-3 or 3-30 ms, COPY 0.2-20 ms\n";
  return true;
}

namespace {

// --shard I/N: `shard` is I-1.
bool parseShard(const std::string& text, std::uint64_t* shard, std::uint64_t* shards) {
  unsigned long long i = 0, n = 0;
  char end = 0;
  if (std::sscanf(text.c_str(), "%llu/%llu%c", &i, &n, &end) != 2 || i < 1 || i > n) return false;
  *shard = i - 1, *shards = n;
  return true;
}

}  // namespace

void runOptions(Options& o) {
  o.about("random schedules against an engine, with a progress line and a summary");
  o.text("engine", "the engine to test (default lifeguard; `lifeguard engines` lists them)");
  o.text("policy", "its teardown policy (default: the engine's first)");
  o.count("seconds", "how long the campaign runs (default 60)");
  o.count("iterations", "how many schedules it judges instead (0: --seconds decides)");
  o.count("jobs", "schedules judged at once, each in a process of its own (default: the number of cores); the "
                  "same --seed judges the same schedules whatever N is", 1, 256);
  o.text("shard", "I/N: judge only the I-th of N disjoint parts of the campaign's seeds (seeds from+I-1, "
                  "from+I-1+N, ...); `lifeguard report merge` joins the shards' --report directories");
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
  o.flag("outside-contract", "also draw overlaps the engine's contract makes the caller's fault, and let a second "
                             "instance of the database's path happen (adapters avoid it within the contract); "
                             "failures in them are reported apart, and do not fail the campaign");
  o.text("report", "write an HTML index of the campaign to DIR, failures grouped, each with its timeline");
  o.choice("strategy", "portfolio (the default without --scheduler): the campaign's time shared evenly among the "
                       "strategies the engine supports (os; pct and pct-all where it is controllable; sweep; swarm), "
                       "each schedule going to the one that has had the least so far; plain; swarm (each schedule draws a random subset of the operation kinds); sweep (one of "
                       "each schedule's closes, drawn, fired at --sweep-points points of the operation it races and "
                       "the first 2 steps of each of its phases, or at every point of a short one; fewer, evenly "
                       "spread, where the schedule's runs would take over 5 s in all)", {"portfolio", "plain", "swarm", "sweep"});
  o.count("sweep-points", "sweep: points per schedule (default 8)");
  o.flag("quiet", "no progress line");
  o.sizes();
}

int run(const Args& args) {
  std::string error;
  Campaign c;
  c.generator = generatorFrom(args, &error);
  c.seconds = static_cast<double>(args.number("seconds", 60, &error));
  c.iterations = args.number("iterations", 0, &error);
  c.seed = args.number("seed", std::random_device{}(), &error);
  c.jobs = args.number("jobs", std::max(1u, std::thread::hardware_concurrency()), &error);
  if (args.has("shard") && !parseShard(args.get("shard", ""), &c.shard, &c.shards)) {
    error = "--shard takes I/N with 1 <= I <= N, not '" + args.get("shard", "") + "'";
  }
  c.max_failures = args.number("max-failures", 10, &error);
  c.run.op_deadline = sizedDeadline(args, &error);
  c.run.max_steps = args.number("max-steps", c.run.max_steps, &error);
  c.dfs_runs = args.number("dfs-runs", 200, &error);
  if (auto spec = schedulerFrom(args, "os", &error)) c.scheduler = *spec;
  c.check_determinism = args.has("check-determinism");
  c.generator.outside_contract = args.has("outside-contract");
  // Without --strategy and --scheduler: every strategy the engine supports.
  const std::string strategy = args.get("strategy", args.has("scheduler") ? "plain" : "portfolio");
  c.generator.swarm = strategy == "swarm";
  if (strategy == "sweep") c.sweep_points = args.number("sweep-points", 8, &error);
  if (strategy == "portfolio" && args.has("scheduler")) {
    error = "--strategy portfolio chooses its own schedulers: drop --scheduler, or pick another --strategy";
  }
  // Free-running threads may not fail again: replay each failure a few times
  // and say how often it reproduced. A controlled run replays exactly: once.
  c.confirm = args.number("confirm", c.scheduler.controlled() ? 1 : 3, &error);
  c.confirm_given = args.has("confirm");
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
  std::string sized;
  if (!sizeWork(args.get("sizes", "calibrated"), c.run, &c.generator, &sized, &error)) {
    return std::fprintf(stderr, "lifeguard run: %s (--sizes fixed: the row counts of this project's engine)\n",
                        error.c_str()), 2;
  }
  if (c.scheduler.controlled() && !c.generator.capabilities.controllable) {
    return std::fprintf(stderr, "lifeguard run: engine %s runs threads and locks that --scheduler %s cannot reach "
                                "(in another process, or a prebuilt library's own): its actors would only take "
                                "turns, and no close would overlap work; use --scheduler os\n",
                        c.generator.engine.c_str(), c.scheduler.name.c_str()), 2;
  }
  if (strategy == "portfolio") c.portfolio = portfolioFor(c.generator.capabilities.controllable);
  std::string portfolio;
  for (const Strategy& s : c.portfolio) portfolio += (portfolio.empty() ? "" : ", ") + s.name;
  std::printf("lifeguard run: engine %s, policy %s, scheduler %s, %d actors, seeds from %llu, %s%s\n",
              c.generator.engine.c_str(), c.generator.policy.c_str(),
              (!c.portfolio.empty() ? "portfolio (" + portfolio + ": each schedule goes to the one that has had the least "
                                                       "time so far)"
               : c.scheduler.name == "random" || c.scheduler.name == "pct"
                   ? c.scheduler.name + " (seed = schedule seed)" +
                         (c.scheduler.name == "pct" ? ", depth " + std::to_string(c.scheduler.depth) : "")
                   : formatSchedulerSpec(c.scheduler)).c_str(),
              c.generator.actors, static_cast<unsigned long long>(c.seed),
              c.iterations > 0 ? (std::to_string(c.iterations) + " schedules").c_str()
                               : (std::to_string(static_cast<int>(c.seconds)) + " s").c_str(),
              c.check_determinism ? ", each run twice (determinism check)" : "");
  std::fputs(sized.c_str(), stdout);
  if (c.jobs > 1 || c.shards > 1) {
    std::string shard = c.shards == 1 ? "" : "shard " + std::to_string(c.shard + 1) + "/" +
                                                 std::to_string(c.shards) + " (seeds from+" +
                                                 std::to_string(c.shard) + ", every " + std::to_string(c.shards) +
                                                 "th), ";
    std::printf("  %s%llu job%s: each judges a schedule at a time, in a process of its own\n", shard.c_str(),
                static_cast<unsigned long long>(c.jobs), c.jobs == 1 ? "" : "s");
  }
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
  o.flag("outside-contract", "as lifeguard run --outside-contract");
  o.sizes();
  o.count("coverage", "instead, count how many of N schedules (plain, and swarm; each for the FILE's own engine) "
          "contain each FILE's shape", 1);
  o.files("FILE", "with --coverage: the .sched files whose shapes to count (those of tests/regressions/)", 0, -1);
}

int generate(const Args& args) {
  std::string error;
  GeneratorOptions options = generatorFrom(args, &error);
  const std::string strategy = args.get("strategy", "plain");
  options.swarm = strategy == "swarm";
  options.outside_contract = args.has("outside-contract");
  if (strategy != "plain" && strategy != "swarm") error = "generate takes --strategy plain or swarm";
  std::uint64_t seed = args.number("seed", 1, &error);
  if (!error.empty()) return std::fprintf(stderr, "lifeguard generate: %s\n", error.c_str()), 2;
  if (options.actors < 1 || options.actors > 8) {
    return std::fprintf(stderr, "lifeguard generate: --actors takes 1 to 8\n"), 2;
  }
  std::string sized;
  const bool coverage = args.has("coverage");
  if (coverage == args.positional().empty()) error = "--coverage N takes the FILEs whose shapes to count";
  std::uint64_t n = args.number("coverage", 0, &error);
  // Shapes do not depend on sizes: coverage keeps the fixed ones, never calibrating.
  if (!error.empty() || !drawFor(&options, &error) ||
      !sizeWork(coverage ? "fixed" : args.get("sizes", "calibrated"), RunOptions{}, &options, &sized, &error)) {
    return std::fprintf(stderr, "lifeguard generate: %s\n", error.c_str()), 2;
  }
  if (coverage) return printCoverage(options, n, args.positional());
  std::fputs(formatSchedule(generateSchedule(seed, options)).c_str(), stdout);
  return 0;
}

const Command kRun{"run", runOptions, run};
const Command kGenerate{"generate", generateOptions, generate};
const Command kEngines{"engines", enginesOptions, engines};

}  // namespace lifeguard::harness::cli

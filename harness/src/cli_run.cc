// lifeguard run: a campaign of random schedules; lifeguard generate.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "cli.h"
#include "lifeguard/harness/artifact.h"
#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/generator.h"
#include "lifeguard/harness/runner.h"

namespace lifeguard::harness::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct Campaign {
  GeneratorOptions generator;
  RunOptions run;
  std::uint64_t seed = 0;
  double seconds = 0;
  std::uint64_t iterations = 0;
  std::uint64_t max_failures = 10;
  std::string out = "lifeguard-failures";
  bool quiet = false;
  bool tty = false;
};

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// On a terminal the line redraws itself; otherwise (CI logs) it is a line.
void printProgress(const Campaign& c, std::uint64_t done, std::uint64_t failures, double elapsed, bool final) {
  if (c.quiet && !final) return;
  std::fprintf(stderr, "%s[%s %s] %6.1fs  %llu schedules (%.1f/s)  %llu failures%s", c.tty ? "\r" : "",
               c.generator.engine.c_str(), c.generator.policy.c_str(), elapsed, static_cast<unsigned long long>(done),
               elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0, static_cast<unsigned long long>(failures),
               final || !c.tty ? "\n" : "");
  std::fflush(stderr);
}

std::string artifactPath(const Campaign& c, std::uint64_t seed, Verdict verdict) {
  return c.out + "/" + c.generator.policy + "-" + std::string(toString(verdict)) + "-seed" + std::to_string(seed) +
         ".sched";
}

int runCampaign(const Campaign& c) {
  auto start = Clock::now();
  std::uint64_t done = 0, failures = 0;
  std::map<Verdict, std::uint64_t> by_verdict;
  double first_failure_s = -1;
  std::uint64_t first_failure_at = 0;
  auto last_print = start;
  for (std::uint64_t i = 0;; ++i) {
    if (c.iterations > 0 ? i >= c.iterations : secondsSince(start) >= c.seconds) break;
    std::uint64_t seed = c.seed + i;
    Schedule schedule = generateSchedule(seed, c.generator);
    RunResult result = runIsolated(schedule, c.run);
    ++done;
    ++by_verdict[result.verdict];
    if (result.verdict != Verdict::kPass) {
      ++failures;
      if (first_failure_s < 0) first_failure_s = secondsSince(start), first_failure_at = done;
      std::string path = artifactPath(c, seed, result.verdict);
      std::string error = writeFile(path, formatArtifact(schedule, result, path));
      std::fprintf(stderr, "\nFAIL %s (seed %llu): %s\n  replay: lifeguard replay %s\n",
                   std::string(toString(result.verdict)).c_str(), static_cast<unsigned long long>(seed),
                   result.message.c_str(), path.c_str());
      if (!error.empty()) std::fprintf(stderr, "  (%s)\n", error.c_str());
      if (c.max_failures > 0 && failures >= c.max_failures) break;
    }
    if (secondsSince(last_print) > (c.tty ? 0.5 : 10.0)) {
      printProgress(c, done, failures, secondsSince(start), false);
      last_print = Clock::now();
    }
  }
  double elapsed = secondsSince(start);
  printProgress(c, done, failures, elapsed, true);
  std::printf("summary: engine %s, policy %s, %llu schedules in %.1f s (%.1f/s), %llu failures",
              c.generator.engine.c_str(), c.generator.policy.c_str(), static_cast<unsigned long long>(done), elapsed,
              elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0, static_cast<unsigned long long>(failures));
  for (const auto& [verdict, count] : by_verdict) {
    if (verdict != Verdict::kPass) std::printf(", %s %llu", std::string(toString(verdict)).c_str(), static_cast<unsigned long long>(count));
  }
  if (first_failure_s >= 0) {
    std::printf("; first failure after %.2f s, schedule %llu", first_failure_s,
                static_cast<unsigned long long>(first_failure_at));
  }
  std::printf("\n");
  return failures == 0 ? 0 : 1;
}

}  // namespace

int run(const std::vector<std::string>& argv) {
  std::string error;
  auto args = Args::parse(argv, {"engine", "policy", "seconds", "iterations", "seed", "actors", "out", "deadline-ms",
                                 "max-failures"},
                          {"quiet"}, &error);
  if (!args) return std::fprintf(stderr, "lifeguard run: %s\n", error.c_str()), 2;
  Campaign c;
  c.generator.engine = args->get("engine", "lifeguard");
  c.generator.policy = args->get("policy", "complete");
  c.generator.actors = static_cast<int>(args->number("actors", 3, &error));
  c.seconds = static_cast<double>(args->number("seconds", 60, &error));
  c.iterations = args->number("iterations", 0, &error);
  c.seed = args->number("seed", std::random_device{}(), &error);
  c.max_failures = args->number("max-failures", 10, &error);
  c.run.op_deadline = std::chrono::milliseconds(args->number("deadline-ms", 10'000, &error));
  c.out = args->get("out", "lifeguard-failures");
  c.quiet = args->has("quiet");
  c.tty = ::isatty(STDERR_FILENO) != 0;
  if (!error.empty()) return std::fprintf(stderr, "lifeguard run: %s\n", error.c_str()), 2;
  if (c.generator.actors < 1 || c.generator.actors > 8) {
    return std::fprintf(stderr, "lifeguard run: --actors takes 1 to 8\n"), 2;
  }
  if (c.run.op_deadline.count() == 0) return std::fprintf(stderr, "lifeguard run: --deadline-ms must be > 0\n"), 2;
  if (!makeAdapter(c.generator.engine, c.generator.policy, &error)) {
    return std::fprintf(stderr, "lifeguard run: %s\n", error.c_str()), 2;
  }
  std::printf("lifeguard run: engine %s, policy %s, %d actors, seeds from %llu, %s\n", c.generator.engine.c_str(),
              c.generator.policy.c_str(), c.generator.actors, static_cast<unsigned long long>(c.seed),
              c.iterations > 0 ? (std::to_string(c.iterations) + " schedules").c_str()
                               : (std::to_string(static_cast<int>(c.seconds)) + " s").c_str());
  std::fflush(stdout);
  return runCampaign(c);
}

int generate(const std::vector<std::string>& argv) {
  std::string error;
  auto args = Args::parse(argv, {"seed", "actors", "policy", "engine"}, {}, &error);
  if (!args) return std::fprintf(stderr, "lifeguard generate: %s\n", error.c_str()), 2;
  GeneratorOptions options;
  options.policy = args->get("policy", "complete");
  options.engine = args->get("engine", "lifeguard");
  options.actors = static_cast<int>(args->number("actors", 3, &error));
  std::uint64_t seed = args->number("seed", 1, &error);
  if (!error.empty()) return std::fprintf(stderr, "lifeguard generate: %s\n", error.c_str()), 2;
  if (options.actors < 1 || options.actors > 8) {
    return std::fprintf(stderr, "lifeguard generate: --actors takes 1 to 8\n"), 2;
  }
  std::fputs(formatSchedule(generateSchedule(seed, options)).c_str(), stdout);
  return 0;
}

}  // namespace lifeguard::harness::cli

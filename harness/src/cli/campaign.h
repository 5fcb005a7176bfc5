// A campaign (lifeguard run): its options, what judging one schedule
// yields, and the jobs that judge them.
//
// The campaign's process forks --jobs job processes before it starts any
// thread. It hands each job a seed at a time (the I-th of a --shard I/N
// campaign: seeds first+I-1, first+I-1+N, ...), with the portfolio's
// strategy for it; a job generates that seed's
// schedule, runs it by the campaign's strategy (each run in a child of its
// own: runIsolated), replays a failure --confirm times, and sends back an
// Outcome as one line of JSON. The campaign takes outcomes in seed order, so
// the schedules judged, the failures reported and where --max-failures stops
// do not depend on how many jobs ran them (under the portfolio, which
// strategy judged a seed does: it goes by the time each has had); it alone
// prints, counts, and writes artifacts and the report.
//
// Thread-safety: single-threaded; each job is a process.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "cli/cli.h"
#include "lifeguard/harness/generator.h"

namespace lifeguard::harness::cli {

// One way to draw and run schedules: a scheduler, with swarm's drawing or a
// sweep of close points.
struct Strategy {
  std::string name;  // os, pct, pct-all, sweep, swarm
  SchedulerSpec scheduler;
  bool swarm = false;
  std::uint64_t sweep_points = 0;
};

// The portfolio of an engine: free-running threads (os), and where it is
// `controllable` and the build has sync points, PCT with its change points
// among lifecycle steps (pct) and among all steps (pct-all); a sweep of
// close points (under pct where controllable); swarm (free-running).
std::vector<Strategy> portfolioFor(bool controllable);

struct Campaign {
  GeneratorOptions generator;
  RunOptions run;
  SchedulerSpec scheduler;
  std::uint64_t seed = 0;
  double seconds = 0;
  std::uint64_t iterations = 0;  // schedules; 0: --seconds decides
  std::uint64_t max_failures = 10;
  std::uint64_t dfs_runs = 200;  // per schedule
  bool check_determinism = false;
  std::uint64_t confirm = 0;  // replays of each failure before it is reported
  bool confirm_given = false;  // else 1 under a controlled scheduler, 3 free-running
  std::string out = "lifeguard-failures";
  std::string report;  // --report DIR
  std::uint64_t sweep_points = 0;  // --strategy sweep: close points per schedule
  // --strategy portfolio (the default): each schedule is judged by one of
  // these, the one that has had the least of the campaign's time so far
  // (Dispatcher, jobs.cc); it overrides scheduler, sweep_points and
  // generator.swarm, and each keeps its own PCT length.
  std::vector<Strategy> portfolio;
  std::uint64_t jobs = 1;
  std::uint64_t shard = 0, shards = 1;  // --shard I/N: shard = I-1
  bool quiet = false;
  bool tty = false;
};

// An operation shorter than this many times the sweep's points is swept at
// every point.
inline constexpr std::uint64_t kSweepWhole = 4;

// `c` as its portfolio's `strategy` (-1: none) judges a schedule: that
// strategy's scheduler, sweep and swarm, and its --confirm default.
Campaign withStrategy(const Campaign& c, int strategy);
// "portfolio", or the scheduler's name.
std::string schedulerName(const Campaign& c);

// What judging one schedule yields.
struct Outcome {
  std::uint64_t seed = 0;
  int strategy = -1;       // of the portfolio, or -1
  double seconds = 0;      // how long the job took to judge it, replays included
  std::uint64_t runs = 0;  // a sweep or dfs runs a schedule several times
  Verdict verdict = Verdict::kPass;
  bool outside = false;  // a failure the contract makes the caller's fault
  std::uint64_t steps = 0, lifecycle = 0;  // of its (last) controlled run
  std::uint64_t outside_waits = 0, slices = 0;  // of that run: ControlledTrace::outside_waits, uncontrolled_slices
  std::uint64_t outside_threads = 0;            // and outside_threads
  std::uint64_t outside_holds = 0;              // and outside_holds
  std::uint64_t pct_steps = 0;  // the length PCT should spread over, from that run
  std::map<std::string, std::uint64_t> overlaps;  // what it exercised (OverlapTally)
  std::uint64_t confirm_runs = 0, reproduced = 0;
  // A failure: when its run ended, before the confirming replays, in seconds
  // of std::chrono::steady_clock (one clock for every process here).
  double found_at = 0;
  // A failure: what the campaign prints (FAIL, replay, why lines), its
  // artifact's path and text, and for --report its index entry and timeline.
  std::string lines, artifact_path, artifact;
  CampaignFailure entry;
  std::string timeline;
};

std::string formatOutcome(const Outcome& outcome);  // one line of JSON, no newline
std::optional<Outcome> parseOutcome(const std::string& line, std::string* error);

// Generates the schedule of `seed` and judges it by the portfolio's
// `strategy` (-1: the campaign's own); `pct_steps` is the length PCT spreads
// its change points over (the longest run that strategy has seen).
Outcome judgeSchedule(const Campaign& c, std::uint64_t seed, std::uint64_t pct_steps, int strategy);

// The flags a replay of an artifact of this campaign needs.
std::string replayFlags(const Campaign& c);

// Runs the campaign; its exit code (0 passed, 1 a failure, 3 vacuous).
int runCampaign(Campaign& c);

}  // namespace lifeguard::harness::cli

// The `lifeguard` command line: one function per subcommand (private).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lifeguard/harness/generator.h"
#include "lifeguard/harness/report.h"
#include "lifeguard/harness/runner.h"
#include "lifeguard/harness/scheduler.h"
#include "generate/sweep_plan.h"
#include "judge/hints.h"
#include "judge/overlaps.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace lifeguard::harness::cli {

// A command's parsed command line: its options by name (without the
// dashes), as given, and its positional arguments. CLI11 parses and
// validates them (Options, main.cc); a command reads them.
class Args {
 public:
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::string get(const std::string& name, const std::string& fallback) const;
  // Sets `error` if the value is not a non-negative integer (Options::count
  // has checked that already, for options it declared).
  std::uint64_t number(const std::string& name, std::uint64_t fallback, std::string* error) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend class Options;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

// Declares a command's options on its CLI11 subcommand, each with its help,
// and has their values land in an Args. Each returns nothing: what an option
// accepts is said by which one declares it. Not thread-safe (main's thread).
class Options {
 public:
  Options(CLI::App* command, Args* args) : command_(command), args_(args) {}
  // The command's one-line help.
  void about(const std::string& text);
  // --name VALUE, any text; also `short_name` (-o) if given.
  void text(const std::string& name, const std::string& help, const std::string& short_name = "");
  // --name N, a non-negative integer, at least `min`, at most `max` (0: no bound).
  void count(const std::string& name, const std::string& help, std::uint64_t min = 0, std::uint64_t max = 0);
  // --name WORD, one of `choices`.
  void choice(const std::string& name, const std::string& help, const std::vector<std::string>& choices);
  // --name, no value.
  void flag(const std::string& name, const std::string& help);
  // Positional arguments, between `min` and `max` of them (max -1: any).
  void files(const std::string& what, const std::string& help, int min, int max);
  // --scheduler and its parameters (--pct-depth, --pct-points,
  // --preemptions), read by schedulerFrom; `fallback` is the default said.
  void scheduler(const std::string& fallback);
  // --deadline-ms: an operation running longer is a hang.
  void deadline();
  // --sizes calibrated|fixed: how generated work is sized (sizeWork).
  void sizes();

 private:
  // An option NAMES ("-o,--out") whose value lands in args_ as `name`.
  CLI::Option* value(const std::string& names, const std::string& name, const std::string& help);

  CLI::App* command_;
  Args* args_;
};

// --scheduler NAME (default `fallback`) with --pct-depth and --preemptions;
// nullopt with `error` on a bad value.
std::optional<SchedulerSpec> schedulerFrom(const Args& args, const std::string& fallback, std::string* error);
double secondsSince(std::chrono::steady_clock::time_point start);

// --engine, --policy and --actors (default lifeguard, its first policy, 3).
GeneratorOptions generatorFrom(const Args& args, std::string* error);
// Fits the generator to its engine: the engine's exact version (written into
// every schedule), its capabilities and its caller faults. False and `error`
// for an unknown engine or policy.
bool drawFor(GeneratorOptions* options, std::string* error);

// --deadline-ms, whose default follows --sizes: 5 s for calibrated work
// (0.3 s at most), 10 s for the fixed row counts.
std::chrono::milliseconds sizedDeadline(const Args& args, std::string* error);

// --sizes: "calibrated" sizes the generator's work for its engine on this
// machine (calibration.h; the rates kept in $LIFEGUARD_CALIBRATION_DIR, or
// calibration/ beside the lifeguard program), "fixed" keeps the row counts
// chosen for this project's engine. `note` gets a line for the campaign's
// header ("" for fixed). False and `error` if calibrating failed.
bool sizeWork(const std::string& sizes, const RunOptions& run, GeneratorOptions* options, std::string* note,
              std::string* error);


// A failure to find again (shrink, a campaign's confirmation replays): its
// verdict, and for a sanitizer report the engine's frame it crashed in, so
// that another bug with the same verdict does not count.
struct Failure {
  Verdict verdict;
  std::string frame;
  static Failure of(const RunResult& r) { return {r.verdict, engineFrame(r.report)}; }
  bool matches(const RunResult& r) const {
    return r.verdict == verdict && (frame.empty() || engineFrame(r.report) == frame);
  }
};

// A timeline's context for a run of `schedule` read from `source`.
TimelineContext timelineContext(const Schedule& schedule, const std::string& source, const std::string& replay);

// lifeguard run --report DIR: DIR/index.html, a timeline page per failure in
// DIR/timelines/, a copy of each failure's artifact in DIR/artifacts/, and
// DIR/campaign.json (what `lifeguard report merge` reads: the summary, the
// seeds judged and the overlap counts), rewritten after every failure so that
// a campaign stopped early still leaves its report. Not thread-safe (the
// campaign's own thread); entryOf and timelineOf are pure (a job calls them).
class CampaignReport {
 public:
  // `dir` "" disables the report.
  CampaignReport(std::string dir, CampaignSummary head) : dir_(std::move(dir)), summary_(std::move(head)) {}
  // A failure's line in the index, and its timeline page.
  static CampaignFailure entryOf(const Schedule& schedule, const RunResult& result, const std::string& artifact,
                                 const std::string& reproduced);
  static std::string timelineOf(const Schedule& schedule, const RunResult& result, const std::string& artifact,
                                const std::string& replay, const std::string& reproduced);
  // Lists the failure, and writes its timeline page and artifact. Returns "" or an error.
  std::string addFailure(const CampaignFailure& failure, const std::string& timeline,
                         const std::string& artifact_text);
  // Counts a judged schedule.
  void addSchedule(std::uint64_t seed) { seeds_.push_back(seed); }
  // Rewrites the index and campaign.json with the campaign's counts so far.
  std::string update(std::uint64_t runs, double seconds, const OverlapTally& overlaps, bool finished);
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  CampaignSummary summary_;
  std::vector<std::uint64_t> seeds_;
  OverlapTally overlaps_;
};

// A campaign's campaign.json: its summary, the seeds it judged, and what its
// runs exercised.
struct CampaignRecord {
  CampaignSummary summary;
  std::vector<std::uint64_t> seeds;
  OverlapTally overlaps;
};
std::string campaignJson(const CampaignSummary& summary, const std::vector<std::uint64_t>& seeds,
                         const OverlapTally& overlaps);
std::optional<CampaignRecord> parseCampaignJson(const std::string& text, std::string* error);

// The sweep (cli_sweep.cc; what it fires where: sweep_plan.h). `at` ("B.J")
// picks a close point, "" the first.
std::optional<ClosePoint> closePoint(const Schedule& schedule, const std::string& at);
// How long the raced operation runs with the close after it: steps as its
// thread sees them (testing::controlledStepsOf) under the schedule's
// controlled scheduler, else microseconds; nullopt if it never returned.
// `measured` (if not null) receives that run; `phases` (if not null, and
// controlled) the steps at which the operation reached its later phases
// (started, running) as its own thread recorded them.
std::optional<std::uint64_t> measureClosePoint(Schedule schedule, ClosePoint point, const RunOptions& options,
                                               RunResult* measured = nullptr,
                                               std::vector<std::uint64_t>* phases = nullptr);
// The schedule with the close fired at K: `await A.I at K` under a
// controlled scheduler, else `step K` (microseconds).
Schedule atClosePoint(const Schedule& schedule, ClosePoint point, std::uint64_t k);

// A command: its name, the options it declares (with its one-line help) and
// what it runs on what they parsed to, which returns the process's exit code (0
// done or passed, 1 a failure found, 2 a usage error). main.cc lists them.
struct Command {
  const char* name;
  void (*options)(Options& o);
  int (*run)(const Args& args);
};
// coverage.cc: `generate --coverage N FILE...`'s table; exit 0, 1 if a
// shape is never generated, 2 on a bad file.
int printCoverage(const GeneratorOptions& options, std::uint64_t n, const std::vector<std::string>& paths);

// run.cc: run, generate, engines; replay.cc: replay, shrink; the others in
// the file of their name (import.cc: import-crash).
extern const Command kRun, kGenerate, kEngines, kReplay, kShrink, kShow, kSweep, kContract, kExplore, kImportCrash,
    kExport, kReport, kProfile;

}  // namespace lifeguard::harness::cli

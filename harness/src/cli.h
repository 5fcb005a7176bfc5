// The `lifeguard` command line: one function per subcommand (private).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lifeguard/harness/report.h"
#include "lifeguard/harness/runner.h"
#include "lifeguard/harness/scheduler.h"
#include "sweep_plan.h"

namespace lifeguard::harness::cli {

// --name value flags (and bare --switches) plus positional arguments.
class Args {
 public:
  // Returns nullopt and sets `error` for a flag not in `known` or a flag
  // without its value. `switches` take no value.
  static std::optional<Args> parse(const std::vector<std::string>& argv, const std::vector<std::string>& known,
                                   const std::vector<std::string>& switches, std::string* error);
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::string get(const std::string& name, const std::string& fallback) const;
  // Sets `error` if the value is not a non-negative integer.
  std::uint64_t number(const std::string& name, std::uint64_t fallback, std::string* error) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

// --scheduler NAME (default `fallback`) with --pct-depth and --preemptions;
// nullopt with `error` on a bad value.
std::optional<SchedulerSpec> schedulerFrom(const Args& args, const std::string& fallback, std::string* error);
double secondsSince(std::chrono::steady_clock::time_point start);

// The first frame of a sanitizer report's stack that is the engine's (not
// the harness's, the standard library's or the sanitizer's): what tells one
// crash from another of the same verdict. "" if there is none.
std::string engineFrame(const std::string& report);

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

// lifeguard run --report DIR: a timeline page per failure in DIR/timelines/
// and DIR/index.html, rewritten after every failure so that a campaign
// stopped early still leaves its report. Not thread-safe (the campaign's
// own thread).
class CampaignReport {
 public:
  // `dir` "" disables the report.
  CampaignReport(std::string dir, CampaignSummary head) : dir_(std::move(dir)), summary_(std::move(head)) {}
  // Writes the failure's timeline and the index. Returns "" or an error.
  std::string addFailure(const Schedule& schedule, const RunResult& result, const std::string& artifact,
                         const std::string& replay, const std::string& reproduced);
  // Rewrites the index with the campaign's counts so far.
  std::string update(std::uint64_t runs, double seconds, const std::string& exercised, bool finished);
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  CampaignSummary summary_;
};

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

int run(const std::vector<std::string>& args);
int replay(const std::vector<std::string>& args);
int shrink(const std::vector<std::string>& args);
int show(const std::vector<std::string>& args);
int sweep(const std::vector<std::string>& args);
int generate(const std::vector<std::string>& args);
int engines(const std::vector<std::string>& args);
int contract(const std::vector<std::string>& args);
int explore(const std::vector<std::string>& args);
int importCrash(const std::vector<std::string>& args);

}  // namespace lifeguard::harness::cli

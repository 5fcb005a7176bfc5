#include "parallel.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "lifeguard/harness/artifact.h"
#include "linearize.h"

namespace lifeguard::properties {
namespace {

using harness::Op;
using harness::OpKind;
using harness::Schedule;
using Clock = std::chrono::steady_clock;

std::string environment(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

// Drops a second `connect` of a name and closes a second result of a name
// at once: the first use owns the name.
void uniqueHandles(std::vector<std::vector<Op>>& actors) {
  std::set<std::string> connected, results;
  for (auto& ops : actors) {
    std::vector<Op> kept;
    for (Op op : ops) {
      if (op.kind == OpKind::kConnect && !connected.insert(op.handle).second) continue;
      if (op.kind == OpKind::kQuery && op.result != "-" && !results.insert(op.result).second) op.result = "-";
      kept.push_back(op);
    }
    ops = std::move(kept);
  }
}

// "[H1 complete] 1200/10000 cases, 0 failed, 38 s", redrawn at most once a
// second when $LIFEGUARD_PROPERTY_PROGRESS is set (./run properties).
void progress(const PropertyRun& run, bool failed) {
  static const bool enabled = !environment("LIFEGUARD_PROPERTY_PROGRESS", "").empty();
  if (!enabled) return;
  struct Count {
    int cases = 0, failed = 0;
    Clock::time_point start = Clock::now(), shown;
  };
  static std::map<std::string, Count> counts;
  static std::string last;
  std::string key = run.name + " " + run.policy;
  if (key != last && !last.empty()) std::fputs("\n", stderr);  // keep the last line of the one before
  last = key;
  Count& count = counts[key];
  ++count.cases;
  count.failed += failed ? 1 : 0;
  auto now = Clock::now();
  if (now - count.shown < std::chrono::seconds(1)) return;
  count.shown = now;
  long seconds = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(now - count.start).count());
  std::fprintf(stderr, "\r[%s %s] %d/%s cases, %d failed (shrinking counts too), %ld s   ", run.name.c_str(),
               run.policy.c_str(), count.cases, environment("LIFEGUARD_PROPERTY_CASES", "?").c_str(), count.failed,
               seconds);
  std::fflush(stderr);
}

// Steps 1-3 of the judgement (parallel.h).
std::string judge(const Schedule& schedule, const harness::RunResult& result, const PropertyRun& run) {
  if (result.verdict != harness::Verdict::kPass) {
    return "verdict " + std::string(harness::toString(result.verdict)) + ": " + result.message;
  }
  Linearization linearization = linearize(schedule, result.history);
  if (!linearization.ok) return "not linearizable: " + linearization.message;
  return run.extra ? run.extra(schedule, result) : "";
}

void save(const Schedule& schedule, const harness::RunResult& result, const std::string& message,
          const PropertyRun& run) {
  std::string path = failureFile(run);
  Schedule copy = schedule;
  if (result.verdict != harness::Verdict::kPass) {
    copy.expectations.push_back(run.policy + " " + std::string(harness::toString(result.verdict)));
  }
  std::string text = "# property " + run.name + " failed under policy " + run.policy + ":\n";
  std::istringstream lines(message);
  for (std::string line; std::getline(lines, line);) text += "#   " + line + "\n";
  text += "# rapidcheck prints the RC_PARAMS=\"reproduce=...\" line that reruns it and its shrinking\n";
  std::string error = harness::writeFile(path, text + harness::formatArtifact(copy, result, path));
  if (!error.empty()) std::fprintf(stderr, "%s\n", error.c_str());
}

}  // namespace

std::size_t ParallelCase::size() const {
  std::size_t n = prefix.size();
  for (const auto& branch : branches) n += branch.size();
  return n;
}

Schedule toSchedule(const ParallelCase& c, const std::string& policy, std::uint64_t seed) {
  Schedule s;
  s.policy = policy;
  s.seed = seed;
  s.scheduler.name = "pct";
  s.scheduler.seed = seed;
  s.scheduler.depth = 3;
  std::vector<std::vector<Op>> lists{c.prefix};
  lists.insert(lists.end(), c.branches.begin(), c.branches.end());
  uniqueHandles(lists);  // in this order: the prefix owns its names
  const std::vector<Op>& prefix = lists[0];
  s.actors.assign(std::max<std::size_t>(c.branches.size(), 1), {});
  s.actors[0] = prefix;
  for (std::size_t b = 0; b < c.branches.size(); ++b) {
    std::vector<Op>& actor = s.actors[b];
    if (b > 0 && !prefix.empty()) {  // the branches start when the prefix has returned
      Op await;
      await.kind = OpKind::kAwait;
      await.await_actor = 0;
      await.await_index = static_cast<int>(prefix.size()) - 1;
      await.await_event = harness::AwaitEvent::kReturned;
      actor.push_back(await);
    }
    actor.insert(actor.end(), lists[b + 1].begin(), lists[b + 1].end());
  }
  return s;
}

std::string failureFile(const PropertyRun& run) {
  return environment("LIFEGUARD_PROPERTY_OUT", "property-failures") + "/" + run.name + "-" + run.policy + ".sched";
}

std::string policyFromEnvironment() { return environment("LIFEGUARD_POLICY", "complete"); }

int triesFromEnvironment() { return std::max(1, std::atoi(environment("LIFEGUARD_PROPERTY_TRIES", "1").c_str())); }

CaseOutcome runCase(const ParallelCase& c, const PropertyRun& run) {
  harness::RunOptions options;
  options.max_steps = 500'000;
  // A thread blocked outside the controlled scheduler (a real lock) is
  // found by the watchdog; a passing case takes tens of milliseconds.
  options.op_deadline = std::chrono::milliseconds(3000);
  for (int t = 0; t < run.tries; ++t) {
    Schedule schedule = toSchedule(c, run.policy, c.seed + static_cast<std::uint64_t>(t));
    harness::RunResult result = harness::runIsolated(schedule, options);
    std::string message = judge(schedule, result, run);
    if (message.empty()) continue;
    progress(run, true);
    schedule.trace = harness::decisionTrace(result.trace);
    save(schedule, result, message, run);
    return {false, message, schedule};
  }
  progress(run, false);
  return {};
}

}  // namespace lifeguard::properties

// lifeguard run: judging one schedule, in a job (campaign.h).
#include <nlohmann/json.hpp>

#include "cli/campaign.h"
#include "lifeguard/harness/artifact.h"
#include "lifeguard/harness/plugin.h"
#include "run/dfs.h"

namespace lifeguard::harness::cli {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

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

// --check-determinism: the same schedule and seed must give the same run;
// if not, the message says why, as far as the traces tell.
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
  const std::string lost_first = controlLost(first->trace), lost_second = controlLost(second.trace);
  if (lost_first.empty() && lost_second.empty()) {
    first->message += "; neither lost control as far as the traces tell (LIFEGUARD_LOG_STEPS=DIR writes each "
                      "run's steps, to diff)";
  } else {
    first->message += "; why: " + (lost_first.empty() ? "" : "the first run had " + lost_first) +
                      (lost_first.empty() || lost_second.empty() ? "" : "; ") +
                      (lost_second.empty() ? "" : "the second run had " + lost_second);
  }
}

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
RunResult sweepSchedule(const Campaign& c, Schedule& schedule, ClosePoint point, std::uint64_t& runs) {
  RunResult result;
  std::vector<std::uint64_t> phases;
  const auto start = Clock::now();
  auto n = measureClosePoint(schedule, point, c.run, &result, &phases);
  const auto took_us = static_cast<std::uint64_t>(secondsSince(start) * 1e6);
  ++runs;
  if (result.verdict != Verdict::kPass || !n) {  // the measuring run failed: that is the failure
    schedule.actors[point.actor][point.index].await_event = AwaitEvent::kReturned;
    return result;
  }
  const std::uint64_t m = *n < kSweepWhole * c.sweep_points ? *n + 1 : c.sweep_points;
  for (std::uint64_t k : withinBudget(sweepPoints(*n, m, schedule.seed, phases), took_us)) {
    Schedule at = atClosePoint(schedule, point, k);
    result = runIsolated(at, c.run);
    ++runs;
    if (result.verdict == Verdict::kPass) continue;
    schedule = at;
    break;
  }
  return result;
}

// Runs one generated schedule (every dfs interleaving of it, within the
// bound and --dfs-runs; each of its close points under --strategy sweep);
// returns the first failure, or a pass.
RunResult runSchedule(const Campaign& c, Schedule& schedule, std::uint64_t& runs) {
  if (c.sweep_points > 0 && c.scheduler.name != "dfs") {
    std::vector<ClosePoint> points = closePoints(schedule);
    if (!points.empty()) return sweepSchedule(c, schedule, drawClosePoint(schedule, points), runs);
  }
  if (c.scheduler.name != "dfs") {
    RunResult result = runIsolated(schedule, c.run);
    ++runs;
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
    ++runs;
    explorer.record(result.trace);
    if (result.verdict != Verdict::kPass) break;
  }
  return result;
}

// The failures this job replayed, by group (verdict and engine frame, or
// message shape: CampaignReport::entryOf): once a group's failures were
// replayed kConfirmedPerGroup times, later ones of the group are not (a real
// engine with a real bug fails most schedules the same way, and a replay of
// a crash costs seconds); their line says whose replays vouch for them.
struct Confirmed {
  std::uint64_t failures = 0, seed = 0, runs = 0, reproduced = 0;
};
constexpr std::uint64_t kConfirmedPerGroup = 2;
std::map<std::string, Confirmed>& confirmedGroups() {
  static std::map<std::string, Confirmed> groups;  // a job is one thread
  return groups;
}

// Replays the failure c.confirm times (with its decision trace, if
// controlled), unless its group has been replayed enough; returns how often
// it reproduced, as its line says it.
std::string confirm(const Campaign& c, const Schedule& artifact, const RunResult& result, Outcome& o) {
  // A divergence of --check-determinism is two runs that differ: one replay
  // cannot reproduce it, so it is not replayed. A replay counts if it fails
  // the same way (the same verdict, and for a sanitizer the same engine frame).
  if (result.verdict == Verdict::kDivergence || c.confirm == 0) return "";
  Confirmed& group = confirmedGroups()[std::string(toString(result.verdict)) + "\n" +
                                       CampaignReport::entryOf(artifact, result, "", "").group];
  if (group.failures >= kConfirmedPerGroup) {
    return "not replayed: failed as seed " + std::to_string(group.seed) + " did (its group reproduced " +
           std::to_string(group.reproduced) + " of " + std::to_string(group.runs) + " replays)";
  }
  const Failure failure = Failure::of(result);
  o.confirm_runs = c.confirm;
  for (std::uint64_t i = 0; i < o.confirm_runs; ++i) {
    if (failure.matches(runIsolated(artifact, c.run))) ++o.reproduced;
  }
  if (group.failures++ == 0) group.seed = artifact.seed;
  group.runs += o.confirm_runs, group.reproduced += o.reproduced;
  return "reproduced " + std::to_string(o.reproduced) + " of " + std::to_string(o.confirm_runs) + " replays";
}

// A failure of `schedule`: confirmed, then its artifact, what the campaign
// prints of it, and its report entry.
void describeFailure(const Campaign& c, const std::string& strategy, const Schedule& schedule,
                     const RunResult& result, Outcome& o) {
  o.outside = !result.outside_contract.empty();
  Schedule artifact = schedule;
  artifact.trace = decisionTrace(result.trace);
  const std::string rate = confirm(c, artifact, result, o);
  o.artifact_path = artifactPath(c, schedule.seed, result.verdict, o.outside);
  o.artifact = formatArtifact(artifact, result, o.artifact_path, rate);
  if (o.outside) o.lines += "\nOUTSIDE THE CONTRACT (" + result.outside_contract + ")";
  o.lines += "\nFAIL " + std::string(toString(result.verdict)) + " (seed " + std::to_string(schedule.seed) +
             (strategy.empty() ? "" : ", strategy " + strategy) + (rate.empty() ? "" : ", " + rate) + "): " + result.message + "\n  replay: lifeguard replay " +
             replayFlags(c) + o.artifact_path + "\n";
  for (const std::string& hint : result.hints) o.lines += "  why: " + hint + "\n";
  if (c.report.empty()) return;
  o.entry = CampaignReport::entryOf(artifact, result, o.artifact_path, rate);
  o.timeline = CampaignReport::timelineOf(artifact, result, o.artifact_path,
                                          "lifeguard replay " + replayFlags(c) + o.artifact_path, rate);
}

}  // namespace

// The flags a replay of an artifact of this campaign needs.
std::string replayFlags(const Campaign& c) {
  std::string flags;
  for (const std::string& lib : loadedEngineLibraries()) flags += "--engine-lib " + lib + " ";
  return flags + (c.scheduler.controlled() ? "" : "--runs 10 ");
}

std::vector<Strategy> portfolioFor(bool controllable) {
  SchedulerSpec os, pct;
  pct.name = "pct", pct.lifecycle_points = true;
  SchedulerSpec pct_all = pct;
  pct_all.lifecycle_points = false;
  const bool controlled = controllable && testing::controlledCompiledIn();
  std::vector<Strategy> portfolio{{"os", os, false, 0}};
  if (controlled) portfolio.push_back({"pct", pct, false, 0}), portfolio.push_back({"pct-all", pct_all, false, 0});
  portfolio.push_back({"sweep", controlled ? pct : os, false, 8});
  portfolio.push_back({"swarm", os, true, 0});
  return portfolio;
}

Campaign withStrategy(const Campaign& c, int strategy) {
  Campaign at = c;
  if (strategy >= 0 && static_cast<std::size_t>(strategy) < c.portfolio.size()) {
    const Strategy& s = c.portfolio[static_cast<std::size_t>(strategy)];
    at.scheduler = s.scheduler, at.sweep_points = s.sweep_points, at.generator.swarm = s.swarm;
  }
  if (!at.confirm_given) at.confirm = at.scheduler.controlled() ? 1 : 3;
  return at;
}

std::string schedulerName(const Campaign& c) { return c.portfolio.empty() ? c.scheduler.name : "portfolio"; }

Outcome judgeSchedule(const Campaign& campaign, std::uint64_t seed, std::uint64_t pct_steps, int strategy) {
  const auto start = Clock::now();
  const Campaign c = withStrategy(campaign, strategy);
  Schedule schedule = generateSchedule(seed, c.generator);
  schedule.scheduler = c.scheduler;
  schedule.scheduler.seed = seed;
  schedule.scheduler.steps = std::max(schedule.scheduler.steps, pct_steps);
  Outcome o;
  o.seed = seed, o.strategy = strategy;
  RunResult result = runSchedule(c, schedule, o.runs);
  o.verdict = result.verdict;
  OverlapTally overlaps;
  overlaps.count(schedule, result.history);
  o.overlaps = overlaps.counts();
  o.steps = result.trace.steps(), o.lifecycle = result.trace.lifecycle_steps;
  o.outside_waits = result.trace.outside_waits, o.slices = result.trace.uncontrolled_slices;
  o.outside_threads = result.trace.outside_threads, o.outside_holds = result.trace.outside_holds;
  o.pct_steps = pctLength(schedule.scheduler, result.trace);
  if (result.verdict != Verdict::kPass) {
    o.found_at = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
    describeFailure(c, strategy >= 0 ? campaign.portfolio[static_cast<std::size_t>(strategy)].name : "", schedule,
                    result, o);
  }
  o.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return o;
}

std::string formatOutcome(const Outcome& o) {
  json out = {{"seed", o.seed},
              {"strategy", o.strategy},
              {"seconds", o.seconds},
              {"runs", o.runs},
              {"verdict", std::string(toString(o.verdict))},
              {"outside", o.outside},
              {"steps", o.steps},
              {"lifecycle", o.lifecycle},
              {"outside_waits", o.outside_waits},
              {"slices", o.slices},
              {"outside_threads", o.outside_threads},
              {"outside_holds", o.outside_holds},
              {"pct_steps", o.pct_steps},
              {"overlaps", o.overlaps}};
  if (o.verdict != Verdict::kPass) {
    out["confirm_runs"] = o.confirm_runs, out["reproduced"] = o.reproduced, out["lines"] = o.lines;
    out["found_at"] = o.found_at;
    out["artifact_path"] = o.artifact_path, out["artifact"] = o.artifact, out["timeline"] = o.timeline;
    out["entry"] = {{"group", o.entry.group}, {"message", o.entry.message}, {"reproduced", o.entry.reproduced},
                    {"timeline", o.entry.timeline}};
  }
  // A message may hold any byte an engine printed: replace what is not UTF-8.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<Outcome> parseOutcome(const std::string& line, std::string* error) {
  try {
    json in = json::parse(line);
    Outcome o;
    o.seed = in.at("seed"), o.runs = in.at("runs"), o.outside = in.at("outside");
    o.strategy = in.at("strategy"), o.seconds = in.at("seconds");
    o.steps = in.at("steps"), o.lifecycle = in.at("lifecycle"), o.pct_steps = in.at("pct_steps");
    o.outside_waits = in.at("outside_waits"), o.slices = in.at("slices");
    o.outside_threads = in.value("outside_threads", std::uint64_t{0});
    o.outside_holds = in.value("outside_holds", std::uint64_t{0});
    o.overlaps = in.at("overlaps").get<std::map<std::string, std::uint64_t>>();
    auto verdict = parseVerdict(in.at("verdict").get<std::string>());
    if (!verdict) throw std::runtime_error("unknown verdict");
    o.verdict = *verdict;
    if (o.verdict == Verdict::kPass) return o;
    o.confirm_runs = in.at("confirm_runs"), o.reproduced = in.at("reproduced"), o.lines = in.at("lines");
    o.found_at = in.at("found_at");
    o.artifact_path = in.at("artifact_path"), o.artifact = in.at("artifact"), o.timeline = in.at("timeline");
    const json& e = in.at("entry");
    o.entry.seed = o.seed, o.entry.verdict = o.verdict, o.entry.outside = o.outside;
    o.entry.artifact = o.artifact_path;
    o.entry.group = e.at("group"), o.entry.message = e.at("message"), o.entry.reproduced = e.at("reproduced");
    o.entry.timeline = e.at("timeline");
    return o;
  } catch (const std::exception& e) {
    *error = std::string("a job's outcome: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace lifeguard::harness::cli

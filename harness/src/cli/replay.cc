// lifeguard replay and shrink.
#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "cli/cli.h"
#include "lifeguard/harness/artifact.h"
#include "lifeguard/harness/runner.h"
#include "judge/overlaps.h"

namespace lifeguard::harness::cli {
namespace {

std::string verdictList(const std::vector<Verdict>& verdicts) {
  std::string out;
  for (Verdict v : verdicts) out += (out.empty() ? "" : "|") + std::string(toString(v));
  return out;
}

std::vector<Verdict> parseVerdicts(const std::string& text, std::string* error) {
  std::vector<Verdict> verdicts;
  std::istringstream names(text);
  for (std::string name; std::getline(names, name, '|');) {
    auto verdict = parseVerdict(name);
    if (!verdict) *error = "unknown verdict '" + name + "'";
    else verdicts.push_back(*verdict);
  }
  return verdicts;
}

// Removes the given operations, every await on a removed operation (to a
// fixpoint), and renumbers the remaining awaits.
Schedule removeOps(const Schedule& s, std::set<std::pair<int, int>> removed) {
  for (bool grew = true; grew;) {
    grew = false;
    for (int a = 0; a < static_cast<int>(s.actors.size()); ++a) {
      for (int i = 0; i < static_cast<int>(s.actors[a].size()); ++i) {
        const Op& op = s.actors[a][i];
        if (op.kind == OpKind::kAwait && removed.count({op.await_actor, op.await_index}) &&
            removed.insert({a, i}).second) {
          grew = true;
        }
      }
    }
  }
  std::vector<std::vector<int>> new_index(s.actors.size());
  Schedule out = s;
  for (std::size_t a = 0; a < s.actors.size(); ++a) {
    out.actors[a].clear();
    for (int i = 0; i < static_cast<int>(s.actors[a].size()); ++i) {
      new_index[a].push_back(static_cast<int>(out.actors[a].size()));
      if (!removed.count({static_cast<int>(a), i})) out.actors[a].push_back(s.actors[a][i]);
    }
  }
  for (auto& ops : out.actors) {
    for (Op& op : ops) {
      if (op.kind == OpKind::kAwait) op.await_index = new_index[op.await_actor][op.await_index];
    }
  }
  return out;
}

// Drops actors left with no operations, renumbering the awaits.
Schedule withoutEmptyActors(const Schedule& s) {
  Schedule out = s;
  out.actors.clear();
  std::vector<int> new_actor(s.actors.size(), -1);
  for (std::size_t a = 0; a < s.actors.size(); ++a) {
    if (s.actors[a].empty()) continue;
    new_actor[a] = static_cast<int>(out.actors.size());
    out.actors.push_back(s.actors[a]);
  }
  for (auto& ops : out.actors) {
    for (Op& op : ops) {
      if (op.kind == OpKind::kAwait) op.await_actor = new_actor[op.await_actor];
    }
  }
  return out;
}

// Whether `s` fails like `failure` in at least `need` of `tries` runs
// (stopping as soon as the answer is known).
bool reproduces(const Schedule& s, const Failure& failure, int tries, int need, const RunOptions& options) {
  int failed = 0;
  for (int t = 0; t < tries && failed < need && failed + (tries - t) >= need; ++t) {
    if (failure.matches(runIsolated(s, options))) ++failed;
  }
  return failed >= need;
}

// Actor `b`'s operations moved to the end of actor 0, its awaits dropped:
// a failure that needs no concurrency between them is simpler without it.
// Nullopt unless every await of `b` names actor 0 and nothing awaits `b`.
std::optional<Schedule> serialized(const Schedule& s, int b) {
  for (int a = 0; a < static_cast<int>(s.actors.size()); ++a) {
    for (const Op& op : s.actors[a]) {
      if (op.kind != OpKind::kAwait) continue;
      if (a == b ? op.await_actor != 0 : op.await_actor == b) return std::nullopt;
    }
  }
  Schedule out = s;
  for (const Op& op : s.actors[b]) {
    if (op.kind != OpKind::kAwait) out.actors[0].push_back(op);
  }
  out.actors[b].clear();
  return withoutEmptyActors(out);
}

std::size_t opCount(const Schedule& s) {
  std::size_t n = 0;
  for (const auto& ops : s.actors) n += ops.size();
  return n;
}

// Replays `schedule` `runs` times. A schedule expected to pass prints its
// verdict per run; a failure (an artifact expects the verdict it failed with)
// is counted: "reproduced K of N", and a run that did not reproduce says so.
// True if every run gave an expected verdict.
bool replayOne(const std::string& path, const Schedule& schedule, const std::vector<Verdict>& expected,
               std::uint64_t runs, const RunOptions& options) {
  const bool failure = std::find(expected.begin(), expected.end(), Verdict::kPass) == expected.end();
  std::uint64_t reproduced = 0;
  for (std::uint64_t r = 0; r < runs; ++r) {
    RunResult result = runIsolated(schedule, options);
    bool ok = std::find(expected.begin(), expected.end(), result.verdict) != expected.end();
    reproduced += ok ? 1 : 0;
    std::string what = std::string(toString(result.verdict)) + (result.message.empty() ? "" : ": ") + result.message;
    if (!result.outside_contract.empty()) what += " [outside the contract: " + result.outside_contract + "]";
    if (schedule.scheduler.controlled()) what += " [" + controlSummary(result.trace) + "]";
    if (!failure) {
      std::printf("%s [%s]: %s (expected %s)\n", path.c_str(), schedule.policy.c_str(), what.c_str(),
                  verdictList(expected).c_str());
    } else {
      std::printf("%s [%s] run %llu of %llu: %s %s\n", path.c_str(), schedule.policy.c_str(),
                  static_cast<unsigned long long>(r + 1), static_cast<unsigned long long>(runs),
                  ok ? "reproduced" : "did NOT reproduce, got", what.c_str());
    }
    if (!ok && !result.report.empty()) std::fprintf(stderr, "%s\n", result.report.substr(0, 4000).c_str());
  }
  if (failure) {
    std::printf("%s: reproduced %llu of %llu (%s, scheduler %s%s)%s\n", path.c_str(),
                static_cast<unsigned long long>(reproduced), static_cast<unsigned long long>(runs),
                verdictList(expected).c_str(), schedule.scheduler.name.c_str(),
                schedule.trace.empty() ? "" : ", recorded trace replayed",
                reproduced == 0 ? ": the failure did not reproduce" : "");
  }
  return reproduced == runs;
}

// --record OUT: runs `schedule` once under the controlled scheduler `spec`
// and writes it to `out` with the decision trace that run took, so that
// `replay OUT` runs that interleaving again exactly. Refused unless the run
// gave a verdict in `expected` (a recording of the wrong interleaving would
// be a regression that tests nothing) and never left control.
int record(const std::string& path, Schedule schedule, const SchedulerSpec& spec, const std::vector<Verdict>& expected,
           const std::string& out, const RunOptions& options) {
  std::string error;
  schedule.scheduler = spec;
  schedule.trace = {};
  RunResult result = runIsolated(schedule, options);
  const bool ok = std::find(expected.begin(), expected.end(), result.verdict) != expected.end();
  std::printf("%s [%s]: %s%s%s under %s; %s\n", path.c_str(), schedule.policy.c_str(),
              std::string(toString(result.verdict)).c_str(), result.message.empty() ? "" : ": ", result.message.c_str(),
              formatSchedulerSpec(spec).c_str(), controlSummary(result.trace).c_str());
  OverlapTally overlaps;
  overlaps.count(schedule, result.history);
  std::printf("  exercised: %s\n", overlaps.summary().empty() ? "no close overlapped a call"
                                                              : overlaps.summary().c_str());
  if (!ok) {
    return std::fprintf(stderr, "lifeguard replay: not recorded: expected %s (try another --seed)\n",
                        verdictList(expected).c_str()), 1;
  }
  if (result.trace.uncontrolled_slices > 0) {
    return std::fprintf(stderr, "lifeguard replay: not recorded: the run left control %llu times, so its trace "
                                "would not replay exactly\n",
                        static_cast<unsigned long long>(result.trace.uncontrolled_slices)), 1;
  }
  schedule.trace = decisionTrace(result.trace);
  error = writeFile(out, formatSchedule(schedule));  // with the file's comments
  if (!error.empty()) return std::fprintf(stderr, "lifeguard replay: %s\n", error.c_str()), 2;
  std::printf("wrote %s (%zu decisions)\n  replay: lifeguard replay --runs 20 %s\n", out.c_str(),
              schedule.trace.decisions.size(), out.c_str());
  return 0;
}

}  // namespace

void replayOptions(Options& o) {
  o.about("run saved schedules again and judge them (a recorded decision trace is replayed exactly; a departure "
          "from it is the verdict divergence); a failure artifact expects the verdict it failed with, and replay "
          "says \"reproduced K of N\"");
  o.files("FILE", "the .sched files to replay", 1, -1);
  o.text("policy", "run them under this policy instead of their own (a decision trace recorded under another is "
                   "dropped)");
  o.text("expect", "the verdicts that pass, VERDICT[|VERDICT] (default: the file's expect line, or the verdict a "
                   "failure artifact failed with)");
  o.count("runs", "replay each N times and say how often it reproduced (default 1)");
  o.text("record", "OUT: run the one FILE once under a controlled scheduler and write it to OUT with the decision "
                   "trace it took (refused unless the verdict is an expected one), so that it replays exactly");
  o.count("seed", "with --record: the controlled scheduler's seed (default the file's own)");
  o.scheduler("with --record: the file's own if controlled, else random");
  o.deadline();
}

int replay(const Args& args) {
  std::string error;
  std::uint64_t runs = args.number("runs", 1, &error);
  if (!args.has("record") && (args.has("seed") || args.has("scheduler"))) {
    error = "--seed and --scheduler go with --record";
  }
  RunOptions options;
  options.op_deadline = std::chrono::milliseconds(args.number("deadline-ms", 10'000, &error));
  if (!error.empty()) return std::fprintf(stderr, "lifeguard replay: %s\n", error.c_str()), 2;
  int status = 0;
  for (const std::string& path : args.positional()) {
    auto schedule = loadSchedule(path, &error);
    if (!schedule) return std::fprintf(stderr, "lifeguard replay: %s\n", error.c_str()), 2;
    if (args.has("policy") && args.get("policy", "") != schedule->policy && !schedule->trace.empty()) {
      // A trace belongs to the policy it was recorded under.
      std::printf("%s: the decision trace was recorded under policy %s; running %s without it (scheduler %s)\n",
                  path.c_str(), schedule->policy.c_str(), args.get("policy", "").c_str(),
                  formatSchedulerSpec(schedule->scheduler).c_str());
      schedule->trace = {};
    }
    if (args.has("policy")) schedule->policy = args.get("policy", "");
    std::vector<Verdict> expected = args.has("expect") ? parseVerdicts(args.get("expect", ""), &error)
                                                        : expectedVerdicts(*schedule, schedule->policy);
    if (!error.empty()) return std::fprintf(stderr, "lifeguard replay: %s\n", error.c_str()), 2;
    if (expected.empty()) expected = {Verdict::kPass};
    if (args.has("record")) {
      if (args.positional().size() != 1) return std::fprintf(stderr, "lifeguard replay: --record takes one FILE\n"), 2;
      auto spec = schedulerFrom(args, schedule->scheduler.controlled() ? schedule->scheduler.name : "random", &error);
      if (spec && !spec->controlled()) error = "--record needs a controlled scheduler (random, pct or dfs)";
      if (!spec || !error.empty()) return std::fprintf(stderr, "lifeguard replay: %s\n", error.c_str()), 2;
      spec->seed = args.number("seed", schedule->scheduler.controlled() ? schedule->scheduler.seed : schedule->seed,
                               &error);
      return record(path, *schedule, *spec, expected, args.get("record", ""), options);
    }
    if (!replayOne(path, *schedule, expected, runs, options)) status = 1;
  }
  return status;
}

void shrinkOptions(Options& o) {
  o.about("delta-debug a failing schedule to a smallest one that fails the same way (same verdict); writes "
          "NAME.min.sched beside it");
  o.files("FILE", "the failing .sched file", 1, 1);
  o.count("tries", "runs per candidate (default 3; 1 under a controlled scheduler)");
  o.count("min", "a candidate is kept if it fails the same way in at least this many of --tries (default 2)");
  o.deadline();
}

int shrink(const Args& args) {
  std::string error;
  // A candidate is kept only if it fails the same way in at least --min of
  // --tries runs: free-running threads need a few (default 2 of 3); a
  // controlled scheduler's seed gives one exact run per candidate.
  int tries = static_cast<int>(args.number("tries", 3, &error));
  int need = static_cast<int>(args.number("min", std::min(2, tries), &error));
  if (error.empty() && (need < 1 || need > tries)) error = "--min takes 1 to --tries";
  RunOptions options;
  options.op_deadline = std::chrono::milliseconds(args.number("deadline-ms", 10'000, &error));
  const std::string path = args.positional()[0];
  auto schedule = loadSchedule(path, &error);
  if (!schedule || !error.empty()) return std::fprintf(stderr, "lifeguard shrink: %s\n", error.c_str()), 2;
  // Operations removed make a recorded trace meaningless; a controlled
  // scheduler's seed still gives one exact run per candidate.
  schedule->trace = {};
  if (schedule->scheduler.controlled() && tries > 1) {
    std::printf("(a controlled schedule gives one exact run per candidate: --tries and --min are 1)\n");
    tries = need = 1;
  }
  // Free-running threads do not fail every time: give it a few tries.
  // The verdict to keep: the one an artifact failed with (its expect line),
  // else the first failure's.
  std::vector<Verdict> expected = expectedVerdicts(*schedule, schedule->policy);
  std::erase(expected, Verdict::kPass);
  auto wanted = [&](Verdict v) {
    return expected.empty() ? v != Verdict::kPass : std::find(expected.begin(), expected.end(), v) != expected.end();
  };
  RunResult first;
  for (int t = 0; t < 3 * tries && !wanted(first.verdict); ++t) first = runIsolated(*schedule, options);
  if (!wanted(first.verdict)) {
    return std::fprintf(stderr, "lifeguard shrink: %s did not fail%s in %d runs; nothing to shrink\n", path.c_str(),
                        expected.empty() ? "" : (" with " + verdictList(expected)).c_str(), 3 * tries),
           1;
  }
  Verdict verdict = first.verdict;
  const Failure failure = Failure::of(first);
  std::printf("shrinking %s (%zu operations, verdict %s%s%s; a candidate must fail so in %d of %d runs)\n",
              path.c_str(), opCount(*schedule), std::string(toString(verdict)).c_str(),
              failure.frame.empty() ? "" : " in ", failure.frame.c_str(), need, tries);
  Schedule current = *schedule;
  for (bool changed = true; changed;) {
    changed = false;
    for (int a = static_cast<int>(current.actors.size()) - 1; a >= 0; --a) {
      for (int i = static_cast<int>(current.actors[a].size()) - 1; i >= 0; --i) {
        if (i >= static_cast<int>(current.actors[a].size())) continue;
        Schedule candidate = removeOps(current, {{a, i}});
        if (!reproduces(candidate, failure, tries, need, options)) continue;
        current = candidate;
        changed = true;
        std::printf("  %zu operations\n", opCount(current));
        std::fflush(stdout);
      }
    }
    for (int b = static_cast<int>(current.actors.size()) - 1; !changed && b > 0; --b) {
      auto candidate = serialized(current, b);
      if (!candidate || !reproduces(*candidate, failure, tries, need, options)) continue;
      current = *candidate;
      changed = true;
      std::printf("  %zu operations (actor %d's run after actor 0's)\n", opCount(current), b);
      std::fflush(stdout);
    }
  }
  current = withoutEmptyActors(current);
  RunResult last;
  for (int t = 0; t < 3 * tries && !failure.matches(last); ++t) last = runIsolated(current, options);
  std::string stem = path.size() > 6 && path.ends_with(".sched") ? path.substr(0, path.size() - 6) : path;
  std::string out = stem + ".min.sched";
  if (current.scheduler.controlled()) current.trace = decisionTrace(last.trace);
  last.message = "shrunk from " + path + " (" + std::to_string(opCount(*schedule)) + " to " +
                 std::to_string(opCount(current)) + " operations): " + last.message;
  error = writeFile(out, formatArtifact(current, last, out));
  if (!error.empty()) return std::fprintf(stderr, "lifeguard shrink: %s\n", error.c_str()), 2;
  std::printf("wrote %s (%zu operations)\n  replay: lifeguard replay %s\n", out.c_str(), opCount(current), out.c_str());
  return 0;
}

const Command kReplay{"replay", replayOptions, replay};
const Command kShrink{"shrink", shrinkOptions, shrink};

}  // namespace lifeguard::harness::cli

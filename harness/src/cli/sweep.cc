// lifeguard sweep: one close of a schedule fired at every point of the
// operation it races, as SQLite's fault-injection loop walks every
// allocation: under a controlled scheduler exactly after K steps of the
// operation as its thread sees them (`await A.I at K`: its own steps and the
// engine threads' distinct ones; the closer then runs ahead of the others, so
// the close lands between two adjacent steps), for K = 0 .. N (or a sample
// of M of them); free-running, K microseconds after it began.
#include <cstdio>
#include <map>
#include <optional>

#include "cli/cli.h"
#include "lifeguard/harness/artifact.h"
#include "lifeguard/harness/runner.h"

namespace lifeguard::harness::cli {
std::optional<ClosePoint> closePoint(const Schedule& s, const std::string& at) {
  for (ClosePoint point : closePoints(s)) {
    if (at.empty() || at == std::to_string(point.actor) + "." + std::to_string(point.index)) return point;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> measureClosePoint(Schedule s, ClosePoint point, const RunOptions& options,
                                               RunResult* measured, std::vector<std::uint64_t>* phases) {
  const bool controlled = s.scheduler.controlled();
  Op& await = s.actors[point.actor][point.index];
  await.await_event = AwaitEvent::kReturned;
  // The measuring run only has to finish: a short --deadline-ms (to make the
  // points' hangs quick) must not fail it on a loaded machine, so it gets
  // the default deadline at least. Not more: a hang in it is a failure found,
  // and a campaign would wait its deadline out (60 s once, where every other
  // run waits 10).
  RunOptions measuring = options;
  measuring.op_deadline = std::max<std::chrono::milliseconds>(options.op_deadline, RunOptions{}.op_deadline);
  RunResult r = runIsolated(s, measuring);
  if (measured != nullptr) *measured = r;
  const Event *invoked = nullptr, *returned = nullptr;
  std::vector<const Event*> reached;  // its later phases: started, running
  for (const Event& e : r.history) {
    if (e.actor != await.await_actor || e.index != await.await_index) continue;
    if (e.type == EventType::kInvoke) invoked = &e;
    else if (e.type == EventType::kReturn) returned = &e;
    else reached.push_back(&e);
  }
  if (invoked == nullptr || returned == nullptr) return std::nullopt;
  if (!controlled) return static_cast<std::uint64_t>((returned->at_ms - invoked->at_ms) * 1000.0);
  for (const Event* e : reached) {  // counted on the operation's own thread, as K is
    if (phases != nullptr && e->thread == invoked->thread) phases->push_back(e->sweep_step - invoked->sweep_step);
  }
  return returned->sweep_step - invoked->sweep_step;
}

Schedule atClosePoint(const Schedule& s, ClosePoint point, std::uint64_t k) {
  Schedule at = s;
  at.actors[point.actor][point.index].await_event = s.scheduler.controlled() ? AwaitEvent::kAt : AwaitEvent::kStep;
  at.actors[point.actor][point.index].number = static_cast<std::int64_t>(k);
  at.trace = {};
  return at;
}

void sweepOptions(Options& o) {
  o.about("fire the schedule's first close that waits on another actor's operation at each point of that "
          "operation; reports each failing point and saves the first");
  o.files("FILE", "the schedule to sweep", 1, 1);
  o.text("policy", "run it under this policy instead of its own");
  o.count("points", "how many points of the raced operation, an even sample (default 100): at its K-th step, "
                    "K = 0..N, the closer then running ahead of every other thread (controlled scheduler, exact), "
                    "or K microseconds after it began (--scheduler os)");
  o.text("at", "B.J: the close point, by the await before the close (default: the first)");
  o.text("out", "where the first failure is saved (default lifeguard-failures)");
  o.scheduler("the schedule's own if controlled, else random");
  o.deadline();
}

int sweep(const Args& args) {
  std::string error;
  const std::string path = args.positional()[0];
  auto schedule = loadSchedule(path, &error);
  if (!schedule) return std::fprintf(stderr, "lifeguard sweep: %s\n", error.c_str()), 2;
  schedule->policy = args.get("policy", schedule->policy);
  schedule->trace = {};
  const bool can_control = testing::controlledCompiledIn();
  auto spec = schedulerFrom(args, schedule->scheduler.controlled() || !can_control ? schedule->scheduler.name
                                                                                    : "random", &error);
  const std::uint64_t m = args.number("points", 100, &error);
  RunOptions options;
  options.op_deadline = std::chrono::milliseconds(args.number("deadline-ms", 10'000, &error));
  if (!spec || !error.empty()) return std::fprintf(stderr, "lifeguard sweep: %s\n", error.c_str()), 2;
  if (spec->controlled() && !can_control) {
    return std::fprintf(stderr, "lifeguard sweep: a controlled scheduler needs a build with sync points\n"), 2;
  }
  spec->seed = schedule->scheduler.controlled() ? schedule->scheduler.seed : schedule->seed;
  schedule->scheduler = *spec;
  auto point = closePoint(*schedule, args.get("at", ""));
  if (!point) {
    return std::fprintf(stderr, "lifeguard sweep: %s has no close right after an await of another actor's operation "
                                "(invoked or running)%s\n", path.c_str(), args.has("at") ? " at --at" : ""), 2;
  }
  const int b = point->actor, j = point->index;
  const Op& await = schedule->actors[b][j];
  const bool controlled = spec->controlled();
  auto n = measureClosePoint(*schedule, *point, options);
  if (!n) return std::fprintf(stderr, "lifeguard sweep: actor %d op #%d never returned in the measuring run\n",
                              await.await_actor, await.await_index), 2;
  const std::string unit = controlled ? "steps" : "us";
  std::printf("sweep: actor %d's '%s' at each of %llu %s of actor %d's '%s' (policy %s, scheduler %s)\n", b,
              formatOp(schedule->actors[b][j + 1]).c_str(), static_cast<unsigned long long>(*n), unit.c_str(),
              await.await_actor, formatOp(schedule->actors[await.await_actor][await.await_index]).c_str(),
              schedule->policy.c_str(), formatSchedulerSpec(*spec).c_str());
  std::fflush(stdout);
  std::map<Verdict, std::uint64_t> verdicts;
  std::vector<std::uint64_t> failed_at;
  const std::vector<std::uint64_t> ks = sweepPoints(*n, std::max<std::uint64_t>(m, 1));
  const std::string stem = path.ends_with(".sched") ? path.substr(0, path.size() - 6) : path;
  const std::string out_dir = args.get("out", "lifeguard-failures");
  for (std::uint64_t k : ks) {
    Schedule at = atClosePoint(*schedule, *point, k);
    RunResult r = runIsolated(at, options);
    ++verdicts[r.verdict];
    if (r.verdict == Verdict::kPass) continue;
    failed_at.push_back(k);
    if (failed_at.size() > 1) continue;
    std::string name = stem.substr(stem.find_last_of('/') + 1);
    std::string artifact = out_dir + "/" + name + "-sweep-" + std::string(toString(r.verdict)) + "-k" +
                           std::to_string(k) + ".sched";
    if (controlled) at.trace = decisionTrace(r.trace);
    error = writeFile(artifact, formatArtifact(at, r, artifact, "sweep point " + std::to_string(k) + " " + unit));
    std::printf("FAIL %s at %s %llu: %s\n  replay: lifeguard replay %s%s\n", std::string(toString(r.verdict)).c_str(),
                unit.c_str(), static_cast<unsigned long long>(k), r.message.c_str(), controlled ? "" : "--runs 10 ",
                artifact.c_str());
    std::fflush(stdout);
  }
  std::string where;
  for (std::size_t i = 0; i < failed_at.size() && i < 20; ++i) where += (i ? ", " : "") + std::to_string(failed_at[i]);
  if (failed_at.size() > 20) where += ", ...";
  std::printf("summary: %zu close points swept, %zu failed%s%s", ks.size(), failed_at.size(),
              failed_at.empty() ? "" : (" (at " + unit + " ").c_str(), failed_at.empty() ? "" : (where + ")").c_str());
  for (const auto& [verdict, count] : verdicts) {
    std::printf("; %s %llu", std::string(toString(verdict)).c_str(), static_cast<unsigned long long>(count));
  }
  std::printf("\n");
  return failed_at.empty() ? 0 : 1;
}

const Command kSweep{"sweep", sweepOptions, sweep};

}  // namespace lifeguard::harness::cli

// lifeguard profile: where a schedule's wall time goes on an engine.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "cli/cli.h"
#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/generator.h"

namespace lifeguard::harness::cli {
namespace {

// What an operation is, for the table: its kind, and a query's kind; the
// run's own teardown (events past the schedule's actors) is "teardown".
std::string kindOf(const Schedule& schedule, int actor, int index) {
  if (actor < 0 || static_cast<std::size_t>(actor) >= schedule.actors.size() || index < 0 ||
      static_cast<std::size_t>(index) >= schedule.actors[actor].size()) {
    return "teardown";
  }
  const Op& op = schedule.actors[actor][index];
  std::string text = formatOp(op);
  std::string kind = text.substr(0, text.find(' '));
  if (op.kind == OpKind::kQuery || op.kind == OpKind::kExecute || op.kind == OpKind::kPrepare) {
    kind += " " + std::string(toString(op.query.kind));
  }
  return kind;
}

struct OpTime {
  double ms = 0;
  std::uint64_t calls = 0, unreturned = 0;
};

// Each operation's time from its invocation to its return (or to the run's
// last event, if it never returned), summed by kind.
void addOperations(const Schedule& schedule, const RunResult& result, std::map<std::string, OpTime>* ops) {
  std::map<std::pair<int, int>, double> invoked;
  double last = 0;
  for (const Event& e : result.history) {
    last = std::max(last, e.at_ms);
    if (e.type == EventType::kInvoke) invoked[{e.actor, e.index}] = e.at_ms;
    if (e.type != EventType::kReturn || !invoked.count({e.actor, e.index})) continue;
    OpTime& t = (*ops)[kindOf(schedule, e.actor, e.index)];
    t.ms += e.at_ms - invoked[{e.actor, e.index}], ++t.calls;
    invoked.erase({e.actor, e.index});
  }
  for (const auto& [at, since] : invoked) {
    OpTime& t = (*ops)[kindOf(schedule, at.first, at.second)];
    t.ms += last - since, ++t.calls, ++t.unreturned;
  }
}

}  // namespace

void profileOptions(Options& o) {
  o.about("where a schedule's wall time goes on an engine: starting it, running the operations, judging, forking");
  o.text("engine", "the engine (default lifeguard)");
  o.text("policy", "its teardown policy (default: the engine's first)");
  o.count("schedules", "how many generated schedules to run, one at a time (default 10)", 1);
  o.count("seed", "the first schedule's seed (default 1)");
  o.count("actors", "threads per schedule (default 3)", 1, 8);
  o.deadline();
  o.sizes();
}

int profile(const Args& args) {
  std::string error;
  GeneratorOptions generator = generatorFrom(args, &error);
  const std::uint64_t n = args.number("schedules", 10, &error), seed = args.number("seed", 1, &error);
  RunOptions run;
  run.op_deadline = sizedDeadline(args, &error);  // as lifeguard run
  std::string sized;
  if (!error.empty() || !drawFor(&generator, &error) ||
      !sizeWork(args.get("sizes", "calibrated"), run, &generator, &sized, &error)) {
    return std::fprintf(stderr, "lifeguard profile: %s\n", error.c_str()), 2;
  }
  std::vector<std::pair<std::string, double>> phases;  // summed, in order
  std::map<std::string, OpTime> ops;
  double wall = 0;
  std::map<Verdict, std::uint64_t> verdicts;
  for (std::uint64_t i = 0; i < n; ++i) {
    Schedule schedule = generateSchedule(seed + i, generator);
    const auto start = std::chrono::steady_clock::now();
    RunResult result = runIsolated(schedule, run);
    wall += secondsSince(start) * 1000;
    ++verdicts[result.verdict];
    for (const auto& phase : result.phases) {
      auto at = std::find_if(phases.begin(), phases.end(), [&](const auto& p) { return p.first == phase.first; });
      if (at == phases.end()) phases.push_back(phase);
      else at->second += phase.second;
    }
    addOperations(schedule, result, &ops);
  }
  const double k = static_cast<double>(n);
  std::printf("profile: engine %s, policy %s, %llu schedules (seeds %llu..%llu, %d actors), free-running, one at a "
              "time\nwhere a schedule's wall time goes, mean per schedule:\n  %-22s %9.1f ms\n",
              generator.engine.c_str(), generator.policy.c_str(), static_cast<unsigned long long>(n),
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed + n - 1), generator.actors,
              "wall", wall / k);
  if (!sized.empty()) std::printf("(%s)\n", sized.substr(2, sized.size() - 3).c_str());
  for (const auto& [name, ms] : phases) std::printf("  %-22s %9.1f ms %4.0f%%\n", name.c_str(), ms / k, 100 * ms / wall);
  std::printf("what the operations took, mean per schedule (actors run at once: these overlap; the run's "
              "teardown is in \"run\" too):\n");
  std::vector<std::pair<std::string, OpTime>> sorted(ops.begin(), ops.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
  for (const auto& [kind, t] : sorted) {
    std::printf("  %-22s %9.1f ms in %5.1f calls%s\n", kind.c_str(), t.ms / k, static_cast<double>(t.calls) / k,
                t.unreturned == 0 ? "" : (" (" + std::to_string(t.unreturned) + " never returned)").c_str());
  }
  std::string outcome;
  for (const auto& [verdict, count] : verdicts) {
    outcome += (outcome.empty() ? "" : ", ") + std::string(toString(verdict)) + " " + std::to_string(count);
  }
  std::printf("verdicts: %s\n", outcome.c_str());
  return 0;
}

const Command kProfile{"profile", profileOptions, profile};

}  // namespace lifeguard::harness::cli

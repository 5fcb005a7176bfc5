// lifeguard run: the campaign's jobs, and what it makes of their outcomes
// (campaign.h).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "cli/campaign.h"
#include "lifeguard/harness/artifact.h"
#include "lifeguard/harness/plugin.h"

namespace lifeguard::harness::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Counters of a campaign, for the progress line and the summary.
struct Tally {
  std::uint64_t schedules = 0, runs = 0, failures = 0, first_failure_at = 0, max_steps = 0;
  std::uint64_t sum_steps = 0, sum_lifecycle = 0, max_lifecycle = 0;  // controlled runs: k per run
  std::uint64_t outside_waits = 0, runs_waiting_outside = 0;  // controlled runs: ControlledTrace::outside_waits
  std::uint64_t slices = 0, runs_sliced = 0;  // and ControlledTrace::uncontrolled_slices
  std::uint64_t runs_with_outside_threads = 0;  // and ControlledTrace::outside_threads > 0
  std::uint64_t outside_holds = 0, runs_with_outside_holds = 0;  // and ControlledTrace::outside_holds
  std::uint64_t outside = 0;  // failures in runs the contract makes the caller's fault
  std::uint64_t confirm_runs = 0, reproduced = 0;  // --confirm replays, and how many failed the same way
  double first_failure_s = -1;
  std::map<Verdict, std::uint64_t> by_verdict;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> by_strategy;  // portfolio: schedules, failures
  OverlapTally overlaps;  // what the runs exercised
};

// A job: a process that judges the seeds it is sent (campaign.h).
struct Job {
  pid_t pid = -1;
  int to = -1, from = -1;  // the campaign's ends of its pipes: seeds to it, outcomes from it
  std::string buffer;      // what it sent of its next outcome
  bool busy = false;
  std::uint64_t index = 0;  // of the seed it judges
  int strategy = -1;        // and the portfolio's strategy that judges it
};

// The jobs' process groups, for a campaign interrupted (SIGINT, SIGTERM):
// each job leads its own, with the runs and drivers it started.
pid_t g_job_groups[256];
volatile sig_atomic_t g_jobs_started = 0;

void killJobsAndDie(int signal) {
  for (sig_atomic_t j = 0; j < g_jobs_started; ++j) ::kill(-g_job_groups[j], SIGKILL);
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

// A job's life: read "SEED PCT_STEPS STRATEGY" lines, send an outcome line for each.
[[noreturn]] void jobMain(const Campaign& c, int from_campaign, int to_campaign, const sigset_t& unblocked) {
  ::setpgid(0, 0);
  ::signal(SIGINT, SIG_DFL), ::signal(SIGTERM, SIG_DFL);
  ::sigprocmask(SIG_SETMASK, &unblocked, nullptr);
  std::FILE* in = ::fdopen(from_campaign, "r");
  std::FILE* out = ::fdopen(to_campaign, "w");
  unsigned long long seed = 0, steps = 0;
  int strategy = -1;
  char line[96];
  while (in && out && std::fgets(line, sizeof(line), in) &&
         std::sscanf(line, "%llu %llu %d", &seed, &steps, &strategy) == 3) {
    std::fputs((formatOutcome(judgeSchedule(c, seed, steps, strategy)) + "\n").c_str(), out);
    std::fflush(out);
  }
  ::_exit(0);
}

// Forks c.jobs jobs; each closes the campaign's ends of the others' pipes,
// so that a job sees the end of its seeds when the campaign closes them.
std::vector<Job> startJobs(const Campaign& c) {
  std::fflush(stdout), std::fflush(stderr);
  // An interrupt while the jobs start waits until each started job is known
  // to the handler, which kills them all: without that, one that came
  // between a fork and the handler left the jobs running.
  sigset_t interrupts, before;
  ::sigemptyset(&interrupts), ::sigaddset(&interrupts, SIGINT), ::sigaddset(&interrupts, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &interrupts, &before);
  ::signal(SIGINT, killJobsAndDie), ::signal(SIGTERM, killJobsAndDie);
  std::vector<Job> jobs(c.jobs);
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    int down[2], up[2];
    if (::pipe2(down, O_CLOEXEC) != 0 || ::pipe2(up, O_CLOEXEC) != 0) {
      std::fprintf(stderr, "lifeguard run: pipe: %s\n", std::strerror(errno));
      std::exit(2);
    }
    pid_t pid = ::fork();
    if (pid == 0) {
      for (std::size_t k = 0; k < j; ++k) ::close(jobs[k].to), ::close(jobs[k].from);
      ::close(down[1]), ::close(up[0]);
      jobMain(c, down[0], up[1], before);
    }
    ::close(down[0]), ::close(up[1]);
    ::setpgid(pid, pid);  // as the job does: whichever comes first
    jobs[j].pid = pid, jobs[j].to = down[1], jobs[j].from = up[0];
    g_job_groups[j] = pid;
    g_jobs_started = static_cast<sig_atomic_t>(j + 1);
  }
  ::sigprocmask(SIG_SETMASK, &before, nullptr);
  return jobs;
}

// On a terminal the line redraws itself; otherwise (CI logs) it is a line.
void printProgress(const Campaign& c, const Tally& t, double elapsed, bool final) {
  if (c.quiet && !final) return;
  std::fprintf(stderr, "%s[%s %s %s] %6.1fs  %llu runs (%.1f/s)  %llu failures%s", c.tty ? "\r" : "",
               c.generator.engine.c_str(), c.generator.policy.c_str(), schedulerName(c).c_str(), elapsed,
               static_cast<unsigned long long>(t.runs), elapsed > 0 ? static_cast<double>(t.runs) / elapsed : 0.0,
               static_cast<unsigned long long>(t.failures), final || !c.tty ? "\n" : "");
  std::fflush(stderr);
}

// How the campaign ran, if not as one job: "2 jobs", "shard 1/4, 2 jobs".
std::string partsOf(const Campaign& c) {
  std::string parts = c.shards > 1 ? "shard " + std::to_string(c.shard + 1) + "/" + std::to_string(c.shards) : "";
  if (c.jobs > 1) parts += (parts.empty() ? "" : ", ") + std::to_string(c.jobs) + " jobs";
  return parts;
}

// The head of the campaign's --report index.
CampaignSummary reportHead(const Campaign& c) {
  CampaignSummary head;
  head.engine = c.generator.engine;
  if (const EngineEntry* entry = findEngine(c.generator.engine)) head.engine_description = entry->description;
  head.policy = c.generator.policy;
  head.scheduler = c.scheduler.name == "pct" ? "pct, depth " + std::to_string(c.scheduler.depth) : c.scheduler.name;
  if (!c.portfolio.empty()) {
    head.scheduler = "portfolio:";
    for (const Strategy& s : c.portfolio) head.scheduler += (&s == &c.portfolio.front() ? " " : ", ") + s.name;
  }
  if (c.generator.swarm) head.scheduler += ", swarm";
  if (c.sweep_points > 0) head.scheduler += ", sweep of " + std::to_string(c.sweep_points) + " close points";
  head.first_seed = c.seed;
  head.parts = partsOf(c);
  return head;
}

// Steps per controlled run, and k: the lifecycle steps among them.
void printSteps(const Campaign& c, const Tally& t) {
  auto mean = [&](std::uint64_t sum) { return static_cast<unsigned long long>(sum / std::max<std::uint64_t>(t.schedules, 1)); };
  const char* pct = c.scheduler.name != "pct" || !c.portfolio.empty() ? ""
                    : c.scheduler.lifecycle_points ? " (PCT's change points fall among these)"
                                                   : " (PCT's change points fall among all steps)";
  std::printf("; steps per run: mean %llu, max %llu; lifecycle steps (k) per run: mean %llu, max %llu%s",
              mean(t.sum_steps), static_cast<unsigned long long>(t.max_steps), mean(t.sum_lifecycle),
              static_cast<unsigned long long>(t.max_lifecycle), pct);
  // Where nothing controlled could run while some waited on a primitive a
  // thread outside the run may hold or signal (sync/interpose.h).
  // And where a thread spun without a step and another ran beside it.
  // And where the engine's threads started before the run made calls.
  // And where a controlled thread's lock try met a lock held outside control.
  std::printf("; waits outside control: %llu, in %llu runs; uncontrolled slices: %llu, in %llu runs; runs with "
              "engine threads outside the run: %llu; locks held outside control: %llu, in %llu runs",
              static_cast<unsigned long long>(t.outside_waits), static_cast<unsigned long long>(t.runs_waiting_outside),
              static_cast<unsigned long long>(t.slices), static_cast<unsigned long long>(t.runs_sliced),
              static_cast<unsigned long long>(t.runs_with_outside_threads),
              static_cast<unsigned long long>(t.outside_holds),
              static_cast<unsigned long long>(t.runs_with_outside_holds));
}

void printSummary(const Campaign& c, const Tally& t, double elapsed) {
  std::printf("summary: engine %s, policy %s, scheduler %s, %llu runs in %.1f s (%.1f/s), %llu failures",
              c.generator.engine.c_str(), c.generator.policy.c_str(), schedulerName(c).c_str(),
              static_cast<unsigned long long>(t.runs), elapsed,
              elapsed > 0 ? static_cast<double>(t.runs) / elapsed : 0.0, static_cast<unsigned long long>(t.failures));
  if (t.outside > 0) {
    std::printf(", %llu outside the contract (the caller's fault: not engine bugs)",
                static_cast<unsigned long long>(t.outside));
  }
  for (const auto& [verdict, count] : t.by_verdict) {
    if (verdict != Verdict::kPass) {
      std::printf(", %s %llu", std::string(toString(verdict)).c_str(), static_cast<unsigned long long>(count));
    }
  }
  if (t.confirm_runs > 0) {
    std::printf("; failures reproduced in %llu of %llu replays", static_cast<unsigned long long>(t.reproduced),
                static_cast<unsigned long long>(t.confirm_runs));
  }
  if (t.max_steps > 0) printSteps(c, t);
  for (const auto& [name, counts] : t.by_strategy) {
    std::printf("%s%s %llu schedules %llu failures", name == t.by_strategy.begin()->first ? "; by strategy: " : ", ",
                name.c_str(), static_cast<unsigned long long>(counts.first),
                static_cast<unsigned long long>(counts.second));
  }
  std::printf("; %llu schedules%s%s", static_cast<unsigned long long>(t.schedules), c.jobs > 1 || c.shards > 1 ? ", " : "",
              partsOf(c).c_str());
  if (t.first_failure_s >= 0) {
    std::printf("; first failure after %.2f s, run %llu", t.first_failure_s,
                static_cast<unsigned long long>(t.first_failure_at));
  }
  std::printf("\n");
  std::string exercised = t.overlaps.summary();
  std::printf("exercised: %s\n", exercised.empty() ? "no close overlapped any work" : exercised.c_str());
}

// Counts an outcome, in seed order; prints and saves a failure. True if the
// campaign has found its --max-failures.
bool take(Campaign& c, const Outcome& o, Tally& t, Clock::time_point start, CampaignReport& report) {
  const double elapsed = secondsSince(start);
  ++t.schedules;
  t.runs += o.runs;
  report.addSchedule(o.seed);
  if (!o.outside) ++t.by_verdict[o.verdict];
  t.overlaps.add(o.overlaps);
  // PCT spreads its change points over the longest run seen so far
  // (counting lifecycle steps only, with points=lifecycle).
  t.max_steps = std::max(t.max_steps, o.steps), t.max_lifecycle = std::max(t.max_lifecycle, o.lifecycle);
  t.sum_steps += o.steps, t.sum_lifecycle += o.lifecycle;
  t.outside_waits += o.outside_waits, t.runs_waiting_outside += o.outside_waits > 0 ? 1 : 0;
  t.slices += o.slices, t.runs_sliced += o.slices > 0 ? 1 : 0;
  t.runs_with_outside_threads += o.outside_threads > 0 ? 1 : 0;
  t.outside_holds += o.outside_holds, t.runs_with_outside_holds += o.outside_holds > 0 ? 1 : 0;
  Strategy* strategy = o.strategy >= 0 ? &c.portfolio.at(static_cast<std::size_t>(o.strategy)) : nullptr;
  SchedulerSpec& spec = strategy ? strategy->scheduler : c.scheduler;
  spec.steps = std::max(spec.steps, o.pct_steps);
  if (strategy) {
    ++t.by_strategy[strategy->name].first;
    t.by_strategy[strategy->name].second += o.verdict != Verdict::kPass && !o.outside;
  }
  if (o.verdict == Verdict::kPass) return false;
  ++(o.outside ? t.outside : t.failures);
  // When its run ended, not when its replays did (a job died: when that was seen).
  const double since_start = o.found_at - std::chrono::duration<double>(start.time_since_epoch()).count();
  const double found_s = o.found_at > 0 ? std::min(since_start, elapsed) : elapsed;
  if (!o.outside && t.first_failure_s < 0) t.first_failure_s = found_s, t.first_failure_at = t.runs;
  t.confirm_runs += o.confirm_runs, t.reproduced += o.reproduced;
  std::fputs(o.lines.c_str(), stderr);
  std::fprintf(stderr, "  found: after %.2f s, %llu runs into the campaign\n", found_s,
               static_cast<unsigned long long>(t.runs));
  std::string error = writeFile(o.artifact_path, o.artifact);
  if (!error.empty()) std::fprintf(stderr, "  (%s)\n", error.c_str());
  error = report.addFailure(o.entry, o.timeline, o.artifact);
  if (error.empty()) error = report.update(t.runs, elapsed, t.overlaps, false);
  if (!error.empty()) std::fprintf(stderr, "  (report: %s)\n", error.c_str());
  return c.max_failures > 0 && t.failures + t.outside >= c.max_failures;
}

// A job that ended without sending the outcome of its seed: a harness fault.
Outcome jobDied(const Job& job, std::uint64_t seed) {
  int status = 0;
  ::kill(job.pid, SIGKILL);  // if it still runs, having sent what is not an outcome
  ::waitpid(job.pid, &status, 0);
  Outcome o;
  o.seed = seed, o.strategy = job.strategy;
  o.verdict = Verdict::kHarness;
  o.lines = "\nFAIL harness (seed " + std::to_string(seed) + "): the job judging it ended (" +
            (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                 : "exit " + std::to_string(WEXITSTATUS(status))) +
            ") without its outcome\n";
  return o;
}

// The campaign's side of its jobs: hands out seeds, reads outcomes, and
// takes them in seed order.
class Dispatcher {
 public:
  Dispatcher(Campaign& c, Tally& t, CampaignReport& report)
      : c_(c), t_(t), report_(report), start_(Clock::now()), jobs_(startJobs(c)), share_(c.portfolio.size()) {
    ::signal(SIGPIPE, SIG_IGN);  // a job that died: its write fails, and it is reported
  }

  // Until every job is idle or --max-failures is found.
  void run() {
    for (Job& job : jobs_) give(job);
    auto last_print = start_;
    while (!enough_) {
      std::vector<pollfd> fds;
      std::vector<Job*> polled;
      for (Job& job : jobs_) {
        if (job.busy) fds.push_back({job.from, POLLIN, 0}), polled.push_back(&job);
      }
      if (fds.empty()) break;
      ::poll(fds.data(), fds.size(), c_.tty ? 500 : 1000);
      for (std::size_t i = 0; i < fds.size() && !enough_; ++i) {
        if (fds[i].revents != 0 && receive(*polled[i])) takeArrived(), give(*polled[i]);
      }
      if (secondsSince(last_print) > (c_.tty ? 0.5 : 10.0)) {
        printProgress(c_, t_, secondsSince(start_), false);
        last_print = Clock::now();
      }
    }
  }

  ~Dispatcher() {
    for (Job& job : jobs_) {
      // What a job still judges past --max-failures would not be counted.
      if (job.busy && enough_) ::kill(-job.pid, SIGKILL);
      if (job.to >= 0) ::close(job.to);
      ::close(job.from);
      if (job.pid > 0) ::waitpid(job.pid, nullptr, 0);
    }
  }

  Clock::time_point start() const { return start_; }

 private:
  std::uint64_t seedOf(std::uint64_t index) const { return c_.seed + c_.shard + index * c_.shards; }

  // Sends the job the next seed, or ends its input once the campaign is done.
  void give(Job& job) {
    stop_ = stop_ || (c_.iterations > 0 ? next_ >= c_.iterations : secondsSince(start_) >= c_.seconds);
    if (stop_ || job.pid < 0) {
      if (job.to >= 0) ::close(job.to), job.to = -1;
      return;
    }
    const int strategy = pickStrategy();
    const SchedulerSpec& spec = strategy >= 0 ? c_.portfolio[strategy].scheduler : c_.scheduler;
    std::string line = std::to_string(seedOf(next_)) + " " + std::to_string(spec.steps) + " " +
                       std::to_string(strategy) + "\n";
    if (::write(job.to, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return;
    job.index = next_++, job.busy = true, job.strategy = strategy;
    if (strategy >= 0) ++share_[strategy].running;
  }

  // The portfolio's strategy that has had the least time: what its judged
  // schedules took, and for those it is judging, their mean (ties: the one
  // started least, then the first).
  int pickStrategy() {
    if (c_.portfolio.empty()) return -1;
    int best = 0;
    auto key = [&](const Share& s) {
      const double mean = s.done > 0 ? s.seconds / static_cast<double>(s.done) : 0;
      return std::make_pair(s.seconds + mean * static_cast<double>(s.running), s.done + s.running);
    };
    for (std::size_t k = 1; k < share_.size(); ++k) {
      if (key(share_[k]) < key(share_[static_cast<std::size_t>(best)])) best = static_cast<int>(k);
    }
    return best;
  }

  void judged(const Job& job, double seconds) {
    if (job.strategy < 0) return;
    Share& s = share_[static_cast<std::size_t>(job.strategy)];
    --s.running, ++s.done, s.seconds += seconds;
  }

  // Reads what the job sent; true once its outcome (or its end) is in.
  bool receive(Job& job) {
    char chunk[65536];
    ssize_t n = ::read(job.from, chunk, sizeof(chunk));
    if (n <= 0) {
      arrived_.emplace(job.index, jobDied(job, seedOf(job.index)));
      judged(job, 0);
      job.busy = false, job.pid = -1;
      return true;
    }
    job.buffer.append(chunk, static_cast<std::size_t>(n));
    std::size_t eol = job.buffer.find('\n');
    if (eol == std::string::npos) return false;
    std::string error;
    std::optional<Outcome> o = parseOutcome(job.buffer.substr(0, eol), &error);
    job.buffer.erase(0, eol + 1);
    if (!o) o = jobDied(job, seedOf(job.index)), o->lines += "  (" + error + ")\n", job.pid = -1;
    judged(job, o->seconds);
    arrived_.emplace(job.index, *o);
    job.busy = false;
    return true;
  }

  void takeArrived() {
    for (auto it = arrived_.find(taken_); it != arrived_.end() && !enough_; it = arrived_.find(++taken_)) {
      enough_ = take(c_, it->second, t_, start_, report_);
      arrived_.erase(it);
    }
    stop_ = stop_ || enough_;
  }

  Campaign& c_;
  Tally& t_;
  CampaignReport& report_;
  const Clock::time_point start_;
  std::vector<Job> jobs_;
  std::uint64_t next_ = 0, taken_ = 0;  // seed indexes: the next to hand out, the next to count
  std::map<std::uint64_t, Outcome> arrived_;  // outcomes ahead of taken_
  struct Share {
    double seconds = 0;  // the judged schedules' time
    std::uint64_t done = 0, running = 0;
  };
  std::vector<Share> share_;  // per strategy of the portfolio
  bool stop_ = false;    // no more seeds are handed out
  bool enough_ = false;  // --max-failures found: later outcomes are not counted
};

}  // namespace

int runCampaign(Campaign& c) {
  Tally t;
  CampaignReport report(c.report, reportHead(c));
  Clock::time_point start;
  {
    Dispatcher dispatcher(c, t, report);
    start = dispatcher.start();
    dispatcher.run();
  }
  double elapsed = secondsSince(start);
  printProgress(c, t, elapsed, true);
  printSummary(c, t, elapsed);
  if (!c.report.empty()) {
    std::string error = report.update(t.runs, elapsed, t.overlaps, true);
    std::printf("report: %s\n", error.empty() ? (c.report + "/index.html").c_str() : error.c_str());
  }
  if (t.failures == 0 && t.runs > 0 && !t.overlaps.closeOverlappedWork()) {
    std::printf("VACUOUS: in %llu runs no close overlapped a call in flight, so this campaign tested nothing it "
                "exists to test; run it longer (--seconds), with more actors, or --strategy sweep\n",
                static_cast<unsigned long long>(t.runs));
    return 3;
  }
  return t.failures == 0 ? 0 : 1;
}

}  // namespace lifeguard::harness::cli

// runIsolated: the run happens in a forked child; events stream to the
// parent as lines on a pipe, the child's stderr (sanitizer and hang reports)
// on another; the parent survives whatever the child does.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <sstream>

#include "lifeguard/harness/runner.h"
#include "judge/hints.h"
#include "judge/oracles.h"

namespace lifeguard::harness {
namespace {

constexpr std::string_view kVerdictPrefix = "VERDICT ";
constexpr std::string_view kTracePrefix = "TRACE ";
constexpr std::string_view kPhasePrefix = "PHASE ";
constexpr std::string_view kSlicePrefix = "SLICE ";  // after TRACE: ControlledTrace::first_slice
constexpr std::string_view kOutsidePrefix = "OUTSIDE ";  // after TRACE: ControlledTrace::first_outside
constexpr std::string_view kHoldPrefix = "HOLD ";  // after TRACE: ControlledTrace::first_hold

// The child's trace on the events pipe, one line: "k=LIFECYCLE_STEPS
// o=OUTSIDE_WAITS u=SLICES t=OUTSIDE_THREADS h=OUTSIDE_HOLDS", then per step
// "DECISION.RUNNABLE(hex).CURRENT", then "|" and the checks. (The .sched file
// keeps only decisions and checks: scheduler.h.)
std::string formatPipeTrace(const testing::ControlledTrace& trace) {
  std::string line = std::string(kTracePrefix) + "k=" + std::to_string(trace.lifecycle_steps) +
                     " o=" + std::to_string(trace.outside_waits) + " u=" + std::to_string(trace.uncontrolled_slices) +
                     " t=" + std::to_string(trace.outside_threads) + " h=" + std::to_string(trace.outside_holds) +
                     " ";
  char step[48];
  for (std::size_t i = 0; i < trace.decisions.size(); ++i) {
    std::snprintf(step, sizeof(step), "%u.%llx.%d ", trace.decisions[i],
                  static_cast<unsigned long long>(trace.runnable[i]), trace.current[i]);
    line += step;
  }
  line += "|";
  for (std::uint32_t check : trace.checks) line += " " + std::to_string(check);
  return line + "\n";
}

testing::ControlledTrace parsePipeTrace(const std::string& text) {
  testing::ControlledTrace trace;
  std::istringstream in(text.substr(kTracePrefix.size()));
  const std::pair<char, std::uint64_t*> counters[] = {{'k', &trace.lifecycle_steps},
                                                       {'o', &trace.outside_waits},
                                                       {'u', &trace.uncontrolled_slices},
                                                       {'t', &trace.outside_threads},
                                                       {'h', &trace.outside_holds}};
  for (std::string word; in >> word && word != "|";) {
    auto counter = std::find_if(std::begin(counters), std::end(counters), [&](const auto& c) {
      return word.size() > 2 && word[0] == c.first && word[1] == '=';
    });
    if (counter != std::end(counters)) {
      *counter->second = std::strtoull(word.c_str() + 2, nullptr, 10);
      continue;
    }
    unsigned decision = 0;
    unsigned long long runnable = 0;
    int current = 0;
    if (std::sscanf(word.c_str(), "%u.%llx.%d", &decision, &runnable, &current) != 3) break;
    trace.decisions.push_back(static_cast<std::uint8_t>(decision));
    trace.runnable.push_back(runnable);
    trace.current.push_back(current);
  }
  for (std::uint32_t check; in >> check;) trace.checks.push_back(check);
  return trace;
}

void writeAll(int fd, const std::string& text) {
  for (std::size_t done = 0; done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

// LeakSanitizer's check, where the build has it (it never runs at _exit).
extern "C" int __lsan_do_recoverable_leak_check() __attribute__((weak));

[[noreturn]] void childMain(const Schedule& schedule, const RunOptions& options, int events_fd, int stderr_fd) {
  ::dup2(stderr_fd, STDERR_FILENO);
  std::mutex write_mu;
  RunOptions child_options = options;
  child_options.on_trace = [&](const testing::ControlledTrace& trace) {
    std::lock_guard<std::mutex> lock(write_mu);
    writeAll(events_fd, formatPipeTrace(trace));
    if (!trace.first_slice.empty()) writeAll(events_fd, std::string(kSlicePrefix) + trace.first_slice + "\n");
    if (!trace.first_outside.empty()) writeAll(events_fd, std::string(kOutsidePrefix) + trace.first_outside + "\n");
    if (!trace.first_hold.empty()) writeAll(events_fd, std::string(kHoldPrefix) + trace.first_hold + "\n");
  };
  RunResult result = runInProcess(schedule, child_options, [&](const Event& event) {
    std::lock_guard<std::mutex> lock(write_mu);
    writeAll(events_fd, formatEvent(event) + "\n");
  });
  const auto leak_check = std::chrono::steady_clock::now();
  if (__lsan_do_recoverable_leak_check != nullptr && __lsan_do_recoverable_leak_check() != 0 &&
      result.verdict == Verdict::kPass) {
    result.verdict = Verdict::kSanitizer;
    result.message = "LeakSanitizer reported leaks (see the report)";
  }
  if (__lsan_do_recoverable_leak_check != nullptr) {
    result.phases.emplace_back(
        "leak check", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - leak_check).count());
  }
  for (const auto& [name, ms] : result.phases) {
    writeAll(events_fd, std::string(kPhasePrefix) + std::to_string(ms) + " " + name + "\n");
  }
  std::string message = result.message;
  std::replace(message.begin(), message.end(), '\n', ' ');
  writeAll(events_fd, std::string(kVerdictPrefix) + std::string(toString(result.verdict)) + " " + message + "\n");
  ::_exit(0);
}

// Reads both pipes to their end (poll, so neither can fill up and block the
// child). Returns false if the child said nothing for `silence_ms`: its
// watchdog itself is stuck.
bool drain(int events_fd, int stderr_fd, std::string* events, std::string* errors, int silence_ms) {
  pollfd fds[2] = {{events_fd, POLLIN, 0}, {stderr_fd, POLLIN, 0}};
  std::string* sinks[2] = {events, errors};
  int open = 2;
  char buffer[65536];
  while (open > 0) {
    int ready = ::poll(fds, 2, silence_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return true;
    if (ready == 0) return false;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t n = ::read(fds[i].fd, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else {
        fds[i].fd = -1;
        --open;
      }
    }
  }
  return true;
}

// The first line of a sanitizer report, if the text holds one.
std::string sanitizerSummary(const std::string& errors) {
  for (const char* marker : {"ERROR: AddressSanitizer", "WARNING: ThreadSanitizer", "ERROR: LeakSanitizer",
                             "runtime error:", "ERROR: UndefinedBehaviorSanitizer"}) {
    std::size_t at = errors.find(marker);
    if (at == std::string::npos) continue;
    std::size_t begin = errors.rfind('\n', at);
    begin = begin == std::string::npos ? 0 : begin + 1;
    std::string summary = errors.substr(begin, errors.find('\n', at) - begin);
    // The first frame in lifeguard code says where.
    // The first frame in lifeguard code (past the sync layer's wrappers) says where.
    std::size_t frame = errors.find(" in lifeguard::", at);
    while (frame != std::string::npos && errors.compare(frame + 4, 17, "lifeguard::sync::") == 0) {
      frame = errors.find(" in lifeguard::", frame + 4);
    }
    if (frame != std::string::npos) {
      std::size_t end = std::min(errors.find(" /", frame + 4), errors.find('\n', frame + 4));
      summary += " [" + errors.substr(frame + 4, end - frame - 4) + "]";
    }
    return summary;
  }
  return "";
}

void classify(int status, const std::string& errors, bool got_verdict, RunResult* result) {
  std::string sanitizer = sanitizerSummary(errors);
  if (!sanitizer.empty()) {
    result->verdict = Verdict::kSanitizer;
    result->message = sanitizer;
    result->report = errors;
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == testing::kControlledDivergenceExit) {
    result->verdict = Verdict::kDivergence;
    std::size_t at = errors.find("DIVERGENCE: ");
    result->message = at == std::string::npos ? "the replay diverged" : errors.substr(at, errors.find('\n', at) - at);
    result->report = errors;
  } else if ((WIFEXITED(status) && WEXITSTATUS(status) == kHangExitCode) || errors.rfind("HANG: ", 0) == 0 ||
             errors.find("\nHANG: ") != std::string::npos) {
    result->verdict = Verdict::kHang;
    // Its line, not the first: what the engine's process wrote of its
    // threads may come first (EngineAdapter::describeHang).
    std::size_t at = errors.rfind("HANG: ");
    at = at == std::string::npos ? 0 : at;
    result->message = errors.substr(at, errors.find('\n', at) - at);
    result->report = errors;
  } else if (WIFEXITED(status) &&
             (WEXITSTATUS(status) == kEngineCrashExit || WEXITSTATUS(status) == kEngineProtocolExit)) {
    bool crash = WEXITSTATUS(status) == kEngineCrashExit;
    result->verdict = crash ? Verdict::kCrash : Verdict::kHarness;
    std::string marker = crash ? "CRASH: " : "HARNESS: ";
    std::size_t at = errors.rfind(marker);
    result->message = at == std::string::npos ? "the engine's process ended the run"
                                              : errors.substr(at, errors.find('\n', at) - at);
    result->report = errors;
  } else if (!got_verdict || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    result->verdict = Verdict::kCrash;
    result->message = WIFSIGNALED(status) ? "the run was killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                                                std::string(strsignal(WTERMSIG(status))) + ")"
                                          : "the run exited with status " + std::to_string(WEXITSTATUS(status));
    result->report = errors;
  }
}

}  // namespace

RunResult runIsolated(const Schedule& schedule, const RunOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  RunResult result;
  int events[2], errors[2];
  if (::pipe(events) != 0 || ::pipe(errors) != 0) {
    result.verdict = Verdict::kHarness;
    result.message = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child < 0) {
    result.verdict = Verdict::kHarness;
    result.message = std::string("fork: ") + std::strerror(errno);
    return result;
  }
  if (child == 0) {
    ::close(events[0]);
    ::close(errors[0]);
    childMain(schedule, options, events[1], errors[1]);
  }
  ::close(events[1]);
  ::close(errors[1]);
  std::string event_text, error_text;
  // Nothing at all for twice the deadline plus a minute: even the watchdog is stuck.
  int silence_ms = static_cast<int>(std::min<std::int64_t>(2 * options.op_deadline.count() + 60'000, INT32_MAX));
  bool answered = drain(events[0], errors[0], &event_text, &error_text, silence_ms);
  if (!answered) {
    ::kill(child, SIGKILL);
    error_text += "HANG: the run stopped answering for " + std::to_string(silence_ms) +
                  " ms (the watchdog did not fire either); killed\n";
  }
  ::close(events[0]);
  ::close(errors[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  bool got_verdict = false;
  std::istringstream lines(event_text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(kVerdictPrefix, 0) == 0) {
      std::string rest = line.substr(kVerdictPrefix.size());
      std::size_t space = rest.find(' ');
      result.verdict = parseVerdict(rest.substr(0, space)).value_or(Verdict::kHarness);
      result.message = space == std::string::npos ? "" : rest.substr(space + 1);
      got_verdict = true;
    } else if (line.rfind(kTracePrefix, 0) == 0) {
      result.trace = parsePipeTrace(line);
    } else if (line.rfind(kSlicePrefix, 0) == 0) {
      result.trace.first_slice = line.substr(kSlicePrefix.size());
    } else if (line.rfind(kOutsidePrefix, 0) == 0) {
      result.trace.first_outside = line.substr(kOutsidePrefix.size());
    } else if (line.rfind(kHoldPrefix, 0) == 0) {
      result.trace.first_hold = line.substr(kHoldPrefix.size());
    } else if (line.rfind(kPhasePrefix, 0) == 0) {
      char* end = nullptr;
      double ms = std::strtod(line.c_str() + kPhasePrefix.size(), &end);
      result.phases.emplace_back(*end == ' ' ? end + 1 : end, ms);
    } else if (Event event; parseEvent(line, &event)) {
      result.history.push_back(event);
    }
  }
  std::sort(result.history.begin(), result.history.end(),
            [](const Event& a, const Event& b) { return a.seq < b.seq; });
  classify(status, error_text, got_verdict, &result);
  const EngineEntry* engine = findEngine(schedule.engine);
  if (result.verdict != Verdict::kPass && result.verdict != Verdict::kHarness && engine != nullptr) {
    result.outside_contract = callerFaultIn(schedule, engine->contract(schedule.policy), result);
  }
  result.hints = causeHints(schedule, result);
  double rest = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  for (const auto& phase : result.phases) rest -= phase.second;
  result.phases.emplace_back("fork and exit", rest);
  return result;
}

}  // namespace lifeguard::harness

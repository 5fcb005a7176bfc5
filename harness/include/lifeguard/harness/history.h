// History: every operation's invocation, for queries the engine's start
// (parse/bind) and start of execution (when the engine reports them), and
// its return with the answer, in one global order.
//
// Thread-safety: record() and wait() may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "lifeguard/harness/answer.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

// kStarted comes last only to keep the text names' order stable.
enum class EventType { kInvoke, kRunning, kReturn, kStarted };

struct Event {
  std::uint64_t seq = 0;   // global order
  double at_ms = 0;        // since the run started
  std::uint64_t step = 0;  // under a controlled scheduler: the run's steps so far (0: free-running)
  std::uint64_t sweep_step = 0;  // ... and its steps as the recording thread sees them (testing::controlledStepsOf)
  int thread = -1;               // the recording thread's controlled id (not carried by formatEvent)
  int actor = 0;
  int index = 0;           // operation index in the actor's list
  EventType type = EventType::kInvoke;
  Answer answer;           // kReturn only
  std::vector<std::vector<std::string>> tables;  // kReturn of `check`: rows read
  std::vector<std::int64_t> row_counts;  // ... and their numbers (formatEvent carries these, not the rows)
};

// The number of rows of each table read (Event::row_counts of `tables`).
std::vector<std::int64_t> rowCounts(const std::vector<std::vector<std::string>>& tables);

// "seq 12 +3.1ms a1#4 return ok(3)", one line, for artifacts and streams;
// under a controlled scheduler "seq 12 +3.1ms s4021 w816 a1#4 ..." (the step,
// and the steps as the recording thread sees them: Event::sweep_step).
std::string formatEvent(const Event& event);
// Reads a line written by formatEvent (tables are not carried, row counts are).
bool parseEvent(const std::string& line, Event* event);

class History {
 public:
  // Observer called (under no lock) for every recorded event, e.g. to stream
  // it to a parent process.
  explicit History(std::function<void(const Event&)> observer = nullptr) : observer_(std::move(observer)) {}

  void record(Event event);
  // Blocks until operation (actor, index) reached `type` (kReturn implies
  // the others, kRunning kStarted). A wait that never ends is the watchdog's
  // to report.
  void waitFor(int actor, int index, EventType type);
  // After operation (actor, index) was invoked: blocks for `steps`
  // scheduling steps of a controlled run (each the scheduler's look at the
  // waiting thread), or `steps` microseconds free-running, or until the
  // operation returned, whichever comes first (the sweep's close point).
  void waitSteps(int actor, int index, std::int64_t steps);
  // `await A.I at K`: under a controlled scheduler, until K steps passed
  // since operation (actor, index) was invoked, as its thread sees them
  // (testing::controlledStepsOf: its own, and the engine threads' distinct
  // ones), and then this thread runs ahead of every other whenever it can,
  // until its next wait (controlledWaitUntil's then_run_ahead); so the
  // operation that follows fires exactly at that point. Free-running:
  // waitSteps.
  void waitAt(int actor, int index, std::int64_t counted);

  std::vector<Event> events() const;

 private:
  bool reached(int actor, int index, EventType type) const;
  const Event* find(int actor, int index, EventType type) const;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
  std::uint64_t next_seq_ = 1;
  std::function<void(const Event&)> observer_;
};

}  // namespace lifeguard::harness

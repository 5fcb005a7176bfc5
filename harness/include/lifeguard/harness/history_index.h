// HistoryIndex: a run's history indexed by operation, for the oracles (the
// contract's handle states, the data oracle) and for the properties'
// linearizability check: when each operation was invoked and returned, and
// what overlapped it (a close of its handles: the state "closing"; an
// interrupt of its connection).
//
// Thread-safety: immutable after construction. It keeps references to the
// schedule and the history, which must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "lifeguard/harness/contract.h"
#include "lifeguard/harness/history.h"

namespace lifeguard::harness {

inline constexpr std::uint64_t kNever = UINT64_MAX;

class HistoryIndex {
 public:
  HistoryIndex(const Schedule& schedule, const std::vector<Event>& history);

  std::uint64_t invoked(int actor, int index) const;   // 0 if never invoked
  std::uint64_t returned(int actor, int index) const;  // kNever if it did not return
  const Event* returnEvent(int actor, int index) const;
  // Whether it returned, answering Ok.
  bool answeredOk(int actor, int index) const {
    const Event* e = returnEvent(actor, index);
    return e != nullptr && e->answer.isOk();
  }
  // The seq of its first "running" event: its query began executing (0: none seen).
  std::uint64_t running(int actor, int index) const { return times(actor, index).running; }
  // Whether both operations were invoked and their [invoke, return] overlap.
  bool overlap(int actor, int index, int other_actor, int other_index) const;

  // The state of the handles an operation touches, and what overlapped it.
  OpContext contextOf(int actor, int index) const;
  // Number of database reopens that returned before `seq`.
  int generation(std::uint64_t seq) const;
  // The connect operation of a connection (actor, index), or {-1, -1}.
  std::pair<int, int> connectOf(const std::string& conn) const;

  // Whether an open_db or reopen overlapped [invoke, ret]: which database an
  // operation then met is not in the history.
  bool overlapsDatabaseCreation(std::uint64_t invoke, std::uint64_t ret) const;

 private:
  struct Times {
    std::uint64_t invoke = 0;
    std::uint64_t started = 0, running = 0;  // its first "started" and "running" events (0: none)
    std::uint64_t ret = kNever;
    const Event* ret_event = nullptr;
  };
  // The state of the handle the operation depends on (history_index.cc).
  HandleState stateOf(int actor, int index) const;
  const Times& times(int actor, int index) const;
  // Whether a statement of connection `conn` other than operation (actor,
  // index) ran at `at`: a kept result's query had begun, or a query was in flight.
  bool statementRunsAt(const std::string& conn, std::uint64_t at, int actor, int index) const;
  // An execute's statement: prepared on another connection? did its prepare fail?
  void statementContext(const Op& execute, OpContext* context) const;

  const Schedule& schedule_;
  std::map<std::pair<int, int>, Times> times_;
};

}  // namespace lifeguard::harness

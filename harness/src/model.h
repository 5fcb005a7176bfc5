// The history, indexed for the oracles; the contract's handle states; and the
// expected-state model of the data (private to the harness).
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

  // The state of the handles an operation touches, and what overlapped it.
  OpContext contextOf(int actor, int index) const;
  // Number of database reopens that returned before `seq`.
  int generation(std::uint64_t seq) const;
  // The connect operation of a connection (actor, index), or {-1, -1}.
  std::pair<int, int> connectOf(const std::string& conn) const;
  // The connection a result handle was produced on ("" if none).
  std::string connectionOfResult(const std::string& result) const;

  const Schedule& schedule() const { return schedule_; }

 private:
  struct Times {
    std::uint64_t invoke = 0;
    std::uint64_t ret = kNever;
    const Event* ret_event = nullptr;
  };
  HandleState stateFrom(int actor, int index, const Times& x) const;
  bool overlapsReopen(std::uint64_t invoke, std::uint64_t ret) const;

 public:
  // Whether an open_db or reopen overlapped [invoke, ret]: which database an
  // operation then met is not in the history.
  bool overlapsDatabaseCreation(std::uint64_t invoke, std::uint64_t ret) const;

 private:
  const Times& times(int actor, int index) const;

  const Schedule& schedule_;
  std::map<std::pair<int, int>, Times> times_;
};

// Oracle 3: every `check` (and the final check) against the expected-state
// model. Returns "" or the first disagreement.
// `durable`: data survives close and reopen (no generations).
std::string checkData(const Schedule& schedule, const HistoryIndex& index, const std::vector<Event>& history,
                      bool durable = false);

}  // namespace lifeguard::harness

// Builds a runner history event by event, in order, for tests of the
// oracles and of the properties' linearizability check.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "lifeguard/harness/history.h"

namespace lifeguard::harness::test {

class HistoryBuilder {
 public:
  HistoryBuilder& invoke(int actor, int index) { return add(actor, index, EventType::kInvoke, {}); }
  HistoryBuilder& ret(int actor, int index, Answer answer, std::vector<std::vector<std::string>> tables = {}) {
    add(actor, index, EventType::kReturn, std::move(answer));
    events_.back().row_counts = rowCounts(tables);
    events_.back().tables = std::move(tables);
    return *this;
  }
  // invoke then return.
  HistoryBuilder& call(int actor, int index, Answer answer, std::vector<std::vector<std::string>> tables = {}) {
    return invoke(actor, index).ret(actor, index, std::move(answer), std::move(tables));
  }
  // The query of (actor, index) began executing (Capabilities::running_event).
  HistoryBuilder& running(int actor, int index) { return add(actor, index, EventType::kRunning, {}); }
  HistoryBuilder& started(int actor, int index) { return add(actor, index, EventType::kStarted, {}); }
  // The events after this come `ms` later (Event::at_ms; free-running).
  HistoryBuilder& after(double ms) {
    now_ms_ += ms;
    return *this;
  }
  std::vector<Event> events() const { return events_; }

 private:
  HistoryBuilder& add(int actor, int index, EventType type, Answer answer) {
    Event e;
    e.seq = events_.size() + 1;
    e.actor = actor;
    e.index = index;
    e.type = type;
    e.at_ms = now_ms_;
    e.answer = std::move(answer);
    events_.push_back(e);
    return *this;
  }
  std::vector<Event> events_;
  double now_ms_ = 0;
};

}  // namespace lifeguard::harness::test

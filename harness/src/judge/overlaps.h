// Overlaps: what a campaign exercised, counted from each run's history, so a
// clean campaign can show it could have found a close-while-busy bug: how
// often each kind of close overlapped each kind of work.
//
// Thread-safety: a plain value; the campaign counts on its own thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lifeguard/harness/history.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

class OverlapTally {
 public:
  // Adds the overlaps of one run.
  void count(const Schedule& schedule, const std::vector<Event>& history);
  // "disconnect during a running query 41, ..."; "" if nothing overlapped.
  std::string summary() const;

 private:
  std::map<std::string, std::uint64_t> counts_;
};

}  // namespace lifeguard::harness

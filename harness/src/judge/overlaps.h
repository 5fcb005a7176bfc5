// Overlaps: what a campaign exercised, counted from each run's history, so a
// clean campaign can show it could have found a close-while-busy bug: how
// often each kind of close overlapped each kind of work.
//
// Thread-safety: a plain value; the campaign counts on its own thread (a job
// counts a schedule's overlaps, the campaign adds them up).
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
  // Whether a close (of a database, a connection or a result) overlapped a
  // call in flight at least once: a campaign without one tested nothing it
  // exists to test (vacuous). A close with only idle connections does not count.
  bool closeOverlappedWork() const;
  // Each kind of overlap and how often it happened; add() sums another
  // tally's (a job's, a shard's) into this one.
  const std::map<std::string, std::uint64_t>& counts() const { return counts_; }
  void add(const std::map<std::string, std::uint64_t>& counts) {
    for (const auto& [what, n] : counts) counts_[what] += n;
  }

 private:
  std::map<std::string, std::uint64_t> counts_;
};

}  // namespace lifeguard::harness

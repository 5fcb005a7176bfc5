// The expected-state model of the data (private to the harness).
#pragma once

#include <string>
#include <vector>

#include "lifeguard/harness/history_index.h"

namespace lifeguard::harness {

// Oracle 3: every `check` (and the final check) against the expected-state
// model. Returns "" or the first disagreement.
// `durable`: data survives close and reopen (no generations).
std::string checkData(const Schedule& schedule, const HistoryIndex& index, const std::vector<Event>& history,
                      bool durable = false);

}  // namespace lifeguard::harness

// The named parallel properties: one per hazard of the lifecycle model
// (../shared/design/lifecycle-model.md) that the engine exposes through the
// harness's adapter. Each has a generator of cases aimed at its hazard (a
// setup, a random prefix, 2 or 3 branches) and, where the hazard promises
// more than "linearizable, no crash, no hang, engine quiet after", a check
// of its own.
//
// H11 (a prepared statement used on another connection) and H13 (close from
// inside a query's callback) have no operation in the schedule language, so
// no property here; see properties/README.md.
//
// Thread-safety: hazards() is built once, then read only.
#pragma once

#include <rapidcheck.h>

#include <string>
#include <vector>

#include "parallel.h"

namespace lifeguard::properties {

struct Hazard {
  std::string id;         // "H1"
  std::string name;       // "close_connection_during_query"
  std::string statement;  // the property, in one sentence
  rc::Gen<ParallelCase> cases;
  ExtraCheck extra;
  std::string fullName() const { return id + "_" + name; }
};

const std::vector<Hazard>& hazards();
const Hazard& hazard(const std::string& id);  // REQUIRES: a known id

// The body of a hazard's rapidcheck property: generates a case, runs it
// under `policy` and fails (RC_FAIL) with the counterexample's schedule.
void checkHazard(const Hazard& hazard, const std::string& policy, int tries);

}  // namespace lifeguard::properties

// Testing hooks of this project's engine: the one header beyond its public
// API that tests and its adapter (adapters/lifeguard/) may use. Named sync
// points and controlled scheduling come from the sync layer
// (lifeguard/sync/controlled.h), which the engine runs on; the probe below
// is the engine's own.
//
// Thread-safety: probe() may be called from any thread.
#pragma once

#include <cstddef>

#include "lifeguard/sync/controlled.h"

namespace lifeguard {
class Database;
}

namespace lifeguard::testing {

// What the engine is doing right now, for end-of-run invariants. A closed
// database reports zero everywhere except `closed`.
struct EngineProbe {
  bool closed = false;
  std::size_t active_queries = 0;     // queries between entry and return
  std::size_t live_transactions = 0;  // transactions begun and not ended
  std::size_t busy_workers = 0;       // workers registered on a task
  std::size_t queued_tasks = 0;
  std::size_t pages_in_use = 0;       // memory-manager pages held by results or COPY
};
EngineProbe probe(const Database& db);

}  // namespace lifeguard::testing

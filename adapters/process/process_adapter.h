// The process adapter: an EngineAdapter whose engine runs in a driver
// process, reached over the line protocol of adapters/process/PROTOCOL.md.
// Any language can implement a driver (adapters/node/ is one), so lifeguard
// can test an engine the way its users call it: through its binding.
//
// Every call becomes one request and waits for its answer; calls of
// different actors are in flight at the same time, and the driver answers
// each when its engine does. The runner's oracles, watchdog, artifacts,
// replay and shrinking see an adapter like any other. A driver crash ends
// the run as a crash with the driver's stderr, a driver that stops
// answering is the watchdog's hang (driver_process.h).
//
// The engine is free-running in another process: no controlled scheduler
// reaches its threads, so its schedules run under --scheduler os.
//
// Ownership: the adapter owns the driver process and the run's scratch
// directory (the database, COPY's CSV files), removed after the driver
// exited. Thread-safety: as EngineAdapter.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "lifeguard/harness/engine_adapter.h"

namespace lifeguard::harness {

inline constexpr int kProcessProtocolVersion = 1;

struct ProcessEngine {
  std::string name;                // name(): what artifacts record, e.g. "node:kuzu@0.11.3"
  std::string policy;
  std::vector<std::string> argv;   // the driver's command
  Capabilities capabilities;       // what the driver's engine offers
  Contract contract;               // the binding's documented contract
  std::chrono::milliseconds start_timeout{60'000};
  // Preload liblifeguard_crash_stack.so (crash_stack.cc) into the driver, so
  // that a native crash prints its stack. Only for drivers not built with a
  // sanitizer (node, python): a sanitizer's runtime must be loaded first.
  bool native_stacks = false;
};

// Starts the driver and checks its hello; null and `error` if it fails.
std::unique_ptr<EngineAdapter> makeProcessAdapter(ProcessEngine engine, std::string* error);

}  // namespace lifeguard::harness

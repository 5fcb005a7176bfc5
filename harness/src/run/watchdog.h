// The runs' watchdog: one thread per process, started by the first run, that
// calls the check of every run in progress every 50 ms and then waits for the
// next run. A thread per run cost ~125 us to start and join under
// AddressSanitizer, 7% of a fuzz_lifecycle input. Under ThreadSanitizer the
// thread ends with the last run in progress (TSan makes a process that exits
// with a thread alive wait a second).
//
// A check must be cheap and must not block; it may end the process (a hang
// report). After fork() the child starts with no checks and no thread; its
// first run starts one.
//
// Thread-safety: WatchdogScope may be created and destroyed on any thread.
#pragma once

#include <cstdint>
#include <functional>

namespace lifeguard::harness {

// Registers `check` for its lifetime. Once the destructor returns, the check
// is not running and is never called again.
class WatchdogScope {
 public:
  explicit WatchdogScope(std::function<void()> check);
  ~WatchdogScope();
  WatchdogScope(const WatchdogScope&) = delete;
  WatchdogScope& operator=(const WatchdogScope&) = delete;

 private:
  std::uint64_t id_;
};

}  // namespace lifeguard::harness

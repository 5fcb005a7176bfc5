// A process-wide cache of idle OS threads for sync::Thread, off by default.
//
// Creating and joining an OS thread costs ~125 us under AddressSanitizer on
// the project's machines (its thread registry maps and unmaps per thread),
// and every Database starts its workers anew. The fuzz targets that open a
// database per input turn the cache on (testing::reuseOsThreads) so a
// worker's body runs on a thread that an earlier, finished body left idle.
// The engine cannot tell: join() still returns only after the body has
// returned, with the same happens-before as std::thread::join.
//
// Controlled threads (sync/control.h) run on cached threads too: which OS
// thread runs a controlled thread does not change who the controller lets
// run, so a replay is the same with reuse on or off.
// After fork() the child starts with an empty cache (the parent's idle
// threads do not exist there).
//
// Thread-safety: every function may be called from any thread.
#pragma once

#include <functional>
#include <memory>

namespace lifeguard::sync::detail {

// One body run on a cached thread; waitCached() returns once it has returned.
class CachedRun;

bool threadReuseEnabled();
void setThreadReuse(bool enabled);
// Runs body on an idle cached thread, or on a new one that joins the cache
// when the body returns. A body that throws terminates, as with std::thread.
std::shared_ptr<CachedRun> startCached(std::function<void()> body);
void waitCached(CachedRun& run);

}  // namespace lifeguard::sync::detail

// Engine threads outside the run (control.h: noteOutsideThread): while a run
// with ControlledOptions::interpose is in progress, a pthread call from a
// thread that is neither controlled nor the harness's own is noted, once
// per thread and run, with the engine code that made the first such call.
#include <dlfcn.h>
#include <execinfo.h>

#include <atomic>
#include <cstdint>

#include "lifeguard/sync/control.h"
#include "lifeguard/sync/controlled.h"

namespace lifeguard::sync::control {

std::atomic<bool> g_interposing{false};
constinit thread_local bool tl_harness = false;

namespace {
std::atomic<std::uint64_t> g_generation{0};  // the run in progress, for tl_noted
std::atomic<std::uint64_t> g_outside_threads{0};
std::atomic<const void*> g_first_code{nullptr};
constinit thread_local std::uint64_t tl_noted = 0;  // the generation this thread was counted in

// The caller's first frame outside this program: the engine's code, where
// `code` is in the program (an inline function the engine's call bound to,
// in a program that exports it). Else `code`.
const void* engineFrame(const void* code) {
  Dl_info program{}, frame{};
  void* frames[12];
  const int n = backtrace(frames, 12);
  if (dladdr(reinterpret_cast<void*>(&engineFrame), &program) == 0) return code;
  for (int i = 1; i < n; ++i) {
    if (dladdr(frames[i], &frame) != 0 && frame.dli_fbase != program.dli_fbase) return frames[i];
  }
  return code;
}

}  // namespace

void noteOutsideThread(const void* code) {
  const std::uint64_t generation = g_generation.load(std::memory_order_acquire);
  if (tl_noted == generation) return;
  tl_noted = generation;  // first: what follows may lock (backtrace), and is then not noted again
  g_outside_threads.fetch_add(1, std::memory_order_relaxed);
  if (g_first_code.load(std::memory_order_relaxed) != nullptr) return;
  const void* none = nullptr;
  g_first_code.compare_exchange_strong(none, engineFrame(code), std::memory_order_relaxed);
}

void beginOutsideCount() {
  g_outside_threads.store(0, std::memory_order_relaxed);
  g_first_code.store(nullptr, std::memory_order_relaxed);
  g_generation.fetch_add(1, std::memory_order_release);
  g_interposing.store(true, std::memory_order_release);
}

std::uint64_t outsideThreads(const void** first_code) {
  *first_code = g_first_code.load(std::memory_order_relaxed);
  return g_outside_threads.load(std::memory_order_relaxed);
}

void endOutsideCount() { g_interposing.store(false, std::memory_order_release); }

}  // namespace lifeguard::sync::control

namespace lifeguard::testing {

void markHarnessThread() { sync::control::tl_harness = true; }

}  // namespace lifeguard::testing

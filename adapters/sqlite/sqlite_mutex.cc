#include "sqlite_mutex.h"

#include <sqlite3.h>

#include <atomic>
#include <thread>

#include "lifeguard/sync/controlled.h"
#include "lifeguard/sync/sync.h"

namespace lifeguard::harness::sqlite {
namespace {

// Recursive for every type: SQLite asks for a recursive mutex only where it
// needs one, and entering a fast one twice is its bug, not ours to model.
struct RoutedMutex {
  sync::Mutex mu;
  std::atomic<std::thread::id> owner{};
  int depth = 0;  // written by the owner only
};

// The static mutexes, by type (SQLITE_MUTEX_STATIC_MAIN = 2 .. SQLITE_MUTEX_STATIC_VFS3 = 13).
constexpr int kStatics = 14;
RoutedMutex* staticMutexes() {
  static RoutedMutex mutexes[kStatics];
  return mutexes;
}

int init() { return SQLITE_OK; }
int end() { return SQLITE_OK; }

sqlite3_mutex* alloc(int type) {
  RoutedMutex* m = nullptr;
  if (type == SQLITE_MUTEX_FAST || type == SQLITE_MUTEX_RECURSIVE) m = new RoutedMutex;
  else if (type > SQLITE_MUTEX_RECURSIVE && type < kStatics) m = &staticMutexes()[type];
  return reinterpret_cast<sqlite3_mutex*>(m);
}

void release(sqlite3_mutex* mutex) { delete reinterpret_cast<RoutedMutex*>(mutex); }

// SQLite pairs each enter with a leave: the analysis cannot see that.
void enter(sqlite3_mutex* mutex) LG_NO_THREAD_SAFETY_ANALYSIS {
  auto* m = reinterpret_cast<RoutedMutex*>(mutex);
  if (m->owner.load(std::memory_order_relaxed) == std::this_thread::get_id()) {
    ++m->depth;
    return;
  }
  m->mu.lock();
  m->owner.store(std::this_thread::get_id(), std::memory_order_relaxed);
  m->depth = 1;
}

// "The SQLite core only ever uses sqlite3_mutex_try() as an optimization"
// (sqlite3.h), and may always be told SQLITE_BUSY: a try that cannot block
// would be a scheduling point the controlled scheduler does not model.
int tryEnter(sqlite3_mutex*) { return SQLITE_BUSY; }

void leave(sqlite3_mutex* mutex) LG_NO_THREAD_SAFETY_ANALYSIS {
  auto* m = reinterpret_cast<RoutedMutex*>(mutex);
  if (--m->depth > 0) return;
  m->owner.store(std::thread::id{}, std::memory_order_relaxed);
  m->mu.unlock();
}

// Used by SQLite's debug builds in assertions only.
int held(sqlite3_mutex* mutex) {
  return reinterpret_cast<RoutedMutex*>(mutex)->owner.load() == std::this_thread::get_id();
}
int notHeld(sqlite3_mutex* mutex) { return !held(mutex); }

// The default VFS with its sleep routed: SQLite waits out another
// connection's WAL-index update in a loop that sleeps between tries
// (walTryBeginRead). Under the controlled scheduler a real sleep would let
// no other thread run, so the other connection could never finish: there
// the sleep is a wait in virtual time (sleepFor) instead.
int (*real_sleep)(sqlite3_vfs*, int) = nullptr;

sqlite3_vfs* real_vfs = nullptr;

int routedSleep(sqlite3_vfs*, int microseconds) {
  sleepFor(microseconds);
  return microseconds;
}

std::string routeSleep() {
  static sqlite3_vfs routed;
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  if (base == nullptr) return "SQLite has no default VFS";
  routed = *base;
  real_vfs = base;
  real_sleep = base->xSleep;
  routed.zName = "lifeguard";
  routed.xSleep = routedSleep;
  return sqlite3_vfs_register(&routed, /*makeDflt=*/1) == SQLITE_OK ? "" : "sqlite3_vfs_register failed";
}

std::string install() {
  static sqlite3_mutex_methods methods = {init, end, alloc, release, enter, tryEnter, leave, held, notHeld};
  if (sqlite3_threadsafe() == 0) return "this SQLite was built without mutexes (SQLITE_THREADSAFE=0)";
  if (sqlite3_config(SQLITE_CONFIG_MUTEX, &methods) != SQLITE_OK ||
      sqlite3_config(SQLITE_CONFIG_SERIALIZED) != SQLITE_OK || sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK) {
    return "sqlite3_config refused: SQLite was initialized before lifeguard could route its mutexes";
  }
  if (int rc = sqlite3_initialize(); rc != SQLITE_OK) return std::string("sqlite3_initialize: ") + sqlite3_errstr(rc);
  return routeSleep();
}

}  // namespace

void sleepFor(int microseconds) {
  if (!testing::isControlledThread()) {
    real_sleep(real_vfs, microseconds);
    return;
  }
  // A timed wait nobody notifies: the thread is blocked until virtual time
  // reaches the deadline, which it does only when no other thread can run.
  sync::Mutex mu;
  sync::CondVar never;
  sync::MutexLock lock(mu);
  never.waitUntil(lock, sync::now() + std::chrono::microseconds(microseconds));
}

std::string installSqliteMutexes() {
  static const std::string error = install();
  return error;
}

}  // namespace lifeguard::harness::sqlite

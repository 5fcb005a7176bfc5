// SQLite's mutexes, routed through lifeguard's sync layer.
//
// SQLite lets the application supply its mutex implementation
// (sqlite3_config(SQLITE_CONFIG_MUTEX), before SQLite initializes). Every
// SQLite mutex becomes a lifeguard::sync::Mutex, so on a thread that runs
// under the controlled scheduler each enter and leave is a scheduling point
// and blocking on a held mutex is modelled, not real: `--scheduler
// random|pct|dfs`, `--check-determinism` and exact replay then work against
// the real SQLite. Elsewhere it is a std::mutex. The default VFS's sleep,
// with which SQLite waits for another connection (a WAL-index update), is
// a scheduling point too. Control ends where SQLite does without both:
// POSIX file locks (taken without waiting here: the adapter's busy timeout
// is 0), the interrupt flag sqlite3_interrupt() sets from another thread,
// and the work one statement does between two mutex operations (the adapter
// adds a scheduling point every 1,000 virtual machine instructions through
// the progress handler).
//
// Thread-safety: installSqliteMutexes() runs once per process (later calls
// return its first answer) and must come before anything else in the
// process initializes SQLite.
#pragma once

#include <string>

namespace lifeguard::harness::sqlite {

// Installs the routed mutexes, then initializes SQLite (serialized mode, no
// memory statistics, whose mutex would add a scheduling point to every
// allocation) and makes the routed-sleep VFS the default. Returns "" or why
// it could not.
std::string installSqliteMutexes();

// Sleeps: a real sleep (the default VFS's), but on a thread under the
// controlled scheduler a timed wait in virtual time, during which the other
// threads run. REQUIRES: installSqliteMutexes() succeeded.
void sleepFor(int microseconds);

}  // namespace lifeguard::harness::sqlite

// The SQLite adapter's engine objects (private to adapters/sqlite/): a
// connection, a kept statement and the database (a file and the connections
// opened through it), each owning its SQLite handle.
//
// Thread-safety: every field that another actor's call may touch is atomic
// or guarded by the object's sync::Mutex (a controlled primitive, so a
// thread that waits on it under the controlled scheduler is modelled as
// blocked). The handles are used from any thread, as SQLite's serialized
// mode allows.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "lifeguard/sync/sync.h"

namespace lifeguard::harness::sqlite {

// One sqlite3* in serialized mode. Its mutex orders the engine's close
// against statement creation (prepare), so no statement is prepared on a
// closed connection: what a binding does for its caller. sqlite3_interrupt
// does not take it: an interrupt racing a close of the same connection is
// the caller's fault (sqlite3.h), and is made as a caller would make it.
struct Db;

struct Conn {
  sqlite3* db = nullptr;
  // The database it was opened through (a file and a list: no SQLite
  // handle), kept to tell whether it was closed.
  std::shared_ptr<Db> database;
  sync::Mutex mu;
  // Held by each statement the adapter runs, from its prepare to its first
  // step, and by a COPY (a savepoint of inserts, which the adapter makes one
  // statement of) from its SAVEPOINT to its RELEASE. On a connection that
  // actors share, another actor's statement then runs before or after a
  // COPY, never inside it, as with one SQLite statement (whose step holds
  // the connection's mutex). A close never takes it.
  sync::Mutex statement_mu;
  std::atomic<bool> closed{false};
  std::atomic<bool> closed_by_database{false};
  // set_timeout: each query's deadline (the progress handler's); 0 = none.
  std::atomic<std::int64_t> timeout_ms{0};
  std::atomic<std::int64_t> deadline_ns{0};
  std::atomic<bool> timed_out{false};
  // A drop: as a binding's finalizer, a close that never fails (a live
  // statement keeps the connection as a zombie until it is finalized).
  ~Conn() {
    if (!closed) sqlite3_close_v2(db);
  }
};

// A kept result: a statement still running (a read stepped as far as it was
// iterated) or done (a write). Its mutex orders finalize against step.
struct Stmt {
  std::shared_ptr<Conn> conn;  // keeps the wrapper (not the connection) alive
  sqlite3_stmt* stmt = nullptr;
  sync::Mutex mu;
  bool done LG_GUARDED_BY(mu) = false;  // stepped to SQLITE_DONE (a step now would run it again)
  bool finalized LG_GUARDED_BY(mu) = false;
  ~Stmt() LG_NO_THREAD_SAFETY_ANALYSIS {  // the last owner: nobody else holds it
    if (!finalized) sqlite3_finalize(stmt);
  }
};

// The database: its file, and the connections opened through it, which its
// close closes.
struct Db {
  std::string path;
  sync::Mutex mu;
  std::vector<std::weak_ptr<Conn>> conns LG_GUARDED_BY(mu);
  bool closed LG_GUARDED_BY(mu) = false;
};

}  // namespace lifeguard::harness::sqlite

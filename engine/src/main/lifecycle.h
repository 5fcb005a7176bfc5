// Lifecycle: the "database is closed" state shared by a Database, its
// Connections and its QueryResults (held through shared_ptr, so it outlives
// the Database).
//
// Under kComplete it is a Gate: every call that touches database state enters
// it (LifecycleGuard) and is refused once close began; close cancels the
// queries of every registered connection and waits until every caller has
// left. Under kLegacy and kExecuteDrain only the 0.11.x flag exists: a plain
// bool, written by close and read by every call without synchronisation (the
// data race the real engine has).
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstddef>
#include <set>

#include "lifeguard/options.h"
#include "main/gate.h"
#include "lifeguard/sync/sync.h"

namespace lifeguard {

class ClientContext;

class Lifecycle {
 public:
  explicit Lifecycle(TeardownPolicy policy) : policy_(policy) {}

  TeardownPolicy policy() const { return policy_; }
  bool isClosed() const;

  Gate& gate() { return gate_; }

  // kComplete: a connection's context, cancelled by beginClose(). A context
  // must be unregistered before it is destroyed.
  void registerContext(ClientContext* context) LG_EXCLUDES(mu_);
  void unregisterContext(ClientContext* context) LG_EXCLUDES(mu_);

  // kComplete: refuses new calls, cancels the registered contexts' queries and
  // waits until every admitted call has left. Returns false if another thread
  // already closed (after waiting for it to finish).
  bool beginClose() LG_EXCLUDES(mu_);
  void finishClose() { gate_.finishClose(); }

  // kLegacy / kExecuteDrain: the unsynchronised flag.
  void setClosedUnsynchronized() { closed_unsynchronized_ = true; }

  // Queries between Connection::query entry and return, in every policy.
  void queryStarted() { active_queries_.fetch_add(1); }
  void queryEnded() { active_queries_.fetch_sub(1); }
  std::size_t activeQueries() const { return active_queries_.load(); }

 private:
  const TeardownPolicy policy_;
  bool closed_unsynchronized_ = false;
  Gate gate_;
  sync::Atomic<std::size_t> active_queries_{0};
  sync::Mutex mu_;
  std::set<ClientContext*> contexts_ LG_GUARDED_BY(mu_);
};

// Enters the database's gate for one call (kComplete).
class LifecycleGuard : public GateGuard {
 public:
  explicit LifecycleGuard(Lifecycle& lifecycle) : GateGuard(lifecycle.gate()) {}
};

}  // namespace lifeguard

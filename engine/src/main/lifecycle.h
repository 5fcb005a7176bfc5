// Lifecycle: the "database is closed" state shared by a Database, its
// Connections and its QueryResults (held through shared_ptr, so it outlives
// the Database).
//
// Under kComplete it is a gate: every call that touches database state enters
// it (enter()/leave(), or LifecycleGuard) and is refused once close began;
// beginClose() interrupts the queries inside and waits until every caller has
// left. Under kLegacy and kExecuteDrain only the 0.11.x flag exists: a plain
// bool, written by close and read by every call without synchronisation (the
// data race the real engine has).
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstddef>
#include <set>

#include "lifeguard/options.h"
#include "sync/sync.h"

namespace lifeguard {

class ClientContext;

class Lifecycle {
 public:
  explicit Lifecycle(TeardownPolicy policy) : policy_(policy) {}

  TeardownPolicy policy() const { return policy_; }
  bool isClosed() const;

  // kComplete: admits a call unless close began; `query` (may be null) is
  // registered so that close can interrupt it.
  bool enter(ClientContext* query = nullptr) LG_EXCLUDES(mu_);
  void leave(ClientContext* query = nullptr) LG_EXCLUDES(mu_);

  // kComplete: refuses new calls, interrupts the registered queries and waits
  // until every admitted call has left. Returns false if another thread
  // already closed (after waiting for it to finish).
  bool beginClose() LG_EXCLUDES(mu_);
  void finishClose() LG_EXCLUDES(mu_);

  // kLegacy / kExecuteDrain: the unsynchronised flag.
  void setClosedUnsynchronized() { closed_unsynchronized_ = true; }

  // Queries between Connection::query entry and return, in every policy.
  void queryStarted() { active_queries_.fetch_add(1); }
  void queryEnded() { active_queries_.fetch_sub(1); }
  std::size_t activeQueries() const { return active_queries_.load(); }

 private:
  enum class State { kOpen, kClosing, kClosed };

  const TeardownPolicy policy_;
  bool closed_unsynchronized_ = false;
  sync::Atomic<bool> closed_{false};
  sync::Atomic<std::size_t> active_queries_{0};
  mutable sync::Mutex mu_;
  sync::CondVar cv_;
  State state_ LG_GUARDED_BY(mu_) = State::kOpen;
  std::size_t callers_ LG_GUARDED_BY(mu_) = 0;
  std::multiset<ClientContext*> queries_ LG_GUARDED_BY(mu_);
};

// RAII for Lifecycle::enter/leave (kComplete). Converts to false if refused.
class LifecycleGuard {
 public:
  explicit LifecycleGuard(Lifecycle& lifecycle, ClientContext* query = nullptr)
      : lifecycle_(lifecycle), query_(query), entered_(lifecycle.enter(query)) {}
  ~LifecycleGuard() {
    if (entered_) lifecycle_.leave(query_);
  }
  LifecycleGuard(const LifecycleGuard&) = delete;
  LifecycleGuard& operator=(const LifecycleGuard&) = delete;
  explicit operator bool() const { return entered_; }

 private:
  Lifecycle& lifecycle_;
  ClientContext* const query_;
  const bool entered_;
};

}  // namespace lifeguard

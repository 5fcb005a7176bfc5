// Slots: an adapter's named handles (connections "c1", results "r1", the
// database "db") as shared pointers, for adapters that follow the garbage-
// collected bindings' semantics of engine_adapter.h: a call copies the
// pointer it uses, so a drop while the call is in flight only releases the
// adapter's own reference.
//
// Thread-safety: every method is thread-safe. A value replaced or taken is
// released outside the lock: its destructor may run engine code (a
// database's close), which must never run under the slots' mutex (under the
// controlled scheduler another thread would block on it for real).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace lifeguard::harness {

template <typename T>
class Slots {
 public:
  std::shared_ptr<T> get(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = slots_.find(name);
    return it == slots_.end() ? nullptr : it->second;
  }
  // The value replaced is released after the lock: its destructor may run
  // engine code (a database's close), which must never run under mu_ (under
  // the controlled scheduler another thread would block on mu_ for real).
  void put(const std::string& name, std::shared_ptr<T> value) {
    std::lock_guard<std::mutex> lock(mu_);
    std::swap(slots_[name], value);
  }
  std::shared_ptr<T> take(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = slots_.find(name);
    if (it == slots_.end()) return nullptr;
    auto value = std::move(it->second);
    slots_.erase(it);
    return value;
  }
  void clear() {
    std::map<std::string, std::shared_ptr<T>> released;
    {
      std::lock_guard<std::mutex> lock(mu_);
      released.swap(slots_);
    }
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<T>> slots_;
};

}  // namespace lifeguard::harness

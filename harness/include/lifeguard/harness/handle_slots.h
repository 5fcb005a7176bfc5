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

#include <condition_variable>
#include <functional>
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
  // The object a call on `name` uses. Owning (a binding's way): the call
  // keeps it alive, so a close destroys it when the call returns. Not owning
  // (a C or C++ caller's way): a close destroys it at once, under the call.
  std::shared_ptr<T> use(const std::string& name, bool owning) {
    std::shared_ptr<T> owner = get(name);
    if (owning || owner == nullptr) return owner;
    return std::shared_ptr<T>(std::shared_ptr<T>(), owner.get());
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

// LiveObjects: counts the objects of one kind that are not destroyed yet, so
// an adapter can wait until the last is gone: an engine that allows one open
// database per file must not open it again while a call still holds the old
// one. Thread-safety: thread-safe; the objects' deleters may run on any
// thread. It must outlive the pointers track() returns.
class LiveObjects {
 public:
  // Owns `object`; `destroy` runs when the last pointer goes.
  template <typename T>
  std::shared_ptr<T> track(T* object, std::function<void(T*)> destroy) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++live_;
    }
    return std::shared_ptr<T>(object, [this, destroy = std::move(destroy)](T* gone) {
      destroy(gone);
      std::lock_guard<std::mutex> lock(mu_);
      --live_;
      cv_.notify_all();
    });
  }
  void waitUntilNone() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return live_ == 0; });
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu_);
    return live_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int live_ = 0;  // guarded by mu_
};

}  // namespace lifeguard::harness

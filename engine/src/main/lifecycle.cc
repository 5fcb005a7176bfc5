#include "main/lifecycle.h"

#include "main/client_context.h"

namespace lifeguard {

bool Lifecycle::isClosed() const {
  if (policy_ == TeardownPolicy::kComplete) return gate_.closing();
  return closed_unsynchronized_;
}

void Lifecycle::registerContext(ClientContext* context) {
  sync::MutexLock lock(mu_);
  contexts_.insert(context);
}

void Lifecycle::unregisterContext(ClientContext* context) {
  sync::MutexLock lock(mu_);
  contexts_.erase(context);
}

bool Lifecycle::beginClose() {
  if (!gate_.beginClose()) return false;
  {
    // Registered contexts are alive: a connection unregisters (under mu_)
    // before it destroys its context.
    sync::MutexLock lock(mu_);
    for (ClientContext* context : contexts_) context->cancel();
  }
  gate_.waitUntilEmpty();
  return true;
}

}  // namespace lifeguard

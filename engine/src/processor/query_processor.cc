#include "processor/query_processor.h"

#include "lifeguard/testing/hooks.h"
#include "main/client_context.h"

namespace lifeguard {
namespace {

// The published fix's RAII guard: always ends the registration, even on error.
class ActiveQueryGuard {
 public:
  explicit ActiveQueryGuard(ClientContext* context) : context_(context) { context_->registerQueryStart(); }
  ~ActiveQueryGuard() { context_->registerQueryEnd(); }
  ActiveQueryGuard(const ActiveQueryGuard&) = delete;
  ActiveQueryGuard& operator=(const ActiveQueryGuard&) = delete;

 private:
  ClientContext* const context_;
};

}  // namespace

void QueryProcessor::execute(const PhysicalPlan& plan, ClientContext* context) {
  std::optional<ActiveQueryGuard> bracket;
  if (policy_ == TeardownPolicy::kExecuteDrain) bracket.emplace(context);
  if (policy_ != TeardownPolicy::kComplete) context->resetInterrupt();
  LG_SYNC_POINT("QueryProcessor::execute");
  scheduler_.scheduleTaskAndWaitOrError(plan.root, context, context->timeoutMs());
}

}  // namespace lifeguard

// QueryProcessor: owns the TaskScheduler and runs a plan's task tree on it.
//
// Ownership: owned by the Database; destroying it joins the workers.
// Thread-safety: execute() may be called from any number of query threads.
#pragma once

#include <memory>

#include "lifeguard/options.h"
#include "processor/planner.h"
#include "processor/task_scheduler.h"

namespace lifeguard {

class QueryProcessor {
 public:
  QueryProcessor(std::size_t num_threads, TeardownPolicy policy) : policy_(policy), scheduler_(num_threads) {}

  // Runs the plan and waits for it. Under kExecuteDrain this is the whole of
  // the published fix's bracket (registerQueryStart / RAII end); under kLegacy
  // and kExecuteDrain it clears the interrupt flag first (hazard H10).
  // Throws the query's error.
  void execute(const PhysicalPlan& plan, ClientContext* context);

  TaskScheduler& scheduler() { return scheduler_; }
  const TaskScheduler& scheduler() const { return scheduler_; }

 private:
  const TeardownPolicy policy_;
  TaskScheduler scheduler_;
};

}  // namespace lifeguard

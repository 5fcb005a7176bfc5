// Binder and planner: resolve a statement against the catalog as the
// statement's transaction sees it, check it, and build its task tree.
#pragma once

#include <memory>

#include "parser/statement.h"
#include "processor/task.h"
#include "lifeguard/file_system.h"
#include "processor/tasks.h"

namespace lifeguard {

class MemoryManager;
class Storage;
class Transaction;

struct PhysicalPlan {
  std::shared_ptr<Task> root;
  std::shared_ptr<ResultSink> sink;
};

struct PlanInputs {
  ClientContext* context;
  Storage* storage;
  Transaction* transaction;
  MemoryManager* memory;
  std::size_t threads;
  std::shared_ptr<FileSystem> file_system;  // where COPY reads its input
  std::size_t copy_buffer_bytes;
};

// Throws Error(kBindError) for an unknown or duplicate table, a row of the
// wrong width or type. REQUIRES: statement is not BEGIN, COMMIT or ROLLBACK.
PhysicalPlan planStatement(const Statement& statement, const PlanInputs& inputs);

}  // namespace lifeguard

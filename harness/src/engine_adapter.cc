#include "lifeguard/harness/engine_adapter.h"

namespace lifeguard::harness {

Answer callAdapter(EngineAdapter& adapter, const Op& op, std::int64_t tag, std::vector<TableRows>* tables) {
  switch (op.kind) {
    case OpKind::kOpenDb: return adapter.openDatabase();
    case OpKind::kCloseDb: return adapter.closeDatabase();
    case OpKind::kReopen: return adapter.reopenDatabase();
    case OpKind::kDropDb: return adapter.dropDatabase();
    case OpKind::kConnect: return adapter.connect(op.handle);
    case OpKind::kDisconnect: return adapter.disconnect(op.handle);
    case OpKind::kDrop: return op.handle[0] == 'c' ? adapter.dropConnection(op.handle) : adapter.dropResult(op.handle);
    case OpKind::kQuery: return adapter.query(op.handle, op.result, op.query, tag);
    case OpKind::kIterate: return adapter.iterate(op.handle, op.number);
    case OpKind::kCloseResult: return adapter.closeResult(op.handle);
    case OpKind::kInterrupt: return adapter.interrupt(op.handle);
    case OpKind::kSetTimeout: return adapter.setTimeout(op.handle, op.number);
    case OpKind::kCheck: return adapter.readTables(tables);
    case OpKind::kAwait: break;
  }
  return {AnswerKind::kInternal, "not an engine operation: " + formatOp(op), std::nullopt};
}

}  // namespace lifeguard::harness

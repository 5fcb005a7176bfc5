// Transaction and TransactionManager: one writer at a time, many readers.
//
// A write transaction keeps its changes (created tables, appended chunks)
// local until commit, when they are applied to Storage in order; rollback
// drops them. Readers see committed data only; a writer also sees its own
// pending changes. A second writer fails at once with kTransactionConflict
// and the exact message "Only one write transaction at a time".
//
// Ownership: the manager owns every live Transaction; commit() and
// rollback() destroy it. A Transaction holds a raw pointer to the
// ClientContext that began it (never dereferenced by the manager).
//
// Thread-safety: manager methods are thread-safe. A Transaction's pending
// state is used by one query at a time: its connection's query thread and
// that query's workers, ordered by the task protocol.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "storage/storage.h"
#include "lifeguard/sync/sync.h"

namespace lifeguard {

class ClientContext;
class Wal;
struct LoggedOp;

class Transaction {
 public:
  Transaction(std::uint64_t id, bool write, const ClientContext* context)
      : id_(id), write_(write), context_(context) {}

  std::uint64_t id() const { return id_; }
  bool isWrite() const { return write_; }
  const ClientContext* context() const { return context_; }

  // REQUIRES: isWrite().
  void createTable(TableSchema schema);
  void append(const std::string& table, std::shared_ptr<const Chunk> chunk);

  // A table this transaction created and has not committed, or null.
  const TableSchema* pendingTable(std::string_view name) const;
  // Chunks this transaction appended to `table` and has not committed.
  ChunkList pendingChunks(std::string_view table) const;

 private:
  friend class TransactionManager;
  struct CreateTable {
    TableSchema schema;
  };
  struct Append {
    std::string table;
    std::shared_ptr<const Chunk> chunk;
  };
  using Operation = std::variant<CreateTable, Append>;

  const std::uint64_t id_;
  const bool write_;
  const ClientContext* const context_;
  std::vector<Operation> operations_;
};

class TransactionManager {
 public:
  // `wal` (may be null: in-memory) logs every write transaction's changes
  // before commit() applies them.
  TransactionManager(Storage& storage, Wal* wal = nullptr) : storage_(storage), wal_(wal) {}

  Transaction* beginRead(const ClientContext* context);
  // Throws Error(kTransactionConflict) if a write transaction is live, or the
  // WAL's IOError once it failed (the database is read-only until reopened).
  Transaction* beginWrite(const ClientContext* context);
  // Logs a writer's changes (WAL record, fsync), applies them to storage and
  // ends the transaction. If logging fails the transaction is rolled back and
  // Error(kIOError) is thrown.
  void commit(Transaction* transaction);
  // CHECKPOINT: folds the WAL into the data file; waits for no one, fails
  // with kTransactionConflict if a writer is live. A no-op in memory.
  void checkpoint();
  void rollback(Transaction* transaction);

  // Rolls back every live transaction (database close under kComplete, after
  // every query has drained). Returns how many there were.
  std::size_t rollbackAll();
  // The close-time checkpoint: waits until no write transaction is live.
  // Returns false on timeout (the caller decides whether that stalls close).
  bool waitForNoWriter(std::chrono::milliseconds timeout);

  std::size_t liveTransactions() const;

 private:
  std::unique_ptr<Transaction> take(Transaction* transaction) LG_REQUIRES(mu_);
  static std::vector<LoggedOp> logOf(const Transaction& transaction);

  Storage& storage_;
  Wal* const wal_;
  mutable sync::Mutex mu_;
  sync::CondVar writer_done_;
  std::map<std::uint64_t, std::unique_ptr<Transaction>> live_ LG_GUARDED_BY(mu_);
  Transaction* writer_ LG_GUARDED_BY(mu_) = nullptr;
  std::uint64_t next_id_ LG_GUARDED_BY(mu_) = 1;
};

}  // namespace lifeguard

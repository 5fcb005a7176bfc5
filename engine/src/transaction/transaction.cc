#include "transaction/transaction.h"

#include <cstdlib>

#include "lifeguard/status.h"
#include "storage/wal.h"

namespace lifeguard {

void Transaction::createTable(TableSchema schema) { operations_.push_back(CreateTable{std::move(schema)}); }

void Transaction::append(const std::string& table, std::shared_ptr<const Chunk> chunk) {
  operations_.push_back(Append{table, std::move(chunk)});
}

const TableSchema* Transaction::pendingTable(std::string_view name) const {
  for (const auto& operation : operations_) {
    const auto* create = std::get_if<CreateTable>(&operation);
    if (create != nullptr && create->schema.name == name) return &create->schema;
  }
  return nullptr;
}

ChunkList Transaction::pendingChunks(std::string_view table) const {
  ChunkList chunks;
  for (const auto& operation : operations_) {
    const auto* append = std::get_if<Append>(&operation);
    if (append != nullptr && append->table == table) chunks.push_back(append->chunk);
  }
  return chunks;
}

Transaction* TransactionManager::beginRead(const ClientContext* context) {
  sync::MutexLock lock(mu_);
  std::uint64_t id = next_id_++;
  auto [it, inserted] = live_.emplace(id, std::make_unique<Transaction>(id, false, context));
  return it->second.get();
}

Transaction* TransactionManager::beginWrite(const ClientContext* context) {
  sync::MutexLock lock(mu_);
  if (wal_ != nullptr && !wal_->failure().isOk()) throw Error(wal_->failure());
  if (writer_ != nullptr) throw Error(ErrorCode::kTransactionConflict, std::string(kWriteConflictMessage));
  std::uint64_t id = next_id_++;
  auto [it, inserted] = live_.emplace(id, std::make_unique<Transaction>(id, true, context));
  writer_ = it->second.get();
  return writer_;
}

std::unique_ptr<Transaction> TransactionManager::take(Transaction* transaction) {
  auto it = live_.find(transaction->id());
  if (it == live_.end()) std::abort();  // ending a transaction twice is an engine bug
  std::unique_ptr<Transaction> owned = std::move(it->second);
  live_.erase(it);
  if (writer_ == transaction) {
    writer_ = nullptr;
    writer_done_.notifyAll();
  }
  return owned;
}

std::vector<LoggedOp> TransactionManager::logOf(const Transaction& transaction) {
  const auto& operations = transaction.operations_;
  std::vector<LoggedOp> ops;
  for (const auto& operation : operations) {
    LoggedOp op;
    if (const auto* create = std::get_if<Transaction::CreateTable>(&operation)) {
      op.create = true;
      op.schema = create->schema;
    } else {
      const auto& append = std::get<Transaction::Append>(operation);
      op.table = append.table;
      op.rows = append.chunk;
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

void TransactionManager::commit(Transaction* transaction) {
  sync::MutexLock lock(mu_);
  if (wal_ != nullptr && !transaction->operations_.empty()) {
    Status logged = wal_->commit(logOf(*transaction));
    if (!logged.isOk()) {
      take(transaction);
      throw Error(logged);
    }
  }
  // Applied under mu_ so that a reader beginning after commit() returns sees
  // all of it, and no second writer can interleave.
  for (auto& operation : transaction->operations_) {
    if (auto* create = std::get_if<Transaction::CreateTable>(&operation)) {
      storage_.create(std::move(create->schema));
    } else {
      auto& append = std::get<Transaction::Append>(operation);
      storage_.find(append.table)->append(std::move(append.chunk));
    }
  }
  take(transaction);
}

void TransactionManager::checkpoint() {
  sync::MutexLock lock(mu_);
  if (writer_ != nullptr) throw Error(ErrorCode::kTransactionConflict, std::string(kWriteConflictMessage));
  if (wal_ == nullptr) return;
  Status status = wal_->checkpoint(storage_);
  if (!status.isOk()) throw Error(status);
}

void TransactionManager::rollback(Transaction* transaction) {
  sync::MutexLock lock(mu_);
  take(transaction);
}

std::size_t TransactionManager::rollbackAll() {
  sync::MutexLock lock(mu_);
  std::size_t count = live_.size();
  live_.clear();
  if (writer_ != nullptr) {
    writer_ = nullptr;
    writer_done_.notifyAll();
  }
  return count;
}

bool TransactionManager::waitForNoWriter(std::chrono::milliseconds timeout) {
  auto deadline = sync::now() + timeout;
  sync::MutexLock lock(mu_);
  while (writer_ != nullptr) {
    if (!writer_done_.waitUntil(lock, deadline) && writer_ != nullptr) return false;
  }
  return true;
}

std::size_t TransactionManager::liveTransactions() const {
  sync::MutexLock lock(mu_);
  return live_.size();
}

}  // namespace lifeguard

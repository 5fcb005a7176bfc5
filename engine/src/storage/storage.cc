#include "storage/storage.h"

namespace lifeguard {

ChunkList Table::snapshot() const {
  sync::MutexLock lock(mu_);
  return chunks_;
}

void Table::append(std::shared_ptr<const Chunk> chunk) {
  sync::MutexLock lock(mu_);
  chunks_.push_back(std::move(chunk));
}

std::shared_ptr<Table> Storage::find(std::string_view name) const {
  sync::MutexLock lock(mu_);
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : it->second;
}

void Storage::create(TableSchema schema) {
  sync::MutexLock lock(mu_);
  std::string name = schema.name;
  tables_.emplace(std::move(name), std::make_shared<Table>(std::move(schema)));
}

std::vector<std::string> Storage::tableNames() const {
  sync::MutexLock lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, table] : tables_) names.push_back(name);
  return names;
}

std::size_t countRows(const ChunkList& chunks) {
  std::size_t rows = 0;
  for (const auto& chunk : chunks) rows += chunk->size();
  return rows;
}

}  // namespace lifeguard

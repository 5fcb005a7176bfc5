#include "lifeguard/harness/engine_adapter.h"

#include <algorithm>
#include <map>

namespace lifeguard::harness {
namespace {

std::map<std::string, EngineEntry>& registry() {
  static std::map<std::string, EngineEntry> engines;
  return engines;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

inline namespace plugin_v4 {
bool registerEngine(EngineEntry entry) {
  std::string name = entry.name;
  registry().emplace(std::move(name), std::move(entry));
  return true;
}
}  // namespace plugin_v4

void unregisterEngine(const std::string& name) { registry().erase(name); }

void markEngine(const std::string& name, const std::string& note) {
  auto it = registry().find(name);
  if (it != registry().end()) it->second.description += note;
}

std::vector<const EngineEntry*> registeredEngines() {
  std::vector<const EngineEntry*> out;
  for (const auto& [name, entry] : registry()) out.push_back(&entry);
  return out;
}

const EngineEntry* findEngine(const std::string& name) {
  auto it = registry().find(name);
  if (it != registry().end()) return &it->second;
  std::size_t at = name.find('@');
  if (at == std::string::npos) return nullptr;
  it = registry().find(name.substr(0, at));
  return it == registry().end() || !it->second.make_version ? nullptr : &it->second;
}

std::string defaultPolicy(const std::string& engine) {
  const EngineEntry* entry = findEngine(engine);
  return entry == nullptr || entry->policies.empty() ? "" : entry->policies.front();
}

std::unique_ptr<EngineAdapter> makeAdapter(const std::string& engine, const std::string& policy,
                                           std::string* error) {
  const EngineEntry* entry = findEngine(engine);
  std::string ignored;
  if (error == nullptr) error = &ignored;
  if (entry == nullptr) {
    std::vector<std::string> names;
    for (const EngineEntry* e : registeredEngines()) names.push_back(e->name);
    *error = "unknown engine '" + engine + "' (this build has: " + joined(names) + ")";
    return nullptr;
  }
  if (std::find(entry->policies.begin(), entry->policies.end(), policy) == entry->policies.end()) {
    *error = "engine " + engine + " has no policy '" + policy + "' (" + joined(entry->policies) + ")";
    return nullptr;
  }
  std::size_t at = engine.find('@');
  if (at != std::string::npos && engine != entry->name) return entry->make_version(engine.substr(at + 1), policy, error);
  return entry->make(policy, error);
}

Answer callAdapter(EngineAdapter& adapter, const Op& op, std::int64_t tag, std::vector<TableRows>* tables) {
  switch (op.kind) {
    case OpKind::kOpenDb: return adapter.openDatabase();
    case OpKind::kCloseDb: return adapter.closeDatabase();
    case OpKind::kReopen: return adapter.reopenDatabase();
    case OpKind::kDropDb: return adapter.dropDatabase();
    case OpKind::kConnect: return adapter.connect(op.handle);
    case OpKind::kDisconnect: return adapter.disconnect(op.handle);
    case OpKind::kDrop:
      if (op.handle[0] == 's') return adapter.dropStatement(op.handle);
      return op.handle[0] == 'c' ? adapter.dropConnection(op.handle) : adapter.dropResult(op.handle);
    case OpKind::kQuery: return adapter.query(op.handle, op.result, op.query, tag);
    case OpKind::kIterate: return adapter.iterate(op.handle, op.part, op.number);
    case OpKind::kCloseResult: return adapter.closeResult(op.handle);
    case OpKind::kInterrupt: return adapter.interrupt(op.handle);
    case OpKind::kSetTimeout: return adapter.setTimeout(op.handle, op.number);
    case OpKind::kCheck: return adapter.readTables(tables);
    case OpKind::kPrepare: return adapter.prepare(op.handle, op.result, op.query, tag);
    case OpKind::kExecute: return adapter.execute(op.handle, op.statement, op.result);
    case OpKind::kAwait: break;
  }
  return {AnswerKind::kInternal, "not an engine operation: " + formatOp(op), std::nullopt};
}

}  // namespace lifeguard::harness

#include "generate/shapes.h"

#include <algorithm>
#include <map>
#include <set>

namespace lifeguard::harness {
namespace {

// The labels each actor applies to each handle, in its order.
using Uses = std::map<std::string, std::map<int, std::vector<std::string>>>;

std::string queryClass(const QuerySpec& query) {
  switch (query.kind) {
    case QueryKind::kLong:
    case QueryKind::kCount: return "read";
    case QueryKind::kInsert:
    case QueryKind::kCopy: return "write";
    case QueryKind::kCopyBad:
    case QueryKind::kBadParse:
    case QueryKind::kBadBind:
    case QueryKind::kBadExec: return "fail";
    case QueryKind::kBegin: return "begin";
    case QueryKind::kCommit: return "commit";
    case QueryKind::kRollback: return "rollback";
    case QueryKind::kMulti: return "multi";
  }
  return "?";
}

std::string label(const Op& op) {
  switch (op.kind) {
    case OpKind::kQuery: return "query:" + queryClass(op.query);
    case OpKind::kPrepare: return "prepare:" + queryClass(op.query);
    case OpKind::kExecute: return "execute:" + queryClass(op.query);
    case OpKind::kDropDb: return "drop_db";
    default: {
      std::string text = formatOp(op);
      return text.substr(0, text.find(' '));
    }
  }
}

// The handles `op` counts on: its own, the ones it makes, and their parents.
std::vector<std::string> handlesOf(const Op& op, const std::map<std::string, std::string>& parent) {
  if (op.handle == "db") return {"db"};  // open_db, close_db, reopen, drop db, check
  std::vector<std::string> direct = {op.handle};
  if (op.kind == OpKind::kExecute) direct.push_back(op.statement);
  if ((op.kind == OpKind::kQuery || op.kind == OpKind::kExecute || op.kind == OpKind::kPrepare) && op.result != "-") {
    direct.push_back(op.result);
  }
  std::set<std::string> all = {"db"};
  for (const std::string& h : direct) {
    all.insert(h);
    if (auto it = parent.find(h); it != parent.end()) all.insert(it->second);
  }
  return {all.begin(), all.end()};
}

Uses usesOf(const Schedule& s) {
  std::map<std::string, std::string> parent;  // a result or statement -> the connection that made it
  for (const auto& ops : s.actors) {
    for (const Op& op : ops) {
      bool makes = op.kind == OpKind::kQuery || op.kind == OpKind::kExecute || op.kind == OpKind::kPrepare;
      if (makes && op.result != "-") parent[op.result] = op.handle;
    }
  }
  Uses uses;
  for (int a = 0; a < static_cast<int>(s.actors.size()); ++a) {
    for (const Op& op : s.actors[a]) {
      if (op.kind == OpKind::kAwait) continue;
      for (const std::string& h : handlesOf(op, parent)) uses[h][a].push_back(label(op));
    }
  }
  return uses;
}

char kindOf(const std::string& handle) { return handle == "db" ? 'd' : handle.empty() ? '?' : handle[0]; }
int level(char kind) { return kind == 'd' ? 2 : kind == 'c' ? 1 : 0; }

std::size_t operations(const std::map<int, std::vector<std::string>>& by_actor) {
  std::size_t n = 0;
  for (const auto& [actor, labels] : by_actor) n += labels.size();
  return n;
}

// The last kShapeLength labels, repeats merged.
std::vector<std::string> tail(const std::vector<std::string>& labels) {
  std::vector<std::string> merged;
  for (const std::string& l : labels) {
    if (merged.empty() || merged.back() != l) merged.push_back(l);
  }
  if (merged.size() > kShapeLength) merged.erase(merged.begin(), merged.end() - kShapeLength);
  return merged;
}

bool isSubsequence(const std::vector<std::string>& part, const std::vector<std::string>& whole) {
  std::size_t i = 0;
  for (const std::string& l : whole) {
    if (i < part.size() && part[i] == l) ++i;
  }
  return i == part.size();
}

// Whether shape actors k.. map to distinct actors of `by_actor` not in `used`.
bool assign(const Shape& shape, std::size_t k, const std::map<int, std::vector<std::string>>& by_actor,
            std::set<int>& used) {
  if (k == shape.actors.size()) return true;
  for (const auto& [actor, labels] : by_actor) {
    if (used.count(actor) || !isSubsequence(shape.actors[k], labels)) continue;
    used.insert(actor);
    if (assign(shape, k + 1, by_actor, used)) return true;
    used.erase(actor);
  }
  return false;
}

}  // namespace

std::string Shape::text() const {
  static const std::map<char, std::string> kNames = {
      {'d', "database"}, {'c', "connection"}, {'r', "result"}, {'s', "statement"}};
  auto name = kNames.find(handle_kind);
  std::string out = (name == kNames.end() ? std::string("handle") : name->second) + ":";
  for (std::size_t a = 0; a < actors.size(); ++a) {
    out += a == 0 ? " [" : " || [";
    for (std::size_t i = 0; i < actors[a].size(); ++i) out += (i ? " " : "") + actors[a][i];
    out += "]";
  }
  return out;
}

Shape shapeOf(const Schedule& schedule) {
  Uses uses = usesOf(schedule);
  const std::pair<const std::string, std::map<int, std::vector<std::string>>>* best = nullptr;
  auto better = [](const auto& x, const auto& y) {  // whether handle x makes a better shape than y
    bool shared_x = x.second.size() >= 2, shared_y = y.second.size() >= 2;
    if (shared_x != shared_y) return shared_x;
    int lx = level(kindOf(x.first)), ly = level(kindOf(y.first));
    std::size_t ox = operations(x.second), oy = operations(y.second);
    if (shared_x) return lx != ly ? lx < ly : ox > oy;
    return ox != oy ? ox > oy : lx < ly;
  };
  for (const auto& entry : uses) {
    if (best == nullptr || better(entry, *best)) best = &entry;
  }
  Shape shape;
  if (best == nullptr) return shape;
  shape.handle_kind = kindOf(best->first);
  for (const auto& [actor, labels] : best->second) shape.actors.push_back(tail(labels));
  return shape;
}

bool containsShape(const Schedule& schedule, const Shape& shape) {
  if (shape.actors.empty()) return true;
  for (const auto& [handle, by_actor] : usesOf(schedule)) {
    std::set<int> used;
    if (kindOf(handle) == shape.handle_kind && by_actor.size() >= shape.actors.size() &&
        assign(shape, 0, by_actor, used)) {
      return true;
    }
  }
  return false;
}

}  // namespace lifeguard::harness

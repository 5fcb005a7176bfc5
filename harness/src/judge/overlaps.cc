#include "judge/overlaps.h"

#include <algorithm>

#include "judge/hints.h"
#include "lifeguard/harness/history_index.h"

namespace lifeguard::harness {
namespace {

bool hasPart(const Op& op, QueryKind kind) {
  auto parts = op.query.statements();
  return std::any_of(parts.begin(), parts.end(), [&](const QuerySpec& p) { return p.kind == kind; });
}

bool closesDatabase(OpKind kind) {
  return kind == OpKind::kCloseDb || kind == OpKind::kReopen || kind == OpKind::kDropDb;
}

struct At {
  int actor, index;
  const Op* op;
};

}  // namespace

void OverlapTally::count(const Schedule& s, const std::vector<Event>& history) {
  HistoryIndex index(s, history);
  std::vector<At> ops;
  for (int a = 0; a < static_cast<int>(s.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(s.actors[a].size()); ++i) {
      if (index.invoked(a, i) != 0) ops.push_back({a, i, &s.actors[a][i]});
    }
  }
  auto overlap = [&](const At& x, const At& y) { return x.actor != y.actor && index.overlap(x.actor, x.index, y.actor, y.index); };
  auto connectionOf = [&](const Op& iterate) {  // the connection a result came from
    for (const At& q : ops) {
      if (q.op->kind == OpKind::kQuery && q.op->result == iterate.handle) return q.op->handle;
    }
    return std::string();
  };
  for (const At& closer : ops) {
    const OpKind kind = closer.op->kind;
    for (const At& work : ops) {
      if (!overlap(closer, work)) continue;
      const Op& w = *work.op;
      bool query = w.kind == OpKind::kQuery;
      if (kind == OpKind::kDisconnect && query && w.handle == closer.op->handle) {
        ++counts_[hasPart(w, QueryKind::kCopy) || hasPart(w, QueryKind::kCopyBad) ? "disconnect during COPY"
                                                                                  : "disconnect during a running query"];
        bool interrupted = std::any_of(ops.begin(), ops.end(), [&](const At& i) {
          return i.op->kind == OpKind::kInterrupt && i.op->handle == w.handle && overlap(i, work);
        });
        if (interrupted) ++counts_["disconnect during an interrupted query"];
      }
      if (kind == OpKind::kDisconnect && w.kind == OpKind::kIterate && connectionOf(w) == closer.op->handle) {
        ++counts_["disconnect during result iteration"];
      }
      if (closesDatabase(kind) && query) ++counts_["database close during a running query"];
      if (closesDatabase(kind) && w.kind == OpKind::kIterate) ++counts_["database close during result iteration"];
      if (closesDatabase(kind) && w.kind == OpKind::kConnect) ++counts_["database close during a connect"];
      if (kind == OpKind::kInterrupt && query && w.handle == closer.op->handle && hasPart(w, QueryKind::kCommit)) {
        ++counts_["interrupt racing a commit"];
      }
      if ((kind == OpKind::kCloseResult || kind == OpKind::kDrop) && w.kind == OpKind::kIterate &&
          w.handle == closer.op->handle) {
        ++counts_["result closed during its iteration"];
      }
    }
    if (!closesDatabase(kind)) continue;
    // Connections connected before the close began and not yet disconnected.
    for (const At& c : ops) {
      if (c.op->kind != OpKind::kConnect || index.returned(c.actor, c.index) >= index.invoked(closer.actor, closer.index)) {
        continue;
      }
      bool gone = std::any_of(ops.begin(), ops.end(), [&](const At& d) {
        return d.op->kind == OpKind::kDisconnect && d.op->handle == c.op->handle &&
               index.returned(d.actor, d.index) < index.invoked(closer.actor, closer.index);
      });
      if (!gone) ++counts_["database close with a live connection"];
    }
  }
  // A database opened again while a call on its earlier instance still ran.
  if (std::size_t n = secondInstances(s, index).size(); n > 0) counts_["second instance of a path"] += n;
}

bool OverlapTally::closeOverlappedWork() const {
  for (const auto& [what, n] : counts_) {
    if (n > 0 && what.find(" during ") != std::string::npos) return true;
  }
  return false;
}

std::string OverlapTally::summary() const {
  std::string out;
  for (const auto& [what, n] : counts_) out += (out.empty() ? "" : ", ") + what + " " + std::to_string(n);
  return out;
}

}  // namespace lifeguard::harness

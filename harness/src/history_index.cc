#include "lifeguard/harness/history_index.h"

#include <algorithm>

namespace lifeguard::harness {
namespace {

HandleState worse(HandleState a, HandleState b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; }

// The effect of a close-like operation E on an operation X.
HandleState effectOf(std::uint64_t e_invoke, std::uint64_t e_ret, std::uint64_t x_invoke, std::uint64_t x_ret) {
  if (e_invoke == 0) return HandleState::kOpen;  // never happened
  if (e_ret < x_invoke) return HandleState::kClosed;
  if (e_invoke < x_ret) return HandleState::kClosing;
  return HandleState::kOpen;
}

bool overlaps(std::uint64_t e_invoke, std::uint64_t e_ret, std::uint64_t x_invoke, std::uint64_t x_ret) {
  return e_invoke != 0 && e_invoke < x_ret && e_ret > x_invoke;
}

}  // namespace

HistoryIndex::HistoryIndex(const Schedule& schedule, const std::vector<Event>& history) : schedule_(schedule) {
  for (const Event& e : history) {
    Times& t = times_[{e.actor, e.index}];
    if (e.type == EventType::kInvoke) t.invoke = e.seq;
    if (e.type == EventType::kReturn) t.ret = e.seq, t.ret_event = &e;
  }
}

const HistoryIndex::Times& HistoryIndex::times(int actor, int index) const {
  static const Times kNone;
  auto it = times_.find({actor, index});
  return it == times_.end() ? kNone : it->second;
}

std::uint64_t HistoryIndex::invoked(int actor, int index) const { return times(actor, index).invoke; }
std::uint64_t HistoryIndex::returned(int actor, int index) const { return times(actor, index).ret; }
const Event* HistoryIndex::returnEvent(int actor, int index) const { return times(actor, index).ret_event; }

bool HistoryIndex::overlap(int actor, int index, int other_actor, int other_index) const {
  const Times& x = times(actor, index);
  const Times& y = times(other_actor, other_index);
  return x.invoke != 0 && overlaps(y.invoke, y.ret, x.invoke, x.ret);
}

namespace {
bool createsDatabase(const Op& op) { return op.kind == OpKind::kReopen || op.kind == OpKind::kOpenDb; }
}  // namespace

int HistoryIndex::generation(std::uint64_t seq) const {
  int generation = 0;
  for (int a = 0; a < static_cast<int>(schedule_.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(schedule_.actors[a].size()); ++i) {
      if (createsDatabase(schedule_.actors[a][i]) && returned(a, i) < seq) ++generation;
    }
  }
  return generation;
}

bool HistoryIndex::overlapsDatabaseCreation(std::uint64_t invoke, std::uint64_t ret) const {
  for (int a = 0; a < static_cast<int>(schedule_.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(schedule_.actors[a].size()); ++i) {
      const Times& t = times(a, i);
      if (createsDatabase(schedule_.actors[a][i]) && overlaps(t.invoke, t.ret, invoke, ret)) return true;
    }
  }
  return false;
}

std::pair<int, int> HistoryIndex::connectOf(const std::string& conn) const {
  for (int a = 0; a < static_cast<int>(schedule_.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(schedule_.actors[a].size()); ++i) {
      const Op& op = schedule_.actors[a][i];
      if (op.kind == OpKind::kConnect && op.handle == conn) return {a, i};
    }
  }
  return {-1, -1};
}

std::string HistoryIndex::connectionOfResult(const std::string& result) const {
  for (const auto& ops : schedule_.actors) {
    for (const Op& op : ops) {
      if (op.kind == OpKind::kQuery && op.result == result) return op.handle;
    }
  }
  return "";
}

HandleState HistoryIndex::stateFrom(int actor, int index, const Times& x) const {
  const Op& op = schedule_.actors[actor][index];
  // A result outlives its connection: only close_result and the database's
  // closes count for it; the connection matters only to tell which database.
  bool on_result = op.kind == OpKind::kIterate || op.kind == OpKind::kCloseResult;
  std::string conn = on_result ? connectionOfResult(op.handle) : op.handle;
  bool on_connection = !conn.empty() && conn[0] == 'c' && op.kind != OpKind::kConnect;
  // Closes that finished before the handle's database existed belong to an
  // earlier database: for a connection (or its results) that is the one it
  // was opened on; for database-level operations the latest reopen.
  std::uint64_t created = 0, created_ret = 0;
  if (on_connection) {
    auto [ca, ci] = connectOf(conn);
    created = ca < 0 ? 0 : invoked(ca, ci);
    created_ret = ca < 0 ? 0 : returned(ca, ci);
  } else {
    for (int a = 0; a < static_cast<int>(schedule_.actors.size()); ++a) {
      for (int i = 0; i < static_cast<int>(schedule_.actors[a].size()); ++i) {
        std::uint64_t ret = returned(a, i);
        if (createsDatabase(schedule_.actors[a][i]) && ret < x.invoke) created = std::max(created, ret);
      }
    }
  }
  // After a drop, when the dropped database really closes is not in the
  // history: no database close is "closed" for certain from then on.
  bool after_drop = false;
  for (int a = 0; a < static_cast<int>(schedule_.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(schedule_.actors[a].size()); ++i) {
      std::uint64_t invoke = invoked(a, i);
      if (schedule_.actors[a][i].kind == OpKind::kDropDb && invoke != 0 && invoke < x.ret) after_drop = true;
    }
  }
  HandleState state = HandleState::kOpen;
  for (int a = 0; a < static_cast<int>(schedule_.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(schedule_.actors[a].size()); ++i) {
      const Op& e = schedule_.actors[a][i];
      const Times& t = times(a, i);
      bool closes_handle = (e.kind == OpKind::kDisconnect && on_connection && !on_result && e.handle == conn) ||
                           (e.kind == OpKind::kCloseResult && on_result && e.handle == op.handle);
      bool closes_db = e.kind == OpKind::kCloseDb || e.kind == OpKind::kDropDb || e.kind == OpKind::kReopen;
      if (closes_handle) state = worse(state, effectOf(t.invoke, t.ret, x.invoke, x.ret));
      if (!closes_db) continue;
      // A close racing the connect may have met either database.
      bool racing_connect = on_connection && overlaps(t.invoke, t.ret, created, created_ret);
      if (after_drop || racing_connect || e.kind == OpKind::kDropDb ||
          (e.kind == OpKind::kCloseDb && overlapsReopen(t.invoke, t.ret))) {
        // A dropped database closes when its last in-flight call returns, and
        // a close racing a reopen may have closed either database: what the
        // history does not show, so "closing" from then on, never "closed".
        if (t.invoke != 0 && t.invoke < x.ret) state = worse(state, HandleState::kClosing);
        continue;
      }
      if (t.ret <= created && t.ret != kNever) continue;
      if (!on_connection && e.kind == OpKind::kReopen) {
        // A database-level operation meets the reopened database afterwards.
        if (overlaps(t.invoke, t.ret, x.invoke, x.ret)) state = worse(state, HandleState::kClosing);
      } else {
        state = worse(state, effectOf(t.invoke, t.ret, x.invoke, x.ret));
      }
    }
  }
  return state;
}

bool HistoryIndex::overlapsReopen(std::uint64_t invoke, std::uint64_t ret) const {
  for (int a = 0; a < static_cast<int>(schedule_.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(schedule_.actors[a].size()); ++i) {
      const Times& t = times(a, i);
      if (schedule_.actors[a][i].kind == OpKind::kReopen && overlaps(t.invoke, t.ret, invoke, ret)) return true;
    }
  }
  return false;
}

OpContext HistoryIndex::contextOf(int actor, int index) const {
  const Times& x = times(actor, index);
  OpContext context;
  context.state = stateFrom(actor, index, x);
  const Op& op = schedule_.actors[actor][index];
  for (int a = 0; a < static_cast<int>(schedule_.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(schedule_.actors[a].size()); ++i) {
      const Op& e = schedule_.actors[a][i];
      if (e.handle != op.handle) continue;
      const Times& t = times(a, i);
      if (e.kind == OpKind::kInterrupt && overlaps(t.invoke, t.ret, x.invoke, x.ret)) context.interrupted = true;
      if (e.kind == OpKind::kSetTimeout && e.number > 0 && t.invoke != 0 && t.invoke < x.ret) {
        context.timeout_set = true;
      }
    }
  }
  return context;
}

}  // namespace lifeguard::harness

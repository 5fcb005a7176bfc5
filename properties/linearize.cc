#include "linearize.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "lifeguard/harness/history_index.h"
#include "model.h"

namespace lifeguard::properties {
namespace {

using harness::Event;
using harness::EventType;
using harness::kNever;
using harness::OpKind;

struct Observed {
  const Op* op = nullptr;
  int actor = 0;
  int index = 0;
  std::uint64_t invoke = 0;
  std::uint64_t ret = kNever;
  Answer answer;
  std::vector<std::int64_t> row_counts;
  Leeway leeway;
};

bool overlap(const Observed& x, const Observed& y) { return x.invoke < y.ret && y.invoke < x.ret; }

// A write (a query) on another connection that may have held the write
// transaction.
bool rivalWriter(const Observed& x, const Observed& y) {
  return isWrite(*y.op) && y.op->handle != x.op->handle &&
         y.answer.kind != AnswerKind::kWriteConflict && y.answer.kind != AnswerKind::kGone;
}

class Search {
 public:
  Search(std::vector<std::vector<Observed>> actors, Observed final_check)
      : actors_(std::move(actors)), final_(std::move(final_check)), next_(actors_.size(), 0) {}

  Linearization run() {
    Linearization result;
    std::vector<const Observed*> order;
    result.ok = explore(Model{}, order);
    if (!result.ok) result.message = failure_;
    return result;
  }

 private:
  bool explore(const Model& model, std::vector<const Observed*>& order) {
    std::string memo = positions() + model.key();
    if (!failed_.insert(memo).second) return false;
    bool done = true;
    for (std::size_t a = 0; a < actors_.size(); ++a) {
      if (next_[a] == actors_[a].size()) continue;
      done = false;
      const Observed& x = actors_[a][next_[a]];
      if (!minimal(x)) continue;
      Model after = model;
      std::string why;
      if (!step(after, *x.op, x.answer, x.leeway, x.row_counts, &why)) {
        note(order, x, why, model);
        continue;
      }
      order.push_back(&x);
      ++next_[a];
      bool ok = explore(after, order);
      --next_[a];
      order.pop_back();
      if (ok) return true;
    }
    if (!done) return false;
    Model after = model;
    std::string why;
    if (step(after, *final_.op, final_.answer, final_.leeway, final_.row_counts, &why)) return true;
    note(order, final_, why, model);
    return false;
  }

  // No operation left to order returned before x was invoked.
  bool minimal(const Observed& x) const {
    for (std::size_t a = 0; a < actors_.size(); ++a) {
      if (next_[a] < actors_[a].size() && actors_[a][next_[a]].ret < x.invoke) return false;
    }
    return true;
  }

  std::string positions() const {
    std::string out;
    for (std::size_t n : next_) out += std::to_string(n) + ',';
    return out;
  }

  // Keeps the failure that got furthest, for the message.
  void note(const std::vector<const Observed*>& order, const Observed& x, const std::string& why, const Model& model) {
    if (!failure_.empty() && order.size() < deepest_) return;
    deepest_ = order.size();
    failure_ = "no order of the operations explains every answer. Longest explained order:\n";
    for (const Observed* o : order) failure_ += "  " + describe(*o) + "\n";
    failure_ += "then " + describe(x) + ", but " + why + " (model: " + model.describe() + ")";
  }

  static std::string describe(const Observed& o) {
    std::string who = o.op->kind == OpKind::kCheck && o.index == 0 && o.actor < 0 ? "final check"
                                                                                  : "a" + std::to_string(o.actor) + "#" +
                                                                                        std::to_string(o.index);
    return who + " '" + harness::formatOp(*o.op) + "' -> " + o.answer.toString();
  }

  std::vector<std::vector<Observed>> actors_;
  Observed final_;
  std::vector<std::size_t> next_;
  std::set<std::string> failed_;
  std::string failure_;
  std::size_t deepest_ = 0;
};

// A multi-statement query whose result is not kept is one operation per
// statement that ran: each commits on its own, so another thread may see the
// database between them. (A kept result stays one operation: its rows are
// the chain's.) The parts share the query's interval and answer in order:
// ok up to the failing one, which gets the query's answer.
void splitChain(const Observed& o, std::deque<Op>& storage, std::vector<Observed>& out) {
  const Op& op = *o.op;
  if (op.kind != OpKind::kQuery || op.query.kind != harness::QueryKind::kMulti || op.result != "-") {
    out.push_back(o);
    return;
  }
  std::size_t ran = o.answer.isOk() ? op.query.parts.size()
                                    : std::min(op.query.parts.size(), static_cast<std::size_t>(o.answer.value.value_or(0)) + 1);
  for (std::size_t i = 0; i < ran; ++i) {
    Observed part = o;
    storage.push_back(op);
    storage.back().query = op.query.parts[i];
    part.op = &storage.back();
    bool failed = !o.answer.isOk() && i + 1 == ran;
    part.answer = failed ? Answer{o.answer.kind, o.answer.message, 0} : Answer::ok(1);
    out.push_back(part);
  }
}

}  // namespace

Linearization linearize(const harness::Schedule& schedule, const std::vector<Event>& history) {
  static const Op kCheck{};  // OpKind::kCheck
  const int actors = static_cast<int>(schedule.actors.size());
  std::map<std::pair<int, int>, Observed> by_op;
  for (const Event& e : history) {
    bool teardown_check = e.actor == actors && e.index == 0;
    if (e.actor > actors || (e.actor == actors && !teardown_check)) continue;
    Observed& o = by_op[{e.actor, e.index}];
    o.op = teardown_check ? &kCheck : &schedule.actors[e.actor][e.index];
    o.actor = teardown_check ? -1 : e.actor;
    o.index = e.index;
    if (e.type == EventType::kInvoke) o.invoke = e.seq;
    if (e.type != EventType::kReturn) continue;
    o.ret = e.seq;
    o.answer = e.answer;
    o.row_counts = e.row_counts;
  }
  std::vector<std::vector<Observed>> per_actor(static_cast<std::size_t>(actors));
  std::vector<Observed*> all;
  std::deque<Op> parts;  // the statements of split chains (stable addresses)
  Observed final_check;
  const harness::HistoryIndex index(schedule, history);
  for (auto& [key, o] : by_op) {
    if (o.ret == kNever) return {false, "a" + std::to_string(key.first) + "#" + std::to_string(key.second) +
                                            " '" + harness::formatOp(*o.op) + "' never returned"};
    if (o.op->kind == OpKind::kAwait) continue;
    if (o.actor >= 0) {  // a close of its handles, or an interrupt of its connection, overlapped it
      harness::OpContext context = index.contextOf(o.actor, o.index);
      o.leeway.abort = context.state == harness::HandleState::kClosing || context.interrupted;
    }
    if (o.actor < 0) final_check = o;
    else splitChain(o, parts, per_actor[static_cast<std::size_t>(o.actor)]);
  }
  if (final_check.op == nullptr) return {false, "the run has no final check"};
  for (auto& ops : per_actor) {
    for (Observed& o : ops) all.push_back(&o);
  }
  for (Observed* x : all) {
    for (const Observed* y : all) {
      if (x == y || !overlap(*x, *y)) continue;
      x->leeway.conflict = x->leeway.conflict || (isWrite(*x->op) && rivalWriter(*x, *y));
    }
  }
  return Search(std::move(per_actor), std::move(final_check)).run();
}

}  // namespace lifeguard::properties

// The expected-state model: which rows every table must, may or must not
// hold at each check, from the writes' answers (two-phase: a write is
// prepared when invoked and committed or rolled back by its answer, or by the
// answer of the COMMIT that ends its transaction). Where actors share a
// connection with overlapping statements, its writes may or may not be there.
#include <charconv>
#include <map>
#include <set>
#include <string_view>

#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/workload.h"
#include "judge/model.h"

namespace lifeguard::harness {
namespace {

struct Write {
  int actor, index, part;
  std::string table;
  std::int64_t rows;
  std::int64_t tag;
  int generation;                        // of its connection's database
  bool generation_known = true;          // false: its connect raced a reopen
  std::uint64_t commit_invoke = 0;       // of the statement or COMMIT that committed it
  std::uint64_t commit_ret = kNever;
  bool committed = false;
  bool certain = true;  // false: its connection ran another actor's statement meanwhile
};

struct ConnectionState {
  bool in_transaction = false;
  std::vector<std::size_t> pending;  // indices into the writes
};

// A query or an execute: both run statements on their connection, and a
// failed one ends its manual transaction.
bool runsStatements(const Op& op) { return op.kind == OpKind::kQuery || op.kind == OpKind::kExecute; }

bool writesRows(const QuerySpec& part) {
  return (part.kind == QueryKind::kInsert || part.kind == QueryKind::kCopy || part.kind == QueryKind::kCopyBad) &&
         part.count > 0;
}

// Connections on which statements of different actors overlapped: the
// order in which the engine ran them (and so which transaction a write
// joined) is not in the history.
std::set<std::string> sharedConnections(const Schedule& s, const HistoryIndex& index) {
  std::map<std::string, std::vector<std::pair<int, int>>> queries;
  for (int a = 0; a < static_cast<int>(s.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(s.actors[a].size()); ++i) {
      if (runsStatements(s.actors[a][i])) queries[s.actors[a][i].handle].push_back({a, i});
    }
  }
  std::set<std::string> shared;
  for (const auto& [conn, ops] : queries) {
    for (const auto& x : ops) {
      for (const auto& y : ops) {
        if (x.first != y.first && index.overlap(x.first, x.second, y.first, y.second)) shared.insert(conn);
      }
    }
  }
  return shared;
}

// Replays the queries and executes, in the order they returned, through the transaction
// rules of the contract. Every write is prepared when its query runs; it is
// committed by its own answer (auto-commit) or by the COMMIT of its
// transaction, else rolled back.
void modelQueries(const Schedule& s, const HistoryIndex& index, std::vector<Write>& writes) {
  std::map<std::string, ConnectionState> conns;
  std::set<std::string> shared = sharedConnections(s, index);
  std::map<std::uint64_t, std::pair<int, int>> by_return;
  for (int a = 0; a < static_cast<int>(s.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(s.actors[a].size()); ++i) {
      if (runsStatements(s.actors[a][i]) && index.returnEvent(a, i) != nullptr) {
        by_return[index.returned(a, i)] = {a, i};
      }
    }
  }
  for (const auto& [seq, where] : by_return) {
    const int actor = where.first, i = where.second;
    const Op& op = s.actors[actor][i];
    const Event* ret = index.returnEvent(actor, i);
    ConnectionState& conn = conns[op.handle];
    auto [ca, ci] = index.connectOf(op.handle);
    int generation = ca < 0 ? -1 : index.generation(index.returned(ca, ci));
    bool generation_known = ca < 0 || !index.overlapsDatabaseCreation(index.invoked(ca, ci), index.returned(ca, ci));
    std::vector<QuerySpec> parts = op.query.statements();
    const Answer& answer = ret->answer;
    std::size_t succeeded = answer.isOk() ? parts.size() : static_cast<std::size_t>(answer.value.value_or(0));
    auto commit = [&](std::size_t w) {
      writes[w].committed = true;
      writes[w].commit_invoke = index.invoked(actor, i);
      writes[w].commit_ret = ret->seq;
    };
    for (std::size_t p = 0; p < parts.size(); ++p) {
      const QuerySpec& part = parts[p];
      bool ran = p < succeeded;
      if (ran && part.kind == QueryKind::kBegin) conn.in_transaction = true;
      if (ran && part.kind == QueryKind::kCommit) {
        for (std::size_t w : conn.pending) commit(w);
      }
      if (ran && (part.kind == QueryKind::kCommit || part.kind == QueryKind::kRollback)) {
        conn.pending.clear();
        conn.in_transaction = false;
      }
      if (!writesRows(part)) continue;
      writes.push_back({actor, i, static_cast<int>(p), part.table, part.count,
                        partTag(opTag(actor, i), static_cast<int>(p)), generation, generation_known});
      // A failed write never shows, unless its answer does not say (Indeterminate).
      bool unknown = answer.kind == AnswerKind::kIndeterminate && p == succeeded;
      writes.back().certain = !unknown && (!ran || shared.count(op.handle) == 0);
      if (!ran) continue;  // prepared, then rolled back by the failure
      if (conn.in_transaction) {
        conn.pending.push_back(writes.size() - 1);
      } else {
        commit(writes.size() - 1);
      }
    }
    if (!answer.isOk()) {  // a failed statement ends the manual transaction
      conn.pending.clear();
      conn.in_transaction = false;
    }
  }
}

std::string describeWrite(const Schedule& s, const Write& w) {
  std::string where = "actor " + std::to_string(w.actor) + " op #" + std::to_string(w.index);
  if (s.actors[w.actor][w.index].query.kind == QueryKind::kMulti) where += " part " + std::to_string(w.part);
  return where + " '" + formatOp(s.actors[w.actor][w.index]) + "'";
}

// Row counts per (table, tag) as read by a check.
std::map<std::pair<std::string, std::int64_t>, std::int64_t> countRows(const Event& check) {
  std::map<std::pair<std::string, std::int64_t>, std::int64_t> counts;
  auto tables = EngineAdapter::tables();
  for (std::size_t t = 0; t < check.tables.size() && t < tables.size(); ++t) {
    for (const std::string& row : check.tables[t]) {
      std::int64_t value = -1;  // a row the workload never writes counts as tag -1
      std::string_view text(row.data(), row.find('|') == std::string::npos ? row.size() : row.find('|'));
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error != std::errc() || end != text.data() + text.size()) value = -kRowsPerTag;
      ++counts[{tables[t], tagOfValue(value)}];
    }
  }
  return counts;
}

std::string compare(const Schedule& s, const HistoryIndex& index, const Event& check, const std::vector<Write>& writes,
                    const std::string& where, bool durable) {
  std::uint64_t ci = index.invoked(check.actor, check.index), cr = check.seq;
  int generation = index.generation(ci);
  // In memory, which database it read is unknown when a reopen overlaps: inconclusive.
  if (!durable && index.overlapsDatabaseCreation(ci, cr)) return "";
  auto counts = countRows(check);
  for (const Write& w : writes) {
    auto key = std::make_pair(w.table, w.tag);
    std::int64_t found = counts.count(key) ? counts[key] : 0;
    counts.erase(key);
    enum { kAbsent, kPresent, kEither } expected = kAbsent;
    if (!w.certain || (w.committed && !w.generation_known && !durable)) {
      expected = kEither;
    } else if (w.committed && (durable || w.generation == generation)) {
      expected = w.commit_ret < ci ? kPresent : (w.commit_invoke > cr ? kAbsent : kEither);
    }
    bool ok = expected == kPresent ? found == w.rows
              : expected == kAbsent ? found == 0
                                    : (found == 0 || found == w.rows);
    if (ok) continue;
    std::string want = expected == kPresent ? "all " + std::to_string(w.rows) : expected == kAbsent ? "none" : "all or none";
    return where + ": table " + w.table + " holds " + std::to_string(found) + " of the " + std::to_string(w.rows) +
           " rows of " + describeWrite(s, w) + ", expected " + want + " (" +
           (w.committed ? "its commit answered ok" : "it was never committed") + ")";
  }
  for (const auto& [key, found] : counts) {
    if (found > 0) {
      return where + ": table " + key.first + " holds " + std::to_string(found) + " rows of tag " +
             std::to_string(key.second) + " that no successful write explains";
    }
  }
  return "";
}

}  // namespace

std::string checkData(const Schedule& s, const HistoryIndex& index, const std::vector<Event>& history,
                      bool durable) {
  std::vector<Write> writes;
  modelQueries(s, index, writes);
  const int teardown = static_cast<int>(s.actors.size());
  for (const Event& e : history) {
    if (e.type != EventType::kReturn || !e.answer.isOk()) continue;
    bool is_check = e.actor == teardown ? !e.tables.empty() : s.actors[e.actor][e.index].kind == OpKind::kCheck;
    if (!is_check) continue;
    std::string where = e.actor == teardown ? (e.index == 0 ? "final check" : "check after reopen")
                                            : "check at actor " + std::to_string(e.actor) + " op #" +
                                                  std::to_string(e.index);
    std::string problem = compare(s, index, e, writes, where, durable);
    if (!problem.empty()) return problem;
  }
  return "";
}

}  // namespace lifeguard::harness

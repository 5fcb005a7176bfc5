#include "model.h"

#include <algorithm>
#include <sstream>

namespace lifeguard::properties {
namespace {

using harness::OpKind;
using harness::QueryKind;

bool closedKind(AnswerKind kind) { return kind == AnswerKind::kConnectionClosed || kind == AnswerKind::kDatabaseClosed; }

// Rows a successful statement's result holds.
std::int64_t resultRows(QueryKind kind) {
  return kind == QueryKind::kLong || kind == QueryKind::kCount || kind == QueryKind::kCopy ? 1 : 0;
}

void endTransaction(Model& m, bool commit) {
  for (auto& [table, rows] : m.pending) {
    if (commit) m.committed[table] += rows;
    rows = 0;
  }
  m.owner.reset();
}

// One statement on an open connection of an open database: the model's
// answer, with its effect applied.
AnswerKind statement(Model& m, const std::string& c, const QuerySpec& q) {
  bool own = m.owner == c;
  bool other_writer = m.owner && !own;
  AnswerKind kind = AnswerKind::kOk;
  switch (q.kind) {
    case QueryKind::kBegin:
      kind = own ? AnswerKind::kUserError : (other_writer ? AnswerKind::kWriteConflict : AnswerKind::kOk);
      if (kind == AnswerKind::kOk) m.owner = c;
      if (own) endTransaction(m, false);  // BEGIN inside its transaction fails, and so ends it
      return kind;
    case QueryKind::kCommit:
    case QueryKind::kRollback:
      if (!own) return AnswerKind::kUserError;
      endTransaction(m, q.kind == QueryKind::kCommit);
      return AnswerKind::kOk;
    case QueryKind::kLong:
    case QueryKind::kCount: return AnswerKind::kOk;
    case QueryKind::kCopyBad: kind = other_writer ? AnswerKind::kWriteConflict : AnswerKind::kCopyError; break;
    case QueryKind::kInsert:
    case QueryKind::kCopy:
      if (other_writer) return AnswerKind::kWriteConflict;
      (own ? m.pending : m.committed)[q.table] += q.count;
      return AnswerKind::kOk;
    case QueryKind::kMulti: break;  // by the caller, part by part
    case QueryKind::kBadParse:
    case QueryKind::kBadBind:
    case QueryKind::kBadExec: kind = AnswerKind::kUserError; break;
  }
  if (own) endTransaction(m, false);  // a failed statement ends the manual transaction
  return kind;
}

// A failure the model's state does not give: allowed only with leeway, and
// with no effect beyond ending the connection's manual transaction.
bool leewayFailure(Model& m, const std::string& c, AnswerKind kind, const Leeway& leeway, bool write) {
  bool allowed = (leeway.abort && (closedKind(kind) || kind == AnswerKind::kInterrupted)) ||
                 (leeway.conflict && write && kind == AnswerKind::kWriteConflict);
  if (allowed && m.owner == c) endTransaction(m, false);
  return allowed;
}

void closeDatabase(Model& m) {
  m.db = Model::Db::kClosed;
  if (m.owner) endTransaction(m, false);
  for (auto& [c, open] : m.conns) open = false;
}

// In memory: a new, empty database. Connections and results of the old one
// stay closed.
void openDatabase(Model& m) {
  m.db = Model::Db::kOpen;
  ++m.generation;
  for (auto& [table, rows] : m.committed) rows = 0;
}

std::string expected(AnswerKind kind) { return "the model answers " + std::string(harness::toString(kind)); }

bool query(Model& m, const Op& op, const Answer& answer, const Leeway& leeway, std::string* why) {
  const std::string& c = op.handle;
  auto conn = m.conns.find(c);
  if (conn == m.conns.end()) {
    *why = expected(AnswerKind::kGone);
    return answer.kind == AnswerKind::kGone;
  }
  auto keep = [&](std::vector<std::int64_t> rows) {  // the result belongs to the connection's database
    if (op.result != "-") m.results[op.result] = {std::move(rows), false, m.conn_generation[c]};
  };
  if (!conn->second || m.db != Model::Db::kOpen) {
    keep({0});  // the chain holds the error's result
    *why = "the model answers a closed error";
    return closedKind(answer.kind);
  }
  std::vector<QuerySpec> parts = op.query.statements();
  // A chain runs part by part and stops at the first failure; a failure's
  // value says how many parts succeeded before it.
  std::size_t failing = answer.isOk() ? parts.size() : static_cast<std::size_t>(answer.value.value_or(0));
  if (!answer.isOk() && failing >= parts.size()) {
    *why = "the answer's value " + std::to_string(failing) + " names no part";
    return false;
  }
  std::vector<std::int64_t> rows;  // a result per part that ran, and one for the failure
  for (std::size_t i = 0; i < parts.size() && i <= failing; ++i) {
    rows.push_back(0);
    std::string part = parts.size() > 1 ? " for part " + std::to_string(i) : "";
    Model before = m;
    AnswerKind kind = statement(m, c, parts[i]);
    if (i < failing) {
      *why = expected(kind) + part;
      if (kind != AnswerKind::kOk) return false;
      rows.back() = resultRows(parts[i].kind);
      continue;
    }
    if (kind == answer.kind) continue;
    *why = expected(kind) + part;
    m = before;
    if (!leewayFailure(m, c, answer.kind, leeway, isWrite(op))) return false;
  }
  keep(rows);
  return true;
}

bool iterate(Model& m, const Op& op, const Answer& answer, const Leeway& leeway, std::string* why) {
  auto it = m.results.find(op.handle);
  bool db_open = m.db == Model::Db::kOpen && it != m.results.end() && it->second.generation == m.generation;
  AnswerKind kind = it == m.results.end() ? AnswerKind::kGone
                    : !db_open            ? AnswerKind::kDatabaseClosed
                    : it->second.closed   ? AnswerKind::kInvalidUse
                                          : AnswerKind::kOk;
  if (kind != AnswerKind::kOk || answer.kind != AnswerKind::kOk) {
    *why = expected(kind);
    if (kind == answer.kind) return true;
    bool racing_close = leeway.abort && (answer.kind == AnswerKind::kDatabaseClosed || answer.kind == AnswerKind::kInvalidUse);
    return kind != AnswerKind::kGone && racing_close;
  }
  std::int64_t read = 0;  // from the op's part on, each result where its last read stopped
  std::vector<std::int64_t>& chain = it->second.rows;  // never empty
  for (std::size_t p = std::min<std::size_t>(static_cast<std::size_t>(op.part), chain.size() - 1); p < chain.size();
       ++p) {
    std::int64_t n = std::min(op.number - read, chain[p]);
    chain[p] -= n, read += n;
  }
  *why = "the model reads " + std::to_string(read) + " rows";
  return answer.value == read;
}

bool check(const Model& m, const Answer& answer, const std::vector<std::int64_t>& row_counts,
           const Leeway& leeway, std::string* why) {
  if (m.db != Model::Db::kOpen) {
    *why = expected(m.db == Model::Db::kNone ? AnswerKind::kGone : AnswerKind::kDatabaseClosed);
    return m.db == Model::Db::kNone ? answer.kind == AnswerKind::kGone : closedKind(answer.kind);
  }
  if (answer.kind != AnswerKind::kOk) {
    *why = expected(AnswerKind::kOk);
    return leeway.abort && (closedKind(answer.kind) || answer.kind == AnswerKind::kInterrupted);
  }
  std::string counts;
  bool same = row_counts.size() == m.committed.size();
  std::size_t t = 0;
  for (const auto& [table, rows] : m.committed) {
    std::int64_t seen = t < row_counts.size() ? row_counts[t] : -1;
    same = same && seen == rows;
    counts += (t++ ? ", " : "") + table + " " + std::to_string(rows) + " (read " + std::to_string(seen) + ")";
  }
  *why = "the model has committed rows " + counts;
  return same;
}

}  // namespace

bool isWrite(const Op& op) { return op.kind == OpKind::kQuery && op.query.isWrite(); }

bool step(Model& m, const Op& op, const Answer& answer, const Leeway& leeway,
          const std::vector<std::int64_t>& row_counts, std::string* why) {
  auto simple = [&](AnswerKind kind) {
    *why = expected(kind);
    return answer.kind == kind;
  };
  switch (op.kind) {
    case OpKind::kOpenDb: openDatabase(m); return simple(AnswerKind::kOk);
    case OpKind::kReopen:
      if (m.db != Model::Db::kNone) closeDatabase(m);
      openDatabase(m);
      return simple(AnswerKind::kOk);
    case OpKind::kCloseDb:
      if (m.db == Model::Db::kNone) return simple(AnswerKind::kGone);
      closeDatabase(m);
      return simple(AnswerKind::kOk);
    case OpKind::kConnect:
      if (m.db == Model::Db::kNone) return simple(AnswerKind::kGone);
      if (m.db == Model::Db::kClosed) return simple(AnswerKind::kDatabaseClosed);
      m.conns[op.handle] = true;
      m.conn_generation[op.handle] = m.generation;
      return simple(AnswerKind::kOk);
    case OpKind::kDisconnect:
    case OpKind::kInterrupt: {
      auto it = m.conns.find(op.handle);
      if (it == m.conns.end()) return simple(AnswerKind::kGone);
      if (op.kind == OpKind::kDisconnect) {
        if (m.owner == op.handle) endTransaction(m, false);
        it->second = false;
      }
      return simple(AnswerKind::kOk);
    }
    case OpKind::kQuery: return query(m, op, answer, leeway, why);
    case OpKind::kIterate: return iterate(m, op, answer, leeway, why);
    case OpKind::kCloseResult: {
      auto it = m.results.find(op.handle);
      if (it == m.results.end()) return simple(AnswerKind::kGone);
      it->second.closed = true;
      return simple(AnswerKind::kOk);
    }
    case OpKind::kCheck: return check(m, answer, row_counts, leeway, why);
    default: *why = "the model has no " + harness::formatOp(op); return false;
  }
}

std::string Model::key() const {
  std::ostringstream out;
  out << static_cast<int>(db) << generation << '|' << owner.value_or("-") << '|';
  for (const auto& [c, open] : conns) out << c << open << ',';
  for (const auto& [r, res] : results) {
    out << r;
    for (std::int64_t rows : res.rows) out << rows << '.';
    out << res.closed << res.generation << ',';
  }
  for (const auto& [t, rows] : committed) out << t << rows << '/' << pending.at(t) << ',';
  return out.str();
}

std::string Model::describe() const {
  static constexpr const char* kDb[] = {"none", "open", "closed"};
  std::ostringstream out;
  out << "db " << kDb[static_cast<int>(db)] << "; connections";
  for (const auto& [c, open] : conns) out << ' ' << c << (open ? " open" : " closed");
  out << "; transaction " << owner.value_or("none") << "; committed";
  for (const auto& [t, rows] : committed) out << ' ' << t << '=' << rows << " (+" << pending.at(t) << " pending)";
  return out.str();
}

}  // namespace lifeguard::properties

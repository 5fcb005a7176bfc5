#include "lifeguard/harness/schedule.h"

#include <charconv>
#include <iterator>
#include <map>
#include <sstream>

#include "lifeguard/harness/workload.h"

namespace lifeguard::harness {
namespace {

struct Name {
  OpKind kind;
  std::string_view text;
};
constexpr Name kOpNames[] = {
    {OpKind::kOpenDb, "open_db"},         {OpKind::kCloseDb, "close_db"},   {OpKind::kReopen, "reopen"},
    {OpKind::kConnect, "connect"},        {OpKind::kDisconnect, "disconnect"}, {OpKind::kDrop, "drop"},
    {OpKind::kQuery, "query"},            {OpKind::kIterate, "iterate"},    {OpKind::kCloseResult, "close_result"},
    {OpKind::kInterrupt, "interrupt"},    {OpKind::kSetTimeout, "set_timeout"}, {OpKind::kCheck, "check"},
    {OpKind::kAwait, "await"},            {OpKind::kPrepare, "prepare"},    {OpKind::kExecute, "execute"},
};

struct QueryName {
  QueryKind kind;
  std::string_view text;
};
constexpr QueryName kQueryNames[] = {
    {QueryKind::kLong, "long"},     {QueryKind::kCount, "count"},   {QueryKind::kInsert, "insert"},
    {QueryKind::kCopy, "copy"},     {QueryKind::kCopyBad, "copy_bad"}, {QueryKind::kBegin, "begin"},
    {QueryKind::kCommit, "commit"}, {QueryKind::kRollback, "rollback"}, {QueryKind::kMulti, "multi"},
    {QueryKind::kBadParse, "bad_parse"}, {QueryKind::kBadBind, "bad_bind"}, {QueryKind::kBadExec, "bad_exec"},
};

constexpr std::string_view kEventNames[] = {"invoked", "running", "returned", "started"};  // by AwaitEvent

std::string_view opName(OpKind kind) {
  if (kind == OpKind::kDropDb) return "drop";
  for (const auto& name : kOpNames) {
    if (name.kind == kind) return name.text;
  }
  return "?";
}

std::string_view queryName(QueryKind kind) {
  for (const auto& name : kQueryNames) {
    if (name.kind == kind) return name.text;
  }
  return "?";
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

bool parseInt(const std::string& text, std::int64_t* value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

std::string formatQuery(const QuerySpec& q, char space) {
  std::string out(queryName(q.kind));
  auto add = [&](const std::string& word) { out += space + word; };
  switch (q.kind) {
    case QueryKind::kLong:
    case QueryKind::kBadExec: add(std::to_string(q.count)); break;
    case QueryKind::kCount: add(q.table); break;
    case QueryKind::kInsert:
    case QueryKind::kCopy: add(q.table), add(std::to_string(q.count)); break;
    case QueryKind::kCopyBad: add(q.table), add(std::to_string(q.count)), add(std::to_string(q.bad_line)); break;
    case QueryKind::kMulti: {
      std::string parts;
      for (const auto& part : q.parts) parts += (parts.empty() ? "" : ";") + formatQuery(part, ':');
      add(parts);
      break;
    }
    default: break;
  }
  return out;
}

// Parses words[0..] as a query spec; returns an error message or "".
std::string parseQuery(const std::vector<std::string>& words, QuerySpec* q) {
  if (words.empty()) return "missing query kind";
  bool known = false;
  for (const auto& name : kQueryNames) {
    if (name.text == words[0]) q->kind = name.kind, known = true;
  }
  if (!known) return "unknown query kind '" + words[0] + "'";
  auto need = [&](std::size_t n) { return words.size() == n + 1; };
  switch (q->kind) {
    case QueryKind::kLong:
      if (!need(1) || !parseInt(words[1], &q->count)) return "long takes a range length";
      return "";
    case QueryKind::kBadExec:
      if (!need(1) || !parseInt(words[1], &q->count) || q->count < 1000) return "bad_exec takes a row count >= 1000";
      return "";
    case QueryKind::kCount:
      if (!need(1)) return "count takes a table";
      q->table = words[1];
      return "";
    case QueryKind::kInsert:
    case QueryKind::kCopy:
      if (!need(2) || !parseInt(words[2], &q->count) || q->count < 1 || q->count >= kRowsPerTag) {
        return words[0] + " takes a table and a row count from 1 to 999999";
      }
      q->table = words[1];
      return "";
    case QueryKind::kCopyBad:
      if (!need(3) || !parseInt(words[2], &q->count) || !parseInt(words[3], &q->bad_line) || q->count < 1 ||
          q->count >= kRowsPerTag || q->bad_line < 1 || q->bad_line > q->count) {
        return "copy_bad takes a table, a row count (1 to 999999) and a bad line within it";
      }
      q->table = words[1];
      return "";
    case QueryKind::kMulti: {
      if (!need(1)) return "multi takes PART;PART;...";
      for (const auto& part : split(words[1], ';')) {
        QuerySpec spec;
        std::string error = parseQuery(split(part, ':'), &spec);
        if (!error.empty()) return "in multi part '" + part + "': " + error;
        if (spec.kind == QueryKind::kMulti) return "multi parts cannot nest";
        q->parts.push_back(spec);
      }
      if (q->parts.size() > static_cast<std::size_t>(kMaxParts)) return "multi takes at most 10 parts";
      return q->parts.empty() ? "multi needs at least one part" : "";
    }
    default:
      return need(0) ? "" : words[0] + " takes no arguments";
  }
}

std::string parseOp(const std::vector<std::string>& w, Op* op) {
  bool known = false;
  for (const auto& name : kOpNames) {
    if (name.text == w[0]) op->kind = name.kind, known = true;
  }
  if (!known) return "unknown operation '" + w[0] + "'";
  auto args = [&](std::size_t n) { return w.size() == n + 1; };
  switch (op->kind) {
    case OpKind::kOpenDb:
    case OpKind::kCloseDb:
    case OpKind::kReopen:
    case OpKind::kCheck:
      op->handle = "db";
      return args(0) ? "" : w[0] + " takes no arguments";
    case OpKind::kConnect:
    case OpKind::kDisconnect:
    case OpKind::kInterrupt:
      if (!args(1) || w[1][0] != 'c') return w[0] + " takes a connection (cN)";
      op->handle = w[1];
      return "";
    case OpKind::kDrop:
      if (!args(1)) return "drop takes a handle (db, cN, rN or sN)";
      op->handle = w[1];
      if (w[1] == "db") op->kind = OpKind::kDropDb;
      return (w[1] == "db" || w[1][0] == 'c' || w[1][0] == 'r' || w[1][0] == 's') ? "" : "drop takes db, cN, rN or sN";
    case OpKind::kIterate: {  // iterate rN COUNT [part P]
      std::int64_t part = 0;
      if (w.size() == 5 && w[3] == "part" && (!parseInt(w[4], &part) || part < 0 || part >= kMaxParts)) {
        return "iterate's part takes 0 to 9";
      }
      if ((w.size() != 3 && !(w.size() == 5 && w[3] == "part")) || !parseInt(w[2], &op->number) || op->number < 0) {
        return "iterate takes a result, a number and optionally 'part P'";
      }
      op->handle = w[1];
      op->part = static_cast<int>(part);
      return "";
    }
    case OpKind::kSetTimeout:
      if (!args(2) || !parseInt(w[2], &op->number) || op->number < 0) return w[0] + " takes a handle and a number";
      op->handle = w[1];
      return "";
    case OpKind::kCloseResult:
      if (!args(1) || w[1][0] != 'r') return "close_result takes a result (rN)";
      op->handle = w[1];
      return "";
    case OpKind::kQuery: {
      if (w.size() < 4 || w[1][0] != 'c' || (w[2] != "-" && w[2][0] != 'r')) {
        return "query takes a connection, a result (rN or -) and a query";
      }
      op->handle = w[1];
      op->result = w[2];
      return parseQuery({w.begin() + 3, w.end()}, &op->query);
    }
    case OpKind::kPrepare: {
      if (w.size() < 4 || w[1][0] != 'c' || w[2][0] != 's') return "prepare takes a connection, a statement (sN) and a query";
      op->handle = w[1];
      op->result = w[2];
      std::string error = parseQuery({w.begin() + 3, w.end()}, &op->query);
      if (error.empty() && (op->query.isWrite() || op->query.kind == QueryKind::kMulti ||
                            op->query.kind == QueryKind::kCommit || op->query.kind == QueryKind::kRollback)) {
        error = "prepare takes one read (long, count, bad_parse, bad_bind, bad_exec)";
      }
      return error;
    }
    case OpKind::kExecute:
      if (!args(3) || w[1][0] != 'c' || w[2][0] != 's' || (w[3] != "-" && w[3][0] != 'r')) {
        return "execute takes a connection, a statement (sN) and a result (rN or -)";
      }
      op->handle = w[1];
      op->statement = w[2];
      op->result = w[3];
      return "";
    case OpKind::kAwait: {
      std::int64_t actor = 0, index = 0;
      const bool counted = args(3) && (w[2] == "step" || w[2] == "at");
      auto dot = args(2) || counted ? w[1].find('.') : std::string::npos;
      if (dot == std::string::npos || !parseInt(w[1].substr(0, dot), &actor) ||
          !parseInt(w[1].substr(dot + 1), &index)) {
        return "await takes ACTOR.INDEX and invoked|started|running|returned, or step K, or at K";
      }
      op->await_actor = static_cast<int>(actor);
      op->await_index = static_cast<int>(index);
      if (counted) {
        if (!parseInt(w[3], &op->number) || op->number < 0) return "await A.I " + w[2] + " K takes K >= 0";
        op->await_event = w[2] == "step" ? AwaitEvent::kStep : AwaitEvent::kAt;
        return "";
      }
      for (int e = 0; e < static_cast<int>(std::size(kEventNames)); ++e) {
        if (kEventNames[e] == w[2]) {
          op->await_event = static_cast<AwaitEvent>(e);
          return "";
        }
      }
      return "await takes ACTOR.INDEX and invoked|started|running|returned, or step K, or at K";
    }
    case OpKind::kDropDb: break;
  }
  return "";
}

}  // namespace

std::string_view toString(QueryKind kind) { return queryName(kind); }

bool QuerySpec::isWrite() const {
  if (kind == QueryKind::kMulti) {
    for (const auto& part : parts) {
      if (part.isWrite()) return true;
    }
    return false;
  }
  return kind == QueryKind::kInsert || kind == QueryKind::kCopy || kind == QueryKind::kCopyBad ||
         kind == QueryKind::kBegin;
}

bool isLifecycleCut(OpKind kind) {
  switch (kind) {
    case OpKind::kCloseDb: case OpKind::kReopen: case OpKind::kDropDb: case OpKind::kDisconnect:
    case OpKind::kDrop: case OpKind::kCloseResult: case OpKind::kInterrupt:
      return true;
    default:
      return false;
  }
}

std::string formatOp(const Op& op) {
  std::string out(opName(op.kind));
  switch (op.kind) {
    case OpKind::kOpenDb:
    case OpKind::kCloseDb:
    case OpKind::kReopen:
    case OpKind::kCheck: return out;
    case OpKind::kIterate:
      return out + " " + op.handle + " " + std::to_string(op.number) +
             (op.part > 0 ? " part " + std::to_string(op.part) : "");
    case OpKind::kSetTimeout: return out + " " + op.handle + " " + std::to_string(op.number);
    case OpKind::kQuery:
    case OpKind::kPrepare: return out + " " + op.handle + " " + op.result + " " + formatQuery(op.query, ' ');
    case OpKind::kExecute: return out + " " + op.handle + " " + op.statement + " " + op.result;
    case OpKind::kAwait:
      if (op.await_event == AwaitEvent::kStep || op.await_event == AwaitEvent::kAt) {
        return out + " " + std::to_string(op.await_actor) + "." + std::to_string(op.await_index) +
               (op.await_event == AwaitEvent::kStep ? " step " : " at ") + std::to_string(op.number);
      }
      return out + " " + std::to_string(op.await_actor) + "." + std::to_string(op.await_index) + " " +
             std::string(kEventNames[static_cast<int>(op.await_event)]);
    default: return out + " " + op.handle;
  }
}

std::string formatSchedule(const Schedule& s) {
  std::ostringstream out;
  for (const auto& comment : s.comments) out << "#" << comment << "\n";
  out << "lifeguard-schedule " << s.version << "\n"
      << "engine " << s.engine << "\n"
      << "policy " << s.policy << "\n"
      << "actors " << s.actors.size() << "\n"
      << "seed " << s.seed << "\n"
      << "scheduler " << formatSchedulerSpec(s.scheduler) << "\n";
  if (s.second_instances) out << "allow second-instances\n";
  for (const auto& expectation : s.expectations) out << "expect " << expectation << "\n";
  for (std::size_t a = 0; a < s.actors.size(); ++a) {
    out << "\nactor " << a << "\n";
    for (const Op& op : s.actors[a]) out << "  " << formatOp(op) << "\n";
  }
  if (!s.trace.empty()) out << "\n" << formatTrace(s.trace);
  return out.str();
}

std::optional<Schedule> parseSchedule(const std::string& text, ParseError* error) {
  Schedule s;
  std::istringstream in(text);
  std::string line;
  int number = 0, declared_actors = -1;
  std::int64_t declared_steps = -1;
  bool header_seen = false, body_started = false;
  auto fail = [&](std::string message) -> std::optional<Schedule> {
    if (error != nullptr) *error = {number, std::move(message)};
    return std::nullopt;
  };
  while (std::getline(in, line)) {
    ++number;
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    if (line[first] == '#') {
      if (!header_seen) s.comments.push_back(line.substr(first + 1));
      continue;
    }
    std::string content = line.substr(first);
    for (std::size_t hash = content.find('#'); hash != std::string::npos; hash = content.find('#', hash + 1)) {
      if (content[hash - 1] == ' ' || content[hash - 1] == '\t') {  // a trailing comment
        content.erase(hash);
        break;
      }
    }
    std::vector<std::string> w = split(content, ' ');
    for (auto& word : w) {
      if (!word.empty() && word.back() == '\r') word.pop_back();
    }
    std::int64_t value = 0;
    if (w[0] == "lifeguard-schedule") {
      if (w.size() != 2 || !parseInt(w[1], &value)) return fail("expected 'lifeguard-schedule VERSION'");
      if (value != 1) return fail("unsupported schedule format version " + w[1] + " (this build reads 1)");
      header_seen = true;
    } else if (!header_seen) {
      return fail("a schedule starts with 'lifeguard-schedule 1'");
    } else if (w[0] == "trace" || w[0] == "decisions" || w[0] == "checks") {
      std::string message = parseTraceLine(w, &s.trace, &declared_steps);
      if (!message.empty()) return fail(message);
    } else if (w[0] == "actor") {
      if (w.size() != 2 || !parseInt(w[1], &value) || value != static_cast<std::int64_t>(s.actors.size())) {
        return fail("expected 'actor " + std::to_string(s.actors.size()) + "'");
      }
      s.actors.emplace_back();
      body_started = true;
    } else if (!body_started) {
      if (w.size() < 2) return fail("header line '" + w[0] + "' needs a value");
      if (w[0] == "engine") s.engine = w[1];
      else if (w[0] == "policy") s.policy = w[1];
      else if (w[0] == "scheduler") {
        std::string message;
        auto spec = parseSchedulerSpec({w.begin() + 1, w.end()}, &message);
        if (!spec) return fail(message);
        s.scheduler = *spec;
      }
      else if (w[0] == "seed" && parseInt(w[1], &value)) s.seed = static_cast<std::uint64_t>(value);
      else if (w[0] == "actors" && parseInt(w[1], &value)) declared_actors = static_cast<int>(value);
      else if (w[0] == "expect" && w.size() == 3) s.expectations.push_back(w[1] + " " + w[2]);
      else if (w[0] == "allow" && w.size() == 2 && w[1] == "second-instances") s.second_instances = true;
      else return fail("unknown or malformed header line '" + line.substr(first) + "'");
    } else {
      Op op;
      std::string message = parseOp(w, &op);
      if (!message.empty()) return fail(message);
      s.actors.back().push_back(op);
    }
  }
  if (!header_seen) return fail("empty schedule");
  if (declared_actors >= 0 && declared_actors != static_cast<int>(s.actors.size())) {
    return fail("header says " + std::to_string(declared_actors) + " actors, body has " +
                std::to_string(s.actors.size()));
  }
  if (declared_steps != static_cast<std::int64_t>(s.trace.decisions.size()) &&
      (declared_steps >= 0 || !s.trace.empty())) {
    number = 0;
    return fail("the trace line says " + std::to_string(declared_steps) + " steps, the decisions lines hold " +
                std::to_string(s.trace.decisions.size()));
  }
  if (!s.trace.empty() && !s.scheduler.controlled()) {
    number = 0;
    return fail("a decision trace needs a controlled scheduler (random, pct or dfs), not os");
  }
  // An execute runs its statement's query: the one its prepare names.
  std::map<std::string, QuerySpec> statements;
  for (const auto& ops : s.actors) {
    for (const Op& op : ops) {
      if (op.kind == OpKind::kPrepare && !statements.emplace(op.result, op.query).second) {
        number = 0;
        return fail(op.result + " is prepared twice");
      }
    }
  }
  for (std::size_t a = 0; a < s.actors.size(); ++a) {
    for (Op& op : s.actors[a]) {
      if (op.kind != OpKind::kExecute) continue;
      auto it = statements.find(op.statement);
      if (it == statements.end()) {
        number = 0;
        return fail("actor " + std::to_string(a) + ": " + formatOp(op) + " names no prepared statement");
      }
      op.query = it->second;
    }
  }
  for (std::size_t a = 0; a < s.actors.size(); ++a) {
    for (const Op& op : s.actors[a]) {
      if (op.kind != OpKind::kAwait) continue;
      if (op.await_actor < 0 || op.await_actor >= static_cast<int>(s.actors.size()) ||
          op.await_index < 0 || op.await_index >= static_cast<int>(s.actors[op.await_actor].size()) ||
          op.await_actor == static_cast<int>(a)) {
        number = 0;
        return fail("actor " + std::to_string(a) + ": " + formatOp(op) + " names no operation of another actor");
      }
    }
  }
  return s;
}

}  // namespace lifeguard::harness

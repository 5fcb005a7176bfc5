// The sequential model of a correct engine (the draining contract, our
// `complete` policy), shared by the sequential property and the parallel
// properties' linearizability check.
//
// State: the database (none, open, closed); connections by name (open, or
// closed by disconnect or by the database's close); results by name (rows
// left to read, closed); at most one connection holding the manual write
// transaction, whose rows are pending until COMMIT; committed rows per
// table. Rows are counted, not compared: which rows a write stores is the
// harness's data oracle's business.
//
// step() says whether an observed answer is the one the model gives in this
// state, and applies the operation's effect as answered. Every operation is
// defined in every state (an unknown handle answers Gone), so any sequence,
// and any shrunk sequence, is a valid test.
//
// Leeway widens what step() accepts for an operation that overlapped another
// in real time (the parallel check computes it from the history):
//   abort     a close of its connection, of its result or of the database,
//             or an interrupt of its connection, overlapped it: it may also
//             fail cleanly (Interrupted, ConnectionClosed, DatabaseClosed,
//             InvalidUse for a result) with no effect (a failed statement
//             still ends its connection's manual transaction);
//   conflict  a write on another connection overlapped it: a write may also
//             answer WriteConflict with no effect.
// These are the three outcomes of an operation racing a close: it took
// effect, it failed with a clean error and took none, or (never allowed) it
// crashed or hung, which the runner's verdict reports.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lifeguard/harness/answer.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::properties {

using harness::Answer;
using harness::AnswerKind;
using harness::Op;
using harness::QuerySpec;

struct ResultModel {
  std::vector<std::int64_t> rows;  // left to read, per result of the chain
  bool closed = false;
  int generation = 0;  // of the database it came from
};

struct Model {
  enum class Db { kNone, kOpen, kClosed };
  Db db = Db::kNone;
  int generation = 0;  // databases opened so far
  std::map<std::string, bool> conns;  // name -> open
  std::map<std::string, int> conn_generation;  // name -> the database it was opened on
  std::map<std::string, ResultModel> results;
  std::optional<std::string> owner;  // the connection holding the manual transaction
  std::map<std::string, std::int64_t> committed{{"t1", 0}, {"t2", 0}};
  std::map<std::string, std::int64_t> pending{{"t1", 0}, {"t2", 0}};

  // A canonical text of the state (the linearizability search's memo).
  std::string key() const;
  std::string describe() const;
};

struct Leeway {
  bool abort = false;
  bool conflict = false;
};

// Checks `answer` (and, for `check`, the number of rows read per table)
// against the model; on agreement applies the effect and returns true,
// otherwise leaves `model` unspecified and says why.
bool step(Model& model, const Op& op, const Answer& answer, const Leeway& leeway,
          const std::vector<std::int64_t>& row_counts, std::string* why);

// Whether an operation is a query that writes (takes the single write
// transaction).
bool isWrite(const Op& op);

}  // namespace lifeguard::properties

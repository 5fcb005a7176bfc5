// Schedule: the data a run executes, and its versioned text format (.sched).
//
// A schedule has a header (format version, engine, policy, actors, seed,
// scheduler, decision trace) and per actor an ordered list of operations on named handles:
// the database `db`, connections `c1`, `c2`, ..., results `r1`, `r2`, ....
// The format is documented with examples in harness/SCHEDULES.md.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lifeguard/harness/scheduler.h"

namespace lifeguard::harness {

enum class OpKind {
  kOpenDb,       // open_db
  kCloseDb,      // close_db
  kReopen,       // reopen: close the database and open it again
  kDropDb,       // drop db: release the handle without close (as a GC finalizer)
  kConnect,      // connect cN
  kDisconnect,   // disconnect cN
  kDrop,         // drop cN | rN
  kQuery,        // query cN rM|- <query kind> [args]
  kIterate,      // iterate rN COUNT
  kCloseResult,  // close_result rN
  kInterrupt,    // interrupt cN
  kSetTimeout,   // set_timeout cN MS
  kCheck,        // check: compare every table with the expected-state model
  kAwait,        // await ACTOR.INDEX invoked|started|running|returned (harness only)
  kPrepare,      // prepare cN sK <query kind> [args]: a read, prepared on cN, kept as statement sK
  kExecute,      // execute cN sK rM|-: runs statement sK on cN (its own connection, or another: H11)
};

enum class QueryKind {
  kLong,     // long N: SELECT sum(x) FROM range(0, N)
  kCount,    // count TABLE
  kInsert,   // insert TABLE ROWS
  kCopy,     // copy TABLE ROWS
  kCopyBad,  // copy_bad TABLE ROWS BAD_LINE
  kBegin,
  kCommit,
  kRollback,
  kMulti,    // multi PART;PART;... (each part a query kind with ':' for spaces)
  // Queries that fail on purpose, one per path an error takes (answer UserError):
  kBadParse,  // bad_parse: text that does not parse
  kBadBind,   // bad_bind: a table that does not exist (parses, fails to bind)
  kBadExec,   // bad_exec N: a sum over N rows that overflows late in its run (fails while executing)
};
inline constexpr int kQueryKinds = static_cast<int>(QueryKind::kBadExec) + 1;

// kStarted: `await A.I started`: once A.I's query was admitted and is being
// planned (parse and bind: the engine's started point), or has gone further;
// as kInvoked on an engine that cannot tell (Capabilities::running_event).
// kStep: `await A.I step K`: K scheduling steps after operation A.I was
// invoked (under a controlled scheduler), or K microseconds after
// (free-running), or when it returned if that comes first. K is the Op's
// `number`.
// kAt: `await A.I at K`, the sweep's close point under a controlled
// scheduler (lifeguard sweep): after K steps since A.I was invoked, as A's
// thread sees them (its own and the engine threads' distinct ones), or at
// its return; this actor then runs ahead of the others until its next
// await, so its next operation fires exactly there (History::waitAt).
// Free-running: as kStep.
enum class AwaitEvent { kInvoked, kRunning, kReturned, kStarted, kStep, kAt };

struct QuerySpec {
  QueryKind kind = QueryKind::kLong;
  std::string table;
  std::int64_t count = 0;     // range length, or rows
  std::int64_t bad_line = 0;  // kCopyBad
  std::vector<QuerySpec> parts;  // kMulti

  bool isWrite() const;
  // The statements it runs: its parts (kMulti), else itself.
  std::vector<QuerySpec> statements() const { return kind == QueryKind::kMulti ? parts : std::vector<QuerySpec>{*this}; }
};

struct Op {
  OpKind kind = OpKind::kCheck;
  std::string handle;  // db, cN or rN
  std::string result;  // kQuery, kExecute: the result handle, or "-" to close at once; kPrepare: the statement
  std::string statement;  // kExecute: the statement sK (its query, from its prepare, is in `query`)
  QuerySpec query;     // kQuery, kPrepare, kExecute
  std::int64_t number = 0;  // iterate count, timeout ms, await step
  int part = 0;             // kIterate: the result of a chain it starts at (0: the head)
  int await_actor = 0;      // kAwait
  int await_index = 0;
  AwaitEvent await_event = AwaitEvent::kInvoked;
};

struct Schedule {
  int version = 1;
  std::string engine = "lifeguard";
  std::string policy = "complete";
  std::uint64_t seed = 0;
  SchedulerSpec scheduler;  // how the actors' threads interleave
  // "allow second-instances" (a campaign --outside-contract): the adapter's
  // open and reopen stop avoiding a second live instance of the database's
  // path (EngineAdapter::allowSecondInstances), which every contract of an
  // engine with a path makes the caller's fault.
  bool second_instances = false;
  DecisionTrace trace;      // a recorded controlled run: replayed exactly
  std::vector<std::string> comments;  // leading '#' lines, without '#'
  std::vector<std::string> expectations;  // "expect POLICY VERDICT[|VERDICT]" lines
  std::vector<std::vector<Op>> actors;
};

// Whether the operation ends or cuts short other work on a handle: a close,
// reopen, drop or interrupt.
bool isLifecycleCut(OpKind kind);

// One line of the format for an operation, e.g. "query c1 r2 insert t1 5".
// The query kind's name in the schedule grammar ("long", "bad_exec").
std::string_view toString(QueryKind kind);
std::string formatOp(const Op& op);
std::string formatSchedule(const Schedule& schedule);

struct ParseError {
  int line = 0;
  std::string message;
};
// Parses the text format; on failure returns nullopt and fills `error`.
std::optional<Schedule> parseSchedule(const std::string& text, ParseError* error);

}  // namespace lifeguard::harness

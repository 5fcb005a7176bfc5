#include "lifeguard/harness/generator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include "lifeguard/harness/contract.h"

namespace lifeguard::harness {
namespace {

// Builds one schedule; each method appends one kind of step to one actor.
class SeededSource : public ChoiceSource {
 public:
  explicit SeededSource(std::uint64_t seed) : rng_(seed) {}
  int uniform(int lo, int hi) override { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

 private:
  std::mt19937_64 rng_;
};

// The features a swarm draw turns on or off (GeneratorOptions::swarm).
enum Feature : int {
  kRaceResult, kRaceDisconnect, kRaceInterrupt, kRaceCloseDb, kRaceReopen, kRaceDropDb,  // what a race closes
  kCheckStep, kTimeoutStep, kOwnDisconnect, kOwnReopen, kUseResult, kMultiQuery, kKeepResult,
  kDropAfterClose,  // destroy a handle as soon as its close returned
  kRaceDrop,        // drop another actor's connection under its query
  kSharedQuery,     // query another actor's connection while its own query runs
  kLaterPart,       // read a chain from a later result, not its head
  kPrepared,        // prepare statements, execute them on their connection or another's (H11)
  kRaceClose,       // close the database, or the same handle, under another actor's close
  kFeatureCount
};

class Builder {
 public:
  Builder(ChoiceSource& source, const GeneratorOptions& options) : source_(source), options_(options) {
    schedule_.engine = options.engine;
    schedule_.policy = options.policy;
    schedule_.second_instances = options.outside_contract;
    schedule_.actors.resize(static_cast<std::size_t>(options.actors));
    std::fill(std::begin(on_), std::end(on_), true);
    if (options.swarm) drawSwarm();
  }

  Schedule build() {
    add(0, op(OpKind::kOpenDb, "db"));
    for (int a = 0; a < options_.actors; ++a) {
      if (a > 0) awaitOp(a, 0, 0, AwaitEvent::kReturned);  // the database exists
      own_conn_[a] = "c" + std::to_string(a + 1);
      add(a, op(OpKind::kConnect, own_conn_[a]));
      int ops = uniform(options_.min_ops, options_.max_ops);
      for (int i = 0; i < ops; ++i) step(a);
      finish(a);
    }
    return schedule_;
  }

 private:
  struct Query {  // a query already generated, that later actors may race
    int actor, index;
    std::string conn, result;
    bool write;
  };

  int uniform(int lo, int hi) { return source_.uniform(lo, hi); }
  bool chance(double p) { return uniform(0, 999) < static_cast<int>(p * 1000); }
  // For draws added later: a source that ran out (a fuzzer's bytes answer
  // the lowest value) never takes them, so old inputs keep their meaning.
  bool rarely(double p) { return uniform(0, 999) >= 1000 - static_cast<int>(p * 1000); }
  template <typename T>
  const T& pick(const std::vector<T>& items) { return items[static_cast<std::size_t>(uniform(0, static_cast<int>(items.size()) - 1))]; }

  static Op op(OpKind kind, std::string handle) {
    Op o;
    o.kind = kind;
    o.handle = std::move(handle);
    return o;
  }
  int add(int actor, Op o) {
    schedule_.actors[actor].push_back(std::move(o));
    return static_cast<int>(schedule_.actors[actor].size()) - 1;
  }
  void awaitOp(int actor, int target_actor, int target_index, AwaitEvent event) {
    Op o = op(OpKind::kAwait, "");
    o.await_actor = target_actor;
    o.await_index = target_index;
    o.await_event = event;
    add(actor, o);
  }

  // Swarm testing: each feature and each query kind on with probability 1/2;
  // at least one of long, count and insert, so that every query draw ends.
  void drawSwarm() {
    for (int f = 0; f < kFeatureCount; ++f) on_[f] = chance(0.5);
    for (QueryKind kind : kStatementKinds) kinds_off_[static_cast<int>(kind)] = chance(0.5);
    static constexpr QueryKind kAlways[] = {QueryKind::kLong, QueryKind::kCount, QueryKind::kInsert};
    auto off = [&](QueryKind kind) { return kinds_off_[static_cast<int>(kind)]; };
    if (std::all_of(std::begin(kAlways), std::end(kAlways), off)) {
      kinds_off_[static_cast<int>(kAlways[uniform(0, 2)])] = false;
    }
  }
  bool on(Feature feature) const { return on_[feature]; }

  void step(int a) {
    // Racing another actor's query is the point: most steps do it when they can.
    bool can_race = false;
    for (const Query& q : queries_) can_race |= q.actor < a;
    int roll = uniform(0, 99);
    if (can_race && roll < 45) return race(a);
    if (roll < 75) return query(a);
    if (roll < 85 && !own_results_[a].empty() && on(kUseResult)) return useResult(a);
    if (roll < 90 && on(kCheckStep)) return add(a, op(OpKind::kCheck, "db")), void();
    if (roll < 94 && caps().timeout && on(kTimeoutStep)) {
      Op o = op(OpKind::kSetTimeout, own_conn_[a]);
      o.number = pick(std::vector<int>{0, 5, 50});
      return add(a, o), void();
    }
    if (roll < 97 && on(kOwnDisconnect)) {
      Op closer = op(OpKind::kDisconnect, own_conn_[a]);
      add(a, closer);
      return destroyAfterClose(a, closer, nullptr);
    }
    // Or a program's shutdown: its own database closed under its own
    // results (and whatever else still runs).
    if (on(kOwnReopen)) return add(a, op(rarely(0.4) ? OpKind::kCloseDb : OpKind::kReopen, "db")), void();
    query(a);
  }

  // Sometimes a program's orderly end: it closes the last result it kept
  // and its connection, and its first thread the database, while the other
  // threads may still run.
  void finish(int a) {
    if (!rarely(0.3)) return;
    if (!own_results_[a].empty() && on(kUseResult)) add(a, op(OpKind::kCloseResult, own_results_[a].back()));
    if (on(kOwnDisconnect)) add(a, op(OpKind::kDisconnect, own_conn_[a]));
    if (a == 0 && on(kOwnReopen) && chance(0.5)) add(a, op(OpKind::kCloseDb, "db"));
  }

  const Capabilities& caps() const { return options_.capabilities; }
  bool has(QueryKind kind) const {
    switch (kind) {
      case QueryKind::kCopy:
      case QueryKind::kCopyBad: return caps().copy && !kinds_off_[static_cast<int>(kind)];
      case QueryKind::kBegin:
      case QueryKind::kCommit:
      case QueryKind::kRollback: return caps().transactions && !kinds_off_[static_cast<int>(kind)];
      case QueryKind::kBadParse:
      case QueryKind::kBadBind:
      case QueryKind::kBadExec: return caps().errors && !kinds_off_[static_cast<int>(kind)];
      default: return !kinds_off_[static_cast<int>(kind)];
    }
  }

  // A query kind the engine has (drawn again until it is one).
  QuerySpec randomSpec(bool allow_transactions) {
    QuerySpec q;
    do q = drawSpec(allow_transactions);
    while (!has(q.kind));
    return q;
  }

  bool calibrated() const { return !options_.small_data && options_.rates.known(); }

  // Work that runs for a duration drawn in one of the first `bands` bands
  // (0.3-3 ms, 3-30 ms, 30-300 ms: on the dev build, what the fixed row
  // counts take on this project's engine) at `per_ms` of it per millisecond.
  std::int64_t sized(double per_ms, int bands) {
    static constexpr int kBandTenthsMs[] = {3, 30, 300, 3000};
    const int band = uniform(0, bands - 1);
    const double ms = uniform(kBandTenthsMs[band], kBandTenthsMs[band + 1]) / 10.0;
    return std::max<std::int64_t>(1, std::llround(ms * per_ms));
  }

  std::int64_t copyRows() {
    if (options_.small_data) return uniform(5, 60);
    // 0.2-20 ms of rows (the fixed 50-4000 rows on this project's engine),
    // at least a row and at most a million.
    return calibrated() ? std::clamp<std::int64_t>(std::llround(uniform(2, 200) / 10.0 * options_.rates.copy_per_ms), 1,
                                                   1'000'000)
                        : uniform(50, 4000);
  }

  // A query of a kind that fails on purpose (bad_parse, bad_bind, bad_exec).
  QuerySpec failing(QueryKind kind) {
    QuerySpec q;
    q.kind = kind;
    if (kind == QueryKind::kBadExec) {
      q.count = options_.small_data ? pick(std::vector<std::int64_t>{1'000, 70'000})
                : calibrated()      ? sized(options_.rates.bad_exec_per_ms, 2)
                                    : pick(std::vector<std::int64_t>{100'000, 3'000'000});
    }
    return q;
  }

  QuerySpec drawSpec(bool allow_transactions) {
    QuerySpec q;
    if (rarely(0.08)) {  // a query that fails on purpose: each path an error takes
      int roll = uniform(0, 2);
      return failing(roll == 0 ? QueryKind::kBadParse : roll == 1 ? QueryKind::kBadBind : QueryKind::kBadExec);
    }
    std::string table = chance(0.5) ? "t1" : "t2";
    int roll = uniform(0, allow_transactions ? 99 : 74);
    if (roll < 20) {
      q.kind = QueryKind::kLong;
      q.count = options_.small_data ? pick(std::vector<std::int64_t>{1'000, 70'000, 200'000})
                : calibrated()      ? sized(options_.rates.long_per_ms, 3)
                                    : pick(std::vector<std::int64_t>{100'000, 3'000'000, 30'000'000});
    } else if (roll < 30) {
      q.kind = QueryKind::kCount, q.table = table;
    } else if (roll < 50) {
      q.kind = QueryKind::kInsert, q.table = table, q.count = uniform(1, 40);
    } else if (roll < 65) {
      q.kind = QueryKind::kCopy, q.table = table, q.count = copyRows();
    } else if (roll < 75) {
      q.kind = QueryKind::kCopyBad, q.table = table, q.count = copyRows();
      q.bad_line = uniform(1, static_cast<int>(q.count));
    } else if (roll < 85) {
      q.kind = QueryKind::kBegin;
    } else if (roll < 92) {
      q.kind = QueryKind::kCommit;
    } else {
      q.kind = QueryKind::kRollback;
    }
    return q;
  }

  // A query on the actor's own connection, or on `conn` (another actor's).
  void query(int a, const std::string& conn = "") {
    if (conn.empty() && caps().prepared && on(kPrepared) && rarely(0.2)) return statementStep(a);
    Op o = op(OpKind::kQuery, conn.empty() ? own_conn_[a] : conn);
    if (chance(0.15) && caps().multi_statement && on(kMultiQuery)) {
      o.query.kind = QueryKind::kMulti;
      // At most one part fails (copy_bad, bad_bind, bad_exec): an error in
      // the middle of a chain, where the parts before it ran and the parts
      // after it did not. No bad_parse: engines parse the whole text first.
      bool failing = false;
      for (int p = uniform(2, 3); p > 0; --p) {
        QuerySpec part = randomSpec(false);
        if (part.kind == QueryKind::kBadParse || (failsOnPurpose(part.kind) && failing)) part = shortQuery();
        failing |= failsOnPurpose(part.kind);
        o.query.parts.push_back(part);
      }
    } else {
      o.query = randomSpec(true);
    }
    bool keep = chance(0.6) && on(kKeepResult);
    o.result = keep ? "r" + std::to_string(++results_) : "-";
    int index = add(a, o);
    if (keep) own_results_[a].push_back(o.result);
    if (keep) result_parts_[o.result] = static_cast<int>(o.query.statements().size());
    queries_.push_back({a, index, o.handle, o.result, o.query.isWrite()});
    // A caller reads what it asked for, often at once: then a later actor
    // can close the result under that read (raceResult).
    if (keep && on(kUseResult) && rarely(0.35)) read(a, o.result);
  }

  // Prepares a read on the actor's connection, or executes a statement
  // prepared before: its own, or a lower actor's once that prepare returned
  // (on this actor's connection: another connection than the statement's).
  void statementStep(int a) {
    std::vector<Query> usable;
    for (const Query& s : statements_) {
      if (s.actor <= a) usable.push_back(s);
    }
    if (usable.empty() || chance(0.4)) {
      Op o = op(OpKind::kPrepare, own_conn_[a]);
      o.result = "s" + std::to_string(statements_.size() + 1);
      o.query = randomSpec(false);
      if (o.query.isWrite() || o.query.kind == QueryKind::kCommit || o.query.kind == QueryKind::kRollback) {
        o.query = shortQuery();
      }
      // Errors on every path, prepared ones too: a bind or execution error
      // surfaces at execute, where it must end its transaction as a query's does.
      const QueryKind bad = chance(0.5) ? QueryKind::kBadBind : QueryKind::kBadExec;
      if (rarely(0.2) && has(bad)) o.query = failing(bad);
      statements_.push_back({a, add(a, o), o.handle, o.result, false});
      return;
    }
    const Query& statement = pick(usable);
    if (statement.actor != a) awaitOp(a, statement.actor, statement.index, AwaitEvent::kReturned);
    Op o = op(OpKind::kExecute, own_conn_[a]);
    o.statement = statement.result;
    o.query = schedule_.actors[statement.actor][statement.index].query;
    bool keep = chance(0.4) && on(kKeepResult);
    o.result = keep ? "r" + std::to_string(++results_) : "-";
    int index = add(a, o);
    if (keep) own_results_[a].push_back(o.result), result_parts_[o.result] = 1;
    queries_.push_back({a, index, o.handle, o.result, false});
  }

  // A query that runs briefly on every engine (where a draw must be redone).
  static QuerySpec shortQuery() {
    QuerySpec q;
    q.kind = QueryKind::kLong;
    q.count = 1'000;
    return q;
  }

  static bool failsOnPurpose(QueryKind kind) {
    return kind == QueryKind::kCopyBad || kind == QueryKind::kBadParse || kind == QueryKind::kBadBind ||
           kind == QueryKind::kBadExec;
  }

  void read(int a, const std::string& result) {
    Op o = op(OpKind::kIterate, result);
    o.number = uniform(1, options_.small_data ? 100 : 3000);
    // From a later result of a chain: read after a close, the head's error
    // would otherwise stop every read before it reached them.
    if (result_parts_[result] > 1 && caps().result_chains && on(kLaterPart) && rarely(0.5)) {
      o.part = uniform(1, result_parts_[result] - 1);
    }
    add(a, o);
  }

  void useResult(int a) {
    const std::string& result = pick(own_results_[a]);
    int roll = uniform(0, 9);
    if (roll < 6) {
      read(a, result);
    } else if (roll < 9) {
      add(a, op(OpKind::kCloseResult, result));
    } else {
      add(a, op(OpKind::kDrop, result));
    }
  }

  // Waits for a lower actor's query to be in flight, then closes, interrupts
  // or reopens under it (or writes against it, for the single-writer rule);
  // or, sometimes, closes under a lower actor's close (raceClose).
  void race(int a) {
    std::vector<Query> candidates;
    for (const Query& q : queries_) {
      if (q.actor < a) candidates.push_back(q);
    }
    if (raceClose(a)) return;
    const Query& target = pick(candidates);
    AwaitEvent event = chance(0.7) ? AwaitEvent::kRunning : AwaitEvent::kInvoked;
    int roll = uniform(0, 99);
    // A result closed under its owner's read of a row: drawn more often
    // than its share of the rolls, since only such a close can land between
    // a read's check and its row access.
    std::vector<std::pair<const Query*, int>> reads;  // a query, and a read of its result
    if (on(kRaceResult)) {
      for (const Query& q : candidates) {
        for (int i : readsOf(q)) reads.push_back({&q, i});
      }
    }
    const bool at_read = !reads.empty() && rarely(roll < 15 ? 0.8 : 0.4);
    const auto [victim, read_at] = at_read ? pick(reads) : std::pair<const Query*, int>{&target, -1};
    if ((roll < 15 || at_read) && on(kRaceResult) && raceResult(a, *victim, read_at, event)) return;
    // A query's planning (admitted, parse and bind) is a phase of its own:
    // the published fix's window, and one an interrupt must reach too.
    if (caps().running_event && rarely(0.3)) event = AwaitEvent::kStarted;
    Op closer;
    if (roll < 45 && on(kRaceDisconnect)) {
      // Closing another actor's connection may fault against its owner's
      // later calls on it: then close the database instead.
      closer = faultsOnOwnersHandle(OpKind::kDisconnect) ? op(OpKind::kCloseDb, "db") : op(OpKind::kDisconnect, target.conn);
    } else if (roll < 60 && caps().interrupt && on(kRaceInterrupt)) {
      return raceInterrupt(a, longOr(candidates, target), event);
    } else if (roll < 75 && on(kRaceCloseDb)) {
      closer = op(OpKind::kCloseDb, "db");
    } else if (roll < 82 && on(kRaceReopen)) {
      closer = op(OpKind::kReopen, "db");
    } else if (roll < 85 && on(kRaceDropDb)) {
      closer = op(OpKind::kDropDb, "db");
    } else if (roll < 90 && on(kRaceDrop) && !faultsOnOwnersHandle(OpKind::kDrop)) {
      // A finalizer racing the owner's work, and any other close of the
      // same connection drawn at the same moment.
      closer = op(OpKind::kDrop, target.conn);
    } else {
      awaitOp(a, target.actor, target.index, event);
      // A second writer, or a reader, while the target runs: on its own
      // connection, or on the target's (two actors querying one connection).
      bool shared = on(kSharedQuery) && rarely(0.3) && !sameHandleFault(OpKind::kQuery);
      query(a, shared ? target.conn : "");
      return;
    }
    if (callerFault(closer, target)) event = AwaitEvent::kReturned;
    awaitOp(a, target.actor, target.index, event);
    add(a, closer);
    // The closer sometimes goes on using the connection it closed, as a
    // thread that shut a shared connection down would: a clean error.
    if (closer.kind == OpKind::kDisconnect && rarely(0.15) && !sameHandleFault(OpKind::kQuery)) query(a, closer.handle);
    if (closer.kind == OpKind::kDisconnect || closer.kind == OpKind::kCloseDb) destroyAfterClose(a, closer, &target);
  }

  // Sometimes: closes the database, or the same handle, while a lower
  // actor's close of its connection (or of the database) is in flight, as a
  // program shutting down from several threads does; two closes of one
  // handle must agree on who tears it down. Returns whether it drew one.
  bool raceClose(int a) {
    if (!on(kRaceClose)) return false;
    std::vector<Query> closes;  // the lower actors' disconnects and database closes
    for (int b = 0; b < a; ++b) {
      const std::vector<Op>& ops = schedule_.actors[b];
      for (int i = 0; i < static_cast<int>(ops.size()); ++i) {
        const bool close = ops[i].kind == OpKind::kDisconnect || ops[i].kind == OpKind::kCloseDb;
        if (close) closes.push_back({b, i, ops[i].handle, "-", false});
      }
    }
    if (closes.empty() || !rarely(0.25)) return false;
    const Query& target = pick(closes);
    const Op& victim = schedule_.actors[target.actor][target.index];
    bool same = victim.kind == OpKind::kCloseDb || chance(0.3);
    if (victim.kind == OpKind::kDisconnect && faultsOnOwnersHandle(OpKind::kDisconnect)) same = false;
    Op closer = same ? op(victim.kind, victim.handle) : op(OpKind::kCloseDb, "db");
    if (callerFault(closer, target)) return false;
    awaitOp(a, target.actor, target.index, AwaitEvent::kInvoked);
    add(a, closer);
    destroyAfterClose(a, closer, &target);
    return true;
  }

  // Interrupts a lower actor's query; sometimes then queries its connection
  // at once, as a caller who cancels a query and issues the next one does:
  // the new query is in flight while the interrupted one still runs, and an
  // interrupt must reach the one it was sent to, not the next (H10).
  void raceInterrupt(int a, const Query& target, AwaitEvent event) {
    Op closer = op(OpKind::kInterrupt, target.conn);
    if (callerFault(closer, target)) event = AwaitEvent::kReturned;
    awaitOp(a, target.actor, target.index, event);
    add(a, closer);
    if (on(kSharedQuery) && !sameHandleFault(OpKind::kQuery) && rarely(0.5)) query(a, target.conn);
  }

  // A long query among `candidates`, most often, if there is one (what
  // callers interrupt, and the one query with a plan and batches for an
  // interrupt to land in); else `target`.
  const Query& longOr(const std::vector<Query>& candidates, const Query& target) {
    std::vector<const Query*> long_ones;
    for (const Query& q : candidates) {
      const std::vector<QuerySpec> statements = schedule_.actors[q.actor][q.index].query.statements();
      if (statements.front().kind == QueryKind::kLong) long_ones.push_back(&q);
    }
    if (long_ones.empty() || !rarely(0.7)) return target;
    return *pick(long_ones);
  }

  // Closes or drops a lower actor's result: while its owner reads it (at
  // `read_at`, the index of its iterate: a close between a read's check and
  // its row, H7), or as its query returns it (read_at < 0; the result exists
  // once the query returned). Returns false when the contract makes it the
  // caller's fault, or the query kept no result.
  bool raceResult(int a, const Query& victim, int read_at, AwaitEvent event) {
    if (victim.result == "-") return false;
    OpKind kind = chance(read_at >= 0 ? 0.75 : 0.5) ? OpKind::kCloseResult : OpKind::kDrop;
    if (faultsOnOwnersHandle(kind)) return false;
    if (read_at >= 0) awaitOp(a, victim.actor, read_at, event);
    else awaitOp(a, victim.actor, victim.index, AwaitEvent::kReturned);
    add(a, op(kind, victim.result));
    if (kind == OpKind::kCloseResult) destroyAfterClose(a, op(kind, victim.result), &victim);
    return true;
  }

  // The owner's reads (iterate) of `q`'s result that have a row to read (of
  // a long or count statement), by index in its actor: without a row, a read
  // is one look at an empty result, with no row access for a close to hit.
  std::vector<int> readsOf(const Query& q) const {
    std::vector<int> reads;
    if (q.result == "-") return reads;
    const auto& ops = schedule_.actors[q.actor];
    const std::vector<QuerySpec> statements = ops[q.index].query.statements();
    for (int i = q.index + 1; i < static_cast<int>(ops.size()); ++i) {
      if (ops[i].kind != OpKind::kIterate || ops[i].handle != q.result) continue;
      const QueryKind kind = statements[static_cast<std::size_t>(ops[i].part)].kind;
      if (kind == QueryKind::kLong || kind == QueryKind::kCount) reads.push_back(i);
    }
    return reads;
  }

  // A caller who trusts a close to have finished destroys the handle as soon
  // as the close returns (while other work on it may still be in flight).
  void destroyAfterClose(int a, const Op& closer, const Query* target) {
    if (!chance(0.3) || !on(kDropAfterClose)) return;
    Op drop = closer.kind == OpKind::kCloseDb ? op(OpKind::kDropDb, "db") : op(OpKind::kDrop, closer.handle);
    if (target != nullptr && (callerFault(drop, *target) ||
                              (target->actor != a && drop.kind == OpKind::kDrop && faultsOnOwnersHandle(drop.kind)))) {
      return;
    }
    add(a, drop);
  }

  // Whether closing another actor's handle with `kind` can be the caller's
  // fault against that actor's own later calls on it (which no await orders):
  // its queries, reads, timeouts and closes (an owner never interrupts its own
  // connection).
  bool faultsOnOwnersHandle(OpKind kind) const {
    if (options_.outside_contract) return false;
    static const OpKind kOwnersCalls[] = {OpKind::kQuery, OpKind::kIterate, OpKind::kSetTimeout,
                                          OpKind::kCloseResult, OpKind::kDisconnect, OpKind::kDrop};
    return std::any_of(options_.caller_faults.begin(), options_.caller_faults.end(), [&](const CallerFault& fault) {
      return fault.same_handle && fault.closers.count(kind) &&
             std::any_of(std::begin(kOwnersCalls), std::end(kOwnersCalls),
                         [&](OpKind call) { return fault.victims.count(call) != 0; });
    });
  }

  // Whether the contract makes some close racing a `victim` call on the same
  // handle the caller's fault (then no actor queries another's connection:
  // its owner's own close would race it).
  bool sameHandleFault(OpKind victim) const {
    if (options_.outside_contract) return false;
    return std::any_of(options_.caller_faults.begin(), options_.caller_faults.end(),
                       [&](const CallerFault& fault) { return fault.same_handle && fault.victims.count(victim); });
  }

  // Whether `closer` racing the target query is the caller's fault under
  // the engine's contract (and the campaign did not ask for such races).
  bool callerFault(const Op& closer, const Query& target) const {
    if (options_.outside_contract) return false;
    const Op& victim = schedule_.actors[target.actor][target.index];
    return std::any_of(options_.caller_faults.begin(), options_.caller_faults.end(),
                       [&](const CallerFault& fault) { return fault.matches(closer, victim); });
  }

  ChoiceSource& source_;
  const GeneratorOptions& options_;
  Schedule schedule_;
  std::map<int, std::string> own_conn_;
  std::map<int, std::vector<std::string>> own_results_;
  std::vector<Query> queries_;
  std::vector<Query> statements_;  // prepares: actor, index, connection, statement
  std::map<std::string, int> result_parts_;  // a kept result's chain length
  int results_ = 0;
  bool on_[kFeatureCount];  // every feature, unless a swarm draw turned it off
  bool kinds_off_[kQueryKinds] = {};  // by QueryKind
};

}  // namespace

Schedule generateSchedule(std::uint64_t seed, const GeneratorOptions& options) {
  SeededSource source(seed);
  Schedule schedule = Builder(source, options).build();
  schedule.seed = seed;
  return schedule;
}

Schedule generateSchedule(ChoiceSource& source, const GeneratorOptions& options) {
  return Builder(source, options).build();
}

}  // namespace lifeguard::harness

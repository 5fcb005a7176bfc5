// EngineAdapter: the only way the harness reaches an engine.
//
// An adapter owns one engine instance per run: one database at a time (the
// handle "db"), connections and results named by the schedule. The runner
// calls it from one OS thread per actor, concurrently; every method must be
// safe to call from any thread at any time, including on a handle another
// thread is closing or dropping (that is what is under test). What the
// engine answers is reported, never thrown.
//
// Handle lifetime follows garbage-collected bindings: a handle is an
// object the adapter keeps alive while any call on it is in flight; drop()
// releases the adapter's own reference without closing, so the engine object
// dies when the last in-flight call returns (a finalizer, not a close).
// Calls on a dropped or never-created handle answer kGone without reaching
// the engine.
//
// Ownership: the runner owns the adapter; the adapter owns every engine
// object. Destroying the adapter releases whatever is left (results, then
// connections, then the database), as a process exit would.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lifeguard/harness/answer.h"
#include "lifeguard/harness/contract.h"
#include "lifeguard/harness/program.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

struct Capabilities {
  bool interrupt = true;        // interrupt() reaches a running query
  bool timeout = true;          // set_timeout
  bool copy = true;             // COPY from CSV
  bool multi_statement = true;  // ';'-separated queries
  bool transactions = true;     // BEGIN / COMMIT / ROLLBACK
  bool errors = true;           // bad_parse, bad_bind, bad_exec: a parse, a bind and an execution error
  bool result_chains = true;    // a multi's kept result is a chain iterate can start inside (part P)
  bool prepared = false;        // prepare and execute, also on another connection (H11)
  bool durable = false;         // data survives reopen (on-disk)
  bool running_event = false;   // can report when a query starts and when it starts executing
  // A controlled scheduler (random, pct, dfs) can run its calls: false for an
  // engine in another process, whose calls wait on a socket the scheduler
  // cannot see, and for a prebuilt library whose threads and locks do not go
  // through sync/ when the program cannot interpose them (below): a call
  // would block its actor until it returned, so the actors would only take
  // turns and no close would overlap work. Such an engine is run with
  // --scheduler os only.
  bool controllable = true;
  // The engine is an unmodified library: under a controlled scheduler its
  // pthread calls are scheduling points through the interposition layer
  // (lifeguard/sync/interpose.h, ControlledOptions::interpose).
  bool interposed = false;
};

// What an adapter without result_chains answers to `iterate rN COUNT part P`
// with P > 0 (a schedule written for another engine; never generated).
inline Answer lacksResultChains() {
  return {AnswerKind::kInternal, "iterate from part P > 0: this adapter keeps only the last result of a chain",
          std::nullopt};
}

inline Answer lacksPrepared() {
  return {AnswerKind::kInternal, "prepared statements: this adapter lacks them (capabilities().prepared)",
          std::nullopt};
}

// What the engine is doing now (the harness's end-of-run invariants).
struct EngineState {
  bool available = false;  // false: the adapter cannot tell
  std::size_t active_queries = 0;
  std::size_t live_transactions = 0;
  std::size_t busy_workers = 0;
  std::size_t queued_tasks = 0;
  std::size_t pages_in_use = 0;
};

// A table's rows as text, one string per row ("1|'x'").
using TableRows = std::vector<std::string>;

class EngineAdapter {
 public:
  virtual ~EngineAdapter() = default;

  virtual std::string name() const = 0;
  virtual std::string policy() const = 0;
  virtual Capabilities capabilities() const = 0;
  virtual const Contract& contract() const = 0;

  // The tables every run uses; created by openDatabase() when missing.
  static std::vector<std::string> tables() { return {"t1", "t2"}; }

  // A campaign --outside-contract (Schedule::second_instances): from now on
  // openDatabase() and reopenDatabase() stop avoiding a second live instance
  // of the database's path (they neither wait for the earlier one nor answer
  // Busy), which the contract makes the caller's fault. Called before the
  // run. Returns false, changing nothing, if the adapter cannot.
  virtual bool allowSecondInstances() { return false; }

  virtual Answer openDatabase() = 0;
  virtual Answer closeDatabase() = 0;
  virtual Answer reopenDatabase() = 0;
  virtual Answer dropDatabase() = 0;

  virtual Answer connect(const std::string& conn) = 0;
  virtual Answer disconnect(const std::string& conn) = 0;
  virtual Answer dropConnection(const std::string& conn) = 0;
  // Runs the query on the calling thread; keeps the result under `result`
  // ("-": closes it at once). `tag` makes the rows written unique to this
  // operation (see SCHEDULES.md).
  virtual Answer query(const std::string& conn, const std::string& result, const QuerySpec& spec,
                       std::int64_t tag) = 0;
  // Reads up to `rows` rows, from the `part`-th result of the chain on
  // (0: its head; the chain's last result if it is shorter; part > 0 only
  // with capabilities().result_chains).
  virtual Answer iterate(const std::string& result, int part, std::int64_t rows) = 0;
  virtual Answer closeResult(const std::string& result) = 0;
  virtual Answer dropResult(const std::string& result) = 0;
  // Prepared statements (capabilities().prepared; else these answer Internal):
  // prepare a read on `conn`, kept as `statement`; run it on `conn` (its own
  // connection or another) keeping the result as `result` ("-": closed at
  // once); release it (as a finalizer would).
  virtual Answer prepare(const std::string& conn, const std::string& statement, const QuerySpec& spec,
                         std::int64_t tag) {
    (void)conn, (void)statement, (void)spec, (void)tag;
    return lacksPrepared();
  }
  virtual Answer execute(const std::string& conn, const std::string& statement, const std::string& result) {
    (void)conn, (void)statement, (void)result;
    return lacksPrepared();
  }
  virtual Answer dropStatement(const std::string& statement) {
    (void)statement;
    return lacksPrepared();
  }
  virtual Answer interrupt(const std::string& conn) = 0;
  virtual Answer setTimeout(const std::string& conn, std::int64_t ms) = 0;

  // Reads every table through a fresh connection (for `check`).
  virtual Answer readTables(std::vector<TableRows>* tables) = 0;
  virtual EngineState state() = 0;

  // Called on the actor's thread when the query it runs is started by the
  // engine (parse/bind) and when it starts executing, if
  // capabilities().running_event. The runner installs it before a run.
  enum class QueryPoint { kStarted, kRunning };
  using QueryPointCallback = void (*)(void* context, QueryPoint point);
  // The default, for an engine that cannot tell (running_event false), ignores it.
  virtual void setQueryPointCallback(QueryPointCallback callback, void* context) { (void)callback, (void)context; }

  // Called on the watchdog's thread when an operation exceeded its deadline,
  // just before the run ends with a hang, while actors may be stuck inside
  // the adapter: it must not wait for them. An adapter that can see the
  // engine's threads from outside writes where each waits to stderr, where
  // it joins the hang's report (the process adapter: every native stack of
  // the driver). The default writes nothing.
  virtual void describeHang() {}
};

// Performs one schedule operation on the adapter, as the runner does.
// `tag` makes a query's rows unique (workload.h: opTag); a `check` fills
// `tables`. An `await` is the runner's own and answers kInternal here.
Answer callAdapter(EngineAdapter& adapter, const Op& op, std::int64_t tag, std::vector<TableRows>* tables);

// The engines a build offers. Each adapter (adapters/NAME/) registers its
// engine when the program starts, with a static `registerEngine` call; the
// harness core names no engine.
struct EngineEntry {
  std::string name;                   // --engine NAME
  std::string description;            // one line, for listings
  std::vector<std::string> policies;  // the values --policy takes; the first is the default
  // The engine's contract under `policy` (what its adapter's contract() returns).
  std::function<Contract(const std::string& policy)> contract;
  // A fresh adapter for one run; null and `error` if it cannot be made.
  std::function<std::unique_ptr<EngineAdapter>(const std::string& policy, std::string* error)> make;
  // For an engine a user may test at the version they name (--engine
  // NAME@VERSION): a fresh adapter of that version. Its name() then says the
  // exact version, which the campaign writes into every schedule.
  std::function<std::unique_ptr<EngineAdapter>(const std::string& version, const std::string& policy,
                                               std::string* error)>
      make_version;
  // The engine's code is not built with the harness's sanitizers (a prebuilt
  // library): under AddressSanitizer the program then fills freed memory, so
  // that the engine's use-after-free crashes instead of reading stale memory
  // (harness/src/cli/main.cc).
  bool uninstrumented = false;
  // `lifeguard export FILE --as LANGUAGE`: the engine's operations in a
  // standalone program's language (program.h), or nullopt and `error` for a
  // language the engine has no mapping for.
  std::function<std::optional<ProgramParts>(const Schedule& schedule, const std::string& language,
                                            std::string* error)>
      exporter;
};
// Adds an engine; returns true (for static initializers). A name registered
// twice keeps its first entry. Thread-safety: before main() or before any
// thread that makes adapters starts.
// The name carries the plug-in interface version (plugin.h: kPluginVersion),
// so a plug-in built for another version fails to load before any of its
// code runs, instead of registering an entry of another layout.
inline namespace plugin_v4 {
bool registerEngine(EngineEntry entry);
}
// Removes an engine (a plug-in that failed to load); appends `note` to an
// engine's description (where it came from).
void unregisterEngine(const std::string& name);
void markEngine(const std::string& name, const std::string& note);
// Every registered engine, by name.
std::vector<const EngineEntry*> registeredEngines();
// The entry of `name`, or of NAME for "NAME@VERSION" if it takes versions.
const EngineEntry* findEngine(const std::string& name);
// The engine's default policy ("" for an unknown engine).
std::string defaultPolicy(const std::string& engine);

// A fresh adapter of a registered engine. Returns null and sets `error` for
// an unknown engine or policy.
std::unique_ptr<EngineAdapter> makeAdapter(const std::string& engine, const std::string& policy,
                                           std::string* error);

}  // namespace lifeguard::harness

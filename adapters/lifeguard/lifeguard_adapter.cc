// The adapter for this project's embedded engine (engines "lifeguard" and
// "lifeguard-disk"), through its public API and lifeguard/testing/hooks.h
// only. Its contract is drain (close interrupts, then waits): the engine's
// `complete` policy; `legacy` and `execute_drain` are judged by the same
// contract and fail it, which is what they are for.
//
// Who holds the objects: by default, as a garbage-collected binding, where a
// call keeps its object alive and a close leaves it for a drop to destroy.
// With the suffix `_embedder` on the policy (complete_embedder, ...), as a
// C++ embedder: a close destroys the object as soon as it returns, and a
// drop at once, even while another thread is inside a call on it; the
// contract makes that overlap the caller's fault (lifeguard_contract.cc).
#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/handle_slots.h"
#include "lifeguard/harness/workload.h"
#include "lifeguard/harness/scratch_dir.h"
#include "lifeguard/lifeguard.h"
#include "lifeguard/sync/sync.h"
#include "lifeguard/testing/hooks.h"
#include "lifeguard_contract.h"

// Built as a plug-in too (adapters/CMakeLists.txt), under names of its own.
#ifndef LIFEGUARD_ENGINE_PREFIX
#define LIFEGUARD_ENGINE_PREFIX ""
#endif

namespace lifeguard::harness {
namespace {

// lifeguard-disk: one instance of the database's directory at a time, the
// rule every adapter follows (docs/adapters.md, "One instance per path").
// An instance counts until a close of it returned, or until its destructor
// (which closes it) finished: a dropped instance lives on in another
// actor's call, and its destructor may run there. The list's mutex is held
// for a moment only, never across engine code.
class Instances {
 public:
  // A new instance, which leaves the list when its destructor has finished.
  std::shared_ptr<Database> make(const std::string& path, const Options& options) {
    auto db = std::shared_ptr<Database>(new Database(path, options), [this](Database* gone) {
      delete gone;
      std::lock_guard<std::mutex> lock(mu_);
      std::erase_if(open_, [&](const Entry& e) { return e.db == gone; });
    });
    std::lock_guard<std::mutex> lock(mu_);
    open_.push_back({db.get(), false});
    return db;
  }
  void closed(const Database* db) {
    std::lock_guard<std::mutex> lock(mu_);
    for (Entry& e : open_) e.closed |= e.db == db;
  }
  // Instances neither closed nor destroyed, other than `except`.
  int open(const Database* except) {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(std::count_if(open_.begin(), open_.end(), [&](const Entry& e) {
      return !e.closed && e.db != except;
    }));
  }

 private:
  struct Entry {
    const Database* db;  // in the list while it lives
    bool closed;
  };
  std::mutex mu_;
  std::vector<Entry> open_;
};

using lifeguard_engine::inMemoryContract;
using lifeguard_engine::onDiskContract;

Answer fromStatus(const Status& status) {
  static const std::map<ErrorCode, AnswerKind> kKinds = {
      {ErrorCode::kOk, AnswerKind::kOk},
      {ErrorCode::kConnectionClosed, AnswerKind::kConnectionClosed},
      {ErrorCode::kDatabaseClosed, AnswerKind::kDatabaseClosed},
      {ErrorCode::kInterrupted, AnswerKind::kInterrupted},
      {ErrorCode::kTimeout, AnswerKind::kTimeout},
      {ErrorCode::kTransactionConflict, AnswerKind::kWriteConflict},
      {ErrorCode::kCopyError, AnswerKind::kCopyError},
      {ErrorCode::kParseError, AnswerKind::kUserError},
      {ErrorCode::kBindError, AnswerKind::kUserError},
      {ErrorCode::kIOError, AnswerKind::kIOError},
      {ErrorCode::kInternal, AnswerKind::kInternal},
      {ErrorCode::kInvalidUse, AnswerKind::kInvalidUse},
      {ErrorCode::kRuntimeError, AnswerKind::kUserError},
  };
  auto it = kKinds.find(status.code());
  return {it == kKinds.end() ? AnswerKind::kInternal : it->second, status.message(), std::nullopt};
}

// Runs `body`, turning the engine's exceptions into answers.
template <typename F>
Answer answering(F&& body) {
  try {
    return body();
  } catch (const Error& error) {
    return fromStatus(error.status());
  } catch (const std::exception& error) {
    return {AnswerKind::kInternal, std::string("unexpected exception: ") + error.what(), std::nullopt};
  }
}

class LifeguardAdapter : public EngineAdapter {
 public:
  // `scratch`: an existing, empty directory (scratch_dir.h) the adapter owns
  // and removes. `on_disk`: the database lives in a directory under it and
  // survives close and reopen (engine "lifeguard-disk").
  // `embedder`: hold the objects as a C++ embedder does (see above).
  LifeguardAdapter(TeardownPolicy policy, bool embedder, std::filesystem::path scratch, bool on_disk)
      : policy_(policy),
        embedder_(embedder),
        scratch_(std::move(scratch)),
        on_disk_(on_disk),
        contract_(on_disk ? onDiskContract(policy_name()) : inMemoryContract(policy_name())) {
    options_.policy = policy;
    options_.checkpoint_wait_ms = 200;
    if (testing::syncPointsCompiledIn()) {
      auto& points = testing::SyncPoints::instance();
      points.clear();
      points.setCallback("ClientContext::parse_bind", [this](void*) { report(QueryPoint::kStarted); });
      points.setCallback("QueryProcessor::execute", [this](void*) { report(QueryPoint::kRunning); });
      points.enable();
    }
  }
  ~LifeguardAdapter() override {
    statements_.clear();
    results_.clear();
    connections_.clear();
    databases_.clear();
    if (testing::syncPointsCompiledIn()) {
      testing::SyncPoints::instance().disable();
      testing::SyncPoints::instance().clear();
    }
    std::error_code ignored;
    std::filesystem::remove_all(scratch_, ignored);
  }

  std::string name() const override {
    return on_disk_ ? LIFEGUARD_ENGINE_PREFIX "lifeguard-disk" : LIFEGUARD_ENGINE_PREFIX "lifeguard";
  }
  std::string policy() const override { return policy_name(); }
  Capabilities capabilities() const override {
    Capabilities capabilities;
    capabilities.running_event = testing::syncPointsCompiledIn();
    capabilities.prepared = true;
    capabilities.durable = on_disk_;
    return capabilities;
  }
  const Contract& contract() const override { return contract_; }
  void setQueryPointCallback(QueryPointCallback callback, void* context) override {
    query_point_context_ = context;
    query_point_callback_ = callback;
  }

  // On disk, opens and reopens take turns (open_mu_), and answer Busy,
  // changing nothing, while an earlier instance of the directory is still
  // open. Closes, drops and every other call do not wait for them.
  Answer openDatabase() override {
    if (!on_disk_) return openInstance();
    sync::MutexLock opening(open_mu_);
    if (Answer busy = refuseSecondInstance(nullptr); !busy.isOk()) return busy;
    return openInstance();
  }
  Answer closeDatabase() override {
    return inTurn([&] {
      auto db = closing(databases_, "db");
      if (db == nullptr) return Answer::gone();
      return closeInstance(db);
    });
  }
  Answer reopenDatabase() override {
    if (!on_disk_) return inTurn([&] { return reopenInstance(); });
    sync::MutexLock opening(open_mu_);
    auto db = databases_.use("db", owning());
    if (Answer busy = refuseSecondInstance(db.get()); !busy.isOk()) return busy;
    return inTurn([&] { return reopenInstance(); });
  }
  Answer dropDatabase() override {
    return inTurn([&] { return databases_.take("db") ? Answer::ok() : Answer::gone(); });
  }
  bool allowSecondInstances() override { return second_instances_ = on_disk_; }

 private:
  Answer refuseSecondInstance(const Database* replaced) {
    int open = instances_.open(replaced);
    if (open == 0 || second_instances_) return Answer::ok();
    return {AnswerKind::kBusy,
            fmt::format("{} earlier instance(s) of the directory still open (dropped, or closing)", open),
            std::nullopt};
  }
  Answer closeInstance(const std::shared_ptr<Database>& db) {
    Answer closed = answering([&] { return fromStatus(db->close()); });
    if (closed.isOk()) instances_.closed(db.get());
    return closed;
  }
  Answer reopenInstance() {
    if (auto db = closing(databases_, "db")) {
      Answer closed = closeInstance(db);
      if (!closed.isOk()) return closed;
    }
    return openInstance();
  }
  Answer openInstance() {
    return answering([&] {
      auto db = on_disk_ ? instances_.make((scratch_ / "db").string(), options_)
                         : std::make_shared<Database>(":memory:", options_);
      Connection setup(db.get());
      std::string sql;
      for (const auto& table : tables()) {
        if (!setup.query("SELECT count(*) FROM " + table)->isSuccess()) {  // new, or recovered without it
          sql += "CREATE TABLE " + table + "(a INT64, b STRING);";
        }
      }
      auto result = setup.query(sql);
      if (!result->isSuccess()) return fromStatus(result->status());
      databases_.put("db", db);
      return Answer::ok();
    });
  }

 public:

  Answer connect(const std::string& name) override {
    auto db = databases_.use("db", owning());
    if (db == nullptr) return Answer::gone();
    return answering([&] {
      connections_.put(name, std::make_shared<Connection>(db.get()));
      return Answer::ok();
    });
  }
  Answer disconnect(const std::string& name) override {
    auto conn = closing(connections_, name);
    if (conn == nullptr) return Answer::gone();
    return answering([&] { return fromStatus(conn->close()); });
  }
  Answer dropConnection(const std::string& name) override {
    return connections_.take(name) ? Answer::ok() : Answer::gone();
  }

  Answer query(const std::string& name, const std::string& result_name, const QuerySpec& spec,
               std::int64_t tag) override {
    auto conn = connections_.use(name, owning());
    if (conn == nullptr) return Answer::gone();
    std::string sql = sqlFor(spec, tag);
    return answering([&] {
      std::shared_ptr<QueryResult> result(conn->query(sql).release());
      Answer answer = chainAnswer(*result);
      if (result_name != "-") results_.put(result_name, std::move(result));
      return answer;
    });
  }
  Answer iterate(const std::string& name, int part, std::int64_t rows) override {
    auto result = results_.use(name, owning());
    if (result == nullptr) return Answer::gone();
    return answering([&] {
      std::int64_t read = 0;
      QueryResult* start = result.get();
      // The part-th result, or the chain's last if it is shorter (a failed
      // query's chain ends at its error).
      for (int p = 0; p < part && start->getNextQueryResult() != nullptr; ++p) start = start->getNextQueryResult();
      for (QueryResult* r = start; r != nullptr && read < rows; r = r->getNextQueryResult()) {
        while (read < rows && r->hasNext()) {
          r->getNext();
          ++read;
        }
      }
      return Answer::ok(read);
    });
  }
  Answer closeResult(const std::string& name) override {
    auto result = closing(results_, name);
    if (result == nullptr) return Answer::gone();
    return answering([&] {
      for (QueryResult* r = result.get(); r != nullptr; r = r->getNextQueryResult()) r->close();
      return Answer::ok();
    });
  }
  Answer dropResult(const std::string& name) override { return results_.take(name) ? Answer::ok() : Answer::gone(); }
  Answer interrupt(const std::string& name) override {
    auto conn = connections_.use(name, owning());
    if (conn == nullptr) return Answer::gone();
    return answering([&] {
      conn->interrupt();
      return Answer::ok();
    });
  }
  Answer prepare(const std::string& name, const std::string& statement, const QuerySpec& spec,
                 std::int64_t tag) override {
    auto conn = connections_.use(name, owning());
    if (conn == nullptr) return Answer::gone();
    std::string sql = sqlFor(spec, tag);
    return answering([&] {
      std::shared_ptr<PreparedStatement> prepared(conn->prepare(sql).release());
      Answer answer = fromStatus(prepared->status());
      statements_.put(statement, std::move(prepared));  // a failed one too: execute reports its error
      return answer;
    });
  }
  Answer execute(const std::string& name, const std::string& statement, const std::string& result_name) override {
    auto conn = connections_.use(name, owning());
    auto prepared = statements_.use(statement, owning());
    if (conn == nullptr || prepared == nullptr) return Answer::gone();
    return answering([&] {
      std::shared_ptr<QueryResult> result(conn->execute(prepared.get()).release());
      Answer answer = chainAnswer(*result);
      if (result_name != "-") results_.put(result_name, std::move(result));
      return answer;
    });
  }
  Answer dropStatement(const std::string& statement) override {
    return statements_.take(statement) ? Answer::ok() : Answer::gone();
  }
  Answer setTimeout(const std::string& name, std::int64_t ms) override {
    auto conn = connections_.use(name, owning());
    if (conn == nullptr) return Answer::gone();
    return answering([&] {
      conn->setQueryTimeout(static_cast<std::uint64_t>(ms));
      return Answer::ok();
    });
  }

  Answer readTables(std::vector<TableRows>* tables_out) override {
    auto db = databases_.use("db", owning());
    if (db == nullptr) return Answer::gone();
    return answering([&] {
      Connection reader(db.get());
      tables_out->clear();
      for (const auto& table : tables()) {
        auto result = reader.query("SELECT * FROM " + table);
        if (!result->isSuccess()) return fromStatus(result->status());
        TableRows rows;
        for (std::string line; result->hasNext();) {
          Row row = result->getNext();
          line = lifeguard::toString(row.at(0)) + "|" + lifeguard::toString(row.at(1));
          rows.push_back(line);
        }
        tables_out->push_back(std::move(rows));
      }
      return Answer::ok();
    });
  }

  EngineState state() override {
    EngineState state;
    auto db = databases_.get("db");
    if (db == nullptr) return state;
    testing::EngineProbe probe = testing::probe(*db);
    state.available = !probe.closed;
    state.active_queries = probe.active_queries;
    state.live_transactions = probe.live_transactions;
    state.busy_workers = probe.busy_workers;
    state.queued_tasks = probe.queued_tasks;
    state.pages_in_use = probe.pages_in_use;
    return state;
  }

 private:
  std::string policy_name() const { return std::string(toString(policy_)) + (embedder_ ? "_embedder" : ""); }
  // A call's own reference to its object: a binding's way, not an embedder's.
  bool owning() const { return !embedder_; }
  // An embedder's database closes, reopens and drops take turns. Each takes
  // the object before closing it, so a reopen racing a close would find none
  // and open a second database while the first still ran its queries (a
  // program with one owner of its Database does not do that).
  template <typename F>
  Answer inTurn(F&& body) {
    if (!embedder_) return body();
    sync::MutexLock turn(close_mu_);
    return body();
  }
  // The object a close works on. An embedder takes it from where the other
  // threads find it first, and destroys it as soon as the close returned
  // (when the pointer returned goes); a binding leaves it for a drop.
  template <typename T>
  std::shared_ptr<T> closing(Slots<T>& slots, const std::string& name) {
    return embedder_ ? slots.take(name) : slots.get(name);
  }

  void report(QueryPoint point) {
    QueryPointCallback callback = query_point_callback_.load();
    if (callback != nullptr) callback(query_point_context_.load(), point);
  }

  // The first failing result of the chain decides; value = statements that succeeded.
  static Answer chainAnswer(QueryResult& head) {
    std::int64_t succeeded = 0;
    for (QueryResult* r = &head; r != nullptr; r = r->getNextQueryResult()) {
      if (!r->isSuccess()) {
        Answer answer = fromStatus(r->status());
        answer.value = succeeded;
        return answer;
      }
      ++succeeded;
    }
    return Answer::ok(succeeded);
  }

  std::string sqlFor(const QuerySpec& spec, std::int64_t tag) {
    switch (spec.kind) {
      case QueryKind::kLong: return fmt::format("SELECT sum(x) FROM range(0, {})", spec.count);
      case QueryKind::kCount: return "SELECT count(*) FROM " + spec.table;
      case QueryKind::kInsert: return insertSql(spec.table, tag, spec.count);
      case QueryKind::kCopy:
      case QueryKind::kCopyBad: return "COPY " + spec.table + " FROM '" + writeCopyCsv(scratch_, spec, tag) + "'";
      case QueryKind::kBegin: return "BEGIN";
      case QueryKind::kCommit: return "COMMIT";
      case QueryKind::kRollback: return "ROLLBACK";
      case QueryKind::kMulti:
        return joinStatements(spec, tag, [&](const QuerySpec& part, std::int64_t t) { return sqlFor(part, t); });
      case QueryKind::kBadParse: return "SELEC count(*) FROM t1";
      case QueryKind::kBadBind: return "SELECT count(*) FROM no_such_table";
      case QueryKind::kBadExec: {
        std::int64_t start = overflowingRangeStart(spec.count);
        return fmt::format("SELECT sum(x) FROM range({}, {})", start, start + spec.count);
      }
    }
    return "";
  }

  static std::string insertSql(const std::string& table, std::int64_t tag, std::int64_t rows) {
    std::string sql = "INSERT INTO " + table + " VALUES ";
    for (std::int64_t i = 0; i < rows; ++i) sql += fmt::format("{}({}, 'v{}')", i ? ", " : "", rowValue(tag, i), i);
    return sql;
  }

  const TeardownPolicy policy_;
  const bool embedder_;
  const std::filesystem::path scratch_;
  const bool on_disk_;
  const Contract contract_;
  Options options_;
  sync::Mutex open_mu_;  // lifeguard-disk: one open or reopen at a time
  sync::Mutex close_mu_;  // _embedder: one database close, reopen or drop at a time (taken after open_mu_)
  Instances instances_;  // lifeguard-disk: the instances of the directory; outlives them
  bool second_instances_ = false;  // allowSecondInstances(), before the run
  Slots<Database> databases_;
  Slots<Connection> connections_;
  Slots<QueryResult> results_;
  Slots<PreparedStatement> statements_;
  std::atomic<QueryPointCallback> query_point_callback_{nullptr};
  std::atomic<void*> query_point_context_{nullptr};
};

std::unique_ptr<EngineAdapter> makeLifeguardAdapter(const std::string& policy, bool on_disk, std::string* error) {
  bool embedder = false;
  auto parsed = parseTeardownPolicy(lifeguard_engine::teardownPolicyOf(policy, &embedder));
  if (!parsed) {
    *error = "unknown policy '" + policy + "' (complete, legacy, execute_drain, each with or without _embedder)";
    return nullptr;
  }
  return std::make_unique<LifeguardAdapter>(*parsed, embedder, makeScratchDirectory(), on_disk);
}

bool registerLifeguard(const std::string& name, const std::string& description, bool on_disk) {
  EngineEntry entry;
  entry.name = name;
  entry.description = description;
  entry.policies = {"complete", "legacy", "execute_drain", "complete_embedder", "legacy_embedder",
                    "execute_drain_embedder"};
  entry.contract = on_disk ? onDiskContract : inMemoryContract;
  entry.make = [on_disk](const std::string& policy, std::string* error) {
    return makeLifeguardAdapter(policy, on_disk, error);
  };
  return registerEngine(std::move(entry));
}

const bool kRegistered =
    registerLifeguard(LIFEGUARD_ENGINE_PREFIX "lifeguard", "the embedded engine of engine/, in memory", false) &&
    registerLifeguard(LIFEGUARD_ENGINE_PREFIX "lifeguard-disk",
                      "the embedded engine of engine/, on disk (WAL, reopen keeps the data)", true);

}  // namespace

}  // namespace lifeguard::harness

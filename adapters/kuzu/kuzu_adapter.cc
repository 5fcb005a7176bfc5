// The adapter for Kuzu (the engine of the incident, ../shared/seed/), through
// its public C++ API (kuzu-source/src/include/main/kuzu.h) only.
//
// Mapping (Cypher):
//   database   kuzu::main::Database on a directory under the run's scratch
//              directory, 2 threads, a 256 MiB buffer pool; it survives
//              close and reopen (durable). Tables t1, t2 are node tables
//              (a INT64 PRIMARY KEY, b STRING).
//   close      Kuzu's C++ API has no close(): its destructors are the close.
//              Two ways embedders reach them, as the policy:
//     binding  (default) as the Node.js binding: a call in flight holds its
//              own reference, so the destructor runs when the last call on
//              that object returns; connections do not keep the database
//              alive. This is how the incident was seen, and the only way a
//              close can race a query without the caller itself destroying
//              an object it is still calling.
//     embedder as a C++ embedder who trusts the destructor to wait (the
//              published fix makes ~Connection wait): close destroys the
//              object at once, even while another thread is inside a call
//              on it (the incident's ~Connection race).
//   query      Connection::query; long N = a nested UNWIND with a sum
//              (sqrt(N) x sqrt(N) rows), count = MATCH ... RETURN count(*),
//              insert = UNWIND ... CREATE, copy / copy_bad = COPY t FROM a
//              CSV, begin / commit / rollback = BEGIN TRANSACTION / COMMIT /
//              ROLLBACK, multi = ';'-separated statements.
//   interrupt  Connection::interrupt; timeout Connection::setQueryTimeOut.
// Contract (kuzuContract below, printed by `lifeguard contract --engine kuzu`):
// deferred close. Kuzu 0.11's ~Database marks a lifecycle manager that every
// Connection and QueryResult shares closed; from then on their calls answer
// "The current operation is not allowed because the parent database is
// closed." (src/common/database_lifecycle_manager.cpp; test/api/api_test.cpp,
// CloseDatabaseBeforeQueryResultAndConnection: "It should not cause
// SEGFAULT"). The check is made at each call's entry only, so nothing in
// Kuzu's documentation makes a close racing a running query the caller's
// fault, and Kuzu documents each Connection as thread-safe
// (src/include/main/connection.h: "Each Connection is thread-safe. Multiple
// connections can connect to the same Database instance in a multi-threaded
// environment."). Under `embedder`, destroying a Connection or a QueryResult
// while another thread is inside a call on that same object is the caller's
// fault (C++ object lifetime: no member function may run on a destroyed
// object), drawn only with --outside-contract. Kuzu answers a COPY that ran
// while another connection's transaction was open with a checkpoint timeout
// although the COPY committed (src/main/client_context.cpp: "We always force
// checkpoint for COPY_FROM statement"; src/transaction/transaction_manager.cpp
// commits before it checkpoints; docs.kuzudb.com/cypher/transaction: "once you
// commit a transaction successfully, all your changes will persist even if
// there is an error *after* committing"): that answer is Indeterminate.
#include <atomic>
#include <cmath>
#include <mutex>
#include <filesystem>

#include <fmt/format.h>

#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/handle_slots.h"
#include "lifeguard/harness/scratch_dir.h"
#include "lifeguard/harness/workload.h"
#include "lifeguard/sync/controlled.h"
#include "cypher.h"
#include "main/kuzu.h"

namespace lifeguard::harness {

// The C++ program `lifeguard export --as cpp` writes (kuzu_export.cc).
ProgramParts kuzuCppParts(const Schedule& schedule);

namespace {

using kuzu::main::Connection;
using kuzu::main::Database;
using kuzu::main::QueryResult;

Contract kuzuContract(const std::string& policy);

// Kuzu reports errors as messages; their prefixes name the exception class.
Answer fromMessage(const std::string& message, const QuerySpec* spec) {
  auto has = [&](const char* text) { return message.find(text) != std::string::npos; };
  AnswerKind kind = AnswerKind::kInternal;
  if (has("Interrupted")) kind = AnswerKind::kInterrupted;
  else if (has("Timeout waiting for active transactions to leave the system before checkpointing") ||
           has("Timeout waiting for active write transactions to leave the system before checkpointing"))  // forks
    kind = AnswerKind::kIndeterminate;  // the write committed; its checkpoint did not run
  else if (has("parent database is closed")) kind = AnswerKind::kDatabaseClosed;
  else if (has("write transaction")) kind = AnswerKind::kWriteConflict;
  else if (spec != nullptr && (spec->kind == QueryKind::kCopy || spec->kind == QueryKind::kCopyBad ||
                               spec->kind == QueryKind::kMulti) &&
           (has("Copy exception") || has("Conversion exception")))
    kind = AnswerKind::kCopyError;
  else if (has("Parser exception") || has("Binder exception") || has("Connection already has an active transaction") ||
           has("No active transaction for") || has("Cannot start a new transaction while there is an active") ||
           has("Overflow exception"))
    kind = AnswerKind::kUserError;
  // Anything else is Internal, which no contract allows.
  return {kind, message, std::nullopt};
}

template <typename F>
Answer answering(F&& body) {
  try {
    return body();
  } catch (const std::exception& error) {
    return fromMessage(error.what(), nullptr);
  }
}

class KuzuAdapter : public EngineAdapter {
 public:
  KuzuAdapter(bool embedder, std::filesystem::path scratch)
      : embedder_(embedder), scratch_(std::move(scratch)), contract_(kuzuContract(embedder ? "embedder" : "binding")) {}
  ~KuzuAdapter() override {
    results_.clear();
    connections_.clear();
    databases_.clear();
    std::error_code ignored;
    std::filesystem::remove_all(scratch_, ignored);
  }

  std::string name() const override { return "kuzu"; }
  std::string policy() const override { return embedder_ ? "embedder" : "binding"; }
  Capabilities capabilities() const override {
    Capabilities capabilities;
    capabilities.durable = true;
    // A prebuilt library: its own threads and locks reach the controlled
    // scheduler through the interposition layer, if this program has it.
    capabilities.interposed = true;
    capabilities.controllable = testing::interpositionAvailable();
    return capabilities;
  }
  const Contract& contract() const override { return contract_; }

  // Kuzu allows one read-write Database per path (database.h: "there must
  // not be multiple Database objects created with the same database path"):
  // an open waits, one at a time, until the database it replaces is gone
  // (under `binding`, an in-flight call may still hold it).
  bool allowSecondInstances() override { return second_instances_ = true; }

  Answer openDatabase() override {
    std::lock_guard<std::mutex> opening(open_mu_);
    databases_.take("db");
    if (!second_instances_) live_databases_.waitUntilNone();
    return answering([&] {
      std::shared_ptr<Database> db = live_databases_.track<Database>(
          new Database((scratch_ / "db").string(), kuzu::main::SystemConfig(256ull << 20, 2, true, false, 1ull << 32)),
          [](Database* gone) { delete gone; });
      Connection setup(db.get());
      for (const auto& table : tables()) {
        if (setup.query("MATCH (n:" + table + ") RETURN count(*)")->isSuccess()) continue;
        auto created = setup.query("CREATE NODE TABLE " + table + "(a INT64, b STRING, PRIMARY KEY(a))");
        if (!created->isSuccess()) return fromMessage(created->getErrorMessage(), nullptr);
      }
      warmParser(setup);
      databases_.put("db", std::move(db));
      return Answer::ok();
    });
  }
  // Kuzu's parser (ANTLR) caches its lexer's automaton for the whole
  // process, under a read-write lock: a character it meets for the first
  // time takes the write lock, one it met before the read lock. A COPY names
  // a file under the run's scratch directory, whose name is random, so
  // without this the locks a run takes would depend on that name, and a
  // controlled run would not replay. Once per process, every character a
  // scratch path may hold, in a string.
  static void warmParser(Connection& connection) {
    static std::atomic<bool> warmed{false};
    if (warmed.exchange(true)) return;
    connection.query("RETURN 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-'");
  }
  Answer closeDatabase() override { return databases_.take("db") ? Answer::ok() : Answer::gone(); }
  // The old database is destroyed here, or when its last call returns.
  Answer reopenDatabase() override { return openDatabase(); }
  Answer dropDatabase() override { return closeDatabase(); }

  Answer connect(const std::string& name) override {
    auto db = databases_.use("db", !embedder_);
    if (db == nullptr) return Answer::gone();
    return answering([&] {
      connections_.put(name, std::make_shared<Connection>(db.get()));
      return Answer::ok();
    });
  }
  Answer disconnect(const std::string& name) override {
    return connections_.take(name) ? Answer::ok() : Answer::gone();
  }
  Answer dropConnection(const std::string& name) override { return disconnect(name); }

  Answer query(const std::string& name, const std::string& result_name, const QuerySpec& spec,
               std::int64_t tag) override {
    auto conn = connections_.use(name, !embedder_);
    if (conn == nullptr) return Answer::gone();
    std::string cypher = cypherFor(spec, tag);
    return answering([&] {
      auto result = std::make_shared<Chain>(conn->query(cypher));
      Answer answer = chainAnswer(*result, spec);
      if (result_name != "-") results_.put(result_name, std::move(result));
      // Kuzu keeps a transaction open after a parse error (a bind or an
      // execution error ends it): end it, as the harness's model says.
      if (failedToParseOrBind(spec, answer)) conn->query("ROLLBACK");
      return answer;
    });
  }
  Answer iterate(const std::string& name, int part, std::int64_t rows) override {
    auto result = results_.use(name, !embedder_);
    if (result == nullptr) return Answer::gone();
    return answering([&] {
      std::int64_t read = 0;
      // From the part-th result, or the chain's last if it is shorter (a
      // failed query's chain ends at its error).
      std::size_t from = std::min<std::size_t>(static_cast<std::size_t>(part), result->parts.size() - 1);
      for (std::size_t p = from; p < result->parts.size() && read < rows; ++p) {
        QueryResult* r = result->parts[p];
        while (read < rows && r->isSuccess() && r->hasNext()) {
          r->getNext();
          ++read;
        }
      }
      return Answer::ok(read);
    });
  }
  Answer closeResult(const std::string& name) override { return results_.take(name) ? Answer::ok() : Answer::gone(); }
  Answer dropResult(const std::string& name) override { return closeResult(name); }
  Answer interrupt(const std::string& name) override {
    auto conn = connections_.use(name, !embedder_);
    if (conn == nullptr) return Answer::gone();
    return answering([&] {
      conn->interrupt();
      return Answer::ok();
    });
  }
  Answer setTimeout(const std::string& name, std::int64_t ms) override {
    auto conn = connections_.use(name, !embedder_);
    if (conn == nullptr) return Answer::gone();
    return answering([&] {
      conn->setQueryTimeOut(static_cast<std::uint64_t>(ms));
      return Answer::ok();
    });
  }

  Answer readTables(std::vector<TableRows>* tables_out) override {
    auto db = databases_.use("db", !embedder_);
    if (db == nullptr) return Answer::gone();
    return answering([&] {
      Connection reader(db.get());
      tables_out->clear();
      for (const auto& table : tables()) {
        auto result = reader.query("MATCH (n:" + table + ") RETURN n.a, n.b");
        if (!result->isSuccess()) return fromMessage(result->getErrorMessage(), nullptr);
        TableRows rows;
        while (result->hasNext()) {
          auto tuple = result->getNext();
          rows.push_back(tuple->getValue(0)->toString() + "|" + tuple->getValue(1)->toString());
        }
        tables_out->push_back(std::move(rows));
      }
      return Answer::ok();
    });
  }
  EngineState state() override { return {}; }  // Kuzu's public API does not tell

 private:
  // A query's results, one per statement. Kuzu's getNextQueryResult()
  // moves an iterator each result keeps (query_result.h), so a second call
  // on a result skips one: the chain is walked once, here.
  struct Chain {
    explicit Chain(std::unique_ptr<QueryResult> first) : head(std::move(first)) {
      for (QueryResult* r = head.get(); r != nullptr; r = r->getNextQueryResult()) parts.push_back(r);
    }
    std::unique_ptr<QueryResult> head;
    std::vector<QueryResult*> parts;  // head's chain, head first; never empty
  };

  // The first failing result of the chain decides; value = statements that succeeded.
  static Answer chainAnswer(const Chain& chain, const QuerySpec& spec) {
    std::int64_t succeeded = 0;
    for (QueryResult* r : chain.parts) {
      if (!r->isSuccess()) {
        Answer answer = fromMessage(r->getErrorMessage(), &spec);
        answer.value = succeeded;
        return answer;
      }
      ++succeeded;
    }
    return Answer::ok(succeeded);
  }

  std::string cypherFor(const QuerySpec& spec, std::int64_t tag) {
    return kuzuCypher(spec, tag, [&](const QuerySpec& copy, std::int64_t t) { return writeCopyCsv(scratch_, copy, t); });
  }

  const bool embedder_;
  const std::filesystem::path scratch_;
  std::mutex open_mu_;  // one open (or reopen) at a time
  bool second_instances_ = false;  // allowSecondInstances(), before the run
  LiveObjects live_databases_;  // declared before the slots: it outlives their pointers
  const Contract contract_;
  Slots<Database> databases_;
  Slots<Connection> connections_;
  Slots<Chain> results_;
};

Contract kuzuContract(const std::string& policy) {
  Contract contract = deferredCloseContract();
  contract.setStyle(CloseStyle::kDeferred,
                    "src/common/database_lifecycle_manager.cpp; test/api/api_test.cpp "
                    "CloseDatabaseBeforeQueryResultAndConnection");
  contract.setSecondInstance("the caller's fault; the adapter's open waits until the instance it replaces is gone",
                             "include/main/database.h, of a read-write database: \"there must not be multiple "
                             "`Database` objects created with the same database path\"");
  kuzuCheckpointWait(&contract);  // a write's answer after its commit, when the checkpoint that follows times out
  if (policy == "embedder") {
    const std::string kLifetime = "C++ object lifetime ([basic.life]); src/include/main/connection.h and "
                                  "query_result.h document their destructors only as 'Destructs ...'";
    contract.addCallerFault({{OpKind::kDisconnect, OpKind::kDrop},
                             {OpKind::kQuery, OpKind::kInterrupt, OpKind::kSetTimeout},
                             true,
                             "destroying a Connection while another thread is inside a call on it",
                             kLifetime});
    contract.addCallerFault({{OpKind::kCloseDb, OpKind::kReopen, OpKind::kDropDb},
                             {OpKind::kConnect, OpKind::kCheck},
                             false,
                             "destroying a Database while another thread makes a Connection on it",
                             kLifetime});
    contract.addCallerFault({{OpKind::kCloseResult, OpKind::kDrop},
                             {OpKind::kIterate},
                             true,
                             "destroying a QueryResult while another thread iterates it",
                             kLifetime});
  }
  return contract;
}

bool registerKuzu() {
  EngineEntry entry;
  entry.name = "kuzu";
  entry.description = "Kuzu " LIFEGUARD_KUZU_VERSION " through its C++ API (close = destroy; policy: who holds the object)";
  entry.policies = {"binding", "embedder"};
  entry.contract = kuzuContract;
  entry.make = [](const std::string& policy, std::string*) -> std::unique_ptr<EngineAdapter> {
    return std::make_unique<KuzuAdapter>(policy == "embedder", makeScratchDirectory());
  };
  entry.uninstrumented = true;  // a prebuilt library
  entry.exporter = [](const Schedule& schedule, const std::string& language,
                      std::string* error) -> std::optional<ProgramParts> {
    if (language == "cpp") return kuzuCppParts(schedule);
    *error = "kuzu exports --as cpp (its C++ API); node:kuzu exports --as node";
    return std::nullopt;
  };
  return registerEngine(std::move(entry));
}

const bool kRegistered = registerKuzu();

}  // namespace
}  // namespace lifeguard::harness

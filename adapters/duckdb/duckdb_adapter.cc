// The adapter for DuckDB, through its C API (duckdb.h) only, at the release a
// user names: --engine duckdb (the pinned release) or duckdb@VERSION (a
// release of the npm package @duckdb/node-bindings-linux-x64, fetched by
// `./run fetch duckdb@VERSION` into build/engines/duckdb-VERSION/). The
// library is loaded when the adapter is made (duckdb_api.h); the environment
// variable LIFEGUARD_DUCKDB_LIB names a user's own libduckdb.so instead (for
// example one built with ASan or TSan).
//
// Mapping:
//   database   duckdb_open_ext on a file under the run's scratch directory
//              (durable), with threads=2; close = duckdb_close.
//   connection duckdb_connect / duckdb_disconnect.
//   query      the statements of the SQL (duckdb_extract_statements), each
//              prepared and executed in turn; the first failure decides. A
//              query whose result is kept runs its last statement, if it
//              reads, as a streaming result (duckdb_pending_prepared_streaming),
//              so `iterate N` pulls N rows (duckdb_fetch_chunk) from a query
//              still running; otherwise results are materialized (a write
//              streamed would run only as far as its result is fetched).
//              long N = a parallel aggregate over range(30 N) (a streaming
//              one returns every 997th number instead); count, insert,
//              COPY FROM a CSV, BEGIN / COMMIT / ROLLBACK as SQL.
//   interrupt  duckdb_interrupt. There is no per-query timeout in the C API.
//   policies   binding (default): a call in flight keeps the object it uses,
//              which is destroyed when the last call returns (the Node
//              bindings' way); capi: a close destroys at once, as a C caller
//              who trusts it does; then a close racing a call on the same
//              object is the caller's fault (duckdbContract).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include <fmt/format.h>

#include "duckdb_api.h"
#include "duckdb_sql.h"

// "plugin-" where this adapter is built as a plug-in too (CMakeLists.txt).
#ifndef LIFEGUARD_ENGINE_PREFIX
#define LIFEGUARD_ENGINE_PREFIX ""
#endif
#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/handle_slots.h"
#include "lifeguard/harness/scratch_dir.h"
#include "lifeguard/harness/workload.h"
#include "lifeguard/sync/controlled.h"

namespace lifeguard::harness {
namespace {

using duckdb::DuckDbApi;

Contract duckdbContract(const std::string& policy);

// DuckDB's error messages start with the error's class ("Conversion Error: ...").
Answer fromError(const std::string& message, const QuerySpec* spec) {
  auto has = [&](const char* text) { return message.find(text) != std::string::npos; };
  bool copy = spec != nullptr && (spec->kind == QueryKind::kCopy || spec->kind == QueryKind::kCopyBad ||
                                  spec->kind == QueryKind::kMulti);
  AnswerKind kind = AnswerKind::kInternal;
  // Fetching from a failed or ended result quotes that result's error: first.
  if (has("Attempting to fetch from") || has("Attempting to execute an unsuccessful") || has("closed streaming")) {
    kind = AnswerKind::kInvalidUse;
  }
  else if (has("INTERRUPT Error") || has("Interrupted")) kind = AnswerKind::kInterrupted;
  else if (has("onflict")) kind = AnswerKind::kWriteConflict;  // "write-write conflict", "Conflict on ..."
  else if (has("TransactionContext Error")) kind = AnswerKind::kUserError;  // aborted, nested, none active
  else if (copy && (has("Conversion Error") || has("Invalid Input Error: CSV Error") || has("CSV Error")))
    kind = AnswerKind::kCopyError;
  else if (has("Parser Error") || has("Binder Error") || has("Catalog Error") || has("Out of Range Error"))
    kind = AnswerKind::kUserError;
  else if (has("Connection Error") || has("connection has been closed") || has("Connection was closed"))
    kind = AnswerKind::kConnectionClosed;
  return {kind, message, std::nullopt};
}

struct Db {
  const DuckDbApi* api;
  duckdb_database db = nullptr;
};
struct Conn {
  const DuckDbApi* api;
  duckdb_connection conn = nullptr;
  ~Conn() { api->duckdb_disconnect(&conn); }
};
struct Result {
  const DuckDbApi* api;
  duckdb_result result{};
  bool failed = false;  // the statement failed: the result holds its error, not rows
  ~Result() { api->duckdb_destroy_result(&result); }
};

class DuckDbAdapter : public EngineAdapter {
 public:
  DuckDbAdapter(const DuckDbApi* api, std::string name, bool capi, std::filesystem::path scratch)
      : api_(api), name_(std::move(name)), capi_(capi), scratch_(std::move(scratch)),
        contract_(duckdbContract(capi ? "capi" : "binding")) {}
  ~DuckDbAdapter() override {
    results_.clear();
    connections_.clear();
    databases_.clear();
    std::error_code ignored;
    std::filesystem::remove_all(scratch_, ignored);
  }

  std::string name() const override { return name_; }
  std::string policy() const override { return capi_ ? "capi" : "binding"; }
  Capabilities capabilities() const override {
    Capabilities capabilities;
    capabilities.timeout = false;
    capabilities.durable = true;
    capabilities.result_chains = false;  // a multi keeps its last statement's result
    // A prebuilt library: its own threads and locks reach the controlled
    // scheduler through the interposition layer, if this program has it.
    capabilities.interposed = true;
    capabilities.controllable = testing::interpositionAvailable();
    return capabilities;
  }
  const Contract& contract() const override { return contract_; }

  // One instance per file: an open (or reopen) refuses (Busy, and changes
  // nothing) while connections or results keep an instance of the file
  // alive, since a second instance of the file in this process loses the
  // first one's writes (seen: a COPY that answered ok was missing after such
  // a reopen); then it waits until the handle it replaces is gone.
  bool allowSecondInstances() override { return second_instances_ = true; }

  Answer openDatabase() override {
    std::lock_guard<std::mutex> opening(open_mu_);
    if (int users = live_users_.count(); users > 0 && !second_instances_) {  // refused: the handle stays as it was
      return {AnswerKind::kBusy,
              fmt::format("{} connections and results keep the instance of the file open", users), std::nullopt};
    }
    databases_.take("db");
    if (!second_instances_) live_databases_.waitUntilNone();
    duckdb_config config = nullptr;
    api_->duckdb_create_config(&config);
    api_->duckdb_set_config(config, "threads", "2");
    duckdb_database raw = nullptr;
    char* error = nullptr;
    duckdb_state state = api_->duckdb_open_ext((scratch_ / "db.duckdb").c_str(), &raw, config, &error);
    api_->duckdb_destroy_config(&config);
    if (state != DuckDBSuccess) {
      Answer answer = fromError(error != nullptr ? error : "duckdb_open_ext failed", nullptr);
      api_->duckdb_free(error);
      return answer;
    }
    auto db = live_databases_.track<Db>(new Db{api_, raw}, [](Db* gone) {
      gone->api->duckdb_close(&gone->db);
      delete gone;
    });
    Conn setup{api_};
    api_->duckdb_connect(db->db, &setup.conn);
    for (const auto& table : tables()) {
      Result created{api_};
      std::string sql = "CREATE TABLE IF NOT EXISTS " + table + "(a BIGINT, b VARCHAR)";
      if (api_->duckdb_query(setup.conn, sql.c_str(), &created.result) != DuckDBSuccess) {
        return fromError(api_->duckdb_result_error(&created.result), nullptr);
      }
    }
    databases_.put("db", std::move(db));
    return Answer::ok();
  }
  Answer closeDatabase() override { return databases_.take("db") ? Answer::ok() : Answer::gone(); }
  Answer reopenDatabase() override { return openDatabase(); }  // the old one closes in there
  Answer dropDatabase() override { return closeDatabase(); }

  Answer connect(const std::string& name) override {
    auto db = databases_.use("db", !capi_);
    if (db == nullptr) return Answer::gone();
    auto conn = live_users_.track<Conn>(new Conn{api_}, [](Conn* gone) { delete gone; });
    if (api_->duckdb_connect(db->db, &conn->conn) != DuckDBSuccess) {
      return {AnswerKind::kDatabaseClosed, "duckdb_connect failed", std::nullopt};
    }
    connections_.put(name, std::move(conn));
    return Answer::ok();
  }
  Answer disconnect(const std::string& name) override {
    return connections_.take(name) ? Answer::ok() : Answer::gone();
  }
  Answer dropConnection(const std::string& name) override { return disconnect(name); }

  Answer query(const std::string& name, const std::string& result_name, const QuerySpec& spec,
               std::int64_t tag) override {
    auto conn = connections_.use(name, !capi_);
    if (conn == nullptr) return Answer::gone();
    const bool keep = result_name != "-";
    std::shared_ptr<Result> result;
    Answer answer = run(conn->conn, sqlFor(spec, tag, keep), spec, keep ? &result : nullptr);
    if (keep && result != nullptr) results_.put(result_name, std::move(result));
    // DuckDB keeps a transaction open after a parse or bind error (and aborts
    // it after an execution error): end it, as the harness's model says.
    if (failedToParseOrBind(spec, answer)) run(conn->conn, "ROLLBACK", QuerySpec{}, nullptr);
    return answer;
  }
  Answer iterate(const std::string& name, int part, std::int64_t rows) override {
    if (part > 0) return lacksResultChains();
    auto result = results_.use(name, !capi_);
    if (result == nullptr) return Answer::gone();
    // Releases differ in what a fetch from a failed result says (1.5: "Attempting
    // to fetch from an unsuccessful query result", 1.4: the statement's own
    // error); either way it is a result with no rows to read.
    if (result->failed) return {AnswerKind::kInvalidUse, "the result holds the query's error", std::nullopt};
    std::int64_t read = 0;
    while (read < rows) {
      duckdb_data_chunk chunk = api_->duckdb_fetch_chunk(result->result);
      if (chunk == nullptr) break;
      read += static_cast<std::int64_t>(api_->duckdb_data_chunk_get_size(chunk));
      api_->duckdb_destroy_data_chunk(&chunk);
    }
    if (const char* error = api_->duckdb_result_error(&result->result)) return fromError(error, nullptr);
    return Answer::ok(read);
  }
  Answer closeResult(const std::string& name) override { return results_.take(name) ? Answer::ok() : Answer::gone(); }
  Answer dropResult(const std::string& name) override { return closeResult(name); }
  Answer interrupt(const std::string& name) override {
    auto conn = connections_.use(name, !capi_);
    if (conn == nullptr) return Answer::gone();
    api_->duckdb_interrupt(conn->conn);
    return Answer::ok();
  }
  Answer setTimeout(const std::string&, std::int64_t) override {
    return {AnswerKind::kInternal, "DuckDB's C API has no query timeout (the capability is off)", std::nullopt};
  }

  Answer readTables(std::vector<TableRows>* tables_out) override {
    auto db = databases_.use("db", !capi_);
    if (db == nullptr) return Answer::gone();
    Conn reader{api_};
    if (api_->duckdb_connect(db->db, &reader.conn) != DuckDBSuccess) {
      return {AnswerKind::kDatabaseClosed, "duckdb_connect failed", std::nullopt};
    }
    tables_out->clear();
    for (const auto& table : tables()) {
      Result read{api_};
      if (api_->duckdb_query(reader.conn, ("SELECT a, b FROM " + table).c_str(), &read.result) != DuckDBSuccess) {
        return fromError(api_->duckdb_result_error(&read.result), nullptr);
      }
      TableRows rows;
      for (idx_t row = 0; row < api_->duckdb_row_count(&read.result); ++row) {
        char* a = api_->duckdb_value_varchar(&read.result, 0, row);
        char* b = api_->duckdb_value_varchar(&read.result, 1, row);
        rows.push_back(std::string(a != nullptr ? a : "NULL") + "|" + (b != nullptr ? b : "NULL"));
        api_->duckdb_free(a);
        api_->duckdb_free(b);
      }
      tables_out->push_back(std::move(rows));
    }
    return Answer::ok();
  }
  EngineState state() override { return {}; }  // the C API does not tell

 private:
  // Runs each statement of `sql`; the last one streams into *kept if asked.
  // The first failure decides; its value is how many statements succeeded.
  Answer run(duckdb_connection conn, const std::string& sql, const QuerySpec& spec,
             std::shared_ptr<Result>* kept) {
    duckdb_extracted_statements statements = nullptr;
    idx_t count = api_->duckdb_extract_statements(conn, sql.c_str(), &statements);
    if (count == 0) {
      Answer answer = fromError(api_->duckdb_extract_statements_error(statements), &spec);
      api_->duckdb_destroy_extracted(&statements);
      return answer;
    }
    Answer answer = Answer::ok(static_cast<std::int64_t>(count));
    // Only a read streams: a write streamed would run (and commit) only as
    // far as its result is fetched.
    const std::vector<QuerySpec> parts = spec.statements();
    const bool last_reads = !parts.empty() && !parts.back().isWrite() && parts.back().kind != QueryKind::kBegin &&
                            parts.back().kind != QueryKind::kCommit && parts.back().kind != QueryKind::kRollback;
    for (idx_t i = 0; i < count; ++i) {
      std::string error = runOne(conn, statements, i, i + 1 == count ? kept : nullptr, last_reads);
      if (error.empty()) continue;
      answer = fromError(error, &spec);
      answer.value = static_cast<std::int64_t>(i);
      break;
    }
    api_->duckdb_destroy_extracted(&statements);
    return answer;
  }

  // One statement; "" or its error.
  std::string runOne(duckdb_connection conn, duckdb_extracted_statements statements, idx_t i,
                     std::shared_ptr<Result>* kept, bool stream) {
    duckdb_prepared_statement prepared = nullptr;
    std::string error;
    auto result = live_users_.track<Result>(new Result{api_}, [](Result* gone) { delete gone; });
    if (api_->duckdb_prepare_extracted_statement(conn, statements, i, &prepared) != DuckDBSuccess) {
      const char* message = api_->duckdb_prepare_error(prepared);
      error = message != nullptr ? message : "prepare failed";
    } else if (kept == nullptr || !stream) {
      if (api_->duckdb_execute_prepared(prepared, &result->result) != DuckDBSuccess) {
        // DuckDB 1.4.1 leaves the error NULL for an execution an interrupt
        // ended (under PCT), which duckdb.h says is set on DuckDBError.
        const char* message = api_->duckdb_result_error(&result->result);
        error = message != nullptr ? message : "execute failed without an error message";
      }
      if (kept != nullptr) *kept = result;
    } else {
      duckdb_pending_result pending = nullptr;
      if (api_->duckdb_pending_prepared_streaming(prepared, &pending) != DuckDBSuccess ||
          api_->duckdb_execute_pending(pending, &result->result) != DuckDBSuccess) {
        const char* message = api_->duckdb_result_error(&result->result);
        if (message == nullptr) message = api_->duckdb_pending_error(pending);
        error = message != nullptr ? message : "execute failed";
      }
      api_->duckdb_destroy_pending(&pending);
      *kept = result;
    }
    api_->duckdb_destroy_prepare(&prepared);
    result->failed = !error.empty();
    return error;
  }

  std::string sqlFor(const QuerySpec& spec, std::int64_t tag, bool streaming) {
    return duckdbSql(spec, tag, [&](const QuerySpec& copy, std::int64_t t) { return writeCopyCsv(scratch_, copy, t); },
                     streaming);
  }

  const DuckDbApi* const api_;
  const std::string name_;
  const bool capi_;
  const std::filesystem::path scratch_;
  const Contract contract_;
  std::mutex open_mu_;          // one open (or reopen) at a time
  bool second_instances_ = false;  // allowSecondInstances(), before the run
  LiveObjects live_databases_;  // duckdb_database handles; declared before the slots
  LiveObjects live_users_;      // connections and results, which keep an instance alive
  Slots<Db> databases_;
  Slots<Conn> connections_;
  Slots<Result> results_;
};

// The contract, from DuckDB's documentation (and, where it is silent, a
// maintainer's word):
// - deferred close: "the connection holds a shared pointer to the database,
//   which means as long as any connection is alive the database will be kept
//   alive" (Mytherin, duckdb/duckdb#1924); queries go on after duckdb_close.
// - optimistic concurrency: "the second thread to attempt the edit will fail
//   with a conflict error" (duckdb.org/docs/stable/connect/concurrency), and a
//   transaction that fails is aborted: every later statement in it answers
//   "Current transaction is aborted (please ROLLBACK)" (a user error).
// - "one query can be active per connection" (duckdb/duckdb#16589): a later
//   query on the connection ends an earlier streaming result.
// - capi: duckdb_disconnect and duckdb_close free at once ("de-allocates all
//   memory allocated for that connection", duckdb.h); destroying an object
//   while another thread is inside a call on it is the caller's fault.
Contract duckdbContract(const std::string& policy) {
  using A = AnswerKind;
  Contract contract = deferredCloseContract();
  contract.setStyle(CloseStyle::kDeferred, "duckdb/duckdb#1924 (connections keep the database alive)");
  contract.setSecondInstance("the caller's fault; the adapter's open answers Busy, and changes nothing, while "
                             "connections or results of an earlier instance of the file live",
                             "duckdb.org/docs/stable/connect/concurrency: sharing one instance per file is the "
                             "application's job (the C API caches none); seen: a COPY that answered ok was missing "
                             "after a second instance of its file");
  for (QueryKind query : kStatementKinds) {
    for (HandleState state : kHandleStates) {
      contract.allow({OpKind::kQuery, query, state}, {A::kUserError, A::kWriteConflict});
    }
  }
  // Another query on the connection started between this one's pending
  // result and its execution, and ended it ("Attempting to execute an
  // unsuccessful or closed pending query result"). Found under PCT, never
  // free-running.
  contract.allowWhenConnectionShared({A::kInvalidUse}, "duckdb/duckdb#16589: one query can be active per "
                                                       "connection; a later one ends an earlier pending result");
  for (HandleState state : kHandleStates) {
    contract.allow({OpKind::kIterate, QueryKind::kLong, state}, {A::kInvalidUse});
    // The adapter refuses a second instance of the file while the first lives.
    contract.allow({OpKind::kOpenDb, QueryKind::kLong, state}, {A::kBusy});
    contract.allow({OpKind::kReopen, QueryKind::kLong, state}, {A::kBusy});
  }
  if (policy == "capi") {
    const std::string kFrees = "duckdb.h: duckdb_disconnect and duckdb_close de-allocate at once";
    contract.addCallerFault({{OpKind::kDisconnect, OpKind::kDrop}, {OpKind::kQuery, OpKind::kInterrupt}, true,
                             "disconnecting a connection while another thread is inside a call on it", kFrees});
    contract.addCallerFault({{OpKind::kCloseResult, OpKind::kDrop}, {OpKind::kIterate}, true,
                             "destroying a result while another thread fetches from it", kFrees});
    contract.addCallerFault({{OpKind::kCloseDb, OpKind::kReopen, OpKind::kDropDb},
                             {OpKind::kConnect, OpKind::kCheck},
                             false,
                             "closing a database while another thread connects to it",
                             kFrees});
  }
  return contract;
}

// The library of release `version`: LIFEGUARD_DUCKDB_LIB if set, else the
// fetched package's, which `./run fetch` brings if it is not there yet.
std::string libraryFor(const std::string& version) {
  if (const char* own = std::getenv("LIFEGUARD_DUCKDB_LIB")) return own;
  std::string dir = std::string(LIFEGUARD_ENGINES_DIR) + "/duckdb-" + version;
  std::string library = dir + "/lib/libduckdb.so";
  if (!std::filesystem::exists(library)) {
    std::string fetch = std::string(LIFEGUARD_SOURCE_DIR) + "/run fetch 'duckdb@" + version + "' >&2";
    std::fprintf(stderr, "lifeguard: DuckDB %s is not in %s: %s\n", version.c_str(), dir.c_str(), fetch.c_str());
    if (std::system(fetch.c_str()) != 0) return "";
  }
  return library;
}

std::unique_ptr<EngineAdapter> makeDuckDb(const std::string& version, const std::string& policy,
                                          std::string* error) {
  std::string library = libraryFor(version);
  if (library.empty()) {
    *error = "DuckDB " + version + " could not be fetched (see above)";
    return nullptr;
  }
  const DuckDbApi* api = duckdb::loadDuckDb(library, error);
  if (api == nullptr) return nullptr;
  std::string name = std::string(LIFEGUARD_ENGINE_PREFIX "duckdb@") +
                     (std::getenv("LIFEGUARD_DUCKDB_LIB") != nullptr ? api->version : version);
  return std::make_unique<DuckDbAdapter>(api, name, policy == "capi", makeScratchDirectory());
}

bool registerDuckDb() {
  EngineEntry entry;
  entry.name = LIFEGUARD_ENGINE_PREFIX "duckdb";
  entry.description = "DuckDB through its C API; duckdb@VERSION for any release of @duckdb/node-bindings-linux-x64 "
                      "(default " LIFEGUARD_DUCKDB_VERSION ")";
  entry.policies = {"binding", "capi"};
  entry.contract = duckdbContract;
  entry.make = [](const std::string& policy, std::string* error) {
    return makeDuckDb(LIFEGUARD_DUCKDB_VERSION, policy, error);
  };
  entry.make_version = makeDuckDb;
  entry.uninstrumented = std::getenv("LIFEGUARD_DUCKDB_LIB") == nullptr;  // a prebuilt library
  return registerEngine(std::move(entry));
}

const bool kRegistered = registerDuckDb();

}  // namespace
}  // namespace lifeguard::harness

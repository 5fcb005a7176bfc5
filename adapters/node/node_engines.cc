// Engines through their Node.js bindings (adapters/node/driver.js, over the
// process protocol of adapters/process/): --engine node:kuzu[@VERSION] (the
// `kuzu` package, default LIFEGUARD_NODE_KUZU_VERSION, the incident's) and
// node:duckdb[@VERSION] (`@duckdb/node-api`). `./run fetch node:NAME@VERSION`
// installs the package into build/engines/node-NAME-VERSION/node_modules;
// the adapter runs it itself when the version is missing. The environment
// variable LIFEGUARD_NODE names the node program (default: node on PATH).
//
// Each contract is the binding's documentation, not the C++ API's
// (adapters/node/README.md quotes it): JavaScript has no object lifetime to
// get wrong, so whatever a script does with the binding's objects, in
// whatever order, may fail with an error but never crash or hang.
#include <cstdlib>
#include <filesystem>

#include "cypher.h"
#include "lifeguard/harness/engine_adapter.h"
#include "node_export.h"
#include "process_adapter.h"

namespace lifeguard::harness {
namespace {

// Both bindings: a close does not wait for the work in flight on its object
// (the work holds the engine, or fails cleanly), so the harness judges them
// as deferred closes.
Contract nodeKuzuContract(const std::string&) {
  Contract contract = deferredCloseContract();
  contract.setStyle(CloseStyle::kDeferred,
                    "kuzu package: database.js close() 'Close the database.', connection.js close() 'Call to this "
                    "method is optional. The connection will be closed automatically when the object goes out of "
                    "scope.'; Kuzu's database_lifecycle_manager.cpp answers calls on a closed database with an error");
  // As adapters/kuzu/: Kuzu answers a write whose commit succeeded but whose
  // checkpoint timed out with an error, after waiting 5 s.
  kuzuCheckpointWait(&contract);
  // Kuzu's database.h: "there must not be multiple Database objects created
  // with the same database path". The driver refuses an open while an
  // earlier instance of the path may live (kuzu.js).
  contract.setSecondInstance("the caller's fault; the driver's open answers Busy while connections or calls of an "
                             "earlier instance of the path live (kuzu.js)",
                             "Kuzu's include/main/database.h, of a read-write database: \"there must not be "
                             "multiple `Database` objects created with the same database path\"");
  for (HandleState state : kHandleStates) {
    contract.allow({OpKind::kOpenDb, QueryKind::kLong, state}, {AnswerKind::kBusy});
    contract.allow({OpKind::kReopen, QueryKind::kLong, state}, {AnswerKind::kBusy});
    // @ladybugdb/core's NodeQueryResult::close refuses while a getNext() on
    // it is in flight ("Cannot close QueryResult while an async operation is
    // in flight."), and the result stays open (kuzu.js: classify).
    contract.allow({OpKind::kCloseResult, QueryKind::kLong, state}, {AnswerKind::kBusy});
  }
  return contract;
}

Contract nodeDuckDbContract(const std::string&) {
  using A = AnswerKind;
  Contract contract = deferredCloseContract();
  contract.setStyle(CloseStyle::kDeferred,
                    "@duckdb/node-api README: closeSync() on an instance or a connection; DuckDB's connections keep "
                    "their database alive (duckdb/duckdb#1924)");
  contract.setSecondInstance("the caller's fault; the driver's open answers Busy while connections of an earlier "
                             "instance of the file live (duckdb.js)",
                             "duckdb.org/docs/stable/connect/concurrency: sharing one instance per file is the "
                             "application's job");
  for (QueryKind query : kStatementKinds) {
    for (HandleState state : kHandleStates) contract.allow({OpKind::kQuery, query, state}, {A::kUserError, A::kWriteConflict});
  }
  for (HandleState state : kHandleStates) {
    contract.allow({OpKind::kIterate, QueryKind::kLong, state}, {A::kInvalidUse});
    // The driver refuses a second instance of the file while the first lives (duckdb.js).
    contract.allow({OpKind::kOpenDb, QueryKind::kLong, state}, {A::kBusy});
    contract.allow({OpKind::kReopen, QueryKind::kLong, state}, {A::kBusy});
  }
  return contract;
}

Capabilities nodeKuzuCapabilities() {
  Capabilities capabilities;
  capabilities.durable = true;
  capabilities.interrupt = false;  // the kuzu package has no interrupt
  return capabilities;
}

Capabilities nodeDuckDbCapabilities() {
  Capabilities capabilities;
  capabilities.durable = true;
  capabilities.timeout = false;        // @duckdb/node-api has no query timeout
  capabilities.result_chains = false;  // a result holds the last statement's
  return capabilities;
}

struct Binding {
  const char* engine;   // --engine NAME
  const char* package;  // the npm package
  const char* file;     // its driver file, adapters/node/FILE.js
  const char* version;  // the default version
  Contract (*contract)(const std::string& policy);
  Capabilities (*capabilities)();
  // `lifeguard export --as node` (node_export.h).
  ProgramParts (*program)(const Schedule& schedule, const std::string& package, const std::string& modules);
};

constexpr Binding kKuzu{"node:kuzu",           "kuzu",         "kuzu",       LIFEGUARD_NODE_KUZU_VERSION,
                        nodeKuzuContract,      nodeKuzuCapabilities, nodeKuzuParts};
constexpr Binding kDuckDb{"node:duckdb",          "@duckdb/node-api",     "duckdb",       LIFEGUARD_NODE_DUCKDB_VERSION,
                          nodeDuckDbContract,     nodeDuckDbCapabilities, nodeDuckDbParts};

bool validVersion(const std::string& version) {
  if (version.empty()) return false;
  for (char c : version) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') return false;
  }
  return true;
}

// Where ./run installs the binding's package at `version`.
std::filesystem::path modulesDir(const Binding& binding, const std::string& version) {
  std::string short_name = std::string(binding.engine).substr(5);  // without "node:"
  return std::filesystem::path(LIFEGUARD_ENGINES_DIR) / ("node-" + short_name + "-" + version) / "node_modules";
}

std::unique_ptr<EngineAdapter> makeNode(const Binding& binding, const std::string& version, const std::string& policy,
                                        std::string* error) {
  std::string spec = std::string(binding.engine) + "@" + version;
  if (!validVersion(version)) {
    *error = "'" + version + "' is not a package version (" + binding.engine + "@VERSION)";
    return nullptr;
  }
  std::filesystem::path modules = modulesDir(binding, version);
  if (!std::filesystem::exists(modules / binding.package / "package.json")) {
    std::string fetch = std::string(LIFEGUARD_SOURCE_DIR) + "/run fetch '" + spec + "' >&2";
    std::fprintf(stderr, "lifeguard: %s is not in %s: %s\n", spec.c_str(), modules.c_str(), fetch.c_str());
    if (std::system(fetch.c_str()) != 0) {
      *error = spec + " could not be fetched (see above); a fork that ./run does not know is fetched first with " +
               "./run fetch " + spec + " --package NPM_PACKAGE";
      return nullptr;
    }
  }
  const char* node = std::getenv("LIFEGUARD_NODE");
  ProcessEngine engine;
  engine.name = spec;
  engine.policy = policy;
  engine.argv = {node != nullptr ? node : "node", "--expose-gc", std::string(LIFEGUARD_NODE_DRIVER_DIR) + "/driver.js",
                 "--binding", binding.file, "--modules", modules.string()};
  engine.capabilities = binding.capabilities();
  engine.contract = binding.contract(policy);
  engine.native_stacks = true;  // a crash in the binding's library shows where
  return makeProcessAdapter(std::move(engine), error);
}

bool registerBinding(const Binding& binding) {
  EngineEntry entry;
  entry.name = binding.engine;
  entry.description = std::string("the ") + binding.package + " package (Node.js binding) through a driver process; " +
                      binding.engine + "@VERSION for any release (default " + binding.version + ")";
  entry.policies = {"binding"};
  entry.contract = binding.contract;
  entry.make = [&binding](const std::string& policy, std::string* error) {
    return makeNode(binding, binding.version, policy, error);
  };
  entry.make_version = [&binding](const std::string& version, const std::string& policy, std::string* error) {
    return makeNode(binding, version, policy, error);
  };
  entry.exporter = [&binding](const Schedule& schedule, const std::string& language,
                              std::string* error) -> std::optional<ProgramParts> {
    if (language != "node") {
      *error = std::string(binding.engine) + " exports --as node (the binding's JavaScript API)";
      return std::nullopt;
    }
    std::size_t at = schedule.engine.find('@');
    std::string version = at == std::string::npos ? binding.version : schedule.engine.substr(at + 1);
    std::string package = std::string(binding.package) + " " + version;
    return binding.program(schedule, package, modulesDir(binding, version).string());
  };
  return registerEngine(std::move(entry));
}

const bool kRegistered = registerBinding(kKuzu) && registerBinding(kDuckDb);

}  // namespace
}  // namespace lifeguard::harness

// What the interposition layer (sync/interpose.h) costs an engine outside a
// controlled run: query loops on Kuzu (its C++ API) and DuckDB (its C API),
// each in a fresh in-memory database. Built twice from this file: once
// plain, once linking the layer with its symbols exported
// (interpose_cost_interposed), so every pthread call of the engine goes
// through the layer's one-branch forward. bench/interpose_cost.sh runs the
// two alternately and reports the ratio.
// usage: interpose_cost kuzu|duckdb QUERIES   (prints the loop's seconds)
#include <dlfcn.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "duckdb.h"
#include "main/kuzu.h"

namespace {

double seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Queries run before the loop is timed: the first call of each of the
// engine's functions binds it (lazily), which costs more in the program that
// exports its symbols, once; the layer's cost is the one it pays every call.
constexpr long kWarmUp = 100;

// A trivial query and a small parallel aggregate, in turn.
const char* query(long i, bool cypher) {
  if (cypher) return i % 2 == 0 ? "RETURN 42" : "UNWIND range(1, 2000) AS x RETURN sum(x)";
  return i % 2 == 0 ? "SELECT 42" : "SELECT sum(i) FROM range(200000) t(i)";
}

double kuzuLoop(long queries) {
  kuzu::main::Database db(":memory:", kuzu::main::SystemConfig(64ull << 20, 2));
  kuzu::main::Connection conn(&db);
  for (long i = 0; i < kWarmUp; ++i) {
    if (!conn.query(query(i, true))->isSuccess()) std::abort();
  }
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < queries; ++i) {
    if (!conn.query(query(i, true))->isSuccess()) std::abort();
  }
  return seconds(start);
}

template <typename F>
F load(void* library, const char* name) {
  void* symbol = dlsym(library, name);
  if (symbol == nullptr) std::fprintf(stderr, "no %s in libduckdb\n", name), std::exit(2);
  return reinterpret_cast<F>(symbol);
}

double duckdbLoop(long queries) {
  void* library = dlopen(LIFEGUARD_DUCKDB_LIBRARY, RTLD_NOW);
  if (library == nullptr) std::fprintf(stderr, "%s\n", dlerror()), std::exit(2);
  auto open = load<decltype(&duckdb_open)>(library, "duckdb_open");
  auto connect = load<decltype(&duckdb_connect)>(library, "duckdb_connect");
  auto run = load<decltype(&duckdb_query)>(library, "duckdb_query");
  auto destroy = load<decltype(&duckdb_destroy_result)>(library, "duckdb_destroy_result");
  auto disconnect = load<decltype(&duckdb_disconnect)>(library, "duckdb_disconnect");
  auto close = load<decltype(&duckdb_close)>(library, "duckdb_close");
  duckdb_database db;
  duckdb_connection conn;
  std::chrono::steady_clock::time_point start;
  if (open(nullptr, &db) != DuckDBSuccess || connect(db, &conn) != DuckDBSuccess) std::abort();
  if (const char* threads = std::getenv("DUCKDB_THREADS")) {  // fewer threads: less of the OS scheduler's noise
    duckdb_result result;
    if (run(conn, ("SET threads=" + std::string(threads)).c_str(), &result) != DuckDBSuccess) std::abort();
    destroy(&result);
  }
  for (long i = -kWarmUp; i < queries; ++i) {
    if (i == 0) start = std::chrono::steady_clock::now();
    duckdb_result result;
    if (run(conn, query(i, false), &result) != DuckDBSuccess) std::abort();
    destroy(&result);
  }
  double took = seconds(start);
  disconnect(&conn);
  close(&db);
  return took;
}

}  // namespace

int main(int argc, char** argv) {
  long queries = argc == 3 ? std::strtol(argv[2], nullptr, 10) : 0;
  std::string engine = argc == 3 ? argv[1] : "";
  if (queries <= 0 || (engine != "kuzu" && engine != "duckdb")) {
    std::fprintf(stderr, "usage: %s kuzu|duckdb QUERIES\n", argv[0]);
    return 2;
  }
  std::printf("%.4f\n", engine == "kuzu" ? kuzuLoop(queries) : duckdbLoop(queries));
  return 0;
}

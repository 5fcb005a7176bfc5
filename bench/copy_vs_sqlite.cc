// COPY throughput of a 1,000,000-row CSV into an on-disk table, beside
// SQLite importing the same file (one transaction of prepared INSERTs, what
// the sqlite3 shell's .import does), alternating in one run.
// usage: copy_vs_sqlite [ROWS] [ROUNDS]
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "lifeguard/lifeguard.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void writeCsv(const std::string& path, long rows) {
  std::ofstream out(path);
  for (long i = 0; i < rows; ++i) out << i << ",name-" << i << "\n";
}

double lifeguardCopy(const std::string& dir, const std::string& csv, long rows) {
  fs::remove_all(dir);
  lifeguard::Database db(dir);
  lifeguard::Connection conn(&db);
  if (!conn.query("CREATE TABLE t(a INT64, b STRING)")->isSuccess()) std::abort();
  auto start = Clock::now();
  auto result = conn.query("COPY t FROM '" + csv + "'");
  double seconds = secondsSince(start);
  if (!result->isSuccess() || std::get<std::int64_t>(result->getNext()[0]) != rows) {
    std::fprintf(stderr, "lifeguard COPY failed: %s\n", result->getErrorMessage().c_str());
    std::exit(1);
  }
  return seconds;
}

void check(int code, sqlite3* db, const char* what) {
  if (code != SQLITE_OK && code != SQLITE_DONE && code != SQLITE_ROW) {
    std::fprintf(stderr, "sqlite %s: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

double sqliteImport(const std::string& path, const std::string& csv) {
  fs::remove(path);
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db, "open");
  check(sqlite3_exec(db, "CREATE TABLE t(a INTEGER, b TEXT)", nullptr, nullptr, nullptr), db, "create");
  auto start = Clock::now();
  check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
  sqlite3_stmt* insert = nullptr;
  check(sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?)", -1, &insert, nullptr), db, "prepare");
  std::ifstream in(csv);
  for (std::string line; std::getline(in, line);) {
    std::size_t comma = line.find(',');
    sqlite3_bind_int64(insert, 1, std::strtoll(line.c_str(), nullptr, 10));
    sqlite3_bind_text(insert, 2, line.c_str() + comma + 1, static_cast<int>(line.size() - comma - 1), SQLITE_TRANSIENT);
    check(sqlite3_step(insert), db, "insert");
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  double seconds = secondsSince(start);
  sqlite3_close(db);
  return seconds;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  long rows = argc > 1 ? std::atol(argv[1]) : 1'000'000;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  fs::path dir = fs::temp_directory_path() / ("lifeguard-copy-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string csv = (dir / "rows.csv").string();
  writeCsv(csv, rows);
  std::vector<double> ours, theirs;
  for (int r = 0; r < rounds; ++r) {  // alternate, so drift hits both alike
    ours.push_back(lifeguardCopy((dir / "lifeguard").string(), csv, rows));
    theirs.push_back(sqliteImport((dir / "sqlite.db").string(), csv));
  }
  double a = median(ours), b = median(theirs);
  std::printf("COPY of %ld rows into an on-disk table, median of %d alternating rounds:\n", rows, rounds);
  std::printf("  lifeguard COPY      %.3f s  (%.0f rows/s)\n", a, static_cast<double>(rows) / a);
  std::printf("  SQLite %s import %.3f s  (%.0f rows/s)\n", sqlite3_libversion(), b, static_cast<double>(rows) / b);
  std::printf("  throughput ratio lifeguard/SQLite = %.2f\n", b / a);
  fs::remove_all(dir);
  return 0;
}

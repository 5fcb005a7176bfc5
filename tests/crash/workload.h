// The crash test's workload and its two-phase log: every write is recorded
// as prepared before it runs and as committed or rolled back after, so the
// check after a crash knows exactly what must, may and must not be there.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>

#include "lifeguard/lifeguard.h"

namespace lifeguard::crash {

inline constexpr std::int64_t kRowsPerOp = 1'000'000;

enum class Outcome { kPrepared, kCommitted, kRolledBack };

struct LoggedWrite {
  std::string table;
  std::int64_t rows = 0;  // 0: a CREATE TABLE
  Outcome outcome = Outcome::kPrepared;
};

// Runs random write transactions (CREATE, INSERT, COPY, multi-statement
// BEGIN ... COMMIT) on `conn`; `log(line)` receives "P id table rows",
// "C id" and "R id". COPY input is written to `csv_path` with `write_csv`
// (on the file system the database reads from). Stops after `ops`
// operations (0: never).
void runWorkload(Connection& conn, std::uint64_t seed, int ops, const std::string& csv_path,
                 const std::function<void(const std::string& path, const std::string& text)>& write_csv,
                 const std::function<void(const std::string&)>& log);

// Applies one log line to the expected state.
void applyLogLine(const std::string& line, std::map<std::int64_t, LoggedWrite>& writes);

// Compares the reopened database with the expected state: committed writes
// whole, rolled-back ones absent, prepared ones whole or absent. Returns ""
// or the first problem.
std::string checkDatabase(Database& db, const std::map<std::int64_t, LoggedWrite>& writes);

}  // namespace lifeguard::crash

#include "crash/workload.h"

#include <set>
#include <sstream>

namespace lifeguard::crash {
namespace {

std::string rowsSql(std::int64_t id, int rows) {
  std::string values;
  for (int i = 0; i < rows; ++i) {
    values += (i ? ", (" : "(") + std::to_string(id * kRowsPerOp + i) + ", 'r" + std::to_string(i) + "')";
  }
  return values;
}

}  // namespace

void runWorkload(Connection& conn, std::uint64_t seed, int ops, const std::string& csv_path,
                 const std::function<void(const std::string& path, const std::string& text)>& write_csv,
                 const std::function<void(const std::string&)>& log) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> tables = {"t0"};
  conn.query("CREATE TABLE t0(a INT64, b STRING)");
  std::int64_t id = static_cast<std::int64_t>(seed % 1000) * 100'000;  // unique per round
  for (int done = 0; ops == 0 || done < ops; ++done) {
    ++id;
    int kind = static_cast<int>(rng() % 10);
    const std::string table = tables[rng() % tables.size()];
    std::string sql;
    int rows = 1 + static_cast<int>(rng() % 50);
    if (kind == 0) {
      std::string name = "t" + std::to_string(tables.size());
      log("P " + std::to_string(id) + " " + name + " 0");
      bool ok = conn.query("CREATE TABLE " + name + "(a INT64, b STRING)")->isSuccess();
      if (ok) tables.push_back(name);
      log((ok ? "C " : "R ") + std::to_string(id));
      continue;
    }
    if (kind <= 4) {
      sql = "INSERT INTO " + table + " VALUES " + rowsSql(id, rows);
    } else if (kind <= 7) {
      rows = 100 + static_cast<int>(rng() % 3000);
      std::string text;
      for (int i = 0; i < rows; ++i) text += std::to_string(id * kRowsPerOp + i) + ",c" + std::to_string(i) + "\n";
      write_csv(csv_path, text);
      sql = "COPY " + table + " FROM '" + csv_path + "'";
    } else {
      int first = rows / 2;
      sql = "BEGIN; INSERT INTO " + table + " VALUES " + rowsSql(id, first) + "; INSERT INTO " + table + " VALUES ";
      std::string second;
      for (int i = first; i < rows; ++i) {
        second += (i > first ? ", (" : "(") + std::to_string(id * kRowsPerOp + i) + ", 's')";
      }
      sql += second + "; COMMIT";
      if (first == rows) sql = "BEGIN; INSERT INTO " + table + " VALUES " + rowsSql(id, rows) + "; COMMIT";
    }
    log("P " + std::to_string(id) + " " + table + " " + std::to_string(rows));
    auto result = conn.query(sql);
    bool ok = true;
    for (QueryResult* r = result.get(); r != nullptr; r = r->getNextQueryResult()) ok = ok && r->isSuccess();
    log((ok ? "C " : "R ") + std::to_string(id));
  }
}

void applyLogLine(const std::string& line, std::map<std::int64_t, LoggedWrite>& writes) {
  std::istringstream in(line);
  char kind = 0;
  std::int64_t id = 0;
  in >> kind >> id;
  if (kind == 'P') {
    LoggedWrite write;
    in >> write.table >> write.rows;
    writes[id] = write;
  } else if (writes.count(id)) {
    writes[id].outcome = kind == 'C' ? Outcome::kCommitted : Outcome::kRolledBack;
  }
}

std::string checkDatabase(Database& db, const std::map<std::int64_t, LoggedWrite>& writes) {
  Connection conn(&db);
  std::map<std::pair<std::string, std::int64_t>, std::int64_t> found;  // (table, id) -> rows
  std::set<std::string> tables;
  for (int t = 0; t < 64; ++t) {
    std::string table = "t" + std::to_string(t);
    auto result = conn.query("SELECT * FROM " + table);
    if (!result->isSuccess()) continue;
    tables.insert(table);
    while (result->hasNext()) ++found[{table, std::get<std::int64_t>(result->getNext()[0]) / kRowsPerOp}];
  }
  for (const auto& [id, write] : writes) {
    std::string what = "write " + std::to_string(id) + " (" + (write.rows == 0 ? "CREATE " : "") + write.table + ", " +
                       (write.outcome == Outcome::kCommitted    ? "committed"
                        : write.outcome == Outcome::kRolledBack ? "rolled back"
                                                                : "in flight") + ")";
    if (write.rows == 0) {
      if (write.outcome == Outcome::kCommitted && !tables.count(write.table)) return "lost commit: " + what;
      continue;
    }
    std::int64_t rows = found.count({write.table, id}) ? found[{write.table, id}] : 0;
    found.erase({write.table, id});
    bool whole = rows == write.rows, absent = rows == 0;
    if (!whole && !absent) return "partial transaction: " + what + " has " + std::to_string(rows) + " rows";
    if (write.outcome == Outcome::kCommitted && !whole) return "lost commit: " + what;
    if (write.outcome == Outcome::kRolledBack && !absent) return "rolled-back write visible: " + what;
  }
  for (const auto& [key, rows] : found) {
    return "rows of no logged write: " + std::to_string(rows) + " rows of id " + std::to_string(key.second) +
           " in " + key.first;
  }
  return "";
}

}  // namespace lifeguard::crash

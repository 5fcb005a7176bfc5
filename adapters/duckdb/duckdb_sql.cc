#include "duckdb_sql.h"

#include <cstdint>

#include <fmt/format.h>

#include "lifeguard/harness/workload.h"

namespace lifeguard::harness {

std::string duckdbSql(const QuerySpec& spec, std::int64_t tag, const CsvPath& csv, bool streaming) {
  switch (spec.kind) {
    case QueryKind::kLong:
      return streaming ? fmt::format("SELECT x FROM range({}) t(x) WHERE x % 997 = 0", spec.count * 30)
                       : fmt::format("SELECT sum(x) FROM range({}) t(x)", spec.count * 30);
    case QueryKind::kCount: return "SELECT count(*) FROM " + spec.table;
    case QueryKind::kInsert: {
      std::string sql = "INSERT INTO " + spec.table + " VALUES ";
      for (std::int64_t i = 0; i < spec.count; ++i) sql += fmt::format("{}({}, 'v{}')", i ? ", " : "", rowValue(tag, i), i);
      return sql;
    }
    case QueryKind::kCopy:
    case QueryKind::kCopyBad: return "COPY " + spec.table + " FROM '" + csv(spec, tag) + "' (HEADER false)";
    case QueryKind::kBegin: return "BEGIN TRANSACTION";
    case QueryKind::kCommit: return "COMMIT";
    case QueryKind::kRollback: return "ROLLBACK";
    case QueryKind::kMulti:
      return joinStatements(spec, tag,
                            [&](const QuerySpec& part, std::int64_t t) { return duckdbSql(part, t, csv, false); });
    case QueryKind::kBadParse: return "SELEC count(*) FROM t1";
    case QueryKind::kBadBind: return "SELECT count(*) FROM no_such_table";
    case QueryKind::kBadExec:  // "Out of Range Error: Overflow in addition of INT64" at row ~9/10 of N*30
      // (max, not sum: DuckDB rewrites sum(x + C) into sum(x) + C * count(x), which cannot overflow)
      return fmt::format("SELECT max(x + {}) FROM range({}) t(x)", INT64_MAX - spec.count * 27, spec.count * 30);
  }
  return "";
}

}  // namespace lifeguard::harness

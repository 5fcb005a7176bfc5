#include "cypher.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "lifeguard/harness/workload.h"

namespace lifeguard::harness {

std::int64_t kuzuBadExecRows(std::int64_t count) { return std::max<std::int64_t>(10, count / 100); }

std::string kuzuCypher(const QuerySpec& spec, std::int64_t tag, const CsvPath& csv) {
  switch (spec.kind) {
    case QueryKind::kLong: {
      auto side = static_cast<std::int64_t>(std::ceil(std::sqrt(static_cast<double>(spec.count))));
      return fmt::format("UNWIND range(1, {0}) AS i UNWIND range(1, {0}) AS j RETURN sum(i + j)", side);
    }
    case QueryKind::kCount: return "MATCH (n:" + spec.table + ") RETURN count(*)";
    case QueryKind::kInsert:
      return fmt::format("UNWIND range(0, {}) AS i CREATE (:{} {{a: {} + i, b: 'v' + CAST(i AS STRING)}})",
                         spec.count - 1, spec.table, rowValue(tag, 0));
    case QueryKind::kCopy:
    case QueryKind::kCopyBad:  // HEADER=false: else Kuzu takes a bad first line for a header
      return "COPY " + spec.table + " FROM '" + csv(spec, tag) + "' (HEADER=false)";
    case QueryKind::kBegin: return "BEGIN TRANSACTION";
    case QueryKind::kCommit: return "COMMIT";
    case QueryKind::kRollback: return "ROLLBACK";
    case QueryKind::kMulti:
      return joinStatements(spec, tag, [&](const QuerySpec& part, std::int64_t t) { return kuzuCypher(part, t, csv); });
    case QueryKind::kBadParse: return "MATC (n:t1) RETURN count(*)";
    case QueryKind::kBadBind: return "MATCH (n:no_such_table) RETURN count(*)";
    case QueryKind::kBadExec: {  // INT64 addition overflows at row ~9/10
      std::int64_t rows = kuzuBadExecRows(spec.count);
      return fmt::format("UNWIND range(0, {}) AS x RETURN sum(x + {})", rows - 1, INT64_MAX - rows * 9 / 10);
    }
  }
  return "";
}

void kuzuCheckpointWait(Contract* contract) {
  for (QueryKind query : {QueryKind::kInsert, QueryKind::kCopy, QueryKind::kCommit}) {
    for (HandleState state : kHandleStates) contract->allow({OpKind::kQuery, query, state}, {AnswerKind::kIndeterminate});
  }
  contract->setLongestWait(10'000,
                           "Kuzu's src/include/common/constants.h DEFAULT_CHECKPOINT_WAIT_TIMEOUT_IN_MICROS = 5000000; "
                           "src/transaction/transaction_manager.cpp: a commit's checkpoint waits for the other "
                           "transactions, then throws \"Timeout waiting for active transactions to leave the system "
                           "before checkpointing\" (docs.kuzudb.com/cypher/transaction); a COPY on @ladybugdb/core "
                           "0.19.1 answered Ok after 10.5 s, two such waits (docs/engines/node-kuzu.md)");
}

}  // namespace lifeguard::harness

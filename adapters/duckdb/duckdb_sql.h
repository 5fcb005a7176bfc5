// The SQL of each query kind, as DuckDB's adapters run it: the C API's
// (duckdb_adapter.cc) and the Node.js programs `lifeguard export` writes for
// node:duckdb (adapters/node/). duckdb.js says the same in JavaScript for
// the driver. No DuckDB code: any adapter may link it.
//
// Thread-safety: a pure function.
#pragma once

#include <cstdint>
#include <string>

#include "lifeguard/harness/export.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

// `csv` gives a COPY's input file (and writes it, where that is its job).
// `streaming`: the text of a read whose rows are fetched while it runs
// (every 997th number instead of their sum).
std::string duckdbSql(const QuerySpec& spec, std::int64_t tag, const CsvPath& csv, bool streaming);

}  // namespace lifeguard::harness

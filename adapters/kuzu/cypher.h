// The Cypher of each query kind, as Kuzu's adapters run it: the C++ API's
// (kuzu_adapter.cc, and the C++ programs `lifeguard export` writes) and the
// Node.js binding's export (adapters/node/). kuzu.js says the same in
// JavaScript for the driver. No Kuzu code: any adapter may link it.
//
// Thread-safety: a pure function.
#pragma once

#include <cstdint>
#include <string>

#include "lifeguard/harness/contract.h"
#include "lifeguard/harness/export.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

// The rows a bad_exec of `count` runs: a hundredth. Kuzu checks each
// addition for overflow at about 4 to 7 us a row (3,000,000 rows: 12 s on
// kuzu 0.11.3 and 22 s on @ladybugdb/core 0.19.1 through Node, 2-core VM),
// so the schedule's count, sized for lifeguard's own engine, would outlast
// the hang deadline; the error still comes at 9/10 of the rows.
std::int64_t kuzuBadExecRows(std::int64_t count);

// `csv` gives a COPY's input file (and writes it, where that is its job).
std::string kuzuCypher(const QuerySpec& spec, std::int64_t tag, const CsvPath& csv);

// What every Kuzu contract (C++ API, Node.js binding, its forks) says of a
// write's commit: it waits up to 5 s for the other transactions to end
// before it checkpoints, then answers with a timeout although it committed
// (Indeterminate), so a statement may wait on top of its work (10 s: a
// ladybug COPY was seen to wait twice).
void kuzuCheckpointWait(Contract* contract);

}  // namespace lifeguard::harness

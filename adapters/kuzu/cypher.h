// The Cypher of each query kind, as Kuzu's adapters run it: the C++ API's
// (kuzu_adapter.cc, and the C++ programs `lifeguard export` writes) and the
// Node.js binding's export (adapters/node/). kuzu.js says the same in
// JavaScript for the driver. No Kuzu code: any adapter may link it.
//
// Thread-safety: a pure function.
#pragma once

#include <cstdint>
#include <string>

#include "lifeguard/harness/export.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

// `csv` gives a COPY's input file (and writes it, where that is its job).
std::string kuzuCypher(const QuerySpec& spec, std::int64_t tag, const CsvPath& csv);

}  // namespace lifeguard::harness

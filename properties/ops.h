// Builders and rapidcheck generators of schedule operations, for the
// properties' case generators. Handles: connections c1..c4, results r1..r3,
// tables t1, t2. Sizes are small on purpose: a case is a few operations and
// a few thousand scheduling steps.
//
// Thread-safety: plain functions.
#pragma once

#include <rapidcheck.h>

#include <string>
#include <vector>

#include "lifeguard/harness/schedule.h"

namespace lifeguard::properties::ops {

using harness::Op;
using harness::OpKind;
using harness::QueryKind;
using harness::QuerySpec;

Op make(OpKind kind, std::string handle = "");
Op query(std::string conn, QuerySpec spec, std::string result = "-");
Op iterate(std::string result, std::int64_t rows, int part = 0);
QuerySpec spec(QueryKind kind, std::string table = "", std::int64_t count = 0);

// Statements: reads (long, count), writes (insert, copy, copy_bad),
// transaction control (begin, commit, rollback), chains (multi of 2-3 parts).
rc::Gen<QuerySpec> reads();
rc::Gen<QuerySpec> writes();
rc::Gen<QuerySpec> control();
rc::Gen<QuerySpec> chains();
rc::Gen<QuerySpec> anyStatement();
// A long query big enough to be in flight for a while.
rc::Gen<QuerySpec> longRead();

// A query on `conn`; with `results`, kept as one of r1..r3 half the time.
rc::Gen<Op> queryOn(std::string conn, rc::Gen<QuerySpec> statements, bool results = false);
rc::Gen<Op> iterateSome();     // iterate rN 1..3, from the head or (a third of them) a later part
rc::Gen<Op> closeSomeResult();  // close_result rN

// A list of 1..max operations (shrinks by removing operations).
rc::Gen<std::vector<Op>> some(int max, rc::Gen<Op> op);
// 0..max operations.
rc::Gen<std::vector<Op>> upTo(int max, rc::Gen<Op> op);

}  // namespace lifeguard::properties::ops

#include "ops.h"

namespace lifeguard::properties::ops {

Op make(OpKind kind, std::string handle) {
  Op op;
  op.kind = kind;
  op.handle = std::move(handle);
  return op;
}

Op query(std::string conn, QuerySpec spec, std::string result) {
  Op op = make(OpKind::kQuery, std::move(conn));
  op.result = std::move(result);
  op.query = std::move(spec);
  return op;
}

Op iterate(std::string result, std::int64_t rows, int part) {
  Op op = make(OpKind::kIterate, std::move(result));
  op.number = rows;
  op.part = part;
  return op;
}

QuerySpec spec(QueryKind kind, std::string table, std::int64_t count) {
  QuerySpec q;
  q.kind = kind;
  q.table = std::move(table);
  q.count = count;
  return q;
}

namespace {
rc::Gen<std::string> table() { return rc::gen::element<std::string>("t1", "t2"); }
}  // namespace

rc::Gen<QuerySpec> reads() {
  return rc::gen::oneOf(rc::gen::map(rc::gen::inRange<std::int64_t>(1, 5000),
                                     [](std::int64_t n) { return spec(QueryKind::kLong, "", n); }),
                        rc::gen::map(table(), [](std::string t) { return spec(QueryKind::kCount, t); }));
}

rc::Gen<QuerySpec> longRead() {
  return rc::gen::map(rc::gen::inRange<std::int64_t>(5000, 40000),
                      [](std::int64_t n) { return spec(QueryKind::kLong, "", n); });
}

rc::Gen<QuerySpec> writes() {
  return rc::gen::exec([] {
    QuerySpec q = spec(*rc::gen::element(QueryKind::kInsert, QueryKind::kCopy, QueryKind::kCopyBad), *table(),
                       *rc::gen::inRange<std::int64_t>(1, 40));
    if (q.kind == QueryKind::kCopyBad) q.bad_line = *rc::gen::inRange<std::int64_t>(1, q.count + 1);
    return q;
  });
}

rc::Gen<QuerySpec> control() {
  return rc::gen::map(rc::gen::element(QueryKind::kBegin, QueryKind::kCommit, QueryKind::kRollback),
                      [](QueryKind kind) { return spec(kind); });
}

rc::Gen<QuerySpec> chains() {
  return rc::gen::exec([] {
    QuerySpec q = spec(QueryKind::kMulti);
    q.parts = *rc::gen::container<std::vector<QuerySpec>>(*rc::gen::inRange(2, 4),
                                                         rc::gen::oneOf(reads(), writes()));
    return q;
  });
}

rc::Gen<QuerySpec> anyStatement() {
  return rc::gen::weightedOneOf<QuerySpec>({{3, reads()}, {3, writes()}, {2, control()}, {1, chains()}});
}

rc::Gen<Op> queryOn(std::string conn, rc::Gen<QuerySpec> statements, bool results) {
  return rc::gen::exec([conn, statements, results] {
    std::string result = results && *rc::gen::arbitrary<bool>() ? *rc::gen::element<std::string>("r1", "r2", "r3")
                                                                : "-";
    return query(conn, *statements, result);
  });
}

rc::Gen<Op> iterateSome() {
  return rc::gen::exec([] {
    return iterate(*rc::gen::element<std::string>("r1", "r2", "r3"), *rc::gen::inRange<std::int64_t>(1, 4),
                   *rc::gen::element(0, 0, 1, 2));
  });
}

rc::Gen<Op> closeSomeResult() {
  return rc::gen::map(rc::gen::element<std::string>("r1", "r2", "r3"),
                      [](std::string r) { return make(OpKind::kCloseResult, r); });
}

// rapidcheck scales a container's length, and every integer, by the size
// parameter: the length is bounded by resizing the container, and its
// elements get the full nominal size (100) back.
rc::Gen<std::vector<Op>> some(int max, rc::Gen<Op> op) {
  return rc::gen::resize(max, rc::gen::nonEmpty(rc::gen::container<std::vector<Op>>(rc::gen::resize(100, op))));
}

rc::Gen<std::vector<Op>> upTo(int max, rc::Gen<Op> op) {
  return rc::gen::resize(max, rc::gen::container<std::vector<Op>>(rc::gen::resize(100, op)));
}

}  // namespace lifeguard::properties::ops

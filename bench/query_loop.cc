// Runs N trivial queries on one connection under one teardown policy; for
// whole-process measurements (instruction counts under callgrind, timings
// with hyperfine): `query_loop POLICY N`.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "lifeguard/lifeguard.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s legacy|execute_drain|complete QUERIES\n", argv[0]);
    return 2;
  }
  auto policy = lifeguard::parseTeardownPolicy(argv[1]);
  long queries = std::strtol(argv[2], nullptr, 10);
  if (!policy || queries < 0) {
    std::fprintf(stderr, "bad policy '%s' or query count '%s'\n", argv[1], argv[2]);
    return 2;
  }
  lifeguard::Options options;
  options.policy = *policy;
  lifeguard::Database db(":memory:", options);
  lifeguard::Connection conn(&db);
  std::int64_t checksum = 0;
  for (long i = 0; i < queries; ++i) {
    auto result = conn.query("SELECT sum(x) FROM range(0, 2)");
    checksum += std::get<std::int64_t>(result->getNext()[0]);
  }
  return checksum == queries ? 0 : 1;
}

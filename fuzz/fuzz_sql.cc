// fuzz_sql: any bytes as a query (one or more statements) through parse,
// bind, plan and execution on a small fixed database. Every answer must be a
// success or a clear typed error; an internal error or a crash is a bug.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_process.h"
#include "lifeguard/file_system.h"
#include "lifeguard/lifeguard.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lifeguard;
  fuzz::prepareProcess();  // thread reuse, one CPU (fuzz_process.h)
  // A fresh database per input keeps runs independent and deterministic.
  // Its files live in memory, so COPY cannot read the host's files.
  auto files = memoryFileSystem();
  std::unique_ptr<WritableFile> csv;
  if (!files->openWritable("/rows.csv", true, &csv).isOk() || !csv->append("1,a\n2,b\n").isOk()) std::abort();
  Options options;
  options.file_system = files;
  Database db(":memory:", options);
  Connection conn(&db);
  conn.setQueryTimeout(20);  // range() can be made arbitrarily long (fuzz/README.md)
  if (!conn.query("CREATE TABLE t(a INT64, b STRING); INSERT INTO t VALUES (1, 'x'), (2, 'y')")->isSuccess()) {
    std::abort();
  }
  auto result = conn.query(std::string(reinterpret_cast<const char*>(data), size));
  for (QueryResult* r = result.get(); r != nullptr; r = r->getNextQueryResult()) {
    if (!r->isSuccess() && r->status().code() == ErrorCode::kInternal) {
      std::fprintf(stderr, "internal error: %s\n", r->status().toString().c_str());
      std::abort();
    }
    for (int rows = 0; rows < 64 && r->hasNext(); ++rows) r->getNext();
  }
  return 0;
}

// fuzz_wal: any bytes as the write-ahead log of an on-disk database. Opening
// it recovers (possibly discarding a torn tail, with a warning) or reports
// corruption as a clear IOError; it never crashes. A database that opened is
// then usable: every recovered table can be read and written.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_process.h"
#include "lifeguard/file_system.h"
#include "lifeguard/lifeguard.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lifeguard;
  fuzz::prepareProcess();  // thread reuse, one CPU (fuzz_process.h)
  auto files = memoryFileSystem();
  std::unique_ptr<WritableFile> wal;
  if (!files->createDirectories("/db").isOk() || !files->openWritable("/db/wal", true, &wal).isOk() ||
      !wal->append(std::string_view(reinterpret_cast<const char*>(data), size)).isOk()) {
    std::abort();
  }
  Options options;
  options.file_system = files;
  try {
    Database db("/db", options);
    Connection conn(&db);
    if (!conn.query("CREATE TABLE fuzz_probe(a INT64); INSERT INTO fuzz_probe VALUES (1)")->isSuccess()) {
      // A recovered table may already be called that; writes must still work.
      if (!conn.query("CHECKPOINT")->isSuccess()) std::abort();
    }
  } catch (const Error& error) {
    if (error.code() != ErrorCode::kIOError) {
      std::fprintf(stderr, "fuzz_wal: unexpected %s\n", error.what());
      std::abort();
    }
  }
  return 0;
}

// fuzz_copy_csv: any bytes as a CSV file through COPY into t(a INT64, b STRING).
// Either every record loads (the count is checked) or COPY fails with a clear
// CopyError that names a line holding a record, and the table is unchanged:
// all or nothing. COPY buffers are small (kBufferBytes), so a longer input
// spans several buffers, which both workers parse in parallel.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_process.h"
#include "lifeguard/file_system.h"
#include "lifeguard/lifeguard.h"

namespace {

// Records COPY would load: lines without their '\n', empty ones (or a lone
// '\r') skipped.
std::int64_t recordCount(std::string_view text) {
  std::int64_t records = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line != "\r") ++records;
    pos = end + 1;
  }
  return records;
}

// Whether line `number` (from 1) of `text` exists and holds a record.
bool holdsARecord(std::string_view text, std::int64_t number) {
  std::size_t pos = 0;
  for (std::int64_t line = 1; line < number; ++line) {
    pos = text.find('\n', pos);
    if (pos == std::string_view::npos) return false;
    ++pos;
  }
  if (number < 1 || pos >= text.size()) return false;
  std::string_view line = text.substr(pos, text.find('\n', pos) - pos);
  return !line.empty() && line != "\r";
}

// The line a COPY error names ("COPY t failed at line N: ..."), or -1.
std::int64_t blamedLine(const std::string& message) {
  auto at = message.find(" at line ");
  return at == std::string::npos ? -1 : std::atoll(message.c_str() + at + 9);
}

std::int64_t tableRows(lifeguard::Connection& conn) {
  auto result = conn.query("SELECT count(*) FROM t");
  if (!result->isSuccess()) std::abort();
  return std::get<std::int64_t>(result->getNext()[0]);
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_copy_csv: %s\n", what.c_str());
  std::abort();
}

constexpr std::size_t kBufferBytes = 256;  // the engine's default is 64 KiB

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lifeguard;
  fuzz::prepareProcess();  // thread reuse, one CPU (fuzz_process.h)
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto files = memoryFileSystem();
  std::unique_ptr<WritableFile> csv;
  if (!files->openWritable("/in.csv", true, &csv).isOk() || !csv->append(text).isOk()) std::abort();
  Options options;
  options.file_system = files;
  options.copy_buffer_bytes = kBufferBytes;
  Database db(":memory:", options);
  Connection conn(&db);
  if (!conn.query("CREATE TABLE t(a INT64, b STRING); INSERT INTO t VALUES (7, 'before')")->isSuccess()) std::abort();
  auto copy = conn.query("COPY t FROM '/in.csv'");
  std::int64_t rows = tableRows(conn);
  if (copy->isSuccess()) {
    std::int64_t copied = std::get<std::int64_t>(copy->getNext()[0]), expected = recordCount(text);
    if (copied != expected) fail("copied " + std::to_string(copied) + " rows of " + std::to_string(expected));
    if (rows != 1 + copied) fail("table has " + std::to_string(rows) + " rows after copying " + std::to_string(copied));
  } else {
    if (copy->status().code() != ErrorCode::kCopyError) fail("unexpected " + copy->status().toString());
    if (!holdsARecord(text, blamedLine(copy->getErrorMessage()))) fail("blames no record: " + copy->getErrorMessage());
    if (rows != 1) fail("a failed COPY changed the table: " + std::to_string(rows) + " rows");
  }
  return 0;
}

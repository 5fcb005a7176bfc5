// The write-ahead log and the checkpoint image: record framing, encoding of
// a transaction's operations, and recovery.
//
// A record is [u32 length][u32 crc32 of payload][payload]. A WAL is a
// sequence of records, one per committed write transaction; the checkpoint
// file ("data") is one record holding every table. Recovery reads the data
// file, then replays every complete WAL record in order:
//   - a torn tail (a last record cut short, or a last record whose checksum
//     fails and that reaches the end of the file) is discarded, with a warning;
//   - a bad record followed by more bytes is corruption: a clear error.
//
// Thread-safety: the functions are pure; Wal is used under the transaction
// manager's mutex (one committer at a time).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lifeguard/file_system.h"
#include "lifeguard/status.h"
#include "storage/storage.h"

namespace lifeguard {

// One logged change.
struct LoggedOp {
  bool create = false;        // create table (schema) or append (table, rows)
  TableSchema schema;         // create
  std::string table;          // append
  std::shared_ptr<const Chunk> rows;  // append
};

std::uint32_t crc32(std::string_view data);
// A framed record holding `ops`.
std::string encodeRecord(const std::vector<LoggedOp>& ops);

struct RecoveredLog {
  std::vector<std::vector<LoggedOp>> transactions;  // complete records, in order
  std::string warning;                              // a discarded torn tail, if any
};
// Decodes a WAL (or data-file) image. Corruption before the tail is an
// IOError naming `name`, the offset and the record number.
Status decodeLog(std::string_view image, const std::string& name, RecoveredLog* out);

// Applies recovered operations to storage (tables created, chunks appended).
// A record that contradicts the catalog (a table created twice, rows for a
// missing table, of the wrong width or type) is corruption: an IOError.
Status applyOps(const std::vector<LoggedOp>& ops, Storage& storage);
// Every table of storage as operations (for the checkpoint image).
std::vector<LoggedOp> snapshotOps(const Storage& storage);

// The open WAL of an on-disk database.
class Wal {
 public:
  Wal(std::shared_ptr<FileSystem> fs, std::string directory) : fs_(std::move(fs)), directory_(std::move(directory)) {}

  std::string walPath() const { return directory_ + "/wal"; }
  std::string dataPath() const { return directory_ + "/data"; }

  // Reads the data file and the WAL into `storage`; `warning` gets a torn-tail note.
  Status recover(Storage& storage, std::string* warning);
  // Appends one transaction's record and fsyncs it. After a failure every
  // later call fails with the first error (the database is read-only).
  Status commit(const std::vector<LoggedOp>& ops);
  // Writes a new data file from storage (temp file, fsync, rename, directory
  // fsync), then empties the WAL.
  Status checkpoint(const Storage& storage);
  // The error that made the log refuse writes, or ok.
  const Status& failure() const { return failure_; }
  Status close();

 private:
  Status openLog(bool truncate);

  std::shared_ptr<FileSystem> fs_;
  const std::string directory_;
  std::unique_ptr<WritableFile> log_;
  Status failure_;
};

}  // namespace lifeguard

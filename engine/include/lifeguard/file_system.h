// FileSystem: the engine's one seam for files, directories and fsync.
//
// Every byte an on-disk database reads or writes goes through a FileSystem, so
// tests can swap the real one for an in-memory one or wrap either in a
// fault-injecting one (RocksDB stress-test style knobs, seeded so a run
// replays).
//
// Ownership: file systems are shared (std::shared_ptr); a WritableFile is
// owned by whoever opened it and must not outlive its file system.
// Thread-safety: every FileSystem method is thread-safe. A WritableFile is
// used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lifeguard/status.h"

namespace lifeguard {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status append(std::string_view data) = 0;
  // When it returns ok, everything appended so far survives a power cut.
  virtual Status sync() = 0;
  virtual Status close() = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Status createDirectories(const std::string& path) = 0;
  virtual bool exists(const std::string& path) = 0;
  virtual Status readFile(const std::string& path, std::string* contents) = 0;
  // Opens for writing; `truncate` empties an existing file, else appends.
  virtual Status openWritable(const std::string& path, bool truncate, std::unique_ptr<WritableFile>* file) = 0;
  // Replaces `to` atomically (durable once the directory is synced).
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  virtual Status remove(const std::string& path) = 0;
  virtual Status syncDirectory(const std::string& path) = 0;
};

// The operating system's files (POSIX open/write/fsync/rename).
std::shared_ptr<FileSystem> posixFileSystem();
// Files in this process's memory; they live as long as the object, so a
// database can be closed and reopened on it.
std::shared_ptr<FileSystem> memoryFileSystem();

// Knobs of the fault-injecting wrapper. `*_one_in` = N injects a fault into
// about one call in N of that kind (0: never). Transient faults fail one call;
// persistent ones make every later call of that kind fail too.
struct FaultOptions {
  std::uint64_t write_fault_one_in = 0;  // append, open for writing, rename, remove
  std::uint64_t sync_fault_one_in = 0;   // sync, syncDirectory
  std::uint64_t read_fault_one_in = 0;   // readFile
  bool persistent = false;
  std::uint64_t seed = 0;
};

class FaultInjectingFileSystem : public FileSystem {
 public:
  FaultInjectingFileSystem(std::shared_ptr<FileSystem> base, FaultOptions options);
  ~FaultInjectingFileSystem() override;

  Status createDirectories(const std::string& path) override;
  bool exists(const std::string& path) override;
  Status readFile(const std::string& path, std::string* contents) override;
  Status openWritable(const std::string& path, bool truncate, std::unique_ptr<WritableFile>* file) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status remove(const std::string& path) override;
  Status syncDirectory(const std::string& path) override;

  // Simulates a power cut: every file written through this wrapper goes back
  // to what it held at its last successful sync (a file never synced is
  // removed). Call it with no file open for writing.
  void dropUnsyncedData();
  // What a power cut right now would leave of the files written through this
  // wrapper: path -> contents at the last successful sync (never-synced files
  // are absent). Taken atomically, so it may be called mid-operation.
  std::vector<std::pair<std::string, std::string>> durableFiles() const;
  void setOptions(FaultOptions options);
  std::uint64_t faultsInjected() const;

 private:
  class File;
  struct State;
  std::shared_ptr<FileSystem> base_;
  std::unique_ptr<State> state_;
};

}  // namespace lifeguard

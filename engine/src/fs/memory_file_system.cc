// Files in memory: for tests that need many databases quickly, and as the
// base of the fault-injecting wrapper in crash simulations.
#include <map>

#include <fmt/format.h>

#include "lifeguard/file_system.h"
#include "lifeguard/sync/sync.h"

namespace lifeguard {
namespace {

class MemoryFileSystem : public FileSystem, public std::enable_shared_from_this<MemoryFileSystem> {
 public:
  Status createDirectories(const std::string& path) override {
    sync::MutexLock lock(mu_);
    directories_[path] = true;
    return Status::ok();
  }
  bool exists(const std::string& path) override {
    sync::MutexLock lock(mu_);
    return files_.count(path) != 0 || directories_.count(path) != 0;
  }
  Status readFile(const std::string& path, std::string* contents) override {
    sync::MutexLock lock(mu_);
    auto it = files_.find(path);
    if (it == files_.end()) return missing(path);
    *contents = it->second;
    return Status::ok();
  }
  Status openWritable(const std::string& path, bool truncate, std::unique_ptr<WritableFile>* file) override;
  Status rename(const std::string& from, const std::string& to) override {
    sync::MutexLock lock(mu_);
    auto it = files_.find(from);
    if (it == files_.end()) return missing(from);
    files_[to] = std::move(it->second);
    files_.erase(from);
    return Status::ok();
  }
  Status remove(const std::string& path) override {
    sync::MutexLock lock(mu_);
    files_.erase(path);
    return Status::ok();
  }
  Status syncDirectory(const std::string&) override { return Status::ok(); }

  void append(const std::string& path, std::string_view data) {
    sync::MutexLock lock(mu_);
    files_[path].append(data);
  }

 private:
  static Status missing(const std::string& path) {
    return Status(ErrorCode::kIOError, fmt::format("cannot open '{}': No such file or directory", path));
  }

  sync::Mutex mu_;
  std::map<std::string, std::string> files_ LG_GUARDED_BY(mu_);
  std::map<std::string, bool> directories_ LG_GUARDED_BY(mu_);
};

class MemoryFile : public WritableFile {
 public:
  MemoryFile(std::shared_ptr<MemoryFileSystem> fs, std::string path) : fs_(std::move(fs)), path_(std::move(path)) {}
  Status append(std::string_view data) override {
    fs_->append(path_, data);
    return Status::ok();
  }
  Status sync() override { return Status::ok(); }
  Status close() override { return Status::ok(); }

 private:
  std::shared_ptr<MemoryFileSystem> fs_;
  const std::string path_;
};

Status MemoryFileSystem::openWritable(const std::string& path, bool truncate, std::unique_ptr<WritableFile>* file) {
  {
    sync::MutexLock lock(mu_);
    std::string& contents = files_[path];
    if (truncate) contents.clear();
  }
  *file = std::make_unique<MemoryFile>(shared_from_this(), path);
  return Status::ok();
}

}  // namespace

std::shared_ptr<FileSystem> memoryFileSystem() { return std::make_shared<MemoryFileSystem>(); }

}  // namespace lifeguard

// The fault-injecting wrapper: seeded faults per kind of call, transient or
// persistent, and a power cut that drops what was never synced.
#include <map>
#include <random>

#include <fmt/format.h>

#include "lifeguard/file_system.h"
#include "lifeguard/sync/sync.h"

namespace lifeguard {

enum class FaultKind { kWrite, kSync, kRead };

struct FaultInjectingFileSystem::State {
  explicit State(FaultOptions options) : options(options), rng(options.seed) {}

  // Decides whether this call of `kind` fails.
  bool inject(FaultKind kind) {
    sync::MutexLock lock(mu);
    std::uint64_t one_in = kind == FaultKind::kWrite  ? options.write_fault_one_in
                           : kind == FaultKind::kSync ? options.sync_fault_one_in
                                                      : options.read_fault_one_in;
    bool& broken = broken_[static_cast<int>(kind)];
    if (broken) return true;
    if (one_in == 0 || std::uniform_int_distribution<std::uint64_t>(1, one_in)(rng) != 1) return false;
    ++faults;
    broken = options.persistent;
    return true;
  }

  sync::Mutex mu;
  FaultOptions options LG_GUARDED_BY(mu);
  std::mt19937_64 rng LG_GUARDED_BY(mu);
  bool broken_[3] LG_GUARDED_BY(mu) = {false, false, false};
  std::uint64_t faults LG_GUARDED_BY(mu) = 0;
  // What each file written through the wrapper held at its last good sync
  // (absent: never synced).
  std::map<std::string, std::string> synced LG_GUARDED_BY(mu);
  std::map<std::string, bool> touched LG_GUARDED_BY(mu);
};

namespace {

Status injected(std::string_view what, const std::string& path) {
  return Status(ErrorCode::kIOError, fmt::format("injected {} fault on '{}'", what, path));
}

}  // namespace

class FaultInjectingFileSystem::File : public WritableFile {
 public:
  File(FaultInjectingFileSystem& fs, std::unique_ptr<WritableFile> base, std::string path)
      : fs_(fs), base_(std::move(base)), path_(std::move(path)) {}
  Status append(std::string_view data) override {
    if (fs_.state_->inject(FaultKind::kWrite)) return injected("write", path_);
    return base_->append(data);
  }
  Status sync() override {
    if (fs_.state_->inject(FaultKind::kSync)) return injected("sync", path_);
    Status status = base_->sync();
    if (!status.isOk()) return status;
    std::string contents;
    status = fs_.base_->readFile(path_, &contents);
    if (!status.isOk()) return status;
    sync::MutexLock lock(fs_.state_->mu);
    fs_.state_->synced[path_] = std::move(contents);
    return Status::ok();
  }
  Status close() override { return base_->close(); }

 private:
  FaultInjectingFileSystem& fs_;
  std::unique_ptr<WritableFile> base_;
  const std::string path_;
};

FaultInjectingFileSystem::FaultInjectingFileSystem(std::shared_ptr<FileSystem> base, FaultOptions options)
    : base_(std::move(base)), state_(std::make_unique<State>(options)) {}

FaultInjectingFileSystem::~FaultInjectingFileSystem() = default;

Status FaultInjectingFileSystem::createDirectories(const std::string& path) { return base_->createDirectories(path); }

bool FaultInjectingFileSystem::exists(const std::string& path) { return base_->exists(path); }

Status FaultInjectingFileSystem::readFile(const std::string& path, std::string* contents) {
  if (state_->inject(FaultKind::kRead)) return injected("read", path);
  return base_->readFile(path, contents);
}

Status FaultInjectingFileSystem::openWritable(const std::string& path, bool truncate,
                                              std::unique_ptr<WritableFile>* file) {
  if (state_->inject(FaultKind::kWrite)) return injected("write", path);
  std::unique_ptr<WritableFile> base;
  Status status = base_->openWritable(path, truncate, &base);
  if (!status.isOk()) return status;
  {
    sync::MutexLock lock(state_->mu);
    state_->touched[path] = true;
  }
  *file = std::make_unique<File>(*this, std::move(base), path);
  return Status::ok();
}

Status FaultInjectingFileSystem::rename(const std::string& from, const std::string& to) {
  if (state_->inject(FaultKind::kWrite)) return injected("write", from);
  Status status = base_->rename(from, to);
  if (!status.isOk()) return status;
  // The rename itself is taken as durable; the content keeps its sync state.
  sync::MutexLock lock(state_->mu);
  auto synced = state_->synced.find(from);
  if (synced != state_->synced.end()) {
    state_->synced[to] = std::move(synced->second);
    state_->synced.erase(from);
  } else {
    state_->synced.erase(to);
  }
  state_->touched.erase(from);
  state_->touched[to] = true;
  return Status::ok();
}

Status FaultInjectingFileSystem::remove(const std::string& path) {
  if (state_->inject(FaultKind::kWrite)) return injected("write", path);
  sync::MutexLock lock(state_->mu);
  state_->synced.erase(path);
  state_->touched.erase(path);
  return base_->remove(path);
}

Status FaultInjectingFileSystem::syncDirectory(const std::string& path) {
  if (state_->inject(FaultKind::kSync)) return injected("sync", path);
  return base_->syncDirectory(path);
}

void FaultInjectingFileSystem::dropUnsyncedData() {
  sync::MutexLock lock(state_->mu);
  for (const auto& [path, unused] : state_->touched) {
    auto synced = state_->synced.find(path);
    if (synced == state_->synced.end()) {
      (void)base_->remove(path);
      continue;
    }
    std::unique_ptr<WritableFile> file;
    if (base_->openWritable(path, true, &file).isOk()) {
      (void)file->append(synced->second);
      (void)file->sync();
      (void)file->close();
    }
  }
  state_->touched.clear();
  for (const auto& [path, contents] : state_->synced) state_->touched[path] = true;
}

std::vector<std::pair<std::string, std::string>> FaultInjectingFileSystem::durableFiles() const {
  sync::MutexLock lock(state_->mu);
  return {state_->synced.begin(), state_->synced.end()};
}

void FaultInjectingFileSystem::setOptions(FaultOptions options) {
  sync::MutexLock lock(state_->mu);
  state_->options = options;
  state_->rng.seed(options.seed);
  for (bool& broken : state_->broken_) broken = false;
}

std::uint64_t FaultInjectingFileSystem::faultsInjected() const {
  sync::MutexLock lock(state_->mu);
  return state_->faults;
}

}  // namespace lifeguard

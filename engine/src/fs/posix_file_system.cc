// The real file system: POSIX calls, every failure an IOError naming the path.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "lifeguard/file_system.h"

namespace lifeguard {
namespace {

Status ioError(std::string_view what, const std::string& path, int error = errno) {
  return Status(ErrorCode::kIOError, fmt::format("{} '{}': {}", what, path, std::strerror(error)));
}

class PosixFile : public WritableFile {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override {
    if (fd_ >= 0) ::close(fd_);
  }
  Status append(std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ioError("cannot write", path_);
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return Status::ok();
  }
  Status sync() override { return ::fsync(fd_) == 0 ? Status::ok() : ioError("cannot fsync", path_); }
  Status close() override {
    int fd = fd_;
    fd_ = -1;
    return fd < 0 || ::close(fd) == 0 ? Status::ok() : ioError("cannot close", path_);
  }

 private:
  int fd_;
  const std::string path_;
};

class PosixFileSystem : public FileSystem {
 public:
  Status createDirectories(const std::string& path) override {
    std::error_code error;
    std::filesystem::create_directories(path, error);
    return error ? ioError("cannot create directory", path, error.value()) : Status::ok();
  }
  bool exists(const std::string& path) override {
    struct stat info;
    return ::stat(path.c_str(), &info) == 0;
  }
  Status readFile(const std::string& path, std::string* contents) override {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; then only
    // regular files are read.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return ioError("cannot open", path);
    struct stat info;
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
      ::close(fd);
      return Status(ErrorCode::kIOError, fmt::format("cannot read '{}': not a regular file", path));
    }
    contents->clear();
    char buffer[1 << 16];
    for (;;) {
      ssize_t n = ::read(fd, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int error = errno;
        ::close(fd);
        return ioError("cannot read", path, error);
      }
      if (n == 0) break;
      contents->append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return Status::ok();
  }
  Status openWritable(const std::string& path, bool truncate, std::unique_ptr<WritableFile>* file) override {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND);
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return ioError("cannot open for writing", path);
    *file = std::make_unique<PosixFile>(fd, path);
    return Status::ok();
  }
  Status rename(const std::string& from, const std::string& to) override {
    return ::rename(from.c_str(), to.c_str()) == 0 ? Status::ok() : ioError("cannot rename", from);
  }
  Status remove(const std::string& path) override {
    return ::unlink(path.c_str()) == 0 || errno == ENOENT ? Status::ok() : ioError("cannot remove", path);
  }
  Status syncDirectory(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ioError("cannot open directory", path);
    int result = ::fsync(fd);
    int error = errno;
    ::close(fd);
    return result == 0 ? Status::ok() : ioError("cannot fsync directory", path, error);
  }
};

}  // namespace

std::shared_ptr<FileSystem> posixFileSystem() {
  static const auto file_system = std::make_shared<PosixFileSystem>();
  return file_system;
}

}  // namespace lifeguard

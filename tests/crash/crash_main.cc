// The crash test: a random workload is cut short at a random moment, the
// database is reopened, and what it holds is checked against the two-phase
// log (committed: whole; rolled back: absent; in flight: whole or absent).
//   kill      the workload runs in a child process killed with SIGKILL;
//   powercut  the workload runs on a fault-injecting file system and the
//             files are taken as a power cut at the N-th file-system call
//             would leave them (only what was fsynced).
// usage: crash_test [--rounds N] [--seed S] [--mode kill|powercut|both]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "crash/workload.h"
#include "lifeguard/file_system.h"

namespace lifeguard::crash {
namespace {

namespace fs = std::filesystem;

std::string scratchDir(const std::string& what, std::uint64_t seed) {
  auto dir = fs::temp_directory_path() / ("lifeguard-crash-" + std::to_string(::getpid()) + "-" + what + "-" +
                                          std::to_string(seed));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

// SIGKILL after the K-th prepared write, then recover from the real files.
std::string killRound(std::uint64_t seed) {
  std::string dir = scratchDir("kill", seed);
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return std::string("pipe: ") + std::strerror(errno);
  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    Database db(dir + "/db");
    Connection conn(&db);
    auto write_csv = [](const std::string& path, const std::string& text) {
      std::ofstream(path, std::ios::trunc) << text;
    };
    runWorkload(conn, seed, 0, dir + "/copy.csv", write_csv, [&](const std::string& line) {
      std::string text = line + "\n";
      if (::write(pipe_fds[1], text.data(), text.size()) < 0) ::_exit(3);
    });
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  const int kill_after = 1 + static_cast<int>(seed % 40);
  std::map<std::int64_t, LoggedWrite> writes;
  std::string pending;
  int prepared = 0;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof(buffer))) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    pending.append(buffer, static_cast<std::size_t>(n));
    for (std::size_t end; (end = pending.find('\n')) != std::string::npos; pending.erase(0, end + 1)) {
      std::string line = pending.substr(0, end);
      applyLogLine(line, writes);
      if (line[0] == 'P' && ++prepared == kill_after) ::kill(child, SIGKILL);
    }
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::string problem;
  try {
    Database db(dir + "/db");
    problem = checkDatabase(db, writes);
  } catch (const Error& error) {
    problem = std::string("reopen failed: ") + error.what();
  }
  if (problem.empty()) fs::remove_all(dir);
  return problem.empty() ? "" : problem + " (files kept in " + dir + ")";
}

// Counts file-system calls and takes the power-cut image at call `crash_at`.
class CrashPoint : public FileSystem {
 public:
  CrashPoint(std::shared_ptr<FaultInjectingFileSystem> inner, std::uint64_t crash_at, std::function<void()> on_crash)
      : inner_(std::move(inner)), crash_at_(crash_at), on_crash_(std::move(on_crash)) {}
  void tick() {
    if (calls_.fetch_add(1) + 1 == crash_at_) on_crash_();
  }
  Status createDirectories(const std::string& p) override { return inner_->createDirectories(p); }
  bool exists(const std::string& p) override { return inner_->exists(p); }
  Status readFile(const std::string& p, std::string* c) override { return inner_->readFile(p, c); }
  Status openWritable(const std::string& p, bool t, std::unique_ptr<WritableFile>* f) override;
  Status rename(const std::string& a, const std::string& b) override { return tick(), inner_->rename(a, b); }
  Status remove(const std::string& p) override { return tick(), inner_->remove(p); }
  Status syncDirectory(const std::string& p) override { return tick(), inner_->syncDirectory(p); }

 private:
  std::shared_ptr<FaultInjectingFileSystem> inner_;
  const std::uint64_t crash_at_;
  std::function<void()> on_crash_;
  std::atomic<std::uint64_t> calls_{0};
};

class CrashPointFile : public WritableFile {
 public:
  CrashPointFile(CrashPoint& fs, std::unique_ptr<WritableFile> inner) : fs_(fs), inner_(std::move(inner)) {}
  Status append(std::string_view d) override { return fs_.tick(), inner_->append(d); }
  Status sync() override { return fs_.tick(), inner_->sync(); }
  Status close() override { return inner_->close(); }

 private:
  CrashPoint& fs_;
  std::unique_ptr<WritableFile> inner_;
};

Status CrashPoint::openWritable(const std::string& p, bool t, std::unique_ptr<WritableFile>* f) {
  tick();
  std::unique_ptr<WritableFile> inner;
  Status status = inner_->openWritable(p, t, &inner);
  if (status.isOk()) *f = std::make_unique<CrashPointFile>(*this, std::move(inner));
  return status;
}

std::string powerCutRound(std::uint64_t seed) {
  auto memory = memoryFileSystem();
  auto faulty = std::make_shared<FaultInjectingFileSystem>(memory, FaultOptions{});
  // COPY's input goes straight to the memory files, not through the crash point.
  auto write_csv = [&](const std::string& path, const std::string& text) {
    std::unique_ptr<WritableFile> file;
    if (memory->openWritable(path, true, &file).isOk()) (void)file->append(text);
  };
  std::mutex mu;
  std::vector<std::string> log, log_at_crash;
  std::vector<std::pair<std::string, std::string>> image;
  bool crashed = false;
  auto take_image = [&] {
    std::lock_guard<std::mutex> lock(mu);
    if (crashed) return;
    crashed = true;
    image = faulty->durableFiles();
    log_at_crash = log;
  };
  auto crash_point = std::make_shared<CrashPoint>(faulty, 1 + seed % 120, take_image);
  {
    Options options;
    options.file_system = crash_point;
    Database db("/db", options);
    Connection conn(&db);
    runWorkload(conn, seed, 40, "/input.csv", write_csv, [&](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu);
      log.push_back(line);
    });
    take_image();  // the workload ended first: the cut comes now
  }
  auto disk = memoryFileSystem();
  (void)disk->createDirectories("/db");
  for (const auto& [path, contents] : image) {
    std::unique_ptr<WritableFile> file;
    if (!disk->openWritable(path, true, &file).isOk() || !file->append(contents).isOk()) return "copying the image";
  }
  std::map<std::int64_t, LoggedWrite> writes;
  for (const auto& line : log_at_crash) applyLogLine(line, writes);
  try {
    Options options;
    options.file_system = disk;
    Database db("/db", options);
    return checkDatabase(db, writes);
  } catch (const Error& error) {
    return std::string("reopen failed: ") + error.what();
  }
}

int run(int rounds, std::uint64_t seed, const std::string& mode) {
  int failures = 0, lost = 0, partial = 0, done = 0;
  bool tty = ::isatty(STDERR_FILENO) != 0;
  for (int r = 0; r < rounds; ++r) {
    for (const char* kind : {"kill", "powercut"}) {
      if (mode != "both" && mode != kind) continue;
      std::uint64_t round_seed = seed + static_cast<std::uint64_t>(r);
      std::string problem = std::string(kind) == "kill" ? killRound(round_seed) : powerCutRound(round_seed);
      ++done;
      if (!problem.empty()) {
        ++failures;
        lost += problem.rfind("lost commit", 0) == 0;
        partial += problem.rfind("partial transaction", 0) == 0;
        std::fprintf(stderr, "\nFAIL %s round (seed %llu): %s\n  replay: crash_test --rounds 1 --seed %llu --mode %s\n",
                     kind, static_cast<unsigned long long>(round_seed), problem.c_str(),
                     static_cast<unsigned long long>(round_seed), kind);
      }
    }
    if (tty || (r + 1) % 50 == 0 || r + 1 == rounds) {
      std::fprintf(stderr, "%sround %d/%d: %d checks, %d failures%s", tty ? "\r" : "", r + 1, rounds, done, failures,
                   tty ? "" : "\n");
    }
  }
  std::printf("%scrash test: %d rounds (%s), %d reopen checks: %d lost commits, %d partial transactions, %d failures\n",
              tty ? "\n" : "", rounds, mode.c_str(), done, lost, partial, failures);
  std::printf("%d passed, %d failed\n", done - failures, failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace lifeguard::crash

int main(int argc, char** argv) {
  int rounds = 10;
  std::uint64_t seed = 1;
  std::string mode = "both";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--rounds") rounds = std::atoi(argv[i + 1]);
    else if (flag == "--seed") seed = std::strtoull(argv[i + 1], nullptr, 10);
    else if (flag == "--mode") mode = argv[i + 1];
    else return std::fprintf(stderr, "usage: crash_test [--rounds N] [--seed S] [--mode kill|powercut|both]\n"), 2;
  }
  if ((argc - 1) % 2 != 0 || rounds < 1 || (mode != "kill" && mode != "powercut" && mode != "both")) {
    return std::fprintf(stderr, "usage: crash_test [--rounds N] [--seed S] [--mode kill|powercut|both]\n"), 2;
  }
  return lifeguard::crash::run(rounds, seed, mode);
}

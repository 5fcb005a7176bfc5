#include "driver_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "lifeguard/harness/runner.h"
#include "lifeguard/sync/controlled.h"

namespace lifeguard::harness {
namespace {

std::string describeStatus(int status) {
  if (WIFSIGNALED(status)) {
    return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  }
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

// This process's environment, with `preload` first in LD_PRELOAD.
// A file of this process's, for the driver to create when its stacks are
// written (crash_stack.cc, LIFEGUARD_STACKS_DONE).
std::string stacksDoneFile() {
  static std::atomic<int> next{0};
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/lifeguard-stacks-" +
         std::to_string(::getpid()) + "-" + std::to_string(next++);
}

std::vector<std::string> driverEnvironment(const std::string& preload, const std::string& stacks_done) {
  std::vector<std::string> env;
  if (!stacks_done.empty()) env.push_back("LIFEGUARD_STACKS_DONE=" + stacks_done);
  std::string preloads = preload;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text = *entry;
    if (!preload.empty() && text.starts_with("LD_PRELOAD=")) {
      preloads += ":" + std::string(text.substr(11));
    } else {
      env.emplace_back(text);
    }
  }
  if (!preloads.empty()) env.push_back("LD_PRELOAD=" + preloads);
  return env;
}

std::string joined(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& word : argv) text += (text.empty() ? "" : " ") + word;
  return text;
}

// In the forked child: only async-signal-safe calls until exec.
[[noreturn]] void execDriver(char* const* argv, char* const* env, int fd, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(126);  // the parent died before prctl
  ::dup2(fd, STDIN_FILENO);
  ::dup2(fd, STDOUT_FILENO);
  // Nothing else of ours (an isolated run's event pipe, say) stays open in the driver.
  if (::syscall(SYS_close_range, 3u, ~0u, 0u) != 0) {
    for (int other = 3; other < 4096; ++other) ::close(other);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  ::execvpe(argv[0], argv, env);
  const char* what = "lifeguard: cannot run the driver: ";
  (void)!::write(STDERR_FILENO, what, std::strlen(what));
  (void)!::write(STDERR_FILENO, argv[0], std::strlen(argv[0]));
  (void)!::write(STDERR_FILENO, "\n", 1);
  ::_exit(127);
}

}  // namespace

std::unique_ptr<DriverProcess> DriverProcess::start(const std::vector<std::string>& argv, int version,
                                                    std::chrono::milliseconds start_timeout, Json* hello,
                                                    std::string* error, const std::string& preload) {
  if (argv.empty()) {
    *error = "no driver command";
    return nullptr;
  }
  std::string stacks_done = preload.empty() ? "" : stacksDoneFile();
  std::unique_ptr<DriverProcess> driver(
      new DriverProcess(argv, driverEnvironment(preload, stacks_done), stacks_done));
  driver->reader_ = std::thread([raw = driver.get()] { raw->readerMain(); });
  std::unique_lock<std::mutex> lock(driver->mu_);
  if (!driver->cv_.wait_for(lock, start_timeout, [&] { return driver->phase_ != Phase::kStarting; })) {
    driver->phase_ = Phase::kEnded;  // what follows is ours, not a crash
    if (driver->pid_ > 0) ::kill(driver->pid_, SIGKILL);
    *error = "the driver (" + joined(argv) + ") did not say hello within " +
             std::to_string(start_timeout.count()) + " ms";
    return nullptr;  // the destructor reaps it
  }
  if (driver->phase_ == Phase::kEnded) {
    *error = driver->start_error_;
    return nullptr;
  }
  *hello = driver->hello_;
  std::optional<std::int64_t> spoken = integerMember(*hello, "lifeguard");
  if (spoken != version) {
    *error = "the driver (" + joined(argv) + ") speaks protocol version " +
             (spoken ? std::to_string(*spoken) : std::string("?")) + ", this lifeguard speaks " +
             std::to_string(version) + " (adapters/process/PROTOCOL.md)";
    return nullptr;
  }
  return driver;
}

DriverProcess::~DriverProcess() {
  std::unique_lock<std::mutex> lock(mu_);
  if (phase_ == Phase::kRunning || phase_ == Phase::kStarting) phase_ = Phase::kEnding;
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);  // end of input: the driver exits
  if (!cv_.wait_for(lock, exit_timeout, [&] { return phase_ == Phase::kEnded; })) {
    lock.unlock();
    endRun(kHangExitCode, "HANG: the driver (" + joined(argv_) + ") did not exit within " +
                              std::to_string(exit_timeout.count()) + " ms after its input ended");
  }
  lock.unlock();
  if (reader_.joinable()) reader_.join();
  if (fd_ >= 0) ::close(fd_);
}

bool DriverProcess::dumpStacks(std::chrono::milliseconds timeout) {
  pid_t pid = -1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pid = phase_ == Phase::kRunning ? pid_ : -1;
  }
  if (stacks_done_.empty() || pid <= 0) return false;
  ::unlink(stacks_done_.c_str());
  if (::kill(pid, SIGUSR2) != 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool done = false;
  while (!(done = ::access(stacks_done_.c_str(), F_OK) == 0) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // waits for a file; orders nothing
  }
  ::unlink(stacks_done_.c_str());
  return done;
}

std::optional<std::string> stringMember(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::int64_t> integerMember(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    auto number = it->get<std::uint64_t>();
    if (number > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(number);
  }
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (!it->is_number_float()) return std::nullopt;
  double real = it->get<double>();
  if (real != static_cast<double>(static_cast<std::int64_t>(real))) return std::nullopt;
  return static_cast<std::int64_t>(real);
}

Json DriverProcess::call(Json request) {
  Pending pending;
  std::uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = next_id_++;
    pending_[id] = &pending;
  }
  request["id"] = id;
  std::string line = request.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  {
    std::lock_guard<std::mutex> writing(write_mu_);
    for (std::size_t done = 0; done < line.size();) {
      ssize_t n = ::send(fd_, line.data() + done, line.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the driver is gone: its reader reports that and ends the run
      done += static_cast<std::size_t>(n);
    }
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return pending.done; });
  pending_.erase(id);
  return std::move(pending.answer);
}

void DriverProcess::readerMain() {
  int fd = -1;
  if (!spawn(&fd)) return;
  readLines(fd);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  onExit(status);
}

bool DriverProcess::spawn(int* fd) {
  int pair[2];
  std::vector<char*> argv;
  for (const auto& word : argv_) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> env;
  for (const auto& entry : env_) env.push_back(const_cast<char*>(entry.c_str()));
  env.push_back(nullptr);
  std::lock_guard<std::mutex> lock(mu_);
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    start_error_ = std::string("socketpair: ") + std::strerror(errno);
    phase_ = Phase::kEnded;
    cv_.notify_all();
    return false;
  }
  pid_t parent = ::getpid();
  pid_t child = ::fork();
  if (child == 0) execDriver(argv.data(), env.data(), pair[1], parent);
  ::close(pair[1]);
  if (child < 0) {
    start_error_ = std::string("fork: ") + std::strerror(errno);
    ::close(pair[0]);
    phase_ = Phase::kEnded;
    cv_.notify_all();
    return false;
  }
  pid_ = child;
  fd_ = *fd = pair[0];
  return true;
}

void DriverProcess::readLines(int fd) {
  std::string buffer;
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    buffer.append(chunk, static_cast<std::size_t>(n));
    for (std::size_t end; (end = buffer.find('\n')) != std::string::npos;) {
      std::string line = buffer.substr(0, end);
      buffer.erase(0, end + 1);
      if (!line.empty()) deliver(line);
    }
  }
}

void DriverProcess::deliver(const std::string& line) {
  std::string error;
  std::optional<Json> value;
  try {
    value = Json::parse(line);
  } catch (const Json::exception& e) {
    error = e.what();
  }
  if (!value || !value->is_object()) {
    endRun(kEngineProtocolExit, "HARNESS: the driver (" + joined(argv_) + ") wrote a line that is not a JSON object (" +
                                    (value ? "not an object" : error) + "): " + line.substr(0, 200));
  }
  std::unique_lock<std::mutex> lock(mu_);
  if (phase_ == Phase::kStarting) {
    hello_ = std::move(*value);
    phase_ = Phase::kRunning;
    cv_.notify_all();
    return;
  }
  std::optional<std::int64_t> id = integerMember(*value, "id");
  auto it = id ? pending_.find(static_cast<std::uint64_t>(*id)) : pending_.end();
  if (it == pending_.end()) {
    lock.unlock();
    endRun(kEngineProtocolExit,
           "HARNESS: the driver (" + joined(argv_) + ") answered no request in flight: " + line.substr(0, 200));
  }
  it->second->answer = std::move(*value);
  it->second->done = true;
  cv_.notify_all();
}

void DriverProcess::onExit(int status) {
  std::unique_lock<std::mutex> lock(mu_);
  Phase phase = phase_;
  bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (phase == Phase::kEnded || phase == Phase::kStarting || (phase == Phase::kEnding && clean)) {
    if (phase == Phase::kStarting) {
      start_error_ = "the driver (" + joined(argv_) + ") " + describeStatus(status) + " before its hello";
    }
    phase_ = Phase::kEnded;
    cv_.notify_all();
    return;
  }
  lock.unlock();
  endRun(kEngineCrashExit, "CRASH: the driver (" + joined(argv_) + ") " + describeStatus(status) +
                               (phase == Phase::kEnding ? " after its input ended" : " while the run used it"));
}

void DriverProcess::endRun(int code, const std::string& report) {
  std::fprintf(stderr, "%s\n", report.c_str());
  std::fflush(stderr);
  testing::exitLeavingThreads(code);
}

}  // namespace lifeguard::harness

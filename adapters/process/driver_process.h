// DriverProcess: a driver program run as a child process and spoken to in
// lines of JSON (adapters/process/PROTOCOL.md): one request per line, one
// answer per line, matched by id, so that many requests are in flight at once.
//
// Ownership: owns the child process and the thread that reads its answers.
// The child shares this process's stderr (its reports join the run's) and
// dies with this process (PR_SET_PDEATHSIG), so a hang or crash of the run
// never leaves a driver behind.
//
// Failure is not returned, it ends the process, since it ends the run: the
// run's verdict comes from the exit code and the last stderr line (runner.h):
//   - the driver exits or is killed while the run uses it, or exits with a
//     signal or a non-zero status after its input ended: "CRASH: ...",
//     kEngineCrashExit;
//   - a line that is not the protocol's: "HARNESS: ...", kEngineProtocolExit;
//   - no exit within `exit_timeout` after its input ended: "HANG: ...",
//     kHangExitCode.
// A driver that stops answering while requests wait is left to the runner's
// watchdog, which reports every actor's position.
//
// Thread-safety: call() from any number of threads at once; the destructor
// after every call returned.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace lifeguard::harness {

using Json = nlohmann::json;

// A member of a protocol line: its string, or its integer (a number that
// holds one exactly, 12.0 included); nullopt if absent or of another type.
std::optional<std::string> stringMember(const Json& object, const char* key);
std::optional<std::int64_t> integerMember(const Json& object, const char* key);

class DriverProcess {
 public:
  // Starts `argv` (argv[0] is looked up on PATH) and waits up to
  // `start_timeout` for its hello line, which must name protocol version
  // `version` (PROTOCOL.md). Returns null and sets `error` if it fails to.
  // A non-empty `preload` is put first in the driver's LD_PRELOAD.
  static std::unique_ptr<DriverProcess> start(const std::vector<std::string>& argv, int version,
                                              std::chrono::milliseconds start_timeout, Json* hello,
                                              std::string* error, const std::string& preload = "");
  ~DriverProcess();
  DriverProcess(const DriverProcess&) = delete;
  DriverProcess& operator=(const DriverProcess&) = delete;

  // Sends one request (a JSON object without "id", e.g. {"op": "connect",
  // "conn": "c1"}) and waits for its answer, a JSON object.
  Json call(Json request);

  std::chrono::milliseconds exit_timeout{30'000};

  // Asks a driver started with the crash-stack library (start's `preload`)
  // for every thread's native stack, which it writes to the shared stderr,
  // and waits up to `timeout` for the dump to end. False if the driver has
  // no such library or did not finish. Any thread, while calls wait: it
  // only signals the driver and watches a file.
  bool dumpStacks(std::chrono::milliseconds timeout);

 private:
  struct Pending {
    bool done = false;
    Json answer;
  };
  enum class Phase { kStarting, kRunning, kEnding, kEnded };

  DriverProcess(std::vector<std::string> argv, std::vector<std::string> env, std::string stacks_done)
      : argv_(std::move(argv)), env_(std::move(env)), stacks_done_(std::move(stacks_done)) {}
  void readerMain();
  bool spawn(int* fd);
  void readLines(int fd);
  void deliver(const std::string& line);
  void onExit(int status);
  [[noreturn]] void endRun(int code, const std::string& report);

  const std::vector<std::string> argv_;
  const std::vector<std::string> env_;  // the driver's environment, NAME=value
  const std::string stacks_done_;  // the file the driver creates when its stacks are written ("": none)
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  Phase phase_ = Phase::kStarting;
  int fd_ = -1;             // our end of the socket pair (the driver's stdin and stdout)
  pid_t pid_ = -1;
  std::string start_error_;  // why the start failed
  Json hello_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Pending*> pending_;
  std::mutex write_mu_;  // one request line at a time
};

}  // namespace lifeguard::harness

// liblifeguard_crash_stack.so: preloaded into a driver process (LD_PRELOAD,
// ProcessEngine::native_stacks) so that a native crash of the engine under a
// language binding leaves its stack in the run's report. A driver in Node.js
// or Python dies of SIGSEGV in the binding's native library with nothing but
// "Segmentation fault"; with this library its stderr gets
//
//   lifeguard crash_stack: signal 11 (Segmentation fault), fault address 0x10
//   /path/libduckdb.so(_ZN6duckdb...+0x1c)[0x7f...]
//   ...
//   lifeguard crash_stack: end of stack
//
// and the process then dies of the same signal, so the verdict is unchanged.
// Names come from the dynamic symbol tables (dladdr); an offset into a
// library without them can be resolved with addr2line against that library.
//
// A runtime may install its own handler later: node's catches the faults of
// WebAssembly bounds checks and, for any other fault, resets the signal to
// its default and raises it again, without calling the handler it replaced.
// So this library interposes sigaction(): a later handler for one of its
// signals is chained behind it instead of replacing it, runs first, and if
// it recovered from the fault (the disposition is still this library's),
// nothing is printed.
//
// On SIGUSR2 from outside (the process adapter's, when the runner's watchdog
// calls a hang: DriverProcess::dumpStacks) it writes every thread's stack,
// one thread at a time, each headed "lifeguard thread_stacks: thread TID
// (NAME)", then "lifeguard thread_stacks: end", and creates the file that
// LIFEGUARD_STACKS_DONE names, so that the adapter knows the dump ended. A
// hang then says where each of the engine's threads waits.
//
// Not built with sanitizers: it runs inside programs that are not. It must
// not be preloaded into a sanitizer-built driver (the sanitizer's runtime has
// to come first). Thread-safety: handlers are installed once, by the
// runtime's startup; the crash handler may run on any thread.
#include <dirent.h>
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
using SigactionFn = int (*)(int, const struct sigaction*, struct sigaction*);

struct sigaction g_chained[NSIG];  // a handler installed after ours, run before it
bool g_installed = false;

SigactionFn realSigaction() {
  static const auto fn = reinterpret_cast<SigactionFn>(dlsym(RTLD_NEXT, "sigaction"));
  return fn;
}

bool ours(int sig) {
  for (int s : kSignals) {
    if (s == sig) return true;
  }
  return false;
}

bool isHandler(const struct sigaction& a) {
  return (a.sa_flags & SA_SIGINFO) != 0 || (a.sa_handler != SIG_DFL && a.sa_handler != SIG_IGN);
}

void say(const char* text) { (void)!write(STDERR_FILENO, text, std::strlen(text)); }

void onCrash(int sig, siginfo_t* info, void* context);

bool stillOurs(int sig) {
  struct sigaction now {};
  realSigaction()(sig, nullptr, &now);
  return (now.sa_flags & SA_SIGINFO) != 0 && now.sa_sigaction == onCrash;
}

void onCrash(int sig, siginfo_t* info, void* context) {
  const struct sigaction& chained = g_chained[sig];
  if (isHandler(chained)) {
    if ((chained.sa_flags & SA_SIGINFO) != 0) {
      chained.sa_sigaction(sig, info, context);
    } else {
      chained.sa_handler(sig);
    }
    if (stillOurs(sig)) return;  // it recovered (a WebAssembly trap); else it re-raised, pending until we return
  }
  char head[160];
  // snprintf is not async-signal-safe in general, but formats no floats here
  // and the process is dying; the stack is worth it.
  std::snprintf(head, sizeof(head), "lifeguard crash_stack: signal %d (%s), fault address %p\n", sig,
                strsignal(sig), info != nullptr ? info->si_addr : nullptr);
  say(head);
  void* frames[64];
  int n = backtrace(frames, 64);
  backtrace_symbols_fd(frames, n, STDERR_FILENO);
  say("lifeguard crash_stack: end of stack\n");
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  realSigaction()(sig, &fallback, nullptr);
  raise(sig);  // delivered when this handler returns (a fault would recur anyway)
}

constexpr int kDumpSignal = SIGUSR2;
std::atomic<int> g_threads_dumped{0};
char g_dump_done[512];  // LIFEGUARD_STACKS_DONE, read at start-up

void dumpThisThread() {
  char head[96];
  std::snprintf(head, sizeof(head), "lifeguard thread_stacks: thread %ld (", static_cast<long>(syscall(SYS_gettid)));
  say(head);
  char comm[64] = "";
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/self/task/%ld/comm", static_cast<long>(syscall(SYS_gettid)));
  int fd = open(path, O_RDONLY);
  ssize_t n = fd >= 0 ? read(fd, comm, sizeof(comm) - 1) : 0;
  if (fd >= 0) close(fd);
  comm[n > 0 ? n - 1 : 0] = '\0';  // without its newline
  say(comm);
  say(")\n");
  void* frames[64];
  int depth = backtrace(frames, 64);
  backtrace_symbols_fd(frames + 2, depth > 2 ? depth - 2 : 0, STDERR_FILENO);  // from the interrupted frame
}

// Each thread of the process in turn: a tgkill, then up to 200 ms for it.
void dumpEveryThread() {
  say("lifeguard thread_stacks: every thread, at the harness's request\n");
  pid_t self = getpid();
  long me = syscall(SYS_gettid);
  int dir = open("/proc/self/task", O_RDONLY | O_DIRECTORY);
  char buffer[4096];
  for (long got; dir >= 0 && (got = syscall(SYS_getdents64, dir, buffer, sizeof(buffer))) > 0;) {
    for (long at = 0; at < got;) {
      auto* entry = reinterpret_cast<struct dirent64*>(buffer + at);
      at += entry->d_reclen;
      long tid = std::atol(entry->d_name);
      if (tid <= 0) continue;
      if (tid == me) {
        dumpThisThread();
        continue;
      }
      int before = g_threads_dumped.load();
      if (syscall(SYS_tgkill, self, tid, kDumpSignal) != 0) continue;
      timespec tick{0, 1'000'000};
      for (int waited = 0; waited < 200 && g_threads_dumped.load() == before; ++waited) nanosleep(&tick, nullptr);
    }
  }
  if (dir >= 0) close(dir);
  say("lifeguard thread_stacks: end\n");
  if (g_dump_done[0] != '\0') close(open(g_dump_done, O_WRONLY | O_CREAT | O_TRUNC, 0600));
}

void onDump(int, siginfo_t* info, void*) {
  int saved = errno;
  if (info->si_code == SI_TKILL && info->si_pid == getpid()) {  // a thread's turn (dumpEveryThread)
    dumpThisThread();
    g_threads_dumped.fetch_add(1);
  } else {
    dumpEveryThread();
  }
  errno = saved;
}

__attribute__((constructor)) void installCrashStack() {
  static char alternate[64 * 1024];  // a stack overflow (on the main thread) still gets its report
  stack_t ss{};
  ss.ss_sp = alternate;
  ss.ss_size = sizeof(alternate);
  sigaltstack(&ss, nullptr);
  void* warm[1];
  backtrace(warm, 1);  // loads libgcc now, not inside the handler
  struct sigaction action {};
  action.sa_sigaction = onCrash;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  for (int sig : kSignals) realSigaction()(sig, &action, nullptr);
  const char* done = std::getenv("LIFEGUARD_STACKS_DONE");
  if (done != nullptr && std::strlen(done) < sizeof(g_dump_done)) std::strcpy(g_dump_done, done);
  struct sigaction dump {};
  dump.sa_sigaction = onDump;
  dump.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&dump.sa_mask);
  realSigaction()(kDumpSignal, &dump, nullptr);
  g_installed = true;
}

}  // namespace

// Interposed: see the file's comment.
extern "C" int sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  if (!g_installed || !ours(sig) || act == nullptr || !isHandler(*act) ||
      ((act->sa_flags & SA_SIGINFO) != 0 && act->sa_sigaction == onCrash)) {
    return realSigaction()(sig, act, old);
  }
  if (old != nullptr) realSigaction()(sig, nullptr, old);
  g_chained[sig] = *act;
  return 0;
}

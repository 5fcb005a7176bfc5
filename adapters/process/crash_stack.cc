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
// Not built with sanitizers: it runs inside programs that are not. It must
// not be preloaded into a sanitizer-built driver (the sanitizer's runtime has
// to come first). Thread-safety: handlers are installed once, by the
// runtime's startup; the crash handler may run on any thread.
#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
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

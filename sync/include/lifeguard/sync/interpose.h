// The interposition layer: an unmodified engine library under the controlled
// scheduler (ControlledOptions::interpose).
//
// sync/src/interpose.cc defines, with default visibility, the libc and
// libstdc++ functions a prebuilt engine synchronises with:
//   pthread_mutex_lock/trylock/timedlock/unlock,
//   pthread_cond_wait/timedwait/clockwait/signal/broadcast,
//   pthread_rwlock_rdlock/wrlock/tryrdlock/trywrlock/timedrdlock/timedwrlock/unlock,
//   sem_wait/trywait/timedwait/post, pthread_create/join, pthread_once,
//   __cxa_guard_acquire/release/abort (not under ThreadSanitizer, which
//   defines them itself), sched_yield, nanosleep, clock_nanosleep, usleep,
//   clock_gettime, gettimeofday, syscall (SYS_futex), and std::chrono's
//   steady_clock::now and system_clock::now. (pthread_detach needs nothing:
//   a detached controlled thread ends as any other.)
// A program that links lifeguard::interpose exports these (src/exports.list,
// a --dynamic-list the target brings along, with lifeguard's own symbols for
// plug-ins and nothing else) and comes first in symbol lookup, so every
// library it loads, libstdc++ included, binds to these instead of libc's.
//
// Outside a controlled thread of an interposing run each function forwards
// to the real one behind one thread-local test. The real one is the
// sanitizer's interceptor when the program has one (ASan intercepts thread
// creation and join, TSan every lock), so the sanitizers still see the
// engine's threads and locks; otherwise libc's (dlsym RTLD_NEXT).
//
// On a controlled thread each call is a scheduling point, and the real
// primitive stays the truth ("shadow" synchronisation): a lock is taken with
// the real trylock, and while it fails the thread is not runnable until the
// lock's next unlock; a condition wait releases the real mutex, waits for a
// controlled signal or its deadline in virtual time, and takes the mutex
// again the same way; a semaphore is waited on with sem_trywait between
// sem_posts; a once-flag or a function-local static that another controlled
// thread is initialising blocks until it is done; thread creation spawns a
// controlled thread, whose last step follows its thread-local destructors,
// and join waits for it; sched_yield is a polite point (another thread runs
// first); a sleep waits in virtual time. A try (trylock, sem_trywait) never
// blocks and is no point. Virtual time passes 10 us a step and jumps to the
// next deadline when nothing can run; engine code on a controlled thread
// reads it from its clocks (steady_clock and system_clock of libstdc++,
// clock_gettime, gettimeofday), so its timers decide alike in every run.
// A spin loop gets fairness: a thread that takes 64 steps in a row at places
// it passed recently does not run while another can, until one progresses.
//
// What it cannot see, and what then happens:
//   - plain atomics and spin loops without a call above: no point; when the
//     running thread takes no step while it uses 300 ms of CPU time (or for
//     300 ms of real time in which it uses almost none), another runnable
//     thread gets an uncontrolled slice beside it
//     (ControlledTrace::uncontrolled_slices; such a run is not
//     deterministic);
//   - a futex through syscall() (C++20 atomic::wait) is a wait of the
//     scheduler; one reached another way (an inline system call) is not;
//   - threads the engine started before the run: not controlled; a lock one
//     of them holds, or a wake-up it sends, shows as "nobody can run": the
//     shadow waiters try again (ControlledTrace::outside_waits counts it,
//     bounded), and a real block outside the layer is the watchdog's hang;
//   - a lock such a thread (or a controlled thread after its last step)
//     holds when a controlled thread's try meets it: the try's outcome
//     depends on real time; the holder glibc records is read, and a holder
//     not under control is counted (ControlledTrace::outside_holds).
//
// Thread-safety: the functions are called from any thread, as libc's.
#pragma once

#include <string>

namespace lifeguard::sync::interpose {

// Whether a library loaded by this program binds pthread_mutex_lock (and the
// rest) to this layer; if not, why (the program does not export it).
bool bound(std::string* why);

}  // namespace lifeguard::sync::interpose

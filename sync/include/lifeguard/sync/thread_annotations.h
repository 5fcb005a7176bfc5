// Clang thread-safety annotations (no-ops on other compilers).
#pragma once

#if defined(__clang__)
#define LG_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define LG_THREAD_ANNOTATION(x)
#endif

#define LG_CAPABILITY(x) LG_THREAD_ANNOTATION(capability(x))
#define LG_SCOPED_CAPABILITY LG_THREAD_ANNOTATION(scoped_lockable)
#define LG_GUARDED_BY(x) LG_THREAD_ANNOTATION(guarded_by(x))
#define LG_PT_GUARDED_BY(x) LG_THREAD_ANNOTATION(pt_guarded_by(x))
#define LG_REQUIRES(...) LG_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define LG_EXCLUDES(...) LG_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define LG_ACQUIRE(...) LG_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define LG_RELEASE(...) LG_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define LG_NO_THREAD_SAFETY_ANALYSIS LG_THREAD_ANNOTATION(no_thread_safety_analysis)

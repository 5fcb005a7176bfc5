// Scratch directories for an engine adapter's files (databases, CSV files for
// COPY): one per adapter, under the system's temporary directory ($TMPDIR),
// removed by the adapter that made it.
//
// A process that dies leaves its directory behind: a crash under `legacy` is
// what the harness is for, and a forked child ends with _exit. Pids repeat
// (pid_max is often 32768), so a name is never reused (mkdtemp), and a
// process's first directory also removes those of processes that are gone.
//
// Thread-safety: both functions may be called from any thread.
#pragma once

#include <cstddef>
#include <filesystem>

namespace lifeguard::harness {

// Creates and returns a new, empty <temp>/lifeguard-<pid>-XXXXXX. Throws
// std::filesystem::filesystem_error if it cannot.
std::filesystem::path makeScratchDirectory();

// Removes every lifeguard-<pid>-* directory in `root` whose process no longer
// exists; returns how many it removed.
std::size_t removeOrphanedScratchDirectories(const std::filesystem::path& root);

}  // namespace lifeguard::harness

// Database options, including the teardown policy under test.
//
// Thread-safety: a value; the Database copies it at construction and never
// changes it (the file system it names is shared and thread-safe).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace lifeguard {

class FileSystem;

// How Connection and Database teardown treat work still in flight.
enum class TeardownPolicy {
  // 0.11.x behaviour, the bug kept on purpose: closing a connection destroys
  // its ClientContext under running workers; closing the database frees
  // storage, the transaction manager and the memory manager before joining
  // the workers. Only later results of a chain skip the closed check, the
  // closed flag is a plain bool. For reproducing the original crashes.
  kLegacy,
  // The published fix exactly: an active-query count brackets
  // QueryProcessor::execute (incremented without the lock, decremented and
  // notified under it) and closing a connection waits for zero. Parse/bind
  // and commit stay outside the bracket; close skips the rollback of an open
  // transaction; database close is unchanged from kLegacy.
  kExecuteDrain,
  // The whole query is bracketed. Closing a connection interrupts its query,
  // drains it and rolls back its open transaction. Closing the database
  // refuses new work, interrupts and drains every query and result call,
  // rolls back open transactions, joins the workers and then frees state.
  // Every result of a chain is guarded; the closed flag is atomic. Default.
  kComplete,
};

std::string_view toString(TeardownPolicy policy);
// Accepts "legacy", "execute_drain", "complete".
std::optional<TeardownPolicy> parseTeardownPolicy(std::string_view name);

struct Options {
  TeardownPolicy policy = TeardownPolicy::kComplete;
  // Worker threads of the TaskScheduler, shared by all connections (>= 1).
  std::size_t num_threads = 2;
  // COPY reads its file into line-aligned buffers of at least this many bytes
  // (or one whole line, if longer; >= 1), which the workers parse in parallel.
  // Tests and fuzz targets make it small so small files span many buffers.
  std::size_t copy_buffer_bytes = 64 * 1024;
  // How long closing the database lets its checkpoint wait for an open write
  // transaction before giving up (the stall of hazard H4 under kLegacy and
  // kExecuteDrain; kComplete rolls back first and never waits).
  std::uint64_t checkpoint_wait_ms = 5000;
  // Where an on-disk database keeps its files; null means the real (POSIX)
  // file system. Tests pass an in-memory or fault-injecting one.
  std::shared_ptr<FileSystem> file_system;
};

}  // namespace lifeguard

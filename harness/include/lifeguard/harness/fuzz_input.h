// Fuzzer input -> a schedule and the controlled scheduler's decisions.
//
// The bytes are read once each, front to back, through libFuzzer's
// FuzzedDataProvider: first every choice of the schedule generator (actors,
// operations, query kinds, sizes; small data, so a run takes milliseconds),
// then one byte per scheduling step at which more than one thread can run
// (below 160: the current thread goes on; else the byte picks which runs). When the bytes run out the current thread keeps
// running. The same bytes give the same schedule and the same interleaving,
// so a crash file replays exactly (fuzz_lifecycle, lifeguard import-crash).
//
// Thread-safety: a FuzzCase is used by one run at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "lifeguard/harness/run_result.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

struct FuzzCase {
  Schedule schedule;  // scheduler "fuzz": decisions come from the bytes
  RunOptions options; // trace_is_prefix, chooser reading the remaining bytes
  std::shared_ptr<void> bytes;  // keeps the provider the chooser reads alive
};

FuzzCase decodeFuzzInput(const std::uint8_t* data, std::size_t size, const std::string& policy);

}  // namespace lifeguard::harness

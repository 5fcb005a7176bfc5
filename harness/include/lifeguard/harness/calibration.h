// Calibration: how fast an engine runs each kind of sized work (a long
// query, a query that fails while executing, a COPY) on this machine, so
// that generated schedules ask every engine for work of the same durations
// (GeneratorOptions::rates) instead of row counts chosen for one engine.
//
// Measuring runs one-actor schedules (open, connect, the query twice; the
// second, warm, is timed), each in a child (runIsolated), growing the count
// until the query takes at least kCalibrationMs: a few seconds per engine.
// The rates are kept in a file per engine and build, so that a machine
// measures once; a replay never calibrates (its schedule holds the counts).
//
// Thread-safety: measureRates and calibratedRates may run on any thread;
// two processes calibrating one engine at once both measure, and the last
// to write the file wins (each file is written whole, then renamed).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "lifeguard/harness/generator.h"
#include "lifeguard/harness/runner.h"

namespace lifeguard::harness {

inline constexpr double kCalibrationMs = 20;

// Measures the rates of `engine` under `policy` (its capabilities say
// which kinds it has: a kind it lacks is given the long query's rate).
// nullopt and `error` if a measuring run fails.
std::optional<WorkRates> measureRates(const std::string& engine, const std::string& policy,
                                      const Capabilities& capabilities, const RunOptions& options,
                                      std::string* error);

// The rates in `cache` (a directory: one file per engine name, version
// included, and policy), measured and written there if missing. `note`
// says which: "measured ..." or "from FILE".
std::optional<WorkRates> calibratedRates(const std::string& engine, const std::string& policy,
                                         const Capabilities& capabilities, const RunOptions& options,
                                         const std::filesystem::path& cache, std::string* note,
                                         std::string* error);

// "long 1234.5/ms, bad_exec 1000.0/ms, copy 12.5/ms".
std::string formatRates(const WorkRates& rates);

}  // namespace lifeguard::harness

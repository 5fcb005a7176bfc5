// Calibration (calibration.h).
#include "lifeguard/harness/calibration.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace lifeguard::harness {
namespace {

// A one-actor schedule that runs `query` twice on a fresh database.
std::optional<Schedule> probe(const std::string& engine, const std::string& policy, const std::string& query,
                              std::string* error) {
  std::string text = "lifeguard-schedule 1\nengine " + engine + "\npolicy " + policy +
                     "\nactors 1\n\nactor 0\n  open_db\n  connect c1\n  query c1 - " + query + "\n  query c1 - " +
                     query + "\n";
  ParseError parse;
  std::optional<Schedule> schedule = parseSchedule(text, &parse);
  if (!schedule) *error = "calibration schedule: " + parse.message;
  return schedule;
}

// How long the second (warm) query of a probe took, in ms.
std::optional<double> timeProbe(const Schedule& schedule, const RunOptions& options, std::string* error) {
  RunResult result = runIsolated(schedule, options);
  if (result.verdict != Verdict::kPass) {
    *error = "calibration run failed (" + std::string(toString(result.verdict)) + "): " + result.message;
    return std::nullopt;
  }
  double invoked = -1;
  for (const Event& e : result.history) {
    if (e.actor != 0 || e.index != 3) continue;
    if (e.type == EventType::kInvoke) invoked = e.at_ms;
    if (e.type == EventType::kReturn && invoked >= 0) return std::max(e.at_ms - invoked, 0.01);
  }
  *error = "calibration run: its timed query did not return";
  return std::nullopt;
}

// Units of `kind` per ms: the count grows until a query takes kCalibrationMs.
std::optional<double> measureKind(const std::string& engine, const std::string& policy, const std::string& kind,
                                  std::int64_t count, std::int64_t max_count, const RunOptions& options,
                                  std::string* error) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::string query = kind == "copy" ? "copy t1 " + std::to_string(count) : kind + " " + std::to_string(count);
    std::optional<Schedule> schedule = probe(engine, policy, query, error);
    if (!schedule) return std::nullopt;
    std::optional<double> ms = timeProbe(*schedule, options, error);
    if (!ms) return std::nullopt;
    if (*ms >= kCalibrationMs || count >= max_count) return static_cast<double>(count) / *ms;
    const double grow = std::clamp(std::ceil(2 * kCalibrationMs / *ms), 2.0, 100.0);
    count = std::min<std::int64_t>(max_count, static_cast<std::int64_t>(static_cast<double>(count) * grow));
  }
  *error = "calibration: " + kind + " stayed under " + std::to_string(kCalibrationMs) + " ms";
  return std::nullopt;
}

std::string cacheName(const std::string& engine, const std::string& policy) {
  std::string name = engine + "-" + policy + ".rates";
  std::replace_if(name.begin(), name.end(), [](char c) { return c == '/' || c == ':' || c == ' '; }, '_');
  return name;
}

std::optional<WorkRates> readRates(const std::filesystem::path& file) {
  std::ifstream in(file);
  WorkRates r;
  std::string key;
  for (double value; in >> key >> value;) {
    if (key == "long") r.long_per_ms = value;
    if (key == "bad_exec") r.bad_exec_per_ms = value;
    if (key == "copy") r.copy_per_ms = value;
  }
  return r.known() ? std::optional<WorkRates>(r) : std::nullopt;
}

}  // namespace

std::optional<WorkRates> measureRates(const std::string& engine, const std::string& policy,
                                      const Capabilities& capabilities, const RunOptions& options,
                                      std::string* error) {
  WorkRates r;
  std::optional<double> rate = measureKind(engine, policy, "long", 100'000, 100'000'000'000, options, error);
  if (!rate) return std::nullopt;
  r.long_per_ms = r.bad_exec_per_ms = *rate;
  r.copy_per_ms = 1;  // unused where the engine has no COPY
  if (capabilities.errors) {
    if (!(rate = measureKind(engine, policy, "bad_exec", 100'000, 100'000'000'000, options, error))) return std::nullopt;
    r.bad_exec_per_ms = *rate;
  }
  if (capabilities.copy) {
    if (!(rate = measureKind(engine, policy, "copy", 100, 1'000'000, options, error))) return std::nullopt;
    r.copy_per_ms = *rate;
  }
  return r;
}

std::optional<WorkRates> calibratedRates(const std::string& engine, const std::string& policy,
                                         const Capabilities& capabilities, const RunOptions& options,
                                         const std::filesystem::path& cache, std::string* note,
                                         std::string* error) {
  const std::filesystem::path file = cache / cacheName(engine, policy);
  if (std::optional<WorkRates> cached = readRates(file)) {
    *note = "from " + file.string();
    return cached;
  }
  std::optional<WorkRates> rates = measureRates(engine, policy, capabilities, options, error);
  if (!rates) return std::nullopt;
  *note = "measured now";
  std::error_code ec;
  std::filesystem::create_directories(cache, ec);
  const std::filesystem::path temp = file.string() + "." + std::to_string(::getpid());
  {
    std::ofstream out(temp);
    out << "long " << rates->long_per_ms << "\nbad_exec " << rates->bad_exec_per_ms << "\ncopy " << rates->copy_per_ms
        << "\n";
  }
  std::filesystem::rename(temp, file, ec);
  *note += ec ? " (not kept: " + ec.message() + ")" : ", kept in " + file.string();
  return rates;
}

std::string formatRates(const WorkRates& r) {
  char text[160];
  std::snprintf(text, sizeof(text), "long %.1f/ms, bad_exec %.1f/ms, copy %.2f rows/ms", r.long_per_ms,
                r.bad_exec_per_ms, r.copy_per_ms);
  return text;
}

}  // namespace lifeguard::harness

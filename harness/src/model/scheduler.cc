#include "lifeguard/harness/scheduler.h"

#include <cstdio>
#include <cstdlib>

namespace lifeguard::harness {
namespace {

bool parseUnsigned(const std::string& text, int base, std::uint64_t* value) {
  if (text.empty()) return false;
  char* end = nullptr;
  *value = std::strtoull(text.c_str(), &end, base);
  return *end == '\0';
}

constexpr std::size_t kTokensPerLine = 24;

}  // namespace

std::string formatSchedulerSpec(const SchedulerSpec& spec) {
  if (spec.name == "pct") {
    return "pct depth=" + std::to_string(spec.depth) + " seed=" + std::to_string(spec.seed) +
           " steps=" + std::to_string(spec.steps) + (spec.lifecycle_points ? " points=lifecycle" : "");
  }
  if (spec.name == "random") return "random seed=" + std::to_string(spec.seed);
  if (spec.name == "dfs") return "dfs preemptions=" + std::to_string(spec.preemptions);
  return spec.name;
}

std::optional<SchedulerSpec> parseSchedulerSpec(const std::vector<std::string>& words, std::string* error) {
  SchedulerSpec spec;
  if (words.empty()) return *error = "scheduler needs a name (os, random, pct, dfs)", std::nullopt;
  spec.name = words[0];
  if (spec.name != "os" && spec.name != "random" && spec.name != "pct" && spec.name != "dfs" && spec.name != "fuzz") {
    return *error = "unknown scheduler '" + spec.name + "' (os, random, pct, dfs, fuzz)", std::nullopt;
  }
  for (std::size_t i = 1; i < words.size(); ++i) {
    std::size_t eq = words[i].find('=');
    std::string key = words[i].substr(0, eq);
    std::uint64_t value = 0;
    if (key == "points" && spec.name == "pct" && eq != std::string::npos) {
      std::string points = words[i].substr(eq + 1);
      if (points != "lifecycle" && points != "all") return *error = "pct points= takes lifecycle or all", std::nullopt;
      spec.lifecycle_points = points == "lifecycle";
      continue;
    }
    if (eq == std::string::npos || !parseUnsigned(words[i].substr(eq + 1), 10, &value)) {
      return *error = "scheduler option '" + words[i] + "' is not KEY=NUMBER", std::nullopt;
    }
    if (key == "seed") spec.seed = value;
    else if (key == "depth" && spec.name == "pct" && value >= 1 && value <= 64) spec.depth = static_cast<int>(value);
    else if (key == "steps" && spec.name == "pct" && value >= 1) spec.steps = value;
    else if (key == "preemptions" && spec.name == "dfs" && value <= 16) spec.preemptions = static_cast<int>(value);
    else return *error = "scheduler " + spec.name + " takes no option '" + words[i] + "'", std::nullopt;
  }
  return spec;
}

std::string formatTrace(const DecisionTrace& trace) {
  if (trace.empty()) return "";
  std::string text = "trace " + std::to_string(trace.decisions.size()) + "\n";
  std::string line;
  std::size_t tokens = 0;
  auto flush = [&] {
    if (tokens > 0) text += "decisions" + line + "\n";
    line.clear(), tokens = 0;
  };
  for (std::size_t i = 0; i < trace.decisions.size();) {
    std::size_t run = 1;
    while (i + run < trace.decisions.size() && trace.decisions[i + run] == trace.decisions[i]) ++run;
    line += " " + std::to_string(trace.decisions[i]) + (run > 1 ? "*" + std::to_string(run) : "");
    if (++tokens == kTokensPerLine) flush();
    i += run;
  }
  flush();
  for (std::size_t i = 0; i < trace.checks.size(); i += 8) {
    text += "checks";
    for (std::size_t j = i; j < std::min(i + 8, trace.checks.size()); ++j) {
      char hex[16];
      std::snprintf(hex, sizeof(hex), " %08x", trace.checks[j]);
      text += hex;
    }
    text += "\n";
  }
  return text;
}

std::string parseTraceLine(const std::vector<std::string>& words, DecisionTrace* trace, std::int64_t* declared_steps) {
  std::uint64_t value = 0;
  if (words[0] == "trace") {
    if (words.size() != 2 || !parseUnsigned(words[1], 10, &value)) return "expected 'trace STEPS'";
    *declared_steps = static_cast<std::int64_t>(value);
    return "";
  }
  for (std::size_t i = 1; i < words.size(); ++i) {
    if (words[0] == "checks") {
      if (!parseUnsigned(words[i], 16, &value) || value > 0xffffffffULL) return "bad checksum '" + words[i] + "'";
      trace->checks.push_back(static_cast<std::uint32_t>(value));
      continue;
    }
    std::size_t star = words[i].find('*');
    std::uint64_t thread = 0, count = 1;
    if (!parseUnsigned(words[i].substr(0, star), 10, &thread) || thread >= 64 ||
        (star != std::string::npos && (!parseUnsigned(words[i].substr(star + 1), 10, &count) || count == 0))) {
      return "bad decision '" + words[i] + "' (THREAD or THREAD*COUNT)";
    }
    trace->decisions.insert(trace->decisions.end(), count, static_cast<std::uint8_t>(thread));
  }
  return "";
}

}  // namespace lifeguard::harness

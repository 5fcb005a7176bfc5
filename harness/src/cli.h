// The `lifeguard` command line: one function per subcommand (private).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lifeguard/harness/scheduler.h"

namespace lifeguard::harness::cli {

// --name value flags (and bare --switches) plus positional arguments.
class Args {
 public:
  // Returns nullopt and sets `error` for a flag not in `known` or a flag
  // without its value. `switches` take no value.
  static std::optional<Args> parse(const std::vector<std::string>& argv, const std::vector<std::string>& known,
                                   const std::vector<std::string>& switches, std::string* error);
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::string get(const std::string& name, const std::string& fallback) const;
  // Sets `error` if the value is not a non-negative integer.
  std::uint64_t number(const std::string& name, std::uint64_t fallback, std::string* error) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

// --scheduler NAME (default `fallback`) with --pct-depth and --preemptions;
// nullopt with `error` on a bad value.
std::optional<SchedulerSpec> schedulerFrom(const Args& args, const std::string& fallback, std::string* error);
double secondsSince(std::chrono::steady_clock::time_point start);

int run(const std::vector<std::string>& args);
int replay(const std::vector<std::string>& args);
int shrink(const std::vector<std::string>& args);
int show(const std::vector<std::string>& args);
int generate(const std::vector<std::string>& args);
int engines(const std::vector<std::string>& args);
int contract(const std::vector<std::string>& args);
int explore(const std::vector<std::string>& args);
int importCrash(const std::vector<std::string>& args);

}  // namespace lifeguard::harness::cli

#include <CLI/CLI.hpp>
#include <charconv>

#include "cli/cli.h"

namespace lifeguard::harness::cli {

namespace {

// A non-negative integer that fits 64 bits, at least `min` and at most
// `max` (0: no bound). Its name in the help: N, N>=1, N in 1..8.
CLI::Validator countIn(std::uint64_t min, std::uint64_t max) {
  std::string range = max > 0 ? std::to_string(min) + " to " + std::to_string(max) : "at least " + std::to_string(min);
  CLI::Validator validator(
      [min, max, range](std::string& text) -> std::string {
        std::uint64_t value = 0;
        auto [end, failed] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (failed != std::errc() || end != text.data() + text.size()) {
          return "takes a non-negative integer, not '" + text + "'";
        }
        if (value < min || (max > 0 && value > max)) return "takes " + range + ", not " + text;
        return "";
      },
      "");
  return validator;
}

std::string countName(std::uint64_t min, std::uint64_t max) {
  if (max > 0) return "N in " + std::to_string(min) + ".." + std::to_string(max);
  return min > 0 ? "N>=" + std::to_string(min) : "N";
}

}  // namespace

CLI::Option* Options::value(const std::string& names, const std::string& name, const std::string& help) {
  Args* args = args_;
  auto keep = [args, name](const std::string& value) { args->values_.insert_or_assign(name, value); };
  return command_->add_option_function<std::string>(names, keep, help);
}

void Options::about(const std::string& text) { command_->description(text); }

void Options::text(const std::string& name, const std::string& help, const std::string& short_name) {
  value((short_name.empty() ? "" : short_name + ",") + "--" + name, name, help)->type_name("VALUE");
}

void Options::count(const std::string& name, const std::string& help, std::uint64_t min, std::uint64_t max) {
  value("--" + name, name, help)->check(countIn(min, max))->type_name(countName(min, max));
}

void Options::choice(const std::string& name, const std::string& help, const std::vector<std::string>& choices) {
  std::string names;
  for (const std::string& choice : choices) names += (names.empty() ? "" : "|") + choice;
  CLI::Validator member = CLI::IsMember(choices);
  member.description("");  // the type name says them
  value("--" + name, name, help)->check(member)->type_name(names);
}

void Options::flag(const std::string& name, const std::string& help) {
  Args* args = args_;
  // Not `= "1"`: GCC 12 warns falsely (-Wrestrict, bug 105329) on that assignment.
  command_->add_flag_callback("--" + name, [args, name] { args->values_.insert_or_assign(name, std::string(1, '1')); },
                              help);
}

void Options::files(const std::string& what, const std::string& help, int min, int max) {
  CLI::Option* option = command_->add_option(what, args_->positional_, help)->type_name("");
  if (min > 0) option->required();
  option->expected(min, max < 0 ? CLI::detail::expected_max_vector_size : max);
}

void Options::scheduler(const std::string& fallback) {
  choice("scheduler",
         "who picks which thread runs: os (free-running threads), or under the controlled scheduler random, "
         "pct (probabilistic concurrency testing) or dfs (every interleaving within --preemptions); default " +
             fallback,
         {"os", "random", "pct", "dfs"});
  count("pct-depth", "PCT's depth: priority change points + 1 (default 3)");
  choice("pct-points",
         "where PCT's change points fall: among lifecycle steps (the default) or among all steps",
         {"lifecycle", "all"});
  count("preemptions", "dfs: the most preemptions per interleaving (default 2)");
}

void Options::deadline() {
  count("deadline-ms", "an operation running longer than this is a hang (default 10000; lifeguard run: 5000, or "
                      "10000 with --sizes fixed)", 1);
}

void Options::sizes() {
  choice("sizes", "calibrated (default): long, failing and COPY queries sized to run for drawn durations on this "
                  "engine here, measured once per engine and build; fixed: row counts chosen for this project's engine",
         {"calibrated", "fixed"});
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

std::uint64_t Args::number(const std::string& name, std::uint64_t fallback, std::string* error) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  std::uint64_t value = 0;
  auto [end, failed] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  if (failed != std::errc() || end != it->second.data() + it->second.size()) {
    *error = "--" + name + " takes a non-negative integer, not '" + it->second + "'";
  }
  return value;
}

std::optional<SchedulerSpec> schedulerFrom(const Args& args, const std::string& fallback, std::string* error) {
  std::vector<std::string> words{args.get("scheduler", fallback)};
  if (words[0] == "pct") {
    words.push_back("depth=" + args.get("pct-depth", "3"));
    words.push_back("points=" + args.get("pct-points", "lifecycle"));
  }
  if (words[0] == "dfs") words.push_back("preemptions=" + args.get("preemptions", "2"));
  return parseSchedulerSpec(words, error);
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace lifeguard::harness::cli

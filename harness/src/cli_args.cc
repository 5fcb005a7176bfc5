#include <charconv>
#include <regex>

#include "cli.h"

namespace lifeguard::harness::cli {

std::optional<Args> Args::parse(const std::vector<std::string>& argv, const std::vector<std::string>& known,
                                const std::vector<std::string>& switches, std::string* error) {
  Args args;
  auto listed = [](const std::vector<std::string>& names, const std::string& name) {
    for (const auto& n : names) {
      if (n == name) return true;
    }
    return false;
  };
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (word.rfind("--", 0) != 0) {
      args.positional_.push_back(word);
      continue;
    }
    std::string name = word.substr(2);
    if (std::size_t equals = name.find('='); equals != std::string::npos) {  // --name=value
      std::string value = name.substr(equals + 1);
      name.erase(equals);
      if (!listed(known, name)) {
        *error = "unknown option --" + name;
        return std::nullopt;
      }
      args.values_.insert_or_assign(name, value);
      continue;
    }
    if (listed(switches, name)) {
      // Not `= "1"`: GCC 12 warns falsely (-Wrestrict, bug 105329) on that assignment.
      args.values_.insert_or_assign(name, std::string(1, '1'));
    } else if (!listed(known, name)) {
      *error = "unknown option " + word;
      return std::nullopt;
    } else if (i + 1 >= argv.size()) {
      *error = word + " needs a value";
      return std::nullopt;
    } else {
      args.values_[name] = argv[++i];
    }
  }
  return args;
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

std::string engineFrame(const std::string& report) {
  // A function's name may hold "(anonymous namespace)", never another '(' or a space.
  static const std::regex kFrame(
      R"(#\d+ 0x[0-9a-f]+ in ((?:[^ (]|\(anonymous namespace\))*::(?:[^ (]|\(anonymous namespace\))*))");
  for (std::sregex_iterator it(report.begin(), report.end(), kFrame), end; it != end; ++it) {
    std::string function = (*it)[1];
    bool harness = false;
    for (const char* prefix : {"lifeguard::harness::", "lifeguard::sync::", "lifeguard::testing::", "std::", "__"}) {
      harness |= function.rfind(prefix, 0) == 0;
    }
    if (!harness) return function;
  }
  return "";
}

}  // namespace lifeguard::harness::cli

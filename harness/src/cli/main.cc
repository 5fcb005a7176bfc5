// lifeguard: drives an engine through lifecycle interleavings and judges them.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "lifeguard/harness/artifact.h"
#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/plugin.h"

namespace {

constexpr const char* kAbout =
    "lifeguard: drives an embedded database engine through lifecycle interleavings (closes racing queries, "
    "results, COPY and error handling on other threads) and judges them.";
constexpr const char* kFooter = R"(
Every command takes --engine-lib PATH.so (repeatable): an adapter built out of tree, whose
engines then join the list (docs/adapters.md).
Verdicts: pass, contract, data, invariant, hang, sanitizer, crash, harness, divergence.
Exit codes: 0 passed or done, 1 a failure found, 2 a usage error.
Schedules are documented in harness/SCHEDULES.md; `lifeguard COMMAND --help` shows a command's options.)";

using namespace lifeguard::harness::cli;

// The commands, in the order --help lists them.
constexpr const Command* kCommands[] = {&kRun,   &kExplore, &kImportCrash, &kReplay,  &kShrink,  &kShow,
                                        &kExport, &kSweep,  &kGenerate,    &kEngines, &kContract, &kReport,
                                        &kProfile};

// The command nearest to a mistyped one (edit distance at most 2), or "".
std::string nearestCommand(const std::string& typed) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        std::size_t above = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diagonal = above;
      }
    }
    return row[b.size()];
  };
  std::string best;
  std::size_t best_distance = 3;
  for (const Command* command : kCommands) {
    std::size_t d = distance(typed, command->name);
    if (d < best_distance) best = command->name, best_distance = d;
  }
  return best;
}

#if defined(__SANITIZE_ADDRESS__)
#define LIFEGUARD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LIFEGUARD_ASAN 1
#endif
#endif

// The engine a command will run: --engine's, or the first schedule file's.
[[maybe_unused]] std::string engineOf(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--engine") return args[i + 1];
  }
  for (const std::string& arg : args) {
    if (arg.rfind("--engine=", 0) == 0) return arg.substr(9);
    std::string ignored;
    if (arg.ends_with(".sched")) {
      if (auto schedule = lifeguard::harness::loadSchedule(arg, &ignored)) return schedule->engine;
    }
  }
  return "";
}

// Under AddressSanitizer, for an engine whose code it does not instrument,
// starts the program again with freed memory filled with 0xbe (its first
// 4 KiB): the engine's use-after-free then crashes on the poisoned pointer
// instead of reading stale memory and going on unseen. (Only then: in
// instrumented code ASan reports it better, with its stack.) The options are
// read when the process starts, hence the exec. ASAN_OPTIONS may override
// it, and LIFEGUARD_FREE_FILL (set, to any value: 0) turns it off.
void poisonFreedMemoryFor(const std::vector<std::string>& args, char** argv) {
#if defined(LIFEGUARD_ASAN)
  const lifeguard::harness::EngineEntry* engine = lifeguard::harness::findEngine(engineOf(args));
  if (engine == nullptr || !engine->uninstrumented || std::getenv("LIFEGUARD_FREE_FILL") != nullptr) return;
  const char* options = std::getenv("ASAN_OPTIONS");
  std::string poisoned = "max_free_fill_size=4096:free_fill_byte=190";
  if (options != nullptr && *options != '\0') poisoned += std::string(":") + options;  // the user's win
  ::setenv("ASAN_OPTIONS", poisoned.c_str(), 1);
  ::setenv("LIFEGUARD_FREE_FILL", "1", 1);
  ::execv("/proc/self/exe", argv);  // returns only if it failed: go on without
#else
  (void)args, (void)argv;
#endif
}

// Parses `args` (the command first) with CLI11 and runs the command.
int dispatch(std::vector<std::string> args) {
  CLI::App app(kAbout, "lifeguard");
  app.footer(kFooter);
  app.require_subcommand(1);
  // "lifeguard run: --seed: takes a non-negative integer, not 'x'", and where to read on.
  app.failure_message([](const CLI::App* top, const CLI::Error& e) {
    std::vector<CLI::App*> parsed = top->get_subcommands();
    std::string command = parsed.empty() ? "lifeguard" : "lifeguard " + parsed.front()->get_name();
    return command + ": " + e.what() + "\nRun " + command + " --help for its options.\n";
  });
  std::vector<Args> parsed(std::size(kCommands));
  for (std::size_t i = 0; i < std::size(kCommands); ++i) {
    CLI::App* sub = app.add_subcommand(kCommands[i]->name);
    sub->footer("\nEvery command also takes --engine-lib PATH.so (repeatable): a plug-in's engines.");
    Options options(sub, &parsed[i]);
    kCommands[i]->options(options);
  }
  if (args.empty()) return std::fputs(app.help().c_str(), stderr), 2;
  if (args[0] == "help") {  // lifeguard help [COMMAND]
    args.erase(args.begin());
    args.push_back("--help");
  }
  auto known = [](const std::string& name) {
    return std::any_of(std::begin(kCommands), std::end(kCommands), [&](const Command* c) { return name == c->name; });
  };
  if (args[0].rfind("-", 0) != 0 && !known(args[0])) {
    std::string nearest = nearestCommand(args[0]);
    std::fprintf(stderr, "lifeguard: unknown command '%s'%s\nRun lifeguard --help for the commands.\n",
                 args[0].c_str(), nearest.empty() ? "" : ("; did you mean '" + nearest + "'?").c_str());
    return 2;
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // help to stdout (0), an error to stderr
    return code == 0 ? 0 : 2;
  }
  for (std::size_t i = 0; i < std::size(kCommands); ++i) {
    if (app.got_subcommand(kCommands[i]->name)) return kCommands[i]->run(parsed[i]);
  }
  return 2;  // require_subcommand(1) makes this unreachable
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // --engine-lib PATH (anywhere, repeatable): load a plug-in's engines first.
  for (std::size_t i = 0; i < args.size();) {
    std::string path;
    if (args[i] == "--engine-lib") {
      if (i + 1 >= args.size()) return std::fprintf(stderr, "lifeguard: --engine-lib needs a PATH.so\n"), 2;
      path = args[i + 1];
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
    } else if (args[i].rfind("--engine-lib=", 0) == 0) {
      path = args[i].substr(13);
      args.erase(args.begin() + static_cast<long>(i));
    } else {
      ++i;
      continue;
    }
    std::string error = lifeguard::harness::loadEngineLibrary(path);
    if (!error.empty()) return std::fprintf(stderr, "lifeguard: %s\n", error.c_str()), 2;
  }
  if (!args.empty() && args[0] != "help" && args[0].rfind("-", 0) != 0) poisonFreedMemoryFor(args, argv);
  return dispatch(std::move(args));
}

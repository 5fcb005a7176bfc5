// lifeguard import-crash: a libFuzzer crash file becomes a regression.
//   fuzz_lifecycle: the bytes are decoded into their schedule, run once per
//   policy (exactly, with the decisions, under the crash's own policy), and
//   written as a readable .sched with the decision trace and one `expect`
//   line per policy, under tests/regressions/ (a ctest test per policy).
//   other targets: the file is copied into fuzz/regressions/TARGET/, which
//   ctest replays through the target in every preset.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "cli/cli.h"
#include "lifeguard/harness/artifact.h"
#include "lifeguard/harness/fuzz_input.h"

namespace lifeguard::harness::cli {
namespace {

int importRaw(const std::string& file, const std::string& target, const std::string& dir) {
  std::filesystem::path out = std::filesystem::path(dir) / target / std::filesystem::path(file).filename();
  std::error_code error;
  std::filesystem::create_directories(out.parent_path(), error);
  std::filesystem::copy_file(file, out, std::filesystem::copy_options::overwrite_existing, error);
  if (error) return std::fprintf(stderr, "lifeguard import-crash: %s: %s\n", out.c_str(), error.message().c_str()), 2;
  std::printf("copied to %s: ctest replays it as fuzz.fuzz_%s.regressions (re-run cmake to pick it up)\n",
              out.c_str(), target.c_str());
  return 0;
}

// The crash's own run: the bytes' schedule and decisions, exactly.
RunResult runCrash(const std::string& bytes, const std::string& policy) {
  auto data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  FuzzCase fuzz_case = decodeFuzzInput(data, bytes.size(), policy);
  return runIsolated(fuzz_case.schedule, fuzz_case.options);
}

// Under another policy the trace does not apply: `lifeguard replay --policy`
// runs the schedule without it, so the expectation is measured that way.
Verdict verdictWithoutTrace(Schedule schedule, const std::string& policy) {
  schedule.policy = policy;
  schedule.trace = {};
  return runIsolated(schedule, RunOptions{}).verdict;
}

}  // namespace

void importCrashOptions(Options& o) {
  o.about("a libFuzzer crash file becomes a regression test: for fuzz_lifecycle a readable .sched with its "
          "decision trace and an expect line per policy in tests/regressions/; for another --target a copy in "
          "fuzz/regressions/TARGET/");
  o.files("FILE", "the libFuzzer crash file", 1, 1);
  o.choice("target", "the fuzz target it came from (default lifecycle)", {"lifecycle", "sql", "copy_csv", "wal"});
  o.text("policy", "the crash's policy (default complete)");
  o.text("out", "the folder it goes to (default tests/regressions, or fuzz/regressions for another target)");
  o.text("name", "the regression's name (default fuzz-FILE)");
}

int importCrash(const Args& args) {
  std::string error;
  const std::string file = args.positional()[0];
  const std::string target = args.get("target", "lifecycle");
  if (target != "lifecycle") return importRaw(file, target, args.get("out", "fuzz/regressions"));
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::fprintf(stderr, "lifeguard import-crash: cannot read %s\n", file.c_str()), 2;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string policy = args.get("policy", "complete");
  RunResult crash = runCrash(bytes, policy);
  auto data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  Schedule schedule = decodeFuzzInput(data, bytes.size(), policy).schedule;
  for (const char* other : {"legacy", "execute_drain", "complete"}) {
    Verdict verdict = other == policy ? crash.verdict : verdictWithoutTrace(schedule, other);
    schedule.expectations.push_back(std::string(other) + " " + std::string(toString(verdict)));
  }
  schedule.trace = decisionTrace(crash.trace);
  std::string name = args.get("name", "fuzz-" + std::filesystem::path(file).filename().string());
  std::string out = args.get("out", "tests/regressions") + "/" + name + ".sched";
  std::string text = formatArtifact(schedule, crash, out);
  text.insert(0, "# Imported from the fuzz_lifecycle crash " + file + " (policy " + policy + ").\n");
  error = writeFile(out, text);
  if (!error.empty()) return std::fprintf(stderr, "lifeguard import-crash: %s\n", error.c_str()), 2;
  std::printf("%s under %s: %s\nwrote %s (%zu decisions; expectations:", std::string(toString(crash.verdict)).c_str(),
              policy.c_str(), crash.message.c_str(), out.c_str(), crash.trace.decisions.size());
  for (const auto& expectation : schedule.expectations) std::printf(" %s;", expectation.c_str());
  std::printf(")\n  replay: lifeguard replay %s   (ctest: regression.%s.POLICY after re-running cmake)\n", out.c_str(),
              name.c_str());
  return 0;
}

const Command kImportCrash{"import-crash", importCrashOptions, importCrash};

}  // namespace lifeguard::harness::cli

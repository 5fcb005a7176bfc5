// lifeguard export: a failure artifact as a standalone program that
// reproduces it through the engine's public API (export.h).
#include <cstdio>
#include <filesystem>

#include "cli/cli.h"
#include "lifeguard/harness/artifact.h"
#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/export.h"

namespace lifeguard::harness::cli {
namespace {

void exportOptions(Options& o) {
  o.about("a failure artifact (or a regression file with an `expect` line) as a standalone program that "
          "reproduces it through the engine's public API, with no lifeguard code: its build command is at its top");
  o.files("FILE", "a failure artifact or a schedule that expects a crash, a sanitizer report or a hang", 1, 1);
  o.choice("as", "the program's language (each engine maps its operations to one or more)", {"cpp", "c", "node"});
  o.text("out", "where the program goes (default FILE without .sched, plus .cc or .js)", "-o");
  o.text("policy", "the policy whose expected verdict a regression file is exported for (default its own)");
}

// The failure the file records: the artifact's verdict, else its `expect` line's.
std::vector<std::string> failureOf(const Schedule& schedule, const std::string& text, const std::string& policy) {
  ArtifactRecord record = readArtifact(schedule, text);
  if (record.result.verdict != Verdict::kPass && policy == schedule.policy) {
    return {std::string(toString(record.result.verdict))};
  }
  std::vector<std::string> verdicts;
  for (Verdict verdict : expectedVerdicts(schedule, policy)) {
    if (verdict != Verdict::kPass) verdicts.emplace_back(toString(verdict));
  }
  return verdicts;
}

std::string replaced(std::string text, const std::string& word, const std::string& by) {
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + by.size())) {
    text.replace(at, word.size(), by);
  }
  return text;
}

int exportCommand(const Args& args) {
  const std::string path = args.positional()[0];
  std::string error;
  auto text = readFile(path, &error);
  ParseError parse_error;
  auto schedule = text ? parseSchedule(*text, &parse_error) : std::nullopt;
  if (!schedule) {
    return std::fprintf(stderr, "lifeguard export: %s\n", text ? parse_error.message.c_str() : error.c_str()), 2;
  }
  const std::string language = args.get("as", "");
  if (language.empty()) return std::fprintf(stderr, "lifeguard export: say the language with --as cpp|c|node\n"), 2;
  const std::string policy = args.get("policy", schedule->policy);
  std::vector<std::string> verdicts = failureOf(*schedule, *text, policy);
  if (verdicts.empty()) {
    return std::fprintf(stderr, "lifeguard export: %s records no failure under policy %s (an artifact's verdict "
                        "or an `expect %s VERDICT` line)\n", path.c_str(), policy.c_str(), policy.c_str()), 2;
  }
  const EngineEntry* engine = findEngine(schedule->engine);
  if (engine == nullptr) {
    return std::fprintf(stderr, "lifeguard export: engine %s is not in this build\n", schedule->engine.c_str()), 2;
  }
  if (!engine->exporter) {
    return std::fprintf(stderr, "lifeguard export: engine %s has no export mapping (kuzu, sqlite, node:kuzu and "
                        "node:duckdb do)\n", engine->name.c_str()), 2;
  }
  schedule->policy = policy;
  std::string stem = path.ends_with(".sched") ? path.substr(0, path.size() - 6) : path;
  std::string out = args.get("out", stem + (language == "node" ? ".js" : language == "c" ? ".c" : ".cc"));
  std::optional<ProgramParts> parts = engine->exporter(*schedule, language, &error);
  if (parts) {
    // Paths under the directory it runs in are written relative to it, so
    // that a program exported in a checkout's root runs in any checkout.
    std::error_code ignored;
    std::string here = std::filesystem::current_path(ignored).string() + "/";
    parts->build = replaced(replaced(parts->build, "FILE", out), here, "");
  }
  std::string program = parts ? exportProgram(*schedule, verdicts, *parts, &error) : "";
  if (program.empty()) return std::fprintf(stderr, "lifeguard export: %s\n", error.c_str()), 2;
  if (std::string failed = writeFile(out, program); !failed.empty()) {
    return std::fprintf(stderr, "lifeguard export: %s\n", failed.c_str()), 2;
  }
  std::string said;
  for (const std::string& verdict : verdicts) said += (said.empty() ? "" : "|") + verdict;
  std::printf("wrote %s (the failure: %s)\nbuild and run: %s\n", out.c_str(), said.c_str(), parts->build.c_str());
  return 0;
}

}  // namespace

const Command kExport{"export", exportOptions, exportCommand};

}  // namespace lifeguard::harness::cli

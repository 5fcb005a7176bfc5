#include "lifeguard/harness/artifact.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "lifeguard/harness/engine_adapter.h"

namespace lifeguard::harness {

std::string formatArtifact(const Schedule& schedule, const RunResult& result, const std::string& path,
                           const std::string& note) {
  Schedule copy = schedule;
  // A failure replays as that failure: its verdict is what `replay` expects.
  if (result.verdict != Verdict::kPass) {
    std::erase_if(copy.expectations, [&](const std::string& e) { return e.rfind(schedule.policy + " ", 0) == 0; });
    copy.expectations.push_back(schedule.policy + " " + std::string(toString(result.verdict)));
  }
  copy.comments.clear();
  copy.comments.push_back(" lifeguard failure: " + std::string(toString(result.verdict)) + " under policy " +
                          schedule.policy);
  copy.comments.push_back(" " + result.message);
  if (!note.empty()) copy.comments.push_back(" " + note);
  if (const EngineEntry* engine = findEngine(schedule.engine)) copy.comments.push_back(" engine: " + engine->description);
  if (!result.outside_contract.empty()) copy.comments.push_back(" outside the contract: " + result.outside_contract);
  for (const std::string& hint : result.hints) copy.comments.push_back(" why: " + hint);
  if (schedule.scheduler.controlled()) copy.comments.push_back(" " + controlSummary(result.trace));
  copy.comments.push_back(" replay: lifeguard replay " + path);
  copy.comments.push_back(" timeline: lifeguard show " + path + "   smaller: lifeguard shrink " + path);
  std::string text = formatSchedule(copy);
  text += "\n# history\n";
  for (const Event& event : result.history) text += "#   " + formatEvent(event) + "\n";
  if (!result.report.empty()) {
    text += "# report\n";
    std::istringstream lines(result.report);
    for (std::string line; std::getline(lines, line);) text += "#   " + line + "\n";
  }
  return text;
}

std::string writeFile(const std::string& path, const std::string& text) {
  std::error_code error;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, error);
  std::ofstream out(path);
  out << text;
  return out ? "" : "cannot write " + path;
}

std::optional<std::string> readFile(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read " + path;
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<Schedule> loadSchedule(const std::string& path, std::string* error) {
  auto text = readFile(path, error);
  if (!text) return std::nullopt;
  ParseError parse_error;
  auto schedule = parseSchedule(*text, &parse_error);
  if (!schedule) *error = path + ":" + std::to_string(parse_error.line) + ": " + parse_error.message;
  return schedule;
}

std::vector<Event> historyOf(const std::string& artifact_text) {
  std::vector<Event> history;
  std::istringstream lines(artifact_text);
  bool in_history = false;
  for (std::string line; std::getline(lines, line);) {
    if (line == "# history") in_history = true;
    else if (line == "# report") in_history = false;
    else if (in_history && line.rfind("#   ", 0) == 0) {
      Event event;
      if (parseEvent(line.substr(4), &event)) history.push_back(event);
    }
  }
  return history;
}

namespace {

// The lines of the artifact's "# report" section.
std::string reportOf(const std::string& artifact_text) {
  std::string report;
  std::istringstream lines(artifact_text);
  bool in_report = false;
  for (std::string line; std::getline(lines, line);) {
    if (line == "# report") in_report = true;
    else if (in_report && line.rfind("#   ", 0) == 0) report += line.substr(4) + "\n";
    else if (in_report && line == "#") report += "\n";  // an editor trimmed the blank line
  }
  return report;
}

}  // namespace

ArtifactRecord readArtifact(const Schedule& schedule, const std::string& text) {
  ArtifactRecord record;
  record.result.history = historyOf(text);
  record.result.report = reportOf(text);
  auto verdicts = expectedVerdicts(schedule, schedule.policy);
  // The failure's line, then its message (an imported artifact has a line before them).
  std::size_t first = 0;
  while (first < schedule.comments.size() && !schedule.comments[first].starts_with(" lifeguard failure: ")) ++first;
  if (first == schedule.comments.size()) return record;
  if (verdicts.size() == 1) record.result.verdict = verdicts[0];
  for (std::size_t i = 0; i < schedule.comments.size(); ++i) {
    const std::string line = schedule.comments[i].substr(schedule.comments[i].empty() ? 0 : 1);
    if (i == first) continue;
    if (i == first + 1) record.result.message = line;
    else if (line.starts_with("replay: ")) record.replay = line.substr(8);
    else if (line.starts_with("engine: ")) record.engine = line.substr(8);
    else if (line.starts_with("outside the contract: ")) record.result.outside_contract = line.substr(22);
    else if (line.starts_with("why: ")) record.result.hints.push_back(line.substr(5));
    else if (!line.starts_with("timeline: ")) record.notes.push_back(line);
  }
  return record;
}

std::vector<Verdict> expectedVerdicts(const Schedule& schedule, const std::string& policy) {
  std::vector<Verdict> verdicts;
  for (const auto& expectation : schedule.expectations) {
    std::size_t space = expectation.find(' ');
    if (expectation.substr(0, space) != policy) continue;
    std::istringstream names(expectation.substr(space + 1));
    for (std::string name; std::getline(names, name, '|');) {
      if (auto verdict = parseVerdict(name)) verdicts.push_back(*verdict);
    }
  }
  // An artifact written before artifacts carried their verdict as an
  // expectation still names it in its first comment.
  const std::string kFailure = " lifeguard failure: ", kUnder = " under policy " + policy;
  if (verdicts.empty() && !schedule.comments.empty() && schedule.comments[0].starts_with(kFailure) &&
      schedule.comments[0].ends_with(kUnder)) {
    std::string name = schedule.comments[0].substr(kFailure.size());
    if (auto verdict = parseVerdict(name.substr(0, name.size() - kUnder.size()))) verdicts.push_back(*verdict);
  }
  return verdicts;
}

}  // namespace lifeguard::harness

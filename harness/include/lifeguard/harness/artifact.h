// Failure artifacts: a .sched file with the verdict, the replay command and
// the history as comments, readable by `lifeguard replay`, `show`, `shrink`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lifeguard/harness/runner.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

// The artifact's text: leading comments (what failed, `note` if any, how to
// replay), the schedule with `expect POLICY VERDICT` set to the verdict it
// failed with (so `replay` counts how often that failure reproduces), then
// the history and any report as trailing comments.
std::string formatArtifact(const Schedule& schedule, const RunResult& result, const std::string& path,
                           const std::string& note = "");

// Writes text to `path`, creating its directory. Returns "" or an error.
std::string writeFile(const std::string& path, const std::string& text);
// Reads a file; nullopt and `error` on failure.
std::optional<std::string> readFile(const std::string& path, std::string* error);
// Reads and parses a .sched file; nullopt and `error` (with the line) on failure.
std::optional<Schedule> loadSchedule(const std::string& path, std::string* error);

// The history recorded in an artifact's "# history" comments.
std::vector<Event> historyOf(const std::string& artifact_text);

// What an artifact says about its failure: the run's verdict, message,
// history and report, and the comments around them.
struct ArtifactRecord {
  RunResult result;
  std::string replay;  // the replay command, "" if none
  std::string engine;  // the engine's description, "" if none
  std::vector<std::string> notes;  // other comments (how often it reproduced, ...)
};
// `schedule` is `text` parsed. A schedule that is no artifact gives a pass
// with no history.
ArtifactRecord readArtifact(const Schedule& schedule, const std::string& text);

// The verdicts a schedule's `expect POLICY V1|V2` line allows for `policy`;
// without one, the verdict an older artifact's first comment says it failed
// with under `policy`; else empty.
std::vector<Verdict> expectedVerdicts(const Schedule& schedule, const std::string& policy);

}  // namespace lifeguard::harness

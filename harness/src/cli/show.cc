// lifeguard show: a run's history as a terminal timeline or an HTML page.
#include <algorithm>
#include <cstdio>

#include "cli/cli.h"
#include "lifeguard/harness/artifact.h"
#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/report.h"

namespace lifeguard::harness::cli {
namespace {

void printTimeline(const Schedule& schedule, const std::vector<Event>& history) {
  const int columns = static_cast<int>(schedule.actors.size()) + 1;
  const int width = 36;
  std::string header = "  seq      time  ";
  for (int a = 0; a < columns; ++a) {
    std::string title = a < columns - 1 ? "actor " + std::to_string(a) : "teardown";
    header += title + std::string(static_cast<std::size_t>(width - static_cast<int>(title.size())), ' ');
  }
  std::printf("%s\n", header.c_str());
  for (const Event& e : history) {
    std::string cell;
    bool teardown = e.actor >= static_cast<int>(schedule.actors.size());
    if (e.type == EventType::kInvoke) {
      cell = "> " + (teardown ? "step " + std::to_string(e.index) : formatOp(schedule.actors[e.actor][e.index]));
    } else if (e.type == EventType::kRunning) {
      cell = "  ...running";
    } else if (e.type == EventType::kStarted) {
      cell = "  ...started";
    } else {
      cell = "< " + e.answer.toString();
    }
    if (static_cast<int>(cell.size()) > width - 2) cell = cell.substr(0, static_cast<std::size_t>(width - 5)) + "...";
    std::printf("%5llu %8.1fms  %s%s\n", static_cast<unsigned long long>(e.seq), e.at_ms,
                std::string(static_cast<std::size_t>(std::min(e.actor, columns - 1) * width), ' ').c_str(),
                cell.c_str());
  }
}

}  // namespace

TimelineContext timelineContext(const Schedule& schedule, const std::string& source, const std::string& replay) {
  TimelineContext context;
  context.source = source;
  context.replay = replay;
  if (const EngineEntry* engine = findEngine(schedule.engine)) context.engine = engine->description;
  return context;
}

void showOptions(Options& o) {
  o.about("the history of a failure artifact as a per-actor timeline (a schedule without one, such as a "
          "regression file, is run once to get one)");
  o.files("FILE", "a failure artifact, or a schedule (run once to get its history)", 1, 1);
  o.flag("html", "write a self-contained page of swimlanes instead (default FILE.html)");
  o.text("out", "--html: where the page goes", "-o");
  o.text("policy", "the policy to run a file without history under");
}

int show(const Args& args) {
  std::string error;
  const std::string path = args.positional()[0];
  auto text = readFile(path, &error);
  ParseError parse_error;
  auto schedule = text ? parseSchedule(*text, &parse_error) : std::nullopt;
  if (!schedule) {
    return std::fprintf(stderr, "lifeguard show: %s\n", text ? parse_error.message.c_str() : error.c_str()), 2;
  }
  ArtifactRecord record = readArtifact(*schedule, *text);
  const std::string policy = args.get("policy", schedule->policy);
  if (!record.result.history.empty() && policy != schedule->policy) {
    return std::fprintf(stderr, "lifeguard show: %s holds a history recorded under policy %s, not %s\n",
                        path.c_str(), schedule->policy.c_str(), policy.c_str()), 2;
  }
  schedule->policy = policy;
  if (record.result.history.empty()) {
    // A regression file or a hand-written schedule: run it once to get one.
    record = ArtifactRecord{};
    record.result = runIsolated(*schedule, RunOptions{});
    if (schedule->trace.decisions.empty()) schedule->trace = decisionTrace(record.result.trace);
    record.notes.push_back("ran once by lifeguard show under policy " + policy + " (the file holds no history)");
    std::printf("%s holds no history: ran it once (scheduler %s): %s%s%s\n", path.c_str(),
                schedule->scheduler.name.c_str(), std::string(toString(record.result.verdict)).c_str(),
                record.result.message.empty() ? "" : ": ", record.result.message.c_str());
  }
  // An artifact written before hints existed: read them off its history.
  if (record.result.hints.empty()) record.result.hints = causeHints(*schedule, record.result);
  if (!args.has("html")) {
    if (args.has("out")) return std::fprintf(stderr, "lifeguard show: -o goes with --html\n"), 2;
    printTimeline(*schedule, record.result.history);
    for (const std::string& hint : record.result.hints) std::printf("why: %s\n", hint.c_str());
    return 0;
  }
  std::string stem = path.ends_with(".sched") ? path.substr(0, path.size() - 6) : path;
  std::string out = args.get("out", stem + ".html");
  std::string replay = "lifeguard replay " + (policy == args.get("policy", "") ? "--policy " + policy + " " : "") + path;
  TimelineContext context = timelineContext(*schedule, path, record.replay.empty() ? replay : record.replay);
  if (!record.engine.empty()) context.engine = record.engine;
  context.notes = record.notes;
  error = writeFile(out, timelineHtml(*schedule, record.result, context));
  if (!error.empty()) return std::fprintf(stderr, "lifeguard show: %s\n", error.c_str()), 2;
  std::printf("wrote %s\n", out.c_str());
  return 0;
}

const Command kShow{"show", showOptions, show};

}  // namespace lifeguard::harness::cli

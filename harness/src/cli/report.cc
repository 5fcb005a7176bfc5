// lifeguard run --report DIR (cli.h).
#include <filesystem>
#include <regex>

#include "cli/cli.h"
#include "lifeguard/harness/artifact.h"

namespace lifeguard::harness::cli {
namespace {

// What tells a failure from others of its verdict: the engine's top frame in
// its report, else its message with numbers and handle names replaced.
std::string groupOf(const RunResult& result) {
  std::string frame = engineFrame(result.report);
  if (!frame.empty()) return frame;
  // A sanitizer's one-line report without a stack: from what it found.
  std::string message = result.message;
  if (std::size_t at = message.find("runtime error: "); at != std::string::npos) message.erase(0, at);
  std::string shape = std::regex_replace(message, std::regex(R"(\b([crt]?)\d+\b)"), "$1N");
  return shape.size() > 160 ? shape.substr(0, 157) + "..." : shape;
}

}  // namespace

std::string CampaignReport::addFailure(const Schedule& schedule, const RunResult& result, const std::string& artifact,
                                       const std::string& replay, const std::string& reproduced) {
  if (dir_.empty()) return "";
  const std::string name = std::filesystem::path(artifact).stem().string() + ".html";
  TimelineContext context = timelineContext(schedule, artifact, replay);
  if (!reproduced.empty()) context.notes.push_back(reproduced);
  if (!result.outside_contract.empty()) context.notes.push_back("outside the contract: " + result.outside_contract);
  std::string error = writeFile(dir_ + "/timelines/" + name, timelineHtml(schedule, result, context));
  CampaignFailure failure;
  failure.seed = schedule.seed;
  failure.verdict = result.verdict;
  failure.group = groupOf(result);
  failure.message = result.message;
  failure.reproduced = reproduced;
  failure.artifact = artifact;
  failure.timeline = "timelines/" + name;
  failure.outside = !result.outside_contract.empty();
  summary_.failures.push_back(failure);
  return error;
}

std::string CampaignReport::update(std::uint64_t runs, double seconds, const std::string& exercised, bool finished) {
  if (dir_.empty()) return "";
  summary_.runs = runs;
  summary_.seconds = seconds;
  summary_.exercised = exercised;
  summary_.finished = finished;
  return writeFile(dir_ + "/index.html", campaignHtml(summary_));
}

}  // namespace lifeguard::harness::cli

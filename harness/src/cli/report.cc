// lifeguard run --report DIR (cli.h): the index, the timelines, the
// artifacts, and campaign.json, what `lifeguard report merge` reads.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "cli/cli.h"
#include "lifeguard/harness/artifact.h"

namespace lifeguard::harness::cli {
namespace {

using nlohmann::json;

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

std::string pageName(const std::string& artifact) {
  return std::filesystem::path(artifact).stem().string() + ".html";
}

}  // namespace

CampaignFailure CampaignReport::entryOf(const Schedule& schedule, const RunResult& result,
                                        const std::string& artifact, const std::string& reproduced) {
  CampaignFailure failure;
  failure.seed = schedule.seed;
  failure.verdict = result.verdict;
  failure.group = groupOf(result);
  failure.message = result.message;
  failure.reproduced = reproduced;
  failure.artifact = artifact;
  failure.timeline = "timelines/" + pageName(artifact);
  failure.outside = !result.outside_contract.empty();
  return failure;
}

std::string CampaignReport::timelineOf(const Schedule& schedule, const RunResult& result, const std::string& artifact,
                                       const std::string& replay, const std::string& reproduced) {
  TimelineContext context = timelineContext(schedule, artifact, replay);
  if (!reproduced.empty()) context.notes.push_back(reproduced);
  if (!result.outside_contract.empty()) context.notes.push_back("outside the contract: " + result.outside_contract);
  return timelineHtml(schedule, result, context);
}

std::string CampaignReport::addFailure(const CampaignFailure& failure, const std::string& timeline,
                                       const std::string& artifact_text) {
  if (dir_.empty()) return "";
  summary_.failures.push_back(failure);
  std::string error = writeFile(dir_ + "/" + failure.timeline, timeline);
  std::string copied = writeFile(dir_ + "/artifacts/" + std::filesystem::path(failure.artifact).filename().string(),
                                 artifact_text);
  return error.empty() ? copied : error;
}

std::string CampaignReport::update(std::uint64_t runs, double seconds, const OverlapTally& overlaps, bool finished) {
  if (dir_.empty()) return "";
  summary_.runs = runs;
  summary_.seconds = seconds;
  summary_.exercised = overlaps.summary();
  summary_.finished = finished;
  summary_.schedules = seeds_.size();
  overlaps_ = overlaps;
  std::string error = writeFile(dir_ + "/campaign.json", campaignJson(summary_, seeds_, overlaps_));
  std::string index = writeFile(dir_ + "/index.html", campaignHtml(summary_));
  return error.empty() ? index : error;
}

std::string campaignJson(const CampaignSummary& s, const std::vector<std::uint64_t>& seeds,
                         const OverlapTally& overlaps) {
  json failures = json::array();
  for (const CampaignFailure& f : s.failures) {
    failures.push_back({{"seed", f.seed}, {"verdict", std::string(toString(f.verdict))}, {"group", f.group},
                        {"message", f.message}, {"reproduced", f.reproduced},
                        {"artifact", "artifacts/" + std::filesystem::path(f.artifact).filename().string()},
                        {"timeline", f.timeline}, {"outside", f.outside}});
  }
  json out = {{"format", "lifeguard-campaign 1"}, {"engine", s.engine}, {"engine_description", s.engine_description},
              {"policy", s.policy}, {"scheduler", s.scheduler}, {"first_seed", s.first_seed}, {"parts", s.parts},
              {"runs", s.runs}, {"seconds", s.seconds}, {"finished", s.finished}, {"seeds", seeds},
              {"overlaps", overlaps.counts()}, {"failures", failures}};
  return out.dump(1) + "\n";
}

std::optional<CampaignRecord> parseCampaignJson(const std::string& text, std::string* error) {
  try {
    json in = json::parse(text);
    if (in.value("format", "") != "lifeguard-campaign 1") {
      *error = "not a lifeguard campaign.json (format '" + in.value("format", "") + "')";
      return std::nullopt;
    }
    CampaignRecord r;
    CampaignSummary& s = r.summary;
    s.engine = in.at("engine"), s.engine_description = in.at("engine_description"), s.policy = in.at("policy");
    s.scheduler = in.at("scheduler"), s.first_seed = in.at("first_seed"), s.parts = in.at("parts");
    s.runs = in.at("runs"), s.seconds = in.at("seconds"), s.finished = in.at("finished");
    r.seeds = in.at("seeds").get<std::vector<std::uint64_t>>();
    s.schedules = r.seeds.size();
    r.overlaps.add(in.at("overlaps").get<std::map<std::string, std::uint64_t>>());
    for (const json& f : in.at("failures")) {
      CampaignFailure failure;
      failure.seed = f.at("seed"), failure.group = f.at("group"), failure.message = f.at("message");
      failure.reproduced = f.at("reproduced"), failure.artifact = f.at("artifact");
      failure.timeline = f.at("timeline"), failure.outside = f.at("outside");
      auto verdict = parseVerdict(f.at("verdict").get<std::string>());
      if (!verdict) throw std::runtime_error("unknown verdict " + f.at("verdict").get<std::string>());
      failure.verdict = *verdict;
      s.failures.push_back(failure);
    }
    return r;
  } catch (const std::exception& e) {
    *error = std::string("campaign.json: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace lifeguard::harness::cli

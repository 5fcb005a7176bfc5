// lifeguard report merge DIR...: the --report directories of a campaign's
// shards (lifeguard run --shard I/N --report DIR) as one report.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include "cli/cli.h"
#include "lifeguard/harness/artifact.h"

namespace lifeguard::harness::cli {
namespace {

namespace fs = std::filesystem;

std::optional<CampaignRecord> readShard(const std::string& dir, std::string* error) {
  std::optional<std::string> text = readFile(dir + "/campaign.json", error);
  if (!text) return std::nullopt;
  std::optional<CampaignRecord> record = parseCampaignJson(*text, error);
  if (!record) *error = dir + ": " + *error;
  return record;
}

// Copies DIR/SUB/* into OUT/SUB/.
std::string copyFolder(const std::string& dir, const std::string& out, const std::string& sub) {
  std::error_code ec;
  if (!fs::exists(dir + "/" + sub)) return "";
  fs::create_directories(out + "/" + sub, ec);
  fs::copy(dir + "/" + sub, out + "/" + sub, fs::copy_options::overwrite_existing | fs::copy_options::recursive, ec);
  return ec ? dir + "/" + sub + ": " + ec.message() : "";
}

// The campaign `s` belongs to, for telling shards of different ones apart.
std::string campaignOf(const CampaignSummary& s) {
  return "engine " + s.engine + ", policy " + s.policy + ", scheduler " + s.scheduler + ", seeds from " +
         std::to_string(s.first_seed);
}

}  // namespace

void reportOptions(Options& o) {
  o.about("merge the --report directories of a campaign's shards into one report");
  o.files("merge DIR...", "`merge`, then the shards' report directories", 2, -1);
  o.text("out", "where the merged report goes (default merged-report)", "-o");
}

int report(const Args& args) {
  std::vector<std::string> dirs = args.positional();
  if (dirs.front() != "merge") {
    return std::fprintf(stderr, "lifeguard report: the one subcommand is merge, not '%s'\n", dirs.front().c_str()), 2;
  }
  dirs.erase(dirs.begin());
  const std::string out = args.get("out", "merged-report");
  CampaignRecord merged;
  std::set<std::uint64_t> seen;
  std::size_t shards = 0;
  for (const std::string& dir : dirs) {
    std::string error;
    std::optional<CampaignRecord> shard = readShard(dir, &error);
    if (!shard) return std::fprintf(stderr, "lifeguard report merge: %s\n", error.c_str()), 2;
    if (shards > 0 && campaignOf(shard->summary) != campaignOf(merged.summary)) {
      return std::fprintf(stderr, "lifeguard report merge: %s is of another campaign (%s, not %s)\n", dir.c_str(),
                          campaignOf(shard->summary).c_str(), campaignOf(merged.summary).c_str()), 2;
    }
    std::size_t known = 0;
    for (std::uint64_t seed : shard->seeds) known += seen.count(seed);
    if (known > 0 && known == shard->seeds.size()) {  // the same shard twice: counted once
      std::fprintf(stderr, "lifeguard report merge: %s: its %zu schedules are counted already; skipped\n",
                   dir.c_str(), known);
      continue;
    }
    if (known > 0) {
      return std::fprintf(stderr, "lifeguard report merge: %s shares %zu of its seeds with the directories before "
                                  "it: not disjoint shards of one campaign\n", dir.c_str(), known), 2;
    }
    if (shards++ == 0) merged.summary = shard->summary, merged.summary.failures.clear(), merged.summary.runs = 0;
    merged.summary.runs += shard->summary.runs;
    merged.summary.seconds = std::max(merged.summary.seconds, shard->summary.seconds);
    merged.summary.finished = merged.summary.finished && shard->summary.finished;
    for (CampaignFailure& f : shard->summary.failures) merged.summary.failures.push_back(f);
    merged.seeds.insert(merged.seeds.end(), shard->seeds.begin(), shard->seeds.end());
    seen.insert(shard->seeds.begin(), shard->seeds.end());
    merged.overlaps.add(shard->overlaps.counts());
    for (const char* sub : {"timelines", "artifacts"}) {
      if (std::string e = copyFolder(dir, out, sub); !e.empty()) {
        return std::fprintf(stderr, "lifeguard report merge: %s\n", e.c_str()), 2;
      }
    }
  }
  std::sort(merged.seeds.begin(), merged.seeds.end());
  std::sort(merged.summary.failures.begin(), merged.summary.failures.end(),
            [](const CampaignFailure& a, const CampaignFailure& b) { return a.seed < b.seed; });
  CampaignSummary& s = merged.summary;
  s.schedules = merged.seeds.size();
  s.exercised = merged.overlaps.summary();
  s.parts = std::to_string(shards) + " shard" + (shards == 1 ? "" : "s") + " merged";
  std::string error = writeFile(out + "/campaign.json", campaignJson(s, merged.seeds, merged.overlaps));
  if (error.empty()) error = writeFile(out + "/index.html", campaignHtml(s));
  if (!error.empty()) return std::fprintf(stderr, "lifeguard report merge: %s\n", error.c_str()), 2;
  std::size_t outside = 0;
  for (const CampaignFailure& f : s.failures) outside += f.outside ? 1 : 0;
  std::printf("merged %zu shards: %llu schedules, %llu runs, %zu failures%s\nreport: %s/index.html\n", shards,
              static_cast<unsigned long long>(s.schedules), static_cast<unsigned long long>(s.runs),
              s.failures.size() - outside,
              outside == 0 ? "" : (", " + std::to_string(outside) + " outside the contract").c_str(), out.c_str());
  return s.failures.size() > outside ? 1 : 0;
}

const Command kReport{"report", reportOptions, report};

}  // namespace lifeguard::harness::cli

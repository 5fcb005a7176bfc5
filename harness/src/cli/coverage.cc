// lifeguard generate --coverage N FILE...: how many of N generated schedules
// contain each file's shape (generate/shapes.h), under the plain generator
// and under swarm, each generated for the file's own engine (with its
// default policy, and the fixed sizes: shapes do not depend on sizes).
// Exit 1 if some file's shape is never generated.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "generate/shapes.h"
#include "lifeguard/harness/artifact.h"

namespace lifeguard::harness::cli {

int printCoverage(const GeneratorOptions& options, std::uint64_t n, const std::vector<std::string>& paths) {
  struct Row {
    std::string path, engine;
    Shape shape;
    std::uint64_t plain = 0, swarm = 0;
  };
  std::vector<Row> rows;
  std::map<std::string, GeneratorOptions> engines;  // each file's engine, fitted as `generate --engine` would
  std::map<std::string, std::string> missing;         // engines this build cannot make, and why
  for (const std::string& path : paths) {
    std::string error;
    auto schedule = loadSchedule(path, &error);
    if (!schedule) return std::fprintf(stderr, "lifeguard generate: %s: %s\n", path.c_str(), error.c_str()), 2;
    if (!engines.count(schedule->engine) && !missing.count(schedule->engine)) {
      GeneratorOptions fitted = options;
      fitted.engine = schedule->engine, fitted.policy = defaultPolicy(schedule->engine);
      std::string sized;
      if (drawFor(&fitted, &error) && sizeWork("fixed", RunOptions{}, &fitted, &sized, &error)) {
        engines.emplace(schedule->engine, fitted);
      } else {
        missing.emplace(schedule->engine, error);
      }
    }
    rows.push_back({path, schedule->engine, shapeOf(*schedule)});
  }
  for (const auto& [engine, why] : missing) {
    std::fprintf(stderr, "lifeguard generate: engine %s: %s: its files are skipped\n", engine.c_str(), why.c_str());
  }
  for (auto& [engine, fitted] : engines) {
    for (bool swarm : {false, true}) {
      fitted.swarm = swarm;
      for (std::uint64_t seed = 1; seed <= n; ++seed) {
        Schedule generated = generateSchedule(seed, fitted);
        for (Row& row : rows) {
          if (row.engine == engine && containsShape(generated, row.shape)) ++(swarm ? row.swarm : row.plain);
        }
      }
    }
  }
  std::printf("| file | shape | plain | swarm |\n|---|---|---|---|\n");
  int never = 0, skipped = 0;
  for (const Row& row : rows) {
    if (missing.count(row.engine)) {
      ++skipped;
      std::printf("| %s | %s | skipped: no engine %s here | |\n", row.path.c_str(), row.shape.text().c_str(),
                  row.engine.c_str());
      continue;
    }
    never += row.plain + row.swarm == 0;
    auto rate = [n](std::uint64_t count) {
      char text[64];
      std::snprintf(text, sizeof text, "%llu (%.2f%%)", static_cast<unsigned long long>(count),
                    100.0 * static_cast<double>(count) / static_cast<double>(n));
      return std::string(text);
    };
    std::printf("| %s | %s | %s | %s |\n", row.path.c_str(), row.shape.text().c_str(), rate(row.plain).c_str(),
                rate(row.swarm).c_str());
  }
  std::printf("%zu files (%d skipped), %llu schedules each way for each file's engine (seeds 1 to %llu): %d shapes "
              "never generated\n",
              rows.size(), skipped, static_cast<unsigned long long>(n), static_cast<unsigned long long>(n), never);
  return never == 0 ? 0 : 1;
}

}  // namespace lifeguard::harness::cli

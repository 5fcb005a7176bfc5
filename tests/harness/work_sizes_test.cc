// Work sized for the engine (generator.h's GeneratorOptions::rates,
// calibration.h): calibrated counts fall in their duration bands, unknown
// rates keep the fixed counts, and calibrating measures a real engine and
// keeps its rates in a file that the next campaign reads.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "lifeguard/harness/calibration.h"
#include "lifeguard/harness/generator.h"
#include "lifeguard/harness/scratch_dir.h"

namespace lifeguard::harness {
namespace {

// Every statement of every query of schedules drawn from 300 seeds.
void eachStatement(const GeneratorOptions& options, const std::function<void(const QuerySpec&)>& visit) {
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    for (const auto& ops : generateSchedule(seed, options).actors) {
      for (const Op& op : ops) {
        if (op.kind == OpKind::kQuery || op.kind == OpKind::kPrepare || op.kind == OpKind::kExecute) {
          for (const QuerySpec& s : op.query.statements()) visit(s);
        }
      }
    }
  }
}

TEST(WorkSizesTest, CalibratedCountsRunForTheirBands) {
  GeneratorOptions options;
  options.rates = {1000, 500, 10};  // per ms: long, bad_exec, copy rows
  std::set<int> long_bands;
  int longs = 0, bad_execs = 0, copies = 0;
  eachStatement(options, [&](const QuerySpec& s) {
    if (s.kind == QueryKind::kLong && s.count != 1'000) {  // 1,000: a draw redone as a short query
      ++longs;
      EXPECT_GE(s.count, 300) << "under 0.3 ms";
      EXPECT_LE(s.count, 300'000) << "over 300 ms";
      long_bands.insert(s.count < 3'000 ? 0 : s.count < 30'000 ? 1 : 2);
    }
    if (s.kind == QueryKind::kBadExec) {
      ++bad_execs;
      EXPECT_GE(s.count, 150);
      EXPECT_LE(s.count, 15'000) << "over 30 ms";
    }
    if (s.kind == QueryKind::kCopy || s.kind == QueryKind::kCopyBad) {
      ++copies;
      EXPECT_GE(s.count, 2);
      EXPECT_LE(s.count, 200) << "over 20 ms";
    }
  });
  EXPECT_GT(longs, 50);
  EXPECT_GT(bad_execs, 5);
  EXPECT_GT(copies, 50);
  EXPECT_EQ(long_bands.size(), 3u) << "each of the three bands is drawn";
}

TEST(WorkSizesTest, UnknownRatesKeepTheFixedCounts) {
  GeneratorOptions options;  // rates unknown
  const std::set<std::int64_t> fixed_long{1'000, 100'000, 3'000'000, 30'000'000}, fixed_bad{100'000, 3'000'000};
  eachStatement(options, [&](const QuerySpec& s) {
    if (s.kind == QueryKind::kLong) EXPECT_TRUE(fixed_long.count(s.count)) << s.count;
    if (s.kind == QueryKind::kBadExec) EXPECT_TRUE(fixed_bad.count(s.count)) << s.count;
    if (s.kind == QueryKind::kCopy) EXPECT_TRUE(s.count >= 50 && s.count <= 4000) << s.count;
  });
}

TEST(WorkSizesTest, SmallDataIgnoresTheRates) {
  GeneratorOptions options;
  options.small_data = true;
  options.rates = {1e9, 1e9, 1e9};
  eachStatement(options, [&](const QuerySpec& s) {
    if (s.kind == QueryKind::kLong) EXPECT_LE(s.count, 200'000);
  });
}

TEST(WorkSizesTest, CalibrationMeasuresTheEngineAndKeepsItsRates) {
  const std::filesystem::path cache = makeScratchDirectory();
  Capabilities capabilities;  // this project's engine: every kind
  RunOptions run;
  std::string note, error;
  std::optional<WorkRates> first = calibratedRates("lifeguard", "complete", capabilities, run, cache, &note, &error);
  ASSERT_TRUE(first) << error;
  EXPECT_TRUE(first->known());
  EXPECT_EQ(note.rfind("measured now, kept in ", 0), 0u) << note;
  // A 20 ms long query on the dev build is tens of thousands of rows at least.
  EXPECT_GT(first->long_per_ms, 1'000);
  std::optional<WorkRates> second = calibratedRates("lifeguard", "complete", capabilities, run, cache, &note, &error);
  ASSERT_TRUE(second) << error;
  EXPECT_EQ(note.rfind("from ", 0), 0u) << "the second campaign reads the file: " << note;
  EXPECT_NEAR(second->long_per_ms, first->long_per_ms, first->long_per_ms * 1e-5);
  EXPECT_NEAR(second->copy_per_ms, first->copy_per_ms, first->copy_per_ms * 1e-5);
  std::filesystem::remove_all(cache);
}

TEST(WorkSizesTest, AFailingProbeIsAnErrorNotARate) {
  Capabilities capabilities;
  RunOptions run;
  std::string error;
  EXPECT_FALSE(measureRates("no-such-engine", "complete", capabilities, run, &error));
  EXPECT_NE(error.find("calibration"), std::string::npos) << error;
}

}  // namespace
}  // namespace lifeguard::harness

// Cost of the teardown policies, measured side by side in one process:
//   - BM_TrivialQuery/<policy>: latency of a one-row query plus reading it;
//     the summary prints the complete/legacy ratio of the medians.
//   - BM_PairedTrivialQuery: the same query in alternating blocks on fresh
//     legacy and complete databases: the steadier ratio.
//   - BM_CloseDuringLongQuery/complete: how long Connection::close takes
//     while a range query that would run about 2 s is executing.
// Run through `./run bench` (release preset). Repetitions are randomly
// interleaved so machine noise hits every policy alike.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "lifeguard/lifeguard.h"
#include "lifeguard/testing/hooks.h"

namespace lifeguard {
namespace {

constexpr TeardownPolicy kPolicies[] = {TeardownPolicy::kLegacy, TeardownPolicy::kExecuteDrain,
                                        TeardownPolicy::kComplete};

double median(std::vector<double> values) {
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2), values.end());
  return values[values.size() / 2];
}

Options optionsFor(TeardownPolicy policy) {
  Options options;
  options.policy = policy;
  return options;
}

void BM_TrivialQuery(benchmark::State& state) {
  Database db(":memory:", optionsFor(kPolicies[state.range(0)]));
  Connection conn(&db);
  for (auto _ : state) {
    auto result = conn.query("SELECT sum(x) FROM range(0, 1)");
    benchmark::DoNotOptimize(result->getNext());
  }
  state.SetLabel(std::string(toString(kPolicies[state.range(0)])));
}
BENCHMARK(BM_TrivialQuery)->DenseRange(0, 2)->UseRealTime();

// The same trivial query in alternating blocks: a fresh legacy database for
// 500 queries, then a fresh complete one, and so on, so drift and noise hit
// both alike and only one database's workers exist at a time. Reports the
// median over blocks of each block's median, and their ratio, as counters.
double blockMedianNs(TeardownPolicy policy, int queries) {
  Database db(":memory:", optionsFor(policy));
  Connection conn(&db);
  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(queries));
  for (int i = 0; i < queries; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto result = conn.query("SELECT sum(x) FROM range(0, 1)");
    benchmark::DoNotOptimize(result->getNext());
    result.reset();
    samples.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count());
  }
  return median(samples);
}

void BM_PairedTrivialQuery(benchmark::State& state) {
  std::vector<double> legacy, complete;
  for (auto _ : state) {
    for (int block = 0; block < 40; ++block) {
      bool legacy_first = block % 2 == 0;
      (legacy_first ? legacy : complete).push_back(
          blockMedianNs(legacy_first ? TeardownPolicy::kLegacy : TeardownPolicy::kComplete, 500));
      (legacy_first ? complete : legacy).push_back(
          blockMedianNs(legacy_first ? TeardownPolicy::kComplete : TeardownPolicy::kLegacy, 500));
    }
  }
  double legacy_median = median(legacy), complete_median = median(complete);
  state.counters["legacy_us"] = legacy_median / 1e3;
  state.counters["complete_us"] = complete_median / 1e3;
  state.counters["ratio"] = complete_median / legacy_median;
}
BENCHMARK(BM_PairedTrivialQuery)->Iterations(1)->Unit(benchmark::kMillisecond);

// The end of a range whose sum takes about `seconds` on this machine.
std::int64_t rangeEndFor(double seconds) {
  Database db;
  Connection conn(&db);
  const std::int64_t probe_end = 200'000'000;
  auto start = std::chrono::steady_clock::now();
  conn.query("SELECT sum(x) FROM range(0, " + std::to_string(probe_end) + ")");
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  return static_cast<std::int64_t>(static_cast<double>(probe_end) * seconds / took.count());
}

void BM_CloseDuringLongQuery(benchmark::State& state) {
  static const std::int64_t end = rangeEndFor(2.0);
  const std::string sql = "SELECT sum(x) FROM range(0, " + std::to_string(end) + ")";
  for (auto _ : state) {
    Database db(":memory:", optionsFor(TeardownPolicy::kComplete));
    Connection conn(&db);
    std::thread query([&] { conn.query(sql); });
    while (testing::probe(db).busy_workers == 0) std::this_thread::yield();  // the workers are running it
    auto start = std::chrono::steady_clock::now();
    (void)conn.close();
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    query.join();
  }
  state.SetLabel("complete, query of ~2 s");
}
BENCHMARK(BM_CloseDuringLongQuery)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);

// Prints the usual table, then the medians' ratio.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Aggregate || run.aggregate_name != "median") continue;
      medians_[run.run_name.str()] = run.GetAdjustedRealTime();
      auto ratio = run.counters.find("ratio");
      if (ratio != run.counters.end()) paired_ratio_ = ratio->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    double legacy = medians_["BM_TrivialQuery/0/real_time"];
    double drain = medians_["BM_TrivialQuery/1/real_time"];
    double complete = medians_["BM_TrivialQuery/2/real_time"];
    if (legacy > 0) {
      std::printf("\ntrivial query, median: legacy %.2f us, execute_drain %.2f us, complete %.2f us\n", legacy / 1e3,
                  drain / 1e3, complete / 1e3);
      std::printf("ratio complete/legacy = %.3f (goal <= 1.02)\n", complete / legacy);
    }
    if (paired_ratio_ > 0) {
      std::printf("paired (alternating) trivial query, median of repetitions: ratio complete/legacy = %.3f\n",
                  paired_ratio_);
    }
    double close_ms = medians_["BM_CloseDuringLongQuery/iterations:5/manual_time"];
    if (close_ms > 0) std::printf("close during a ~2 s query (complete), median: %.2f ms (goal <= 10 ms)\n", close_ms);
  }

 private:
  std::map<std::string, double> medians_;
  double paired_ratio_ = 0;
};

}  // namespace
}  // namespace lifeguard

int main(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  std::string repetitions = "--benchmark_repetitions=12";
  std::string interleave = "--benchmark_enable_random_interleaving=true";
  std::string aggregates = "--benchmark_report_aggregates_only=true";
  args.insert(args.begin() + 1, {repetitions.data(), interleave.data(), aggregates.data()});
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
  lifeguard::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

#include "lifeguard/harness/fuzz_input.h"

#include LIFEGUARD_FUZZED_DATA_PROVIDER  // libFuzzer's FuzzedDataProvider.h (CMakeLists.txt)

#include <bit>

#include "lifeguard/harness/generator.h"

namespace lifeguard::harness {
namespace {

class BytesSource : public ChoiceSource {
 public:
  explicit BytesSource(FuzzedDataProvider& bytes) : bytes_(bytes) {}
  int uniform(int lo, int hi) override { return bytes_.ConsumeIntegralInRange<int>(lo, hi); }

 private:
  FuzzedDataProvider& bytes_;
};

// One byte per step with a choice: below kKeep the current thread goes on
// (if it can), else the byte picks among the runnable threads. Most steps
// keep the thread, as most steps of a real run do, so an input spends its
// bytes on the switches that matter (and a run needs few context switches).
constexpr int kKeep = 160;
int chooseFromBytes(FuzzedDataProvider& bytes, std::uint64_t runnable, int current) {
  int count = std::popcount(runnable);
  if (count <= 1 || bytes.remaining_bytes() == 0) return current;
  int byte = bytes.ConsumeIntegral<std::uint8_t>();
  bool can_keep = current >= 0 && ((runnable >> current) & 1) != 0;
  if (can_keep && byte < kKeep) return current;
  for (int k = byte % count; k > 0; --k) runnable &= runnable - 1;
  return std::countr_zero(runnable);
}

}  // namespace

FuzzCase decodeFuzzInput(const std::uint8_t* data, std::size_t size, const std::string& policy) {
  auto bytes = std::make_shared<FuzzedDataProvider>(data, size);
  FuzzCase fuzz_case;
  GeneratorOptions generator;
  generator.policy = policy;
  generator.small_data = true;
  BytesSource source(*bytes);
  generator.actors = source.uniform(2, 3);
  generator.min_ops = 1;
  generator.max_ops = 4;
  fuzz_case.schedule = generateSchedule(source, generator);
  fuzz_case.schedule.scheduler.name = "fuzz";
  fuzz_case.options.trace_is_prefix = true;
  fuzz_case.options.max_steps = 200'000;
  fuzz_case.options.op_deadline = std::chrono::milliseconds(20'000);
  FuzzedDataProvider* provider = bytes.get();
  fuzz_case.options.chooser = [provider](std::uint64_t runnable, int current) {
    return chooseFromBytes(*provider, runnable, current);
  };
  fuzz_case.bytes = bytes;
  return fuzz_case;
}

}  // namespace lifeguard::harness

// fuzz_lifecycle: the input bytes are a schedule and the controlled
// scheduler's decisions (lifeguard/harness/fuzz_input.h), run in process
// against the embedded engine with every oracle; any failure aborts, so
// libFuzzer keeps the input, and `lifeguard import-crash` turns it into a
// readable .sched with its decision trace.
//
// The policy is `complete` unless the environment says otherwise:
//   LIFEGUARD_POLICY=legacy ./run fuzz lifecycle     (finds the use-after-free)
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_process.h"
#include "lifeguard/harness/fuzz_input.h"
#include "lifeguard/harness/runner.h"

namespace {

std::string policy() {
  const char* env = std::getenv("LIFEGUARD_POLICY");
  return env != nullptr && *env != '\0' ? env : "complete";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lifeguard::harness;
  lifeguard::fuzz::prepareProcess();  // one CPU, thread reuse (fuzz_process.h)
  static const std::string kPolicy = policy();
  FuzzCase fuzz_case = decodeFuzzInput(data, size, kPolicy);
  fuzz_case.options.abort_on_failure = true;
  RunResult result = runInProcess(fuzz_case.schedule, fuzz_case.options);
  if (result.verdict == Verdict::kHarness) {
    std::fprintf(stderr, "fuzz_lifecycle: cannot run: %s\n", result.message.c_str());
    std::abort();
  }
  if (result.verdict != Verdict::kPass) {
    std::fprintf(stderr, "fuzz_lifecycle: %s under policy %s: %s\n%s\nimport it: lifeguard import-crash FILE\n",
                 std::string(toString(result.verdict)).c_str(), kPolicy.c_str(), result.message.c_str(),
                 formatSchedule(fuzz_case.schedule).c_str());
    std::abort();
  }
  return 0;
}

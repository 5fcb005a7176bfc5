#include "lifeguard/harness/run_result.h"

namespace lifeguard::harness {

std::string_view toString(Verdict verdict) {
  static constexpr std::string_view kNames[] = {"pass",      "contract", "data",    "invariant", "hang",
                                                "sanitizer", "crash",    "harness", "divergence"};
  return kNames[static_cast<int>(verdict)];
}

std::optional<Verdict> parseVerdict(std::string_view name) {
  for (int v = 0; v <= static_cast<int>(Verdict::kDivergence); ++v) {
    if (toString(static_cast<Verdict>(v)) == name) return static_cast<Verdict>(v);
  }
  return std::nullopt;
}

}  // namespace lifeguard::harness

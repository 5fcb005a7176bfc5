// How a schedule's writes are made recognisable: every row a write stores
// carries the tag of the operation (and multi-statement part) that wrote it,
// so the data oracle can tell, row by row, which write is visible.
#pragma once

#include <cstdint>

namespace lifeguard::harness {

inline constexpr std::int64_t kRowsPerTag = 1'000'000;  // a write stores fewer rows than this
inline constexpr int kMaxParts = 10;                    // parts of one multi-statement query

// The tag of operation `index` of `actor` (part 0).
inline std::int64_t opTag(int actor, int index) {
  return (static_cast<std::int64_t>(actor + 1) * 100'000 + index) * kMaxParts;
}
inline std::int64_t partTag(std::int64_t tag, int part) { return tag + part; }
// Column `a` of row `i` written under `tag`.
inline std::int64_t rowValue(std::int64_t tag, std::int64_t i) { return tag * kRowsPerTag + i; }
inline std::int64_t tagOfValue(std::int64_t value) { return value / kRowsPerTag; }

}  // namespace lifeguard::harness

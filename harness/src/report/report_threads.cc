#include "report/report_threads.h"

#include <algorithm>
#include <map>

namespace lifeguard::harness::html {
namespace {

// Maps a step to both axes by interpolating between the events around it.
class StepAxis {
 public:
  StepAxis(const std::vector<Event>& history, std::size_t slots, double end_ms)
      : history_(history), slots_(static_cast<double>(slots)), end_ms_(end_ms) {}

  // Order axis (percent): event i sits in the middle of slot i.
  double order(std::uint64_t step) const { return 100.0 * position(step, [](std::size_t i, const Event&) {
                                                     return static_cast<double>(i) + 0.5;
                                                   }) / slots_; }
  double time(std::uint64_t step) const {
    return 100.0 * position(step, [](std::size_t, const Event& e) { return e.at_ms; }) / end_ms_;
  }

 private:
  template <typename F>
  double position(std::uint64_t step, F at) const {
    auto after = std::upper_bound(history_.begin(), history_.end(), step,
                                  [](std::uint64_t s, const Event& e) { return s < e.step; });
    if (after == history_.begin()) return at(0, history_.front()) * 0.5;
    std::size_t i = static_cast<std::size_t>(after - history_.begin()) - 1;
    if (after == history_.end()) return at(i, history_[i]);
    double from = at(i, history_[i]), to = at(i + 1, *after);
    double span = static_cast<double>(after->step - history_[i].step);
    return from + (to - from) * (span > 0 ? static_cast<double>(step - history_[i].step) / span : 0);
  }

  const std::vector<Event>& history_;
  double slots_, end_ms_;
};

}  // namespace

std::vector<ThreadLane> engineThreadLanes(const std::vector<std::uint8_t>& decisions, int actors,
                                          const std::vector<Event>& history, std::size_t slots, double end_ms) {
  if (decisions.empty() || history.empty() ||
      std::none_of(history.begin(), history.end(), [](const Event& e) { return e.step > 0; })) {
    return {};
  }
  StepAxis axis(history, slots, end_ms);
  std::map<int, ThreadLane> lanes;
  constexpr double kHair = 0.05;  // percent of the axis: closer stretches merge
  for (std::size_t from = 0; from < decisions.size();) {
    std::size_t to = from;
    while (to + 1 < decisions.size() && decisions[to + 1] == decisions[from]) ++to;
    const int thread = decisions[from];
    if (thread > actors) {
      ThreadLane& lane = lanes[thread];
      lane.thread = thread;
      Stretch next{axis.order(from), axis.order(to + 1), axis.time(from), axis.time(to + 1), from, to};
      if (!lane.stretches.empty() && next.order_from - lane.stretches.back().order_to < kHair) {
        Stretch& last = lane.stretches.back();
        last.order_to = next.order_to, last.time_to = next.time_to, last.last_step = to;
      } else {
        lane.stretches.push_back(next);
      }
    }
    from = to + 1;
  }
  std::vector<ThreadLane> out;
  for (auto& [thread, lane] : lanes) out.push_back(std::move(lane));
  return out;
}

}  // namespace lifeguard::harness::html

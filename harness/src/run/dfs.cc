#include "run/dfs.h"

namespace lifeguard::harness {

std::optional<std::vector<std::uint8_t>> DfsExplorer::next() {
  if (!started_) {
    started_ = true;
    prefix_length_ = 0;
    return std::vector<std::uint8_t>{};
  }
  std::vector<int> preemptions(stack_.size() + 1, 0);
  for (std::size_t i = 0; i < stack_.size(); ++i) {
    preemptions[i + 1] = preemptions[i] + (preempts(stack_[i], stack_[i].chosen) ? 1 : 0);
  }
  for (std::size_t i = stack_.size(); i-- > 0;) {
    Step& step = stack_[i];
    for (int t = 0; t < 64; ++t) {
      std::uint64_t bit = std::uint64_t{1} << t;
      if ((step.runnable & bit) == 0 || (step.tried & bit) != 0) continue;
      if (preemptions[i] + (preempts(step, t) ? 1 : 0) > bound_) continue;
      step.tried |= bit;
      step.chosen = static_cast<std::uint8_t>(t);
      stack_.resize(i + 1);
      prefix_length_ = i + 1;
      std::vector<std::uint8_t> prefix;
      prefix.reserve(stack_.size());
      for (const Step& s : stack_) prefix.push_back(s.chosen);
      return prefix;
    }
  }
  return std::nullopt;
}

void DfsExplorer::record(const testing::ControlledTrace& trace) {
  // The prefix's steps keep what was tried from them; the new ones start fresh.
  stack_.resize(std::min(prefix_length_, trace.steps()));
  for (std::size_t i = stack_.size(); i < trace.steps(); ++i) {
    std::uint8_t chosen = trace.decisions[i];
    stack_.push_back({trace.runnable[i], trace.current[i], chosen, std::uint64_t{1} << chosen});
  }
}

}  // namespace lifeguard::harness

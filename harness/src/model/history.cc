#include "lifeguard/harness/history.h"

#include <chrono>
#include <cstdio>
#include <sstream>

#include "lifeguard/sync/controlled.h"

namespace lifeguard::harness {
namespace {
constexpr std::string_view kTypes[] = {"invoke", "running", "return", "started"};
}  // namespace

std::vector<std::int64_t> rowCounts(const std::vector<std::vector<std::string>>& tables) {
  std::vector<std::int64_t> counts;
  for (const auto& table : tables) counts.push_back(static_cast<std::int64_t>(table.size()));
  return counts;
}

std::string formatEvent(const Event& e) {
  char head[96];
  std::snprintf(head, sizeof(head), "seq %llu +%.1fms ", static_cast<unsigned long long>(e.seq), e.at_ms);
  std::string line = head;
  if (e.step > 0) line += "s" + std::to_string(e.step) + " w" + std::to_string(e.sweep_step) + " ";
  std::snprintf(head, sizeof(head), "a%d#%d %s", e.actor, e.index, kTypes[static_cast<int>(e.type)].data());
  line += head;
  if (e.type == EventType::kReturn) {
    line += " " + std::string(toString(e.answer.kind));
    if (e.answer.value) line += " value=" + std::to_string(*e.answer.value);
    for (std::size_t t = 0; t < e.row_counts.size(); ++t) {
      line += (t == 0 ? " rows=" : ",") + std::to_string(e.row_counts[t]);
    }
    if (!e.answer.message.empty()) line += " " + e.answer.message;
  }
  return line;
}

bool parseEvent(const std::string& line, Event* e) {
  std::istringstream in(line);
  std::string word, type;
  unsigned long long seq = 0;
  char plus = 0;
  if (!(in >> word >> seq >> plus >> e->at_ms) || word != "seq" || plus != '+') return false;
  in.ignore(2);  // "ms"
  in >> std::ws;
  if (in.peek() == 's') {  // the controlled step, if any
    in.ignore(1);
    unsigned long long step = 0;
    if (!(in >> step)) return false;
    e->step = step;
    in >> std::ws;
    if (in.peek() == 'w') {  // ... and the steps as its thread sees them
      in.ignore(1);
      if (!(in >> step)) return false;
      e->sweep_step = step;
    }
  }
  char a = 0, hash = 0;
  if (!(in >> a >> e->actor >> hash >> e->index >> type) || a != 'a' || hash != '#') return false;
  e->seq = seq;
  bool known = false;
  for (int t = 0; t < 4; ++t) {
    if (kTypes[t] == type) e->type = static_cast<EventType>(t), known = true;
  }
  if (!known) return false;
  if (e->type != EventType::kReturn) return true;
  std::string kind;
  if (!(in >> kind)) return false;
  auto parsed = parseAnswerKind(kind);
  if (!parsed) return false;
  e->answer.kind = *parsed;
  std::string rest;
  std::getline(in, rest);
  if (rest.rfind(" value=", 0) == 0) {
    std::size_t end = rest.find(' ', 7);
    e->answer.value = std::stoll(rest.substr(7, end - 7));
    rest = end == std::string::npos ? "" : rest.substr(end);
  }
  if (rest.rfind(" rows=", 0) == 0) {
    std::size_t end = rest.find(' ', 6);
    std::istringstream counts(rest.substr(6, end - 6));
    for (std::string count; std::getline(counts, count, ',');) e->row_counts.push_back(std::stoll(count));
    rest = end == std::string::npos ? "" : rest.substr(end);
  }
  if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
  e->answer.message = rest;
  return true;
}

void History::record(Event event) {
  event.step = testing::controlledStep();
  event.thread = testing::controlledThreadId();
  event.sweep_step = testing::controlledStepsOf(event.thread);
  {
    std::lock_guard<std::mutex> lock(mu_);
    event.seq = next_seq_++;
    events_.push_back(event);
  }
  cv_.notify_all();
  if (observer_) observer_(event);
}

const Event* History::find(int actor, int index, EventType type) const {
  for (const Event& e : events_) {
    if (e.actor == actor && e.index == index && e.type == type) return &e;
  }
  return nullptr;
}

bool History::reached(int actor, int index, EventType type) const {
  for (const Event& e : events_) {
    if (e.actor != actor || e.index != index) continue;
    // A later point implies the earlier: a return all of them, running started.
    if (e.type == type || e.type == EventType::kReturn) return true;
    if (type == EventType::kStarted && e.type == EventType::kRunning) return true;
  }
  return false;
}

void History::waitFor(int actor, int index, EventType type) {
  if (testing::isControlledThread()) {  // blocking on mu_/cv_ would stall the whole controlled run
    testing::controlledWaitUntil([&] {
      std::lock_guard<std::mutex> lock(mu_);
      return reached(actor, index, type);
    });
    return;
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return reached(actor, index, type); });
}

void History::waitSteps(int actor, int index, std::int64_t steps) {
  waitFor(actor, index, EventType::kInvoke);
  if (testing::isControlledThread()) {
    std::int64_t looks = 0;
    testing::controlledWaitUntil([&] {
      std::lock_guard<std::mutex> lock(mu_);
      return ++looks > steps || reached(actor, index, EventType::kReturn);
    });
    return;
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(steps);
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, until, [&] { return reached(actor, index, EventType::kReturn); });
}

void History::waitAt(int actor, int index, std::int64_t counted) {
  if (!testing::isControlledThread()) return waitSteps(actor, index, counted);
  const auto steps = static_cast<std::uint64_t>(counted);
  testing::controlledWaitUntil([&] {
    std::lock_guard<std::mutex> lock(mu_);
    const Event* invoked = find(actor, index, EventType::kInvoke);
    if (invoked == nullptr) return false;
    return testing::controlledStepsOf(invoked->thread) - invoked->sweep_step >= steps ||
           reached(actor, index, EventType::kReturn);
  }, /*then_run_ahead=*/true);
}

std::vector<Event> History::events() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

}  // namespace lifeguard::harness

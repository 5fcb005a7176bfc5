#include "judge/hints.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <regex>

namespace lifeguard::harness {
namespace {

bool closesDatabase(OpKind kind) {
  return kind == OpKind::kCloseDb || kind == OpKind::kReopen || kind == OpKind::kDropDb;
}
bool opensDatabase(OpKind kind) { return kind == OpKind::kOpenDb || kind == OpKind::kReopen; }

// A call that uses the database (through a connection, a result or itself),
// as opposed to one that opens or closes it.
bool usesDatabase(OpKind kind) { return kind != OpKind::kAwait && !opensDatabase(kind) && !closesDatabase(kind); }

struct Call {
  int actor, index;
  const Op* op;
};

class Reader {
 public:
  Reader(const Schedule& s, const HistoryIndex& index) : index_(index) {
    for (int a = 0; a < static_cast<int>(s.actors.size()); ++a) {
      for (int i = 0; i < static_cast<int>(s.actors[a].size()); ++i) {
        if (index.invoked(a, i) != 0) calls_.push_back({a, i, &s.actors[a][i]});
      }
    }
  }
  const std::vector<Call>& calls() const { return calls_; }
  std::uint64_t invoked(const Call& c) const { return index_.invoked(c.actor, c.index); }
  std::uint64_t returned(const Call& c) const { return index_.returned(c.actor, c.index); }
  bool answeredOk(const Call& c) const { return index_.answeredOk(c.actor, c.index); }
  // Whether `user` was invoked before `closer` returned and ran past it.
  bool outlived(const Call& user, const Call& closer) const {
    return user.actor != closer.actor && invoked(user) < returned(closer) && returned(user) > returned(closer);
  }
  // The connection a result came from ("" if none made it).
  std::string connectionOf(const std::string& result) const {
    for (const Call& c : calls_) {
      if ((c.op->kind == OpKind::kQuery || c.op->kind == OpKind::kExecute) && c.op->result == result) {
        return c.op->handle;
      }
    }
    return "";
  }
  // Whether `user` works on the object `closer` closes (another close of
  // it is not work on it).
  bool onObjectOf(const Call& user, const Call& closer) const {
    const Op& u = *user.op;
    const Op& c = *closer.op;
    if (isLifecycleCut(u.kind) && u.kind != OpKind::kInterrupt) return false;
    if (closesDatabase(c.kind)) return usesDatabase(u.kind);
    if (c.kind == OpKind::kDisconnect || (c.kind == OpKind::kDrop && c.handle.starts_with("c"))) {
      if (u.kind == OpKind::kIterate || u.kind == OpKind::kCloseResult) return connectionOf(u.handle) == c.handle;
      return u.handle == c.handle && u.kind != OpKind::kConnect;
    }
    if (c.kind == OpKind::kCloseResult || c.kind == OpKind::kDrop) return u.kind == OpKind::kIterate && u.handle == c.handle;
    return false;
  }
  std::string describe(const Call& c) const {
    return "actor " + std::to_string(c.actor) + " op #" + std::to_string(c.index) + " '" + formatOp(*c.op) + "'";
  }
  std::string until(const Call& c) const {
    return returned(c) == kNever ? "it never returned" : "it returned at event " + std::to_string(returned(c));
  }

 private:
  const HistoryIndex& index_;
  std::vector<Call> calls_;
};

std::string deferredClose(const Reader& r) {
  for (const Call& closer : r.calls()) {
    const OpKind kind = closer.op->kind;  // a close, not a drop (which never waits) or an interrupt
    if (!isLifecycleCut(kind) || kind == OpKind::kInterrupt || kind == OpKind::kDrop || kind == OpKind::kDropDb ||
        !r.answeredOk(closer)) {
      continue;
    }
    for (const Call& user : r.calls()) {
      if (!r.onObjectOf(user, closer) || !r.outlived(user, closer)) continue;
      return "a deferred close: " + r.describe(closer) + " returned at event " + std::to_string(r.returned(closer)) +
             " while " + r.describe(user) + " still ran on its object (" + r.until(user) + ")";
    }
  }
  return "";
}

// A JavaScript runtime error in an answer: the binding failed, not the engine.
std::string bindingException(const Schedule& s, const std::vector<Event>& history) {
  static const std::regex kScriptError(
      R"(\b(TypeError|ReferenceError|RangeError)\b|Cannot read propert(y|ies) of (undefined|null)|is not a function)");
  for (const Event& event : history) {
    if (event.type != EventType::kReturn || event.actor >= static_cast<int>(s.actors.size())) continue;
    if (!std::regex_search(event.answer.message, kScriptError)) continue;
    return "the binding's own exception, not the engine's error: actor " + std::to_string(event.actor) + " op #" +
           std::to_string(event.index) + " '" + formatOp(s.actors[event.actor][event.index]) + "' answered " +
           event.answer.toString();
  }
  return "";
}

// For a run that ended the process: the last close, reopen, drop or
// interrupt before the end, and the calls still in flight.
std::vector<std::string> endOfRun(const Reader& r) {
  std::vector<std::string> hints;
  const Call* last = nullptr;
  std::uint64_t last_at = 0;
  std::string in_flight;
  for (const Call& c : r.calls()) {
    std::uint64_t at = r.returned(c) == kNever ? r.invoked(c) : r.returned(c);
    if (isLifecycleCut(c.op->kind) && at >= last_at) last = &c, last_at = at;
    if (r.returned(c) == kNever && c.op->kind != OpKind::kAwait) {
      in_flight += (in_flight.empty() ? "" : ", ") + r.describe(c);
    }
  }
  if (last != nullptr) {
    hints.push_back("the last lifecycle event before the end: " + r.describe(*last) +
                    (r.returned(*last) == kNever ? ", invoked at event " + std::to_string(r.invoked(*last)) +
                                                       " and never returned"
                                                 : ", returned at event " + std::to_string(r.returned(*last))));
  }
  if (!in_flight.empty()) hints.push_back("in flight at the end: " + in_flight);
  return hints;
}

}  // namespace

std::vector<SecondInstance> secondInstances(const Schedule& s, const HistoryIndex& index) {
  Reader r(s, index);
  std::vector<SecondInstance> found;
  for (const Call& opener : r.calls()) {
    if (!opensDatabase(opener.op->kind) || !r.answeredOk(opener)) continue;
    // A call on the earlier instance, or a close of it: invoked before the
    // opener and after some earlier open returned ok, still running when the
    // opener returned.
    bool earlier = std::any_of(r.calls().begin(), r.calls().end(), [&](const Call& o) {
      return opensDatabase(o.op->kind) && r.answeredOk(o) && r.returned(o) < r.invoked(opener);
    });
    for (const Call& user : r.calls()) {
      const bool on_earlier = usesDatabase(user.op->kind) || closesDatabase(user.op->kind);
      if (!earlier || !on_earlier || r.invoked(user) >= r.invoked(opener) || !r.outlived(user, opener)) {
        continue;
      }
      found.push_back({opener.actor, opener.index, user.actor, user.index});
      break;
    }
  }
  return found;
}

std::vector<SecondInstance> secondInstancesOfLiveConnections(const Schedule& s, const HistoryIndex& index) {
  Reader r(s, index);
  std::vector<SecondInstance> found;
  for (const Call& opener : r.calls()) {
    if (!opensDatabase(opener.op->kind) || !r.answeredOk(opener)) continue;
    for (const Call& connect : r.calls()) {
      if (connect.op->kind != OpKind::kConnect || !r.answeredOk(connect) || r.returned(connect) >= r.invoked(opener)) {
        continue;
      }
      const bool ended = std::any_of(r.calls().begin(), r.calls().end(), [&](const Call& end) {
        return (end.op->kind == OpKind::kDisconnect || end.op->kind == OpKind::kDrop) &&
               end.op->handle == connect.op->handle && r.invoked(end) < r.returned(opener);
      });
      if (ended) continue;
      found.push_back({opener.actor, opener.index, connect.actor, connect.index});
      break;
    }
  }
  return found;
}

std::vector<std::string> causeHints(const Schedule& s, const RunResult& result) {
  std::vector<std::string> hints;
  if (result.verdict == Verdict::kPass) return hints;
  HistoryIndex index(s, result.history);
  Reader r(s, index);
  for (const SecondInstance& second : secondInstances(s, index)) {
    const Call opener{second.opener_actor, second.opener_index, &s.actors[second.opener_actor][second.opener_index]};
    const Call user{second.user_actor, second.user_index, &s.actors[second.user_actor][second.user_index]};
    hints.push_back("a second instance of the database's path: " + r.describe(opener) + " opened it again while " +
                    r.describe(user) + ", a call on the earlier instance, still ran (" + r.until(user) +
                    "): two instances of one path lived in the process");
    break;
  }
  if (std::string hint = deferredClose(r); !hint.empty()) hints.push_back(hint);
  if (!result.outside_contract.empty()) hints.push_back("the caller's fault: " + result.outside_contract);
  if (std::string hint = bindingException(s, result.history); !hint.empty()) hints.push_back(hint);
  const bool ended = result.verdict == Verdict::kSanitizer || result.verdict == Verdict::kCrash ||
                     result.verdict == Verdict::kHang;
  if (!ended) return hints;
  if (std::string threads = threadsAtHang(result.report); !threads.empty()) {
    hints.push_back("where the engine's threads were at the hang: " + threads);
  } else if (std::string frame = engineFrame(result.report); !frame.empty()) {
    hints.push_back("the engine's top frame: " + frame);
  }
  for (std::string& hint : endOfRun(r)) hints.push_back(std::move(hint));
  return hints;
}

namespace {

// "_ZN4lbug7catalog...E" -> "lbug::catalog::CatalogSet::traverse...", without its parameters.
std::string demangled(const std::string& symbol) {
  int status = 0;
  char* name = abi::__cxa_demangle(symbol.c_str(), nullptr, nullptr, &status);
  if (status != 0 || name == nullptr) return symbol;
  std::string out(name);
  std::free(name);
  int depth = 0;  // cut at the parameter list's '(' (not one inside a template argument)
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '<') ++depth;
    if (out[i] == '>') --depth;
    if (out[i] == '(' && depth == 0 && out.compare(i, 21, "(anonymous namespace)") != 0) return out.substr(0, i);
  }
  return out;
}

// A frame that is not the engine's own: the harness's, the runtime's, or the
// allocator's (operator new and delete, where a corrupted heap is noticed,
// not where it was corrupted).
bool harnessFrame(const std::string& function) {
  for (const char* prefix : {"lifeguard::harness::", "lifeguard::sync::", "lifeguard::testing::", "std::", "__", "node::",
                             "v8::", "uv_", "operator new", "operator delete"}) {
    if (function.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace

std::string engineFrame(const std::string& report) {
  // A sanitizer's "#3 0x... in NAME": a name may hold "(anonymous namespace)", never another '(' or a space.
  static const std::regex kFrame(
      R"(#\d+ 0x[0-9a-f]+ in ((?:[^ (]|\(anonymous namespace\))*::(?:[^ (]|\(anonymous namespace\))*))");
  for (std::sregex_iterator it(report.begin(), report.end(), kFrame), end; it != end; ++it) {
    std::string function = (*it)[1];
    if (!harnessFrame(function)) return function;
  }
  // A crash stack's "lib.so(_ZN...+0x8)[0x...]".
  static const std::regex kMangled(R"(\((_Z[A-Za-z0-9_]+)\+0x[0-9a-f]+\))");
  for (std::sregex_iterator it(report.begin(), report.end(), kMangled), end; it != end; ++it) {
    std::string function = demangled((*it)[1]);
    if (!harnessFrame(function)) return function;
  }
  return "";
}

std::string threadsAtHang(const std::string& report) {
  static const std::string kHead = "lifeguard thread_stacks: thread ";
  std::vector<std::pair<std::string, int>> places;  // in the order first seen
  for (std::size_t at = report.find(kHead); at != std::string::npos;) {
    std::size_t next = report.find(kHead, at + kHead.size());
    std::size_t end = std::min(next, report.find("lifeguard thread_stacks: end", at));
    std::string frame = engineFrame(report.substr(at, end == std::string::npos ? std::string::npos : end - at));
    if (!frame.empty()) {
      auto place = std::find_if(places.begin(), places.end(), [&](const auto& p) { return p.first == frame; });
      if (place == places.end()) places.emplace_back(frame, 1);
      else ++place->second;
    }
    at = next;
  }
  std::string text;
  for (const auto& [frame, count] : places) text += (text.empty() ? "" : ", ") + std::to_string(count) + " in " + frame;
  return text;
}

}  // namespace lifeguard::harness

#include "hazards.h"

#include <map>
#include <ostream>

#include "model.h"
#include "ops.h"

namespace lifeguard::properties {
namespace {

using harness::Event;
using harness::EventType;
using harness::Op;
using harness::OpKind;
using harness::QueryKind;
using namespace ops;

// A case generator: fixed setup operations, a random prefix, the branches.
struct Mix {
  std::vector<Op> setup;
  rc::Gen<std::vector<Op>> prefix;
  std::vector<rc::Gen<std::vector<Op>>> branches;
};

rc::Gen<ParallelCase> casesOf(Mix mix) {
  return rc::gen::resize(100, rc::gen::exec([mix] {
    ParallelCase c;
    c.prefix = mix.setup;
    std::vector<Op> extra = *mix.prefix;
    c.prefix.insert(c.prefix.end(), extra.begin(), extra.end());
    for (const auto& branch : mix.branches) c.branches.push_back(*branch);
    c.seed = *rc::gen::noShrink(rc::gen::inRange<std::uint64_t>(1, 1u << 30));
    return c;
  }));
}

rc::Gen<Op> just(Op op) { return rc::gen::just(std::move(op)); }
Op openDb() { return make(OpKind::kOpenDb); }
Op connect(const std::string& c) { return make(OpKind::kConnect, c); }
Op disconnect(const std::string& c) { return make(OpKind::kDisconnect, c); }
Op interrupt(const std::string& c) { return make(OpKind::kInterrupt, c); }
Op closeDb() { return make(OpKind::kCloseDb); }
Op check() { return make(OpKind::kCheck); }
harness::QuerySpec threeReads() {
  harness::QuerySpec q = spec(QueryKind::kMulti);
  q.parts = {spec(QueryKind::kLong, "", 100), spec(QueryKind::kCount, "t1"), spec(QueryKind::kLong, "", 10)};
  return q;
}
const rc::Gen<std::vector<Op>> kNoPrefix = rc::gen::just(std::vector<Op>{});

// H10: an interrupt that ran entirely while its connection's query was
// between its start (parse/bind) and its execution must interrupt it.
std::string interruptNeverLost(const harness::Schedule& schedule, const harness::RunResult& result) {
  std::map<std::pair<int, int>, std::map<EventType, const Event*>> events;
  for (const Event& e : result.history) events[{e.actor, e.index}][e.type] = &e;
  for (const auto& [q, qe] : events) {
    if (q.first >= static_cast<int>(schedule.actors.size())) continue;
    const Op& query = schedule.actors[q.first][q.second];
    if (query.kind != OpKind::kQuery || !qe.count(EventType::kStarted) || !qe.count(EventType::kRunning)) continue;
    for (const auto& [i, ie] : events) {
      if (i.first >= static_cast<int>(schedule.actors.size())) continue;
      const Op& op = schedule.actors[i.first][i.second];
      if (op.kind != OpKind::kInterrupt || op.handle != query.handle || !ie.count(EventType::kReturn)) continue;
      bool inside = ie.at(EventType::kInvoke)->seq > qe.at(EventType::kStarted)->seq &&
                    ie.at(EventType::kReturn)->seq < qe.at(EventType::kRunning)->seq;
      const Event* answer = qe.count(EventType::kReturn) ? qe.at(EventType::kReturn) : nullptr;
      if (inside && answer != nullptr && answer->answer.kind != harness::AnswerKind::kInterrupted) {
        return "the interrupt a" + std::to_string(i.first) + "#" + std::to_string(i.second) +
               " returned after the query a" + std::to_string(q.first) + "#" + std::to_string(q.second) +
               " started and before it executed, but the query answered " + answer->answer.toString();
      }
    }
  }
  return "";
}

std::vector<Hazard> build() {
  auto queries1 = queryOn("c1", anyStatement());
  auto queries2 = queryOn("c2", anyStatement());
  std::vector<Hazard> out;
  out.push_back({"H1", "close_connection_during_query",
                 "closing a connection during any query never crashes or hangs, and every answer is linearizable",
                 casesOf({{openDb(), connect("c1")}, upTo(2, queries1),
                          {some(3, rc::gen::oneOf(queryOn("c1", longRead()), queries1)),
                           some(2, rc::gen::weightedOneOf<Op>({{4, just(disconnect("c1"))},
                                                               {1, just(interrupt("c1"))}, {1, queries1}}))}}),
                 nullptr});
  out.push_back({"H2", "close_connection_during_copy",
                 "closing a connection during COPY (good, bad, or refused by the single writer) is safe",
                 casesOf({{openDb(), connect("c1"), connect("c2")}, upTo(1, queryOn("c2", control())),
                          {some(2, queryOn("c1", writes())),
                           some(3, rc::gen::oneOf(queryOn("c2", writes()), just(disconnect("c1")),
                                                  just(disconnect("c2"))))}}),
                 nullptr});
  out.push_back({"H3", "close_database_during_query",
                 "closing the database during queries on several connections is safe and linearizable",
                 casesOf({{openDb(), connect("c1"), connect("c2")}, upTo(2, queries1),
                          {some(2, queries1), some(2, queries2),
                           some(2, rc::gen::weightedOneOf<Op>({{3, just(closeDb())}, {1, just(check())}}))}}),
                 nullptr});
  out.push_back({"H4", "close_database_with_open_transaction",
                 "closing the database with idle connections and an open transaction rolls it back and never stalls",
                 casesOf({{openDb(), connect("c1"), connect("c2"), query("c1", spec(QueryKind::kBegin))},
                          upTo(2, queryOn("c1", writes())),
                          {some(1, just(closeDb())), some(3, rc::gen::oneOf(queries1, queries2))}}),
                 nullptr});
  out.push_back({"H5", "query_after_database_close",
                 "every call after the database closed answers a clean error",
                 casesOf({{openDb(), connect("c1")}, upTo(1, just(closeDb())),
                          {some(3, rc::gen::oneOf(queries1, just(connect("c2")), queries2)), some(1, just(closeDb()))}}),
                 nullptr});
  out.push_back({"H6", "results_after_database_close",
                 "every result of a chain fails cleanly once the database closed",
                 casesOf({{openDb(), connect("c1")}, some(3, queryOn("c1", rc::gen::oneOf(chains(), reads()), true)),
                          {some(3, rc::gen::oneOf(iterateSome(), closeSomeResult())), some(1, just(closeDb()))}}),
                 nullptr});
  out.push_back({"H7", "close_result_during_iteration",
                 "closing a result while another thread iterates it answers an error, never a crash",
                 casesOf({{openDb(), connect("c1"), query("c1", threeReads(), "r1")},
                          some(2, queryOn("c1", rc::gen::oneOf(chains(), reads()), true)),
                          {some(3, iterateSome()), some(2, rc::gen::oneOf(closeSomeResult(), iterateSome()))}}),
                 nullptr});
  out.push_back({"H8", "two_writers",
                 "of two concurrent writers one wins, the loser gets a clean conflict, closing either is safe",
                 casesOf({{openDb(), connect("c1"), connect("c2")}, kNoPrefix,
                          {some(3, rc::gen::weightedOneOf<Op>({{4, queryOn("c1", rc::gen::oneOf(writes(), control()))},
                                                               {1, just(disconnect("c1"))}})),
                           some(3, rc::gen::weightedOneOf<Op>({{4, queryOn("c2", rc::gen::oneOf(writes(), control()))},
                                                               {1, just(disconnect("c2"))}}))}}),
                 nullptr});
  out.push_back({"H9", "commit_answer_matches_data",
                 "a write's answer matches what the database holds, with readers and a close racing its commit",
                 casesOf({{openDb(), connect("c1"), connect("c2")}, kNoPrefix,
                          {some(3, queryOn("c1", rc::gen::oneOf(writes(), control()))),
                           some(2, queryOn("c2", reads())),
                           some(2, rc::gen::oneOf(just(check()), just(closeDb())))}}),
                 nullptr});
  out.push_back({"H10", "interrupt_never_lost",
                 "an interrupt sent while a query is between parse/bind and execution is never lost",
                 casesOf({{openDb(), connect("c1")}, kNoPrefix,
                          {some(2, queryOn("c1", longRead())), some(2, just(interrupt("c1")))}}),
                 interruptNeverLost});
  out.push_back({"H12", "connect_on_closed_database",
                 "connecting to and querying a database being closed answers a clean error",
                 casesOf({{openDb()}, upTo(1, just(connect("c1"))),
                          {some(1, just(closeDb())),
                           some(3, rc::gen::oneOf(just(connect("c2")), queries2, just(connect("c3")),
                                                  queryOn("c3", reads())))}}),
                 nullptr});
  return out;
}

}  // namespace

const std::vector<Hazard>& hazards() {
  static const std::vector<Hazard> kHazards = build();
  return kHazards;
}

const Hazard& hazard(const std::string& id) {
  for (const Hazard& h : hazards()) {
    if (h.id == id) return h;
  }
  throw std::invalid_argument("no hazard " + id);
}

void showValue(const ParallelCase& c, std::ostream& os) {
  os << "prefix:";
  for (const Op& op : c.prefix) os << " [" << harness::formatOp(op) << "]";
  for (std::size_t b = 0; b < c.branches.size(); ++b) {
    os << "\nbranch " << b << ":";
    for (const Op& op : c.branches[b]) os << " [" << harness::formatOp(op) << "]";
  }
  os << "\nseed " << c.seed;
}

void checkHazard(const Hazard& h, const std::string& policy, int tries) {
  ParallelCase c = *h.cases;
  PropertyRun run{h.fullName(), policy, tries, h.extra};
  CaseOutcome outcome = runCase(c, run);
  if (outcome.ok) return;
  const std::string counterexample = h.id + " (" + h.statement + ") failed under " + policy + ": " +
                                     outcome.message + "\n" + std::to_string(c.size()) + " operations; saved as " +
                                     failureFile(run) + "\n" + harness::formatSchedule(outcome.schedule);
  RC_FAIL(counterexample);
}

}  // namespace lifeguard::properties

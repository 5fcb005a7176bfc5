// lifeguard contract: an engine's contract as a table, with its sources, so
// a user can check it against the engine's documentation.
#include <cstdio>
#include <map>

#include "cli/cli.h"
#include "lifeguard/harness/engine_adapter.h"

namespace lifeguard::harness::cli {
namespace {

std::string answers(const std::set<AnswerKind>& kinds) {
  std::string out;
  for (AnswerKind kind : kinds) out += (out.empty() ? "" : " ") + std::string(toString(kind));
  return out.empty() ? "-" : out;
}

// The row's name: the operation, and for queries the query kind.
std::string rowName(const ContractKey& key) {
  Op op;
  op.kind = key.op;
  op.handle = key.op == OpKind::kQuery || key.op == OpKind::kConnect ? "c1" : "db";
  std::string text = formatOp(op);
  const bool per_kind = key.op == OpKind::kQuery || key.op == OpKind::kPrepare || key.op == OpKind::kExecute;
  if (!per_kind) return text.substr(0, text.find(' '));
  QuerySpec spec;
  spec.kind = key.query;
  op.kind = OpKind::kQuery;
  op.handle = "c1";
  op.result = "-";
  op.query = spec;
  text = formatOp(op);  // "query c1 - KIND ..."
  std::string kind = text.substr(std::string("query c1 - ").size());
  return std::string(key.op == OpKind::kQuery ? "query " : key.op == OpKind::kPrepare ? "prepare " : "execute ") +
         kind.substr(0, kind.find(' '));
}

}  // namespace

void contractOptions(Options& o) {
  o.about("an engine's contract as a table: the answers allowed per operation and handle state, its close "
          "style and what it makes the caller's fault, with sources");
  o.text("engine", "the engine (default lifeguard)");
  o.text("policy", "its policy (default: the engine's first)");
}

int contract(const Args& args) {
  std::string error;
  const std::string engine = args.get("engine", "lifeguard");
  std::string policy = args.get("policy", defaultPolicy(engine));
  const EngineEntry* entry = findEngine(engine);
  auto adapter = makeAdapter(engine, policy, &error);
  if (adapter == nullptr || entry == nullptr) {  // says why: unknown engine or policy
    return std::fprintf(stderr, "lifeguard contract: %s\n", error.c_str()), 2;
  }
  const bool prepared = adapter->capabilities().prepared;
  Contract c = entry->contract(policy);
  std::printf("engine %s, policy %s: close style %s%s%s\n\n", engine.c_str(), policy.c_str(),
              std::string(toString(c.style())).c_str(), c.styleSource().empty() ? "" : " (",
              c.styleSource().empty() ? "" : (c.styleSource() + ")").c_str());
  std::map<std::string, std::map<HandleState, std::set<AnswerKind>>> rows;
  for (const auto& [key, allowed] : c.table()) {
    if (prepared || (key.op != OpKind::kPrepare && key.op != OpKind::kExecute)) rows[rowName(key)][key.state] = allowed;
  }
  std::printf("%-18s | %-34s | %-44s | %s\n", "operation", "handle open", "closing (a close overlaps)", "closed");
  std::printf("%s\n", std::string(140, '-').c_str());
  for (const auto& row : rows) {
    const std::string& name = row.first;
    auto at = [&row](HandleState s) { return row.second.count(s) ? answers(row.second.at(s)) : std::string("-"); };
    std::printf("%-18s | %-34s | %-44s | %s\n", name.c_str(), at(HandleState::kOpen).c_str(),
                at(HandleState::kClosing).c_str(), at(HandleState::kClosed).c_str());
  }
  std::printf("\nalso, when an interrupt overlaps: %s; when a timeout is set: %s\n",
              answers(c.whenInterrupted()).c_str(), answers(c.whenTimeoutSet()).c_str());
  if (!c.interruptPersists().empty()) {
    std::printf("an interrupt stays in effect while any statement of its connection runs, so it may reach a later "
                "query\n  source: %s\n", c.interruptPersists().c_str());
  }
  if (!c.interruptNeverLost().empty()) {
    std::printf("an interrupt sent while a query is planned (after it started, before it runs) is never lost: "
                "such a query does not answer Ok\n  source: %s\n", c.interruptNeverLost().c_str());
  }
  if (c.responsivenessMs() > 0) {
    std::printf("responsive: a read running alone on a connection returns within %.0f ms of an interrupt of it "
                "returning%s (free-running runs only)\n  source: %s\n",
                c.responsivenessMs(), c.style() == CloseStyle::kDrain ? " (or of a close of it or its database)" : "",
                c.responsivenessSource().c_str());
  }
  if (c.longestWaitMs() > 0) {
    std::printf("a statement may wait up to %.0f ms on top of its own work: a hang is called only after the "
                "deadline plus that for each statement of the operation\n  source: %s\n",
                c.longestWaitMs(), c.longestWaitSource().c_str());
  }
  if (!c.whenConnectionShared().empty()) {
    std::printf("also, a query while another query on its connection is in flight: %s\n  source: %s\n",
                answers(c.whenConnectionShared()).c_str(), c.whenConnectionSharedSource().c_str());
  }
  if (prepared && !c.foreignStatement().empty()) {
    std::printf("a prepared statement run on another connection (H11): %s\n  source: %s\n",
                answers(c.foreignStatement()).c_str(), c.foreignStatementSource().c_str());
  }
  if (!c.secondInstance().empty()) {
    std::printf("a second instance of a path (opened while an earlier one lives): %s\n  source: %s\n",
                c.secondInstance().c_str(), c.secondInstanceSource().c_str());
  }
  if (c.callerFaults().empty()) {
    std::printf("the caller's fault: nothing (every overlap is the engine's to survive)\n");
  }
  for (const CallerFault& fault : c.callerFaults()) {
    std::printf("the caller's fault (drawn only with --outside-contract): %s\n  source: %s\n", fault.rule.c_str(),
                fault.source.c_str());
  }
  return 0;
}

const Command kContract{"contract", contractOptions, contract};

}  // namespace lifeguard::harness::cli

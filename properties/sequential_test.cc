// Sequential stateful property (rapidcheck rc::state): random sequences of
// lifecycle operations, run through the harness's engine adapter one at a
// time, each exact answer checked against the model (model.h). rapidcheck
// shrinks a failure to the shortest sequence that still fails.
//
// One class per operation: it generates its arguments, states its
// precondition, applies the model's answer to the model, runs the operation
// and checks the engine's answer, and shows itself as a schedule line.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/history.h"
#include "model.h"
#include "ops.h"

namespace lifeguard::properties {
namespace {

using harness::EngineAdapter;
using harness::OpKind;
using harness::QueryKind;
using harness::TableRows;

// Applies the answer the model gives: the one candidate step() accepts (the
// model is deterministic up to which closed error a closed handle reports;
// it answers every operation in every state, so one always is).
void modelStep(Model& m, const Op& op) {
  std::vector<Answer> candidates;
  auto parts = static_cast<std::int64_t>(op.query.statements().size());
  for (std::int64_t v = 0; v <= std::max<std::int64_t>(parts, op.number); ++v) candidates.push_back(Answer::ok(v));
  candidates.push_back(Answer::ok());
  for (std::int64_t part = 0; part < parts; ++part) {
    for (AnswerKind kind : {AnswerKind::kGone, AnswerKind::kConnectionClosed, AnswerKind::kDatabaseClosed,
                            AnswerKind::kWriteConflict, AnswerKind::kCopyError, AnswerKind::kUserError,
                            AnswerKind::kInvalidUse}) {
      candidates.push_back({kind, "", part});
    }
  }
  std::vector<std::int64_t> committed;  // what a check reads, if the database is open
  for (const auto& [table, rows] : m.committed) committed.push_back(rows);
  for (const Answer& answer : candidates) {
    Model copy = m;
    std::string why;
    if (step(copy, op, answer, {}, committed, &why)) {
      m = std::move(copy);
      return;
    }
  }
}

struct OpCommand : rc::state::Command<Model, EngineAdapter> {
  Op op;
  explicit OpCommand(Op o) : op(std::move(o)) {}
  void apply(Model& m) const override { modelStep(m, op); }
  void run(const Model& m, EngineAdapter& sut) const override {
    std::vector<TableRows> tables;
    Answer answer = harness::callAdapter(sut, op, /*tag=*/1, &tables);
    Model copy = m;
    std::string why;
    if (!step(copy, op, answer, {}, harness::rowCounts(tables), &why)) {
      RC_FAIL(harness::formatOp(op) + " answered " + answer.toString() + ", but " + why);
    }
  }
  void show(std::ostream& os) const override { os << harness::formatOp(op); }
};

std::string conn() { return *rc::gen::element<std::string>("c1", "c2", "c3"); }

struct OpenDb : OpCommand {
  OpenDb() : OpCommand(ops::make(OpKind::kOpenDb)) {}
  void checkPreconditions(const Model& m) const override { RC_PRE(m.db != Model::Db::kOpen); }
};
struct CloseDb : OpCommand {
  CloseDb() : OpCommand(ops::make(OpKind::kCloseDb)) {}
};
struct Reopen : OpCommand {
  Reopen() : OpCommand(ops::make(OpKind::kReopen)) {}
};
struct Connect : OpCommand {
  Connect() : OpCommand(ops::make(OpKind::kConnect, conn())) {}
  void checkPreconditions(const Model& m) const override { RC_PRE(m.conns.count(op.handle) == 0); }
};
struct Disconnect : OpCommand {
  Disconnect() : OpCommand(ops::make(OpKind::kDisconnect, conn())) {}
};
struct Query : OpCommand {
  Query() : OpCommand(*ops::queryOn(conn(), ops::anyStatement(), /*results=*/true)) {}
};
struct Iterate : OpCommand {
  Iterate() : OpCommand(*ops::iterateSome()) {}
};
struct CloseResult : OpCommand {
  CloseResult() : OpCommand(*ops::closeSomeResult()) {}
};
struct Check : OpCommand {
  Check() : OpCommand(ops::make(OpKind::kCheck)) {}
};

RC_GTEST_PROP(SequentialModel, EveryAnswerIsTheModelsAnswer, ()) {
  std::string error;
  auto adapter = harness::makeAdapter("lifeguard", "complete", &error);
  RC_ASSERT(adapter != nullptr);
  rc::state::check(Model{}, *adapter,
                   rc::state::gen::execOneOfWithArgs<OpenDb, CloseDb, Reopen, Connect, Disconnect, Query, Query,
                                                     Query, Query, Iterate, CloseResult, Check>());
}

}  // namespace
}  // namespace lifeguard::properties

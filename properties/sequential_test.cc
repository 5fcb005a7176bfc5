// Sequential stateful property (rapidcheck rc::state): random sequences of
// lifecycle operations, run through the harness's engine adapter one at a
// time, each answer checked against a model of tables, the single writer's
// transaction and handle states. rapidcheck shrinks a failure to the
// shortest sequence that still fails.
//
// The model (one thread, so no "closing" state here; see issue 7's parallel
// part): the database is open or closed; each connection is open, or closed
// because the database closed under it; at most one connection holds the
// manual write transaction, whose rows are pending until COMMIT.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <map>
#include <optional>

#include "lifeguard/harness/engine_adapter.h"

namespace lifeguard::harness {
namespace {

struct Model {
  bool db_open = false;
  std::map<int, bool> conns;  // id -> open (false: its database was closed)
  std::optional<int> owner;   // holder of the manual transaction
  std::map<std::string, std::int64_t> committed{{"t1", 0}, {"t2", 0}};
  std::map<std::string, std::int64_t> pending{{"t1", 0}, {"t2", 0}};

  void endTransaction(bool commit) {
    for (auto& [table, rows] : pending) {
      if (commit) committed[table] += rows;
      rows = 0;
    }
    owner.reset();
  }
  bool usable(int c) const { return db_open && conns.count(c) != 0 && conns.at(c); }
};

using Cmd = rc::state::Command<Model, EngineAdapter>;
std::string name(int c) { return "c" + std::to_string(c); }
bool closedKind(AnswerKind kind) { return kind == AnswerKind::kConnectionClosed || kind == AnswerKind::kDatabaseClosed; }

struct OpenDb : Cmd {
  void checkPreconditions(const Model& m) const override { RC_PRE(!m.db_open); }
  void apply(Model& m) const override {
    m.db_open = true;
    m.committed = {{"t1", 0}, {"t2", 0}};  // in memory: a new database
  }
  void run(const Model&, EngineAdapter& sut) const override { RC_ASSERT(sut.openDatabase().isOk()); }
  void show(std::ostream& os) const override { os << "open_db"; }
};

struct CloseDb : Cmd {
  void checkPreconditions(const Model& m) const override { RC_PRE(m.db_open); }
  void apply(Model& m) const override {
    m.db_open = false;
    m.endTransaction(false);  // complete: close rolls back
    for (auto& [c, open] : m.conns) open = false;
  }
  void run(const Model&, EngineAdapter& sut) const override { RC_ASSERT(sut.closeDatabase().isOk()); }
  void show(std::ostream& os) const override { os << "close_db"; }
};

struct Connect : Cmd {
  int c = *rc::gen::inRange(1, 4);
  void checkPreconditions(const Model& m) const override { RC_PRE(m.db_open && m.conns.count(c) == 0); }
  void apply(Model& m) const override { m.conns[c] = true; }
  void run(const Model&, EngineAdapter& sut) const override { RC_ASSERT(sut.connect(name(c)).isOk()); }
  void show(std::ostream& os) const override { os << "connect " << name(c); }
};

struct Disconnect : Cmd {
  int c = *rc::gen::inRange(1, 4);
  void checkPreconditions(const Model& m) const override { RC_PRE(m.conns.count(c) != 0); }
  void apply(Model& m) const override {
    if (m.owner == c) m.endTransaction(false);
    m.conns.erase(c);
  }
  void run(const Model&, EngineAdapter& sut) const override {
    RC_ASSERT(sut.disconnect(name(c)).isOk());
    RC_ASSERT(sut.dropConnection(name(c)).isOk());
  }
  void show(std::ostream& os) const override { os << "disconnect " << name(c); }
};

// One statement on a connection; `expect` says what the model predicts.
struct Statement : Cmd {
  int c = *rc::gen::inRange(1, 4);
  QuerySpec spec = *rc::gen::exec([] {
    QuerySpec q;
    q.kind = *rc::gen::element(QueryKind::kInsert, QueryKind::kCopy, QueryKind::kCopyBad, QueryKind::kCount,
                               QueryKind::kBegin, QueryKind::kCommit, QueryKind::kRollback);
    q.table = *rc::gen::element<std::string>("t1", "t2");
    q.count = *rc::gen::inRange<std::int64_t>(1, 30);
    q.bad_line = *rc::gen::inRange<std::int64_t>(1, q.count + 1);
    return q;
  });

  void checkPreconditions(const Model& m) const override { RC_PRE(m.conns.count(c) != 0); }

  AnswerKind expect(const Model& m) const {
    if (!m.usable(c)) return AnswerKind::kConnectionClosed;  // or DatabaseClosed: run() accepts both
    bool other_writer = m.owner && *m.owner != c;
    switch (spec.kind) {
      case QueryKind::kBegin: return m.owner ? (other_writer ? AnswerKind::kWriteConflict : AnswerKind::kUserError)
                                             : AnswerKind::kOk;
      case QueryKind::kCommit:
      case QueryKind::kRollback: return m.owner == c ? AnswerKind::kOk : AnswerKind::kUserError;
      case QueryKind::kCount: return AnswerKind::kOk;
      case QueryKind::kCopyBad: return other_writer ? AnswerKind::kWriteConflict : AnswerKind::kCopyError;
      default: return other_writer ? AnswerKind::kWriteConflict : AnswerKind::kOk;
    }
  }

  void apply(Model& m) const override {
    AnswerKind kind = expect(m);
    bool own = m.owner == c;
    if (kind != AnswerKind::kOk && own) m.endTransaction(false);  // any failed statement ends it
    if (kind != AnswerKind::kOk) return;
    if (spec.kind == QueryKind::kBegin) m.owner = c;
    if (spec.kind == QueryKind::kCommit || spec.kind == QueryKind::kRollback) {
      m.endTransaction(spec.kind == QueryKind::kCommit);
    }
    if (spec.kind == QueryKind::kInsert || spec.kind == QueryKind::kCopy) {
      (own ? m.pending : m.committed)[spec.table] += spec.count;
    }
  }

  void run(const Model& m, EngineAdapter& sut) const override {
    Answer answer = sut.query(name(c), "-", spec, 1);
    AnswerKind expected = expect(m);
    if (closedKind(expected)) {
      RC_ASSERT(closedKind(answer.kind));
    } else {
      RC_ASSERT(toString(answer.kind) == toString(expected));
    }
  }
  void show(std::ostream& os) const override {
    Op op;
    op.kind = OpKind::kQuery;
    op.handle = name(c);
    op.result = "-";
    op.query = spec;
    os << formatOp(op);
  }
};

// The committed rows, read through a fresh connection, match the model.
struct Check : Cmd {
  void checkPreconditions(const Model& m) const override { RC_PRE(m.db_open); }
  void run(const Model& m, EngineAdapter& sut) const override {
    std::vector<TableRows> tables;
    RC_ASSERT(sut.readTables(&tables).isOk());
    RC_ASSERT(tables.size() == 2u);
    RC_ASSERT(static_cast<std::int64_t>(tables[0].size()) == m.committed.at("t1"));
    RC_ASSERT(static_cast<std::int64_t>(tables[1].size()) == m.committed.at("t2"));
  }
  void show(std::ostream& os) const override { os << "check"; }
};

RC_GTEST_PROP(SequentialModel, EveryAnswerIsTheModelsAnswer, ()) {
  std::string error;
  auto adapter = makeAdapter("lifeguard", "complete", &error);
  RC_ASSERT(adapter != nullptr);
  Model initial;
  rc::state::check(initial, *adapter,
                   rc::state::gen::execOneOfWithArgs<OpenDb, CloseDb, Connect, Disconnect, Statement, Statement,
                                                     Statement, Statement, Check>());
}

}  // namespace
}  // namespace lifeguard::harness

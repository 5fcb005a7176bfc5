// The SQLite engines' contracts, from SQLite's documentation (sqlite_engine.h).
#include "sqlite_engine.h"

namespace lifeguard::harness::sqlite {

Contract sqliteContract(Style style) {
  Contract contract = style == Style::kCloseV2 ? deferredCloseContract() : refusingCloseContract();
  contract.setSecondInstance("allowed: every connection is its own handle on the file, and SQLite's file locks "
                             "order them",
                             "sqlite.org/lockingv3.html");
  if (style == Style::kCloseV2) {
    contract.setStyle(CloseStyle::kDeferred, "sqlite.org/c3ref/close.html: sqlite3_close_v2 makes the connection "
                                             "\"an unusable zombie\", deallocated when the last statement is finalized");
  } else {
    contract.setStyle(CloseStyle::kRefuse, "sqlite.org/c3ref/close.html: with unfinalized prepared statements "
                                           "sqlite3_close() \"returns SQLITE_BUSY\" and the connection stays open");
  }
  // "Sometimes Queries Return SQLITE_BUSY In WAL Mode" (sqlite.org/wal.html):
  // while the last connection closes and checkpoints, or another recovers
  // the WAL index; the busy timeout is 0, so a read may say so.
  // (Contract::allow adds to what an entry allows already.)
  for (HandleState state : kHandleStates) {
    for (QueryKind read : {QueryKind::kLong, QueryKind::kCount}) {
      contract.allow({OpKind::kQuery, read, state}, {AnswerKind::kWriteConflict});
    }
  }
  // A closed connection refuses an interrupt or a timeout cleanly.
  for (OpKind op : {OpKind::kInterrupt, OpKind::kSetTimeout}) {
    for (HandleState state : {HandleState::kClosing, HandleState::kClosed}) {
      contract.allow({op, QueryKind::kLong, state}, {AnswerKind::kConnectionClosed, AnswerKind::kDatabaseClosed});
    }
  }
  contract.setInterruptPersists("sqlite.org/c3ref/interrupt.html: \"The sqlite3_interrupt(D) call is in effect "
                                "until all currently running SQL statements on database connection D complete\"");
  const std::string kInterrupt = "sqlite.org/c3ref/interrupt.html: \"it is not safe to call this routine with a "
                                 "database connection that is closed or might close before sqlite3_interrupt() returns\"";
  contract.addCallerFault({{OpKind::kDisconnect}, {OpKind::kInterrupt}, true,
                           "closing a connection while another thread interrupts it", kInterrupt});
  contract.addCallerFault({{OpKind::kCloseDb, OpKind::kReopen}, {OpKind::kInterrupt}, false,
                           "closing the database (and so its connections) while another thread interrupts one",
                           kInterrupt});
  return contract;
}

}  // namespace lifeguard::harness::sqlite

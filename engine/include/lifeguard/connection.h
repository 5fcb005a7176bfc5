// Connection: one client session on a Database.
//
// Ownership: a Connection owns its ClientContext (query mutex, interrupt flag,
// timeout, thread count, transaction context). It holds a raw pointer to its
// Database and a share of the database's lifecycle flag, never ownership. Any
// QueryResult it returns is independent of it and may outlive it.
//
// Thread-safety:
//   - query(), prepare() and execute() serialise on the context's query mutex:
//     one query at a time per connection; a second caller waits.
//   - interrupt(), setQueryTimeout(), setMaxNumThreadForExec() and close() may
//     be called from any thread while a query runs on another.
//   - The destructor runs close(). Destroying the object while another thread
//     is still inside one of its methods is the caller's bug, as for any C++
//     object; use close() from the other thread, then destroy. Destroying it
//     from inside its own query aborts the process with a message.
//
// Closing, per TeardownPolicy (options.h):
//   - kComplete: close() refuses new queries, interrupts the running one,
//     waits until it has fully returned (workers included), rolls back an open
//     transaction, then destroys the context. Afterwards every call fails with
//     ErrorCode::kConnectionClosed ("connection is closed"). Calling close()
//     from inside this connection's own query returns kInvalidUse.
//   - kExecuteDrain: close() waits only for a query inside
//     QueryProcessor::execute; a query in parse/bind or commit races with it.
//   - kLegacy: close() destroys the context at once, under running workers.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "lifeguard/status.h"

namespace lifeguard {

class ClientContext;
class Database;
class Gate;
class Lifecycle;
class PreparedStatement;
class QueryResult;

class Connection {
 public:
  // Throws Error(kDatabaseClosed) if db is closed (kComplete and
  // kExecuteDrain; kLegacy does not check, hazard H12).
  explicit Connection(Database* db);
  ~Connection();

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more ';'-separated statements and returns the first result of
  // the chain (never null). Failures are reported in the result, never thrown.
  // Execution stops at the first failing statement, whose error result ends
  // the chain.
  std::unique_ptr<QueryResult> query(std::string_view sql);

  // Parses and binds one statement for later execute() on this connection.
  // Errors are reported in the returned statement (isSuccess()).
  std::unique_ptr<PreparedStatement> prepare(std::string_view sql);
  // Executes a statement prepared on this connection; a statement from another
  // connection fails with kInvalidUse (except under kLegacy, hazard H11).
  std::unique_ptr<QueryResult> execute(PreparedStatement* statement);

  // Interrupts the query in flight on this connection (from its call to its
  // return), if any: it ends with kInterrupted unless it is past its last
  // check. Under kComplete an interrupt during parse or bind is kept until
  // the query ends and the flag is cleared when it ends; under the other
  // policies execute() clears it (hazard H10). Under kComplete a no-op on an
  // idle or closed connection.
  void interrupt();
  // 0 disables the timeout. Read by every statement when it starts
  // executing, including later statements of a query already running.
  void setQueryTimeout(std::uint64_t timeout_ms);
  // Caps the workers one task of this connection may use (>= 1).
  void setMaxNumThreadForExec(std::uint64_t num_threads);

  // Closes the connection as the policy says (see above). Idempotent.
  Status close();
  bool isClosed() const;

 private:
  template <typename Closed, typename Body>
  auto whenOpen(Closed&& closed, Body&& body);
  std::unique_ptr<QueryResult> runGuarded(std::string_view sql, PreparedStatement* statement);
  std::unique_ptr<QueryResult> runOnContext(std::string_view sql, PreparedStatement* statement);
  template <typename F>
  void withOpenContext(F&& body);
  Status closeComplete();
  void closeUnguarded();

  Database* const database_;
  const std::shared_ptr<Lifecycle> lifecycle_;
  std::unique_ptr<ClientContext> context_;
  // The context's address, compared (never dereferenced) to detect a close
  // from inside this connection's own query.
  const ClientContext* context_identity_ = nullptr;
  // kComplete: the whole-query drain (a Gate). kLegacy and kExecuteDrain use
  // the binding-style plain flag `closed_unsynchronized_` only.
  std::unique_ptr<Gate> drain_;
  bool closed_unsynchronized_ = false;
};

}  // namespace lifeguard

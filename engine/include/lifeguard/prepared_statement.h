// PreparedStatement: one parsed and bound statement, for Connection::execute.
//
// Ownership: owned by the caller; holds its own copy of the plan data and the
// id of the connection that prepared it, no pointer into that connection.
//
// Thread-safety: immutable after prepare(); may be read from any thread.
#pragma once

#include <cstdint>
#include <memory>

#include "lifeguard/status.h"

namespace lifeguard {

struct Statement;

class PreparedStatement {
 public:
  ~PreparedStatement();
  PreparedStatement(const PreparedStatement&) = delete;
  PreparedStatement& operator=(const PreparedStatement&) = delete;

  bool isSuccess() const { return status_.isOk(); }
  const Status& status() const { return status_; }

 private:
  friend class ClientContext;
  friend class Connection;
  PreparedStatement(Status status, std::uint64_t connection_id, std::shared_ptr<const Statement> statement)
      : status_(std::move(status)), connection_id_(connection_id), statement_(std::move(statement)) {}

  Status status_;
  std::uint64_t connection_id_;
  std::shared_ptr<const Statement> statement_;
};

}  // namespace lifeguard

// Status and Error: the engine's one error vocabulary.
//
// Every failure the engine reports carries an ErrorCode (stable numeric value,
// safe to persist in test artifacts) and a human-readable message. Queries
// report failures inside their QueryResult; calls on handles that cannot
// return a result (QueryResult iteration, construction of a Connection) throw
// lifeguard::Error, which carries the same Status.
//
// Thread-safety: Status and Error are values; copies may be used from any
// thread.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

namespace lifeguard {

// Stable codes: never renumber, only append.
enum class ErrorCode : std::uint16_t {
  kOk = 0,
  kConnectionClosed = 1,     // the connection was closed
  kDatabaseClosed = 2,       // the database was closed
  kInterrupted = 3,          // Connection::interrupt() or a close interrupted the query
  kTimeout = 4,              // the query ran past its timeout
  kTransactionConflict = 5,  // a second writer: "Only one write transaction at a time"
  kCopyError = 6,            // COPY input rejected (bad row, unreadable file)
  kParseError = 7,           // the query text does not parse
  kBindError = 8,            // unknown table, wrong column count or type, bad transaction use
  kIOError = 9,              // the operating system refused a read or write
  kInternal = 10,            // an engine bug: never expected by any contract
  kInvalidUse = 11,          // API misuse with a clear rule (closed result, foreign statement,
                             // close from inside the query it would wait for)
  kRuntimeError = 12,        // the query failed while executing (an INT64 sum out of range)
};

// Name of the code, e.g. "TransactionConflict"; "Unknown" for values out of range.
std::string_view toString(ErrorCode code);

class Status {
 public:
  Status() = default;  // ok
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }

  bool isOk() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  // The message alone, e.g. "Only one write transaction at a time".
  const std::string& message() const { return message_; }
  // "<CodeName>: <message>", or "OK".
  std::string toString() const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// The exception thrown by calls that have no result to carry a Status.
class Error : public std::exception {
 public:
  explicit Error(Status status) : status_(std::move(status)), what_(status_.toString()) {}
  Error(ErrorCode code, std::string message) : Error(Status(code, std::move(message))) {}

  const Status& status() const { return status_; }
  ErrorCode code() const { return status_.code(); }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  Status status_;
  std::string what_;
};

// The exact messages of the handle-state errors, which contracts compare against.
inline constexpr std::string_view kDatabaseClosedMessage = "database is closed";
inline constexpr std::string_view kConnectionClosedMessage = "connection is closed";
inline constexpr std::string_view kWriteConflictMessage = "Only one write transaction at a time";

}  // namespace lifeguard

// Answer: what an engine returned for one operation, in the harness's
// engine-independent vocabulary.
//
// Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lifeguard::harness {

enum class AnswerKind {
  kOk,
  kConnectionClosed,  // a clear "connection is closed"
  kDatabaseClosed,    // a clear "database is closed"
  kInterrupted,
  kTimeout,
  kWriteConflict,     // the single-writer rule
  kCopyError,         // COPY input rejected
  kUserError,         // parse/bind/transaction misuse the schedule may cause (BEGIN twice, COMMIT alone)
  kInvalidUse,        // API misuse the contract names (e.g. a closed result)
  kIOError,
  kInternal,          // never allowed
  kGone,              // the handle was dropped or never created: no call was made
  kBusy,              // a close refused while work is live (sqlite3_close's SQLITE_BUSY): no effect
  kIndeterminate,     // an error that does not say whether the operation took effect
};

std::string_view toString(AnswerKind kind);
std::optional<AnswerKind> parseAnswerKind(std::string_view name);

struct Answer {
  AnswerKind kind = AnswerKind::kOk;
  std::string message;                 // the engine's words, for reports
  std::optional<std::int64_t> value;   // rows read by iterate, rows copied by COPY, ...

  static Answer ok(std::optional<std::int64_t> value = std::nullopt) { return {AnswerKind::kOk, "", value}; }
  static Answer gone() { return {AnswerKind::kGone, "no such handle", std::nullopt}; }
  bool isOk() const { return kind == AnswerKind::kOk; }
  // "ok", "ok(42)" or "Interrupted: query was interrupted".
  std::string toString() const;
};

}  // namespace lifeguard::harness

// ProgramParts: what an engine says of its operations in a standalone
// program's language, for `lifeguard export` (export.h lays the program out).
// An engine's entry supplies them (engine_adapter.h: EngineEntry::exporter).
//
// Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

struct ProgramParts {
  std::string language;   // "cpp", "c" or "node"
  std::string build;      // the one command that builds and runs it, printed at its top; FILE stands for its name
  std::string includes;   // C++: #include lines; node: require lines (may use the variable `modules`)
  std::string handles;    // declarations of the handles' variables (db, cN, rN), reset per attempt
  std::string prologue;   // per attempt, before the actors; the variable `dir` names a fresh directory
  // node: a JavaScript condition on the string `message`, true when an error
  // is one the binding documents. Any other (its adapter's Internal answer)
  // reproduces a contract failure. "": not told (every error counts as documented).
  std::string documented;
  // The statements of one operation, in the engine's API; "" for one the
  // program skips (and says so in a comment). `tag` is the operation's, as
  // the runner gives it (workload.h: opTag). A COPY's input file is written
  // by the program's writeCsv(path, tag, rows, bad_line) (the rows of
  // workload.h: writeCopyCsv), with `dir` the attempt's directory.
  std::function<std::string(const Op& op, std::int64_t tag)> call;
};

}  // namespace lifeguard::harness

// Export: a failure artifact as a standalone program that reproduces it
// through the engine's public API, with no lifeguard code, for the engine's
// maintainers (`lifeguard export FILE --as cpp|node`).
//
// The harness lays the program out: one thread (C++) or async function
// (JavaScript) per actor, running the actor's operations in order; each
// await a wait until the other actor's call was made or has returned (a
// call cannot be seen "running" from outside the engine, so that counts as
// made, as the adapters of engines without a running event count it); each
// attempt in a child process of its own with a fresh directory; N attempts
// (default 10); a line per attempt and a last line "reproduced K of N",
// exit 0 when K > 0 and 1 when not. An attempt reproduces when it ends as
// the failure did: killed by a signal or stopped by a sanitizer's report
// (crash, sanitizer), or still running at its deadline (hang). The engine
// supplies what each operation does (ProgramParts), as its adapter does it.
//
// Thread-safety: pure functions.
#pragma once

#include <functional>
#include <string>

#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

struct ProgramParts {
  std::string language;   // "cpp" or "node"
  std::string build;      // the one command that builds and runs it, printed at its top; FILE stands for its name
  std::string includes;   // C++: #include lines; node: require lines (may use the variable `modules`)
  std::string handles;    // declarations of the handles' variables (db, cN, rN), reset per attempt
  std::string prologue;   // per attempt, before the actors; the variable `dir` names a fresh directory
  // The statements of one operation, in the engine's API; "" for one the
  // program skips (and says so in a comment).
  std::function<std::string(const Op& op)> call;
};

// The program's text, or "" and `error` when the schedule cannot be one:
// an artifact of a verdict the program cannot tell (contract, data,
// invariant: they need the harness's oracles).
std::string exportProgram(const Schedule& schedule, const std::string& verdict, const ProgramParts& parts,
                          std::string* error);

// A string literal of `text` in C++ and in JavaScript (both accept it).
std::string quoted(const std::string& text);

}  // namespace lifeguard::harness

// Export: a failure artifact as a standalone program that reproduces it
// through the engine's public API, with no lifeguard code, for the engine's
// maintainers (`lifeguard export FILE --as cpp|c|node`).
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
// (crash, sanitizer), still running at its deadline (hang), or, in a
// JavaScript program whose engine says which errors its binding documents,
// a call answered another one (contract). A call on a handle the program
// closed or dropped is skipped, as the adapters answer "no such handle".
// The engine supplies what each operation does (program.h: ProgramParts),
// as its adapter does it.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lifeguard/harness/program.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

// The program's text, or "" and `error` when the schedule cannot be one.
// `verdicts` are those the failure shows (an artifact's, or an `expect`
// line's); an attempt reproduces when it ends as one of them did. Only a
// crash, a sanitizer report and a hang count: the other verdicts (contract,
// data, invariant) need the harness's oracles, and a failure with none of
// the three cannot be exported.
std::string exportProgram(const Schedule& schedule, const std::vector<std::string>& verdicts,
                          const ProgramParts& parts, std::string* error);

// A string literal of `text` in C++ and in JavaScript (both accept it).
std::string stringLiteral(const std::string& text);
// The connection and result handles a schedule names (cN, rN), sorted.
std::vector<std::string> handleNames(const Schedule& schedule);

// A query's text as an expression of the program's language (`node`: JavaScript,
// else C++), where `text` makes it as the adapter does with `csv` giving each
// COPY's input file; `before` writes those files (writeCsv) first.
struct QueryText {
  std::string before;
  std::string expression;
};
using CsvPath = std::function<std::string(const QuerySpec& copy, std::int64_t tag)>;
QueryText queryText(const QuerySpec& spec, std::int64_t tag,
                    const std::function<std::string(const QuerySpec& spec, std::int64_t tag, const CsvPath& csv)>& text,
                    bool node);

}  // namespace lifeguard::harness

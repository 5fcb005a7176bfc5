// The pieces of `lifeguard export`'s programs that every language's layout
// shares (export.cc: C++ and JavaScript; export_c.cc: C). Private to report/.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>

#include "lifeguard/harness/program.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

enum class Language { kCpp, kC, kNode };

// What an attempt's end must be to count as the failure again: a condition
// in C and C++ (on `hung`, `status`) and in JavaScript (on `hung`, `child`).
struct Conditions {
  std::string cpp;
  std::string node;
};

// One actor's operations as statements: an await waits for another call to
// be made or to return; a call is marked made, run, and marked returned; a
// call on a handle the program closed or dropped is skipped.
std::string actorBody(const Schedule& s, int actor, const ProgramParts& parts, Language language);
// The most operations of any actor (the size of the `reached` table).
std::size_t longestActor(const Schedule& s);
// The program's first comment: what it reproduces, the schedule's comments,
// and its build command. `prefix` starts each line ("//").
std::string headerComment(const Schedule& s, const std::string& verdict, const ProgramParts& parts,
                          const char* prefix);

// `main`, in C that is also C++: N attempts, each `attempt_call` in a
// forked child with a fresh directory in the global `char dir[4096]` and a
// 30 s deadline; "reproduced K of N", exit 0 if K > 0 (export_c.cc).
std::string attemptsMain(const Conditions& outcome, const char* attempt_call);

// The C layout: one pthread per actor, N attempts in forked children.
std::string cProgram(const Schedule& s, const std::string& verdict, const ProgramParts& parts,
                     const Conditions& outcome);

}  // namespace lifeguard::harness

// `lifeguard export --as node` for the Node.js bindings (node_export.cc):
// a schedule's operations as the binding's JavaScript calls. `package`
// names the npm package in the program's comments; `modules` is the
// node_modules directory the printed command passes to the program.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "lifeguard/harness/program.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

ProgramParts nodeKuzuParts(const Schedule& schedule, const std::string& package, const std::string& modules);
ProgramParts nodeDuckDbParts(const Schedule& schedule, const std::string& package, const std::string& modules);

}  // namespace lifeguard::harness

// The contracts of this project's engine (engine/README.md), one per policy
// the adapter takes: a teardown policy (complete, legacy, execute_drain),
// with the suffix `_embedder` for a C++ embedder's way of holding objects.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "lifeguard/harness/contract.h"

namespace lifeguard::harness::lifeguard_engine {

// "complete_embedder" -> "complete"; whether the policy has the suffix.
std::string teardownPolicyOf(const std::string& policy, bool* embedder);

Contract inMemoryContract(const std::string& policy);
Contract onDiskContract(const std::string& policy);

}  // namespace lifeguard::harness::lifeguard_engine

#include "lifeguard_contract.h"

namespace lifeguard::harness::lifeguard_engine {
namespace {

constexpr const char* kEmbedderSuffix = "_embedder";
// A batch of rows takes microseconds; a thread of a run under ASan, on a
// machine whose cores run two campaign jobs, can wait tens of milliseconds.
constexpr double kResponsiveMs = 150;

// A C++ embedder destroys each object as soon as its close returned, or on a
// drop, while other threads may still be inside calls on it: that is the
// caller's bug, as for any C++ object. (A close takes the object from the
// other threads first, so two closes never close one object twice.) What the engine must survive is
// everything else: a database destroyed under its connections' queries and
// its results' iteration (the seed's incident), a connection destroyed while
// its results are read.
void addEmbedderFaults(Contract& contract) {
  contract.addCallerFault({{OpKind::kDisconnect, OpKind::kDrop},
                           {OpKind::kQuery, OpKind::kPrepare, OpKind::kExecute, OpKind::kInterrupt,
                            OpKind::kSetTimeout},
                           true,
                           "destroying a Connection or a PreparedStatement while another thread is inside a call on it",
                           "engine/include/lifeguard/connection.h: \"Destroying the object while another thread is "
                           "still inside one of its methods is the caller's bug\""});
  contract.addCallerFault({{OpKind::kCloseDb, OpKind::kReopen, OpKind::kDropDb},
                           {OpKind::kConnect, OpKind::kCheck},
                           false,
                           "destroying a Database while another thread is inside a call on it",
                           "engine/include/lifeguard/database.h: \"The Database object itself must outlive every "
                           "call made directly on it\""});
  contract.addCallerFault({{OpKind::kCloseResult, OpKind::kDrop},
                           {OpKind::kIterate},
                           true,
                           "destroying a QueryResult while another thread iterates it",
                           "C++ object lifetime ([basic.life]); engine/include/lifeguard/query_result.h: the caller "
                           "owns the result"});
}

}  // namespace

std::string teardownPolicyOf(const std::string& policy, bool* embedder) {
  const std::string suffix = kEmbedderSuffix;
  *embedder = policy.size() > suffix.size() && policy.ends_with(suffix);
  return *embedder ? policy.substr(0, policy.size() - suffix.size()) : policy;
}

// engine/README.md: under `complete` a close interrupts, then drains.
Contract inMemoryContract(const std::string& policy) {
  Contract contract = drainingEngineContract();
  contract.setStyle(CloseStyle::kDrain, "engine/README.md, Teardown policies: complete");
  contract.setInterruptNeverLost("engine/README.md: an interrupt during parse/bind is kept (H10)");
  contract.setResponsiveness(kResponsiveMs,
                             "engine/README.md: workers check for an interrupt at every batch of rows (Task::batch); "
                             "the bound is scheduling slack on a loaded machine, far above a batch's time");
  bool embedder = false;
  teardownPolicyOf(policy, &embedder);
  if (embedder) addEmbedderFaults(contract);
  return contract;
}

// On disk, as above; and an open or reopen may be refused (Busy, nothing
// changed) while an earlier instance of the directory is still open: one
// Database per directory at a time is the caller's job (engine/README.md,
// Durability).
Contract onDiskContract(const std::string& policy) {
  Contract contract = inMemoryContract(policy);
  contract.setSecondInstance("the caller's fault; the adapter's open answers Busy, and changes nothing, until a "
                             "close of the earlier instance returned or its destructor finished",
                             "engine/README.md, Durability: one Database per directory at a time");
  for (HandleState state : kHandleStates) {
    contract.allow({OpKind::kOpenDb, QueryKind::kLong, state}, {AnswerKind::kBusy});
    contract.allow({OpKind::kReopen, QueryKind::kLong, state}, {AnswerKind::kBusy});
  }
  return contract;
}

}  // namespace lifeguard::harness::lifeguard_engine

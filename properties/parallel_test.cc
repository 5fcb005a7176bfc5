// The named parallel properties (hazards.h) as rapidcheck properties, one
// gtest each, under the policy in $LIFEGUARD_POLICY (default complete).
// ctest runs a few cases each; `./run properties N` runs N.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <iterator>

#include "hazards.h"

namespace lifeguard::properties {
namespace {

void check(const char* id) { checkHazard(hazard(id), policyFromEnvironment(), triesFromEnvironment()); }

RC_GTEST_PROP(Parallel, H1_close_connection_during_query, ()) { check("H1"); }
RC_GTEST_PROP(Parallel, H2_close_connection_during_copy, ()) { check("H2"); }
RC_GTEST_PROP(Parallel, H3_close_database_during_query, ()) { check("H3"); }
RC_GTEST_PROP(Parallel, H4_close_database_with_open_transaction, ()) { check("H4"); }
RC_GTEST_PROP(Parallel, H5_query_after_database_close, ()) { check("H5"); }
RC_GTEST_PROP(Parallel, H6_results_after_database_close, ()) { check("H6"); }
RC_GTEST_PROP(Parallel, H7_close_result_during_iteration, ()) { check("H7"); }
RC_GTEST_PROP(Parallel, H8_two_writers, ()) { check("H8"); }
RC_GTEST_PROP(Parallel, H9_commit_answer_matches_data, ()) { check("H9"); }
RC_GTEST_PROP(Parallel, H10_interrupt_never_lost, ()) { check("H10"); }
RC_GTEST_PROP(Parallel, H12_connect_on_closed_database, ()) { check("H12"); }

// Every hazard has its gtest above (a new hazard must be added there too).
TEST(Parallel, EveryHazardHasAProperty) {
  const char* registered[] = {"H1", "H2", "H3", "H4", "H5", "H6", "H7", "H8", "H9", "H10", "H12"};
  ASSERT_EQ(hazards().size(), std::size(registered));
  for (const char* id : registered) EXPECT_NO_THROW(hazard(id)) << id;
}

}  // namespace
}  // namespace lifeguard::properties

// A schedule's shape (generate/shapes.h): the operation kinds its actors
// apply to one handle, and which schedules contain it.
#include <gtest/gtest.h>

#include "support/schedule_text.h"
#include "generate/shapes.h"

namespace lifeguard::harness {
namespace {

// Two actors on one connection: the shape lies there, not on the database.
TEST(ShapesTest, AShapeLiesOnTheMostSpecificHandleTwoActorsUse) {
  Schedule h1 = test::parseInline(
      "actor 0\n  open_db\n  connect c1\n  query c1 r1 long 1000\n  iterate r1 5\n"
      "actor 1\n  await 0.2 running\n  disconnect c1\n");
  EXPECT_EQ(shapeOf(h1).text(), "connection: [connect query:read iterate] || [disconnect]");
  // A database close racing another actor's query: the database is the only shared handle.
  Schedule h3 = test::parseInline(
      "actor 0\n  open_db\n  connect c1\n  query c1 - long 1000\nactor 1\n  await 0.2 running\n  close_db\n");
  EXPECT_EQ(shapeOf(h3).text(), "database: [open_db connect query:read] || [close_db]");
}

// One actor: the handle with the most operations (the database, which every
// operation counts on); the last four, repeats merged.
TEST(ShapesTest, OneActorsShapeIsItsLastFourKindsOnItsBusiestHandle) {
  Schedule s = test::parseInline(
      "actor 0\n  open_db\n  connect c1\n  prepare c1 s1 bad_exec 1000\n  query c1 - begin\n"
      "  query c1 - copy t1 300\n  query c1 - insert t1 3\n  execute c1 s1 -\n  query c1 - copy t2 200\n  check\n");
  EXPECT_EQ(shapeOf(s).text(), "database: [query:write execute:fail query:write check]");
}

TEST(ShapesTest, AScheduleContainsAShapeOnOneHandleWithDistinctActorsInOrder) {
  Schedule h1 = test::parseInline(
      "actor 0\n  open_db\n  connect c1\n  query c1 r1 long 1000\nactor 1\n  disconnect c1\n");
  Shape shape = shapeOf(h1);
  auto contains = [&](const std::string& text) { return containsShape(test::parseInline(text), shape); };
  // Other operations between, other names, more actors: contained.
  EXPECT_TRUE(contains("actor 0\n  open_db\nactor 1\n  connect c2\n  interrupt c2\n  query c2 - count t1\n"
                       "actor 2\n  check\n  disconnect c2\n"));
  // The close on another connection than the query's: not contained.
  EXPECT_FALSE(contains("actor 0\n  open_db\n  connect c1\n  query c1 - long 10\nactor 1\n  connect c2\n"
                        "  disconnect c2\n"));
  // Both on one actor: not contained (the shape needs two).
  EXPECT_FALSE(contains("actor 0\n  open_db\n  connect c1\n  query c1 - long 10\n  disconnect c1\n"));
  // Out of order: not contained.
  EXPECT_FALSE(contains("actor 0\n  open_db\n  query c1 - long 10\n  connect c1\nactor 1\n  disconnect c1\n"));
}

}  // namespace
}  // namespace lifeguard::harness

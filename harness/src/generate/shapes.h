// The shape of a schedule: the sequence of operation kinds its actors apply
// to one handle. Each file of tests/regressions/ was written by hand because
// a campaign missed its shape; `lifeguard generate --coverage N FILE...`
// counts how many generated schedules contain each file's shape.
//
// An operation counts on its handle and on the handles above it: a result's
// or a statement's on the connection that made it, and everything on the
// database. The labels are the operation kinds, a query's (or an execute's,
// or a prepare's) refined by what its statement does: read, write, fail,
// begin, commit, rollback or multi. Awaits do not count.
//
// A file's shape lies on its most specific handle that two actors use (of
// those, the one with the most operations); in a file of one actor, on the
// handle with the most operations (the database, which all count on). Per actor, it is the last
// kShapeLength labels on that handle, repeats merged. A schedule contains it
// if one of its handles of the same kind carries, for distinct actors, each
// actor's labels in order (others may come between).
//
// Thread-safety: none needed (pure functions).
#pragma once

#include <string>
#include <vector>

#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

inline constexpr std::size_t kShapeLength = 4;

struct Shape {
  char handle_kind = 'c';                       // 'd' database, 'c' connection, 'r' result, 's' statement
  std::vector<std::vector<std::string>> actors;  // per actor that uses the handle, its labels

  // "connection: [connect query:read] || [disconnect]"
  std::string text() const;
};

Shape shapeOf(const Schedule& schedule);
bool containsShape(const Schedule& schedule, const Shape& shape);

}  // namespace lifeguard::harness

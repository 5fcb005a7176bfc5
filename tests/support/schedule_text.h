// Parses schedule text written inline in a test (the version line is added).
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness::test {

inline Schedule parseInline(const std::string& text) {
  ParseError error;
  auto schedule = parseSchedule("lifeguard-schedule 1\n" + text, &error);
  EXPECT_TRUE(schedule) << error.line << ": " << error.message;
  return schedule.value_or(Schedule{});
}

}  // namespace lifeguard::harness::test

#include "lifeguard/harness/answer.h"

#include <array>

namespace lifeguard::harness {
namespace {
constexpr std::array<std::string_view, 14> kNames = {
    "Ok",        "ConnectionClosed", "DatabaseClosed", "Interrupted", "Timeout",  "WriteConflict", "CopyError",
    "UserError", "InvalidUse",       "IOError",        "Internal",    "Gone",     "Busy",          "Indeterminate",
};
}  // namespace

std::string_view toString(AnswerKind kind) { return kNames.at(static_cast<std::size_t>(kind)); }

std::optional<AnswerKind> parseAnswerKind(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<AnswerKind>(i);
  }
  return std::nullopt;
}

std::string Answer::toString() const {
  if (isOk()) return value ? "ok(" + std::to_string(*value) + ")" : "ok";
  std::string out(harness::toString(kind));
  if (!message.empty()) out += ": " + message;
  return out;
}

}  // namespace lifeguard::harness

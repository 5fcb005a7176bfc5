#include "lifeguard/harness/workload.h"

#include <fstream>

namespace lifeguard::harness {

std::string writeCopyCsv(const std::filesystem::path& dir, const QuerySpec& spec, std::int64_t tag) {
  auto path = dir / ("copy_" + std::to_string(tag) + ".csv");
  std::ofstream out(path);
  for (std::int64_t i = 0; i < spec.count; ++i) {
    if (spec.kind == QueryKind::kCopyBad && i + 1 == spec.bad_line) out << "not_a_number,bad\n";
    else out << rowValue(tag, i) << ",v" << i << "\n";
  }
  return path.string();
}

std::string joinStatements(const QuerySpec& multi, std::int64_t tag,
                           const std::function<std::string(const QuerySpec& part, std::int64_t tag)>& statement) {
  std::string text;
  for (std::size_t i = 0; i < multi.parts.size(); ++i) {
    text += statement(multi.parts[i], partTag(tag, static_cast<int>(i))) + ";";
  }
  return text;
}

bool failedToParseOrBind(const QuerySpec& spec, const Answer& answer) {
  if (answer.kind != AnswerKind::kUserError) return false;
  std::vector<QuerySpec> parts = spec.statements();
  auto failed = static_cast<std::size_t>(spec.kind == QueryKind::kMulti ? answer.value.value_or(0) : 0);
  return failed < parts.size() && (parts[failed].kind == QueryKind::kBadParse || parts[failed].kind == QueryKind::kBadBind);
}

}  // namespace lifeguard::harness

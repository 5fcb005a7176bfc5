#include "lifeguard/harness/scratch_dir.h"

#include <cerrno>
#include <charconv>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

namespace lifeguard::harness {
namespace {

constexpr std::string_view kPrefix = "lifeguard-";

// The pid in "lifeguard-<pid>-...", if the name has that form.
std::optional<pid_t> ownerOf(std::string_view name) {
  if (name.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  name.remove_prefix(kPrefix.size());
  pid_t pid = 0;
  auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (error != std::errc() || end == name.data() || end == name.data() + name.size() || *end != '-' || pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

bool processExists(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

}  // namespace

std::size_t removeOrphanedScratchDirectories(const std::filesystem::path& root) {
  std::size_t removed = 0;
  std::error_code error;
  for (std::filesystem::directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
    auto owner = ownerOf(it->path().filename().native());
    std::error_code ignored;
    if (!owner || processExists(*owner) || !it->is_directory(ignored)) continue;
    // Another process may be removing it too: whoever gets there first counts it.
    if (std::filesystem::remove_all(it->path(), ignored) > 0) ++removed;
  }
  return removed;
}

std::filesystem::path makeScratchDirectory() {
  auto root = std::filesystem::temp_directory_path();
  static std::once_flag swept;
  std::call_once(swept, [&] { removeOrphanedScratchDirectories(root); });
  std::string name = (root / (std::string(kPrefix) + std::to_string(::getpid()) + "-XXXXXX")).string();
  if (::mkdtemp(name.data()) == nullptr) {
    throw std::filesystem::filesystem_error("cannot create a scratch directory", name,
                                            std::error_code(errno, std::generic_category()));
  }
  return name;
}

}  // namespace lifeguard::harness

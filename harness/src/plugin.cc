#include "lifeguard/harness/plugin.h"

#include <dlfcn.h>

#include <set>

#include "lifeguard/harness/engine_adapter.h"

namespace lifeguard::harness {
namespace {

std::set<std::string> engineNames() {
  std::set<std::string> names;
  for (const EngineEntry* entry : registeredEngines()) names.insert(entry->name);
  return names;
}

}  // namespace

std::string loadEngineLibrary(const std::string& path) {
  const std::set<std::string> before = engineNames();
  void* library = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) return "cannot load " + path + ": " + ::dlerror();
  std::set<std::string> added;
  for (const std::string& name : engineNames()) {
    if (!before.count(name)) added.insert(name);
  }
  auto fail = [&](const std::string& why) {
    for (const std::string& name : added) unregisterEngine(name);
    ::dlclose(library);
    return path + ": " + why;
  };
  auto version = reinterpret_cast<int (*)()>(::dlsym(library, "lifeguard_plugin_version"));
  if (version == nullptr) return fail("not a lifeguard plug-in (no lifeguard_plugin_version; see adapters/README.md)");
  if (version() != kPluginVersion) {
    return fail("built for plug-in interface version " + std::to_string(version()) + ", this lifeguard takes " +
                std::to_string(kPluginVersion) + ": rebuild it against this lifeguard");
  }
  if (added.empty()) return fail("registered no engine (or only names this lifeguard already has)");
  for (const std::string& name : added) markEngine(name, " [plug-in " + path + "]");
  return "";
}

}  // namespace lifeguard::harness

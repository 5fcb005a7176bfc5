#include "lifeguard/harness/plugin.h"

#include <dlfcn.h>

#include <set>
#include <vector>

#include "lifeguard/harness/engine_adapter.h"

namespace lifeguard::harness {
namespace {

std::vector<std::string>& loaded() {
  static std::vector<std::string> paths;
  return paths;
}

std::set<std::string> engineNames() {
  std::set<std::string> names;
  for (const EngineEntry* entry : registeredEngines()) names.insert(entry->name);
  return names;
}

}  // namespace

const std::vector<std::string>& loadedEngineLibraries() { return loaded(); }

std::string loadEngineLibrary(const std::string& path) {
  const std::set<std::string> before = engineNames();
  // A bare file name would be looked up in the library path, not here.
  std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  void* library = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    std::string why = ::dlerror();
    if (why.find("registerEngine") != std::string::npos && why.find("plugin_v") != std::string::npos) {
      return path + ": built for another plug-in interface version (this lifeguard takes " +
             std::to_string(kPluginVersion) + "): rebuild it against this lifeguard (" + why + ")";
    }
    return "cannot load " + path + ": " + why;
  }
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
  loaded().push_back(path);
  return "";
}

}  // namespace lifeguard::harness

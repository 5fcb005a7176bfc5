// Plug-ins: adapters built out of tree, loaded with --engine-lib PATH.so.
//
// A plug-in is a shared library that holds one or more adapters, each
// registering its engine at static initialization (registerEngine in
// engine_adapter.h), and that says which version of this interface it was
// built for with one line:
//
//   LIFEGUARD_PLUGIN();   // at namespace scope, in one of its files
//
// The `lifeguard` program exports its own symbols, so a plug-in's calls into
// the harness (registerEngine, contracts, the sync layer) reach the program's
// copies: its engines join the program's registry and its threads obey the
// program's controlled scheduler. adapters/README.md is the guide.
//
// Thread-safety: load plug-ins before any campaign starts (before fork).
#pragma once

#include <string>
#include <vector>

namespace lifeguard::harness {

// Bumped whenever EngineAdapter, EngineEntry, Contract or Answer change,
// together with the inline namespace plugin_vN around registerEngine.
inline constexpr int kPluginVersion = 4;

// Loads the plug-in at `path`: "" on success, else why not (the library
// cannot be loaded, is not a lifeguard plug-in, was built for another
// version, or registered no engine). A failed load registers nothing.
std::string loadEngineLibrary(const std::string& path);
// The plug-ins loaded so far, in order (for replay commands).
const std::vector<std::string>& loadedEngineLibraries();

}  // namespace lifeguard::harness

#define LIFEGUARD_PLUGIN() \
  extern "C" __attribute__((visibility("default"))) int lifeguard_plugin_version() { \
    return ::lifeguard::harness::kPluginVersion; \
  }

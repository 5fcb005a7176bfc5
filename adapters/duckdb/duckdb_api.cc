#include "duckdb_api.h"

#include <dlfcn.h>

#include <map>
#include <mutex>

namespace lifeguard::harness::duckdb {

const DuckDbApi* loadDuckDb(const std::string& library, std::string* error) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<DuckDbApi>> loaded;  // never unloaded
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = loaded.find(library); it != loaded.end()) return it->second.get();
  void* handle = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    *error = "cannot load " + library + ": " + ::dlerror();
    return nullptr;
  }
  auto api = std::make_unique<DuckDbApi>();
#define LIFEGUARD_DUCKDB_LOAD(name)                                              \
  api->name = reinterpret_cast<decltype(api->name)>(::dlsym(handle, #name));    \
  if (api->name == nullptr) {                                                    \
    *error = library + " has no " #name " (too old a DuckDB for this adapter)";  \
    return nullptr;                                                              \
  }
  LIFEGUARD_DUCKDB_FUNCTIONS(LIFEGUARD_DUCKDB_LOAD)
#undef LIFEGUARD_DUCKDB_LOAD
  api->version = api->duckdb_library_version();
  return (loaded[library] = std::move(api)).get();
}

}  // namespace lifeguard::harness::duckdb

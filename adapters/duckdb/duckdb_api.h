// DuckDbApi: DuckDB's C API (duckdb.h), loaded from a libduckdb.so when the
// adapter runs, so one build tests whichever release a user names
// (--engine duckdb@VERSION). Only the functions the adapter calls.
//
// Ownership: the library stays loaded for the life of the process (engine
// objects and their threads may outlive any one adapter). Thread-safety: a
// loaded DuckDbApi is immutable.
#pragma once

#include <memory>
#include <string>

#include "duckdb.h"

namespace lifeguard::harness::duckdb {

struct DuckDbApi {
#define LIFEGUARD_DUCKDB_FUNCTIONS(X)                                                                     \
  X(duckdb_library_version) X(duckdb_create_config) X(duckdb_set_config) X(duckdb_destroy_config)        \
  X(duckdb_open_ext) X(duckdb_close) X(duckdb_connect) X(duckdb_disconnect) X(duckdb_interrupt)          \
  X(duckdb_query) X(duckdb_result_error) X(duckdb_result_error_type) X(duckdb_destroy_result)           \
  X(duckdb_free) X(duckdb_extract_statements) X(duckdb_extract_statements_error)                        \
  X(duckdb_prepare_extracted_statement) X(duckdb_destroy_extracted) X(duckdb_prepare_error)             \
  X(duckdb_destroy_prepare) X(duckdb_pending_prepared_streaming) X(duckdb_pending_error)                \
  X(duckdb_execute_pending) X(duckdb_destroy_pending) X(duckdb_execute_prepared) X(duckdb_fetch_chunk)  \
  X(duckdb_data_chunk_get_size) X(duckdb_destroy_data_chunk) X(duckdb_row_count) X(duckdb_value_varchar)
#define LIFEGUARD_DUCKDB_POINTER(name) decltype(&::name) name = nullptr;
  LIFEGUARD_DUCKDB_FUNCTIONS(LIFEGUARD_DUCKDB_POINTER)
#undef LIFEGUARD_DUCKDB_POINTER
  std::string version;  // duckdb_library_version(), e.g. "v1.5.6"
};

// The API in `library` (a path to libduckdb.so): loaded once per path and
// kept. Null and `error` if it cannot be loaded or lacks a function.
const DuckDbApi* loadDuckDb(const std::string& library, std::string* error);

}  // namespace lifeguard::harness::duckdb

// `lifeguard export --as cpp` for Kuzu: each operation as the C++ API call
// the adapter makes (kuzu_adapter.cc), in the embedder's way: a close
// destroys its object at once (close_db: the Database, disconnect: the
// Connection, close_result: the QueryResult), whatever another thread is
// doing with it. An error is a result's, as the API reports it.
#include <fmt/format.h>

#include "cypher.h"
#include "lifeguard/harness/export.h"
#include "lifeguard/harness/workload.h"

namespace lifeguard::harness {
namespace {

std::string openDatabase() {
  return "db = std::make_unique<kuzu::main::Database>(dir + \"/db\", kuzu::main::SystemConfig(256ull << 20, 2, true, "
         "false, 1ull << 32));\n"
         "kuzu::main::Connection setup(db.get());\n"
         "for (std::string table : {\"t1\", \"t2\"}) {\n"
         "  if (setup.query(\"MATCH (n:\" + table + \") RETURN count(*)\")->isSuccess()) continue;\n"
         "  setup.query(\"CREATE NODE TABLE \" + table + \"(a INT64, b STRING, PRIMARY KEY(a))\");\n"
         "}";
}

std::string query(const Op& op, std::int64_t tag) {
  QueryText text = queryText(op.query, tag, kuzuCypher, false);
  std::string call = text.before;
  if (op.result == "-") return call + fmt::format("{}->query({});", op.handle, text.expression);
  return call + fmt::format("{} = {}->query({});", op.result, op.handle, text.expression);
}

std::string call(const Op& op, std::int64_t tag) {
  switch (op.kind) {
    case OpKind::kOpenDb: return openDatabase();
    case OpKind::kReopen: return "db.reset();\n" + openDatabase();
    case OpKind::kCloseDb:
    case OpKind::kDropDb: return "db.reset();";
    case OpKind::kConnect: return fmt::format("{} = std::make_unique<kuzu::main::Connection>(db.get());", op.handle);
    case OpKind::kDisconnect:
    case OpKind::kDrop:
    case OpKind::kCloseResult: return op.handle + ".reset();";
    case OpKind::kQuery: return query(op, tag);
    case OpKind::kIterate:
      return fmt::format("for (long long i = 0; i < {} && {}->hasNext(); ++i) {}->getNext();", op.number, op.handle,
                         op.handle);
    case OpKind::kInterrupt: return op.handle + "->interrupt();";
    case OpKind::kSetTimeout: return fmt::format("{}->setQueryTimeOut({});", op.handle, op.number);
    case OpKind::kCheck:
      return "kuzu::main::Connection reader(db.get());\n"
             "for (std::string table : {\"t1\", \"t2\"}) {\n"
             "  auto rows = reader.query(\"MATCH (n:\" + table + \") RETURN n.a, n.b\");\n"
             "  while (rows->hasNext()) rows->getNext();\n"
             "}";
    default: return "";  // prepare, execute: not in this export
  }
}

}  // namespace

ProgramParts kuzuCppParts(const Schedule& schedule) {
  ProgramParts parts;
  parts.language = "cpp";
  // The npm package's library is a Node.js addon: its N-API symbols are
  // defined as traps (nothing here calls them) in the program itself.
  parts.build = "nm -D --undefined-only " LIFEGUARD_KUZU_LIB " | awk '/ napi_/ {print \"extern \\\"C\\\" void \" $2 "
                "\"() { __builtin_trap(); }\"}' > napi_traps.cc && clang++-14 -std=c++20 -g -fsanitize=address FILE "
                "napi_traps.cc -rdynamic -I " LIFEGUARD_KUZU_INCLUDE " " LIFEGUARD_KUZU_LIB " -Wl,-rpath," LIFEGUARD_KUZU_LIB_DIR
                " -o repro && ASAN_OPTIONS=max_free_fill_size=4096:free_fill_byte=190 ./repro 10";
  parts.includes = "// Kuzu's C++ API: the npm package kuzu ships its headers and its library, a Node.js addon whose\n"
                   "// N-API symbols the build command defines as traps. ASan's options fill freed memory, so that a\n"
                   "// use-after-free in the uninstrumented library crashes.\n"
                   "#include \"main/kuzu.h\"\n\n#include <memory>\n";
  parts.handles = "  std::unique_ptr<kuzu::main::Database> db;\n";
  for (const std::string& name : handleNames(schedule)) {
    parts.handles += name.starts_with("c") ? "  std::unique_ptr<kuzu::main::Connection> " + name + ";\n"
                                           : "  std::unique_ptr<kuzu::main::QueryResult> " + name + ";\n";
  }
  parts.call = call;
  return parts;
}

}  // namespace lifeguard::harness

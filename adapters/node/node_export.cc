// `lifeguard export --as node` for node:kuzu and node:duckdb: each operation
// as the JavaScript that driver.js and the binding's file (kuzu.js,
// duckdb.js) run for it, without the driver's bookkeeping: no refusal of a
// second instance (the program does what the schedule says), no answers.
// A close and a drop set the handle's variable to null first, as the driver
// forgets the handle; a drop then collects garbage (the program runs with
// --expose-gc).
#include "node_export.h"

#include <fmt/format.h>

#include "cypher.h"
#include "duckdb_sql.h"
#include "lifeguard/harness/workload.h"

namespace lifeguard::harness {
namespace {

// A statement's text, with the COPY files it needs written first.
std::string statementText(const QuerySpec& spec, std::int64_t tag, const std::function<std::string(
                              const QuerySpec&, std::int64_t, const CsvPath&)>& text, std::string* before) {
  QueryText out = queryText(spec, tag, text, true);
  *before += out.before;
  return out.expression;
}

std::string dropped(const std::string& handle) { return handle + " = null;\nglobal.gc();"; }

// ---- node:kuzu (kuzu.js) ----

std::string kuzuOpen() {
  return "db = new kuzu.Database(path.join(dir, 'db'), 256 * 1024 * 1024, true, false, 2 ** 32);\n"
         "await db.init();\n"
         "const setup = new kuzu.Connection(db, 2);\n"
         "for (const table of ['t1', 't2']) {\n"
         "  try {\n    (await setup.query(`MATCH (n:${table}) RETURN count(*)`)).close();\n"
         "  } catch (missing) {\n"
         "    (await setup.query(`CREATE NODE TABLE ${table}(a INT64, b STRING, PRIMARY KEY(a))`)).close();\n  }\n}\n"
         "await setup.close();";
}

std::string kuzuQuery(const Op& op, std::int64_t tag) {
  std::string before, code;
  const std::string chain = op.result == "-" ? "chain" : op.result;
  code += op.result == "-" ? "const chain = [];\n" : chain + " = [];\n";
  const std::vector<QuerySpec> parts = op.query.statements();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string text = statementText(parts[i], partTag(tag, static_cast<int>(i)), kuzuCypher, &before);
    std::string call = fmt::format("await {}.query({})", op.handle, text);
    // Kuzu keeps a transaction open after a parse error: the driver ends it.
    if (parts[i].kind == QueryKind::kBadParse) {
      call = fmt::format("await {}.query({}).catch(async (error) => {{\n  await {}.query('ROLLBACK').catch(() => {{}});\n"
                         "  throw error;\n}})",
                         op.handle, text, op.handle);
    }
    code += fmt::format("{}.push(...[].concat({}));\n", chain, call);
  }
  if (op.result == "-") code += "for (const result of chain) result.close();\n";
  return before + code.substr(0, code.size() - 1);
}

std::string kuzuCall(const Op& op, std::int64_t tag) {
  switch (op.kind) {
    case OpKind::kOpenDb: return kuzuOpen();
    case OpKind::kReopen: return "if (db !== null) {\n  const old = db;\n  db = null;\n  await old.close();\n}\n" + kuzuOpen();
    case OpKind::kCloseDb: return "const old = db;\ndb = null;\nawait old.close();";
    case OpKind::kDropDb:
    case OpKind::kDrop: return dropped(op.kind == OpKind::kDropDb ? "db" : op.handle);
    case OpKind::kConnect: return fmt::format("{0} = new kuzu.Connection(db, 2);\nawait {0}.init();", op.handle);
    case OpKind::kDisconnect: return fmt::format("const conn = {0};\n{0} = null;\nawait conn.close();", op.handle);
    case OpKind::kQuery: return kuzuQuery(op, tag);
    case OpKind::kIterate:
      return fmt::format("let read = 0;\nfor (let r = Math.min({1}, {0}.length - 1); r < {0}.length && read < {2}; ++r) {{\n"
                         "  while (read < {2} && {0}[r].hasNext()) {{\n    await {0}[r].getNext();\n    ++read;\n  }}\n}}",
                         op.handle, op.part, op.number);
    case OpKind::kCloseResult:
      return fmt::format("const chain = {0};\n{0} = null;\nfor (const result of chain) result.close();", op.handle);
    case OpKind::kSetTimeout:
      return fmt::format("{}.setQueryTimeout({});", op.handle, op.number > 0 ? op.number : 2147483647);
    case OpKind::kCheck:
      return "const reader = new kuzu.Connection(db, 2);\nfor (const table of ['t1', 't2']) {\n"
             "  const result = await reader.query(`MATCH (n:${table}) RETURN n.a AS a, n.b AS b`);\n"
             "  await result.getAll();\n  result.close();\n}\nawait reader.close();";
    default: return "";  // interrupt (the kuzu package has none), prepare, execute
  }
}

// ---- node:duckdb (duckdb.js) ----

std::string duckdbOpen() {
  return "db = await duckdb.DuckDBInstance.create(path.join(dir, 'db'), { threads: '2' });\n"
         "const setup = await db.connect();\n"
         "for (const table of ['t1', 't2']) await setup.run(`CREATE TABLE IF NOT EXISTS ${table}(a BIGINT, b VARCHAR)`);\n"
         "setup.closeSync();";
}

std::string duckdbQuery(const Op& op, std::int64_t tag) {
  std::string before, code;
  const std::vector<QuerySpec> parts = op.query.statements();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const QuerySpec& part = parts[i];
    // A kept result's last statement, if it reads, is streamed (duckdb.js).
    bool stream = op.result != "-" && i + 1 == parts.size() &&
                  (part.kind == QueryKind::kLong || part.kind == QueryKind::kCount);
    std::string text = statementText(
        part, partTag(tag, static_cast<int>(i)),
        [&](const QuerySpec& s, std::int64_t t, const CsvPath& csv) { return duckdbSql(s, t, csv, stream); }, &before);
    std::string call = fmt::format("await {}.{}({})", op.handle, stream ? "stream" : "run", text);
    // DuckDB keeps a transaction open after a parse or bind error: the driver ends it.
    if (part.kind == QueryKind::kBadParse || part.kind == QueryKind::kBadBind) {
      call = fmt::format("await {}.run({}).catch(async (error) => {{\n  await {}.run('ROLLBACK').catch(() => {{}});\n"
                         "  throw error;\n}})",
                         op.handle, text, op.handle);
    }
    code += (op.result == "-" || i + 1 < parts.size() ? "" : op.result + " = ") + call + ";\n";
  }
  return before + code.substr(0, code.size() - 1);
}

std::string duckdbCall(const Op& op, std::int64_t tag) {
  switch (op.kind) {
    case OpKind::kOpenDb: return duckdbOpen();
    case OpKind::kReopen: return "if (db !== null) {\n  const old = db;\n  db = null;\n  old.closeSync();\n}\n" + duckdbOpen();
    case OpKind::kCloseDb: return "const old = db;\ndb = null;\nold.closeSync();";
    case OpKind::kDropDb:
    case OpKind::kDrop: return dropped(op.kind == OpKind::kDropDb ? "db" : op.handle);
    case OpKind::kConnect: return fmt::format("{} = await db.connect();", op.handle);
    case OpKind::kDisconnect: return fmt::format("const conn = {0};\n{0} = null;\nconn.closeSync();", op.handle);
    case OpKind::kQuery: return duckdbQuery(op, tag);
    case OpKind::kIterate:
      return fmt::format("for (let read = 0; read < {1};) {{\n  const chunk = await {0}.fetchChunk();\n"
                         "  if (!chunk || chunk.rowCount === 0) break;\n  read += chunk.rowCount;\n}}",
                         op.handle, op.number);
    case OpKind::kCloseResult: return op.handle + " = null;  // the binding has no close for a result";
    case OpKind::kInterrupt: return op.handle + ".interrupt();";
    case OpKind::kCheck:
      return "const reader = await db.connect();\ntry {\n"
             "  for (const table of ['t1', 't2']) await reader.runAndReadAll(`SELECT a, b FROM ${table}`);\n"
             "} finally {\n  reader.closeSync();\n}";
    default: return "";  // set_timeout (the binding has none), prepare, execute
  }
}

// The errors each binding documents, as its driver file classifies them
// (kuzu.js, duckdb.js: classify); any other is its adapter's Internal.
std::string anyOf(const std::vector<const char*>& documented) {
  std::string list;
  for (const char* text : documented) list += (list.empty() ? "\n    " : ",\n    ") + stringLiteral(text);
  return "[" + list + ",\n  ].some((text) => message.includes(text))";
}

std::string handles(const Schedule& schedule) {
  std::string text = "  let db = null;\n";
  for (const std::string& name : handleNames(schedule)) text += "  let " + name + " = null;\n";
  return text;
}

}  // namespace

ProgramParts nodeKuzuParts(const Schedule& schedule, const std::string& package, const std::string& modules) {
  ProgramParts parts;
  parts.language = "node";
  parts.build = "node FILE " + modules + " 10";
  parts.includes = "// The " + package + " package, installed as `kuzu` in the node_modules directory given first.\n"
                   "const kuzu = require(require.resolve('kuzu', { paths: [modules] }));\n";
  parts.handles = handles(schedule);
  parts.call = kuzuCall;
  parts.documented = anyOf({"Database is closed", "Connection is closed", "Query result is closed", "Interrupted",
                               "Timeout waiting for active transactions to leave the system before checkpointing",
                               "parent database is closed", "write transaction", "Copy exception",
                               "Conversion exception", "Parser exception", "Binder exception",
                               "Connection already has an active transaction", "No active transaction for",
                               "Cannot start a new transaction while there is an active", "Overflow exception"});
  return parts;
}

ProgramParts nodeDuckDbParts(const Schedule& schedule, const std::string& package, const std::string& modules) {
  ProgramParts parts;
  parts.language = "node";
  parts.build = "node FILE " + modules + " 10";
  parts.includes = "// The " + package + " package, in the node_modules directory given first.\n"
                   "const duckdb = require(require.resolve('@duckdb/node-api', { paths: [modules] }));\n";
  parts.handles = handles(schedule);
  parts.call = duckdbCall;
  parts.documented = anyOf({"Attempting to fetch from", "Attempting to execute an unsuccessful", "closed streaming",
                               "INTERRUPT Error", "Interrupted", "onflict", "TransactionContext Error",
                               "Conversion Error", "CSV Error", "Parser Error", "Binder Error", "Catalog Error",
                               "Out of Range Error", "Connection Error", "connection has been closed",
                               "Connection was closed", "disconnected", "Database has been closed",
                               "database has been closed", "instance closed"});
  return parts;
}

}  // namespace lifeguard::harness

#include "process_adapter.h"

#include <unistd.h>

#include <filesystem>

#include "driver_process.h"
#include "lifeguard/harness/scratch_dir.h"
#include "lifeguard/harness/workload.h"

namespace lifeguard::harness {
namespace {

std::string member(const char* key, const std::string& text) { return std::string(",\"") + key + "\":" + json::quote(text); }
std::string member(const char* key, std::int64_t number) {
  return std::string(",\"") + key + "\":" + std::to_string(number);
}
std::string op(const char* name) { return std::string("\"op\":") + json::quote(name); }

// One statement of a query, in the protocol's words (PROTOCOL.md).
std::string statementJson(const QuerySpec& spec, std::int64_t tag, const std::filesystem::path& scratch) {
  std::string text = "{\"kind\":" + json::quote(toString(spec.kind));
  if (!spec.table.empty()) text += member("table", spec.table);
  text += member("count", spec.count);
  switch (spec.kind) {
    case QueryKind::kInsert: text += member("first", rowValue(tag, 0)); break;
    case QueryKind::kCopy:
    case QueryKind::kCopyBad: text += member("csv", writeCopyCsv(scratch, spec, tag)); break;
    case QueryKind::kBadExec:  // as a string: a JSON number is a double to most drivers
      text += member("overflow_add", std::to_string(INT64_MAX - spec.count * 9 / 10));
      break;
    default: break;
  }
  return text + "}";
}

class ProcessAdapter : public EngineAdapter {
 public:
  ProcessAdapter(ProcessEngine engine, std::unique_ptr<DriverProcess> driver, std::filesystem::path scratch)
      : engine_(std::move(engine)), driver_(std::move(driver)), scratch_(std::move(scratch)) {}
  ~ProcessAdapter() override {
    driver_.reset();  // ends the driver first: its engine's files are in scratch_
    std::error_code ignored;
    std::filesystem::remove_all(scratch_, ignored);
  }

  std::string name() const override { return engine_.name; }
  std::string policy() const override { return engine_.policy; }
  Capabilities capabilities() const override {
    Capabilities capabilities = engine_.capabilities;
    capabilities.controllable = false;  // the engine runs in the driver process
    return capabilities;
  }
  const Contract& contract() const override { return engine_.contract; }

  Answer openDatabase() override { return call(op("open_db") + member("path", (scratch_ / "db").string()) + tablesMember()); }
  Answer closeDatabase() override { return call(op("close_db")); }
  Answer reopenDatabase() override { return call(op("reopen") + member("path", (scratch_ / "db").string()) + tablesMember()); }
  Answer dropDatabase() override { return call(op("drop") + member("handle", "db")); }
  Answer connect(const std::string& conn) override { return call(op("connect") + member("conn", conn)); }
  Answer disconnect(const std::string& conn) override { return call(op("disconnect") + member("conn", conn)); }
  Answer dropConnection(const std::string& conn) override { return call(op("drop") + member("handle", conn)); }
  Answer query(const std::string& conn, const std::string& result, const QuerySpec& spec,
               std::int64_t tag) override {
    std::string statements;
    int part = 0;
    for (const QuerySpec& statement : spec.statements()) {
      statements += (statements.empty() ? "" : ",") + statementJson(statement, partTag(tag, part++), scratch_);
    }
    return call(op("query") + member("conn", conn) + member("result", result) + ",\"statements\":[" + statements + "]");
  }
  Answer iterate(const std::string& result, int part, std::int64_t rows) override {
    return call(op("iterate") + member("result", result) + member("part", part) + member("rows", rows));
  }
  Answer closeResult(const std::string& result) override { return call(op("close_result") + member("result", result)); }
  Answer dropResult(const std::string& result) override { return call(op("drop") + member("handle", result)); }
  Answer interrupt(const std::string& conn) override { return call(op("interrupt") + member("conn", conn)); }
  Answer setTimeout(const std::string& conn, std::int64_t ms) override {
    return call(op("set_timeout") + member("conn", conn) + member("ms", ms));
  }

  Answer readTables(std::vector<TableRows>* tables_out) override {
    json::Value reply = driver_->call(op("check") + tablesMember());
    Answer answer = toAnswer(reply);
    if (!answer.isOk()) return answer;
    const json::Value* tables = reply.find("tables");
    if (tables == nullptr || tables->items.size() != this->tables().size()) {
      return {AnswerKind::kInternal, "the driver's check answer has no \"tables\" of " +
                                         std::to_string(this->tables().size()) + " lists",
              std::nullopt};
    }
    tables_out->clear();
    for (const json::Value& table : tables->items) {
      TableRows rows;
      for (const json::Value& row : table.items) rows.push_back(row.text);
      tables_out->push_back(std::move(rows));
    }
    return answer;
  }
  EngineState state() override { return {}; }  // a binding does not tell

 private:
  static std::string tablesMember() {
    std::string list;
    for (const auto& table : tables()) list += (list.empty() ? "" : ",") + json::quote(table);
    return ",\"tables\":[" + list + "]";
  }
  Answer call(const std::string& members) { return toAnswer(driver_->call(members)); }

  static Answer toAnswer(const json::Value& reply) {
    std::string kind = reply.string("answer").value_or("");
    std::optional<AnswerKind> parsed = parseAnswerKind(kind);
    if (!parsed) {
      return {AnswerKind::kInternal, "the driver answered an unknown kind '" + kind + "'", std::nullopt};
    }
    Answer answer{*parsed, reply.string("message").value_or(""), reply.integer("value")};
    return answer;
  }

  const ProcessEngine engine_;
  std::unique_ptr<DriverProcess> driver_;
  const std::filesystem::path scratch_;
};

// The crash-stack library built beside this adapter; "" if it is not there
// (a lifeguard binary copied elsewhere): the driver then runs without it.
std::string crashStackLibrary() {
  const char* path = LIFEGUARD_CRASH_STACK_LIBRARY;
  return ::access(path, R_OK) == 0 ? path : "";
}

}  // namespace

std::unique_ptr<EngineAdapter> makeProcessAdapter(ProcessEngine engine, std::string* error) {
  json::Value hello;
  std::unique_ptr<DriverProcess> driver =
      DriverProcess::start(engine.argv, kProcessProtocolVersion, engine.start_timeout, &hello, error,
                           engine.native_stacks ? crashStackLibrary() : "");
  if (driver == nullptr) return nullptr;
  return std::make_unique<ProcessAdapter>(std::move(engine), std::move(driver), makeScratchDirectory());
}

}  // namespace lifeguard::harness

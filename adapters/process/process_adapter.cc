#include "process_adapter.h"

#include <unistd.h>

#include <filesystem>

#include "driver_process.h"
#include "lifeguard/harness/scratch_dir.h"
#include "lifeguard/harness/workload.h"

namespace lifeguard::harness {
namespace {

// One statement of a query, in the protocol's words (PROTOCOL.md).
Json statementJson(const QuerySpec& spec, std::int64_t tag, const std::filesystem::path& scratch) {
  Json statement = {{"kind", toString(spec.kind)}, {"count", spec.count}};
  if (!spec.table.empty()) statement["table"] = spec.table;
  switch (spec.kind) {
    case QueryKind::kInsert: statement["first"] = rowValue(tag, 0); break;
    case QueryKind::kCopy:
    case QueryKind::kCopyBad: statement["csv"] = writeCopyCsv(scratch, spec, tag); break;
    case QueryKind::kBadExec:  // as a string: a JSON number is a double to most drivers
      statement["overflow_add"] = std::to_string(INT64_MAX - spec.count * 9 / 10);
      break;
    default: break;
  }
  return statement;
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

  bool allowSecondInstances() override { return second_instances_ = true; }
  Answer openDatabase() override { return call(openRequest("open_db")); }
  Answer closeDatabase() override { return call({{"op", "close_db"}}); }
  Answer reopenDatabase() override { return call(openRequest("reopen")); }
  Answer dropDatabase() override { return call({{"op", "drop"}, {"handle", "db"}}); }
  Answer connect(const std::string& conn) override { return call({{"op", "connect"}, {"conn", conn}}); }
  Answer disconnect(const std::string& conn) override { return call({{"op", "disconnect"}, {"conn", conn}}); }
  Answer dropConnection(const std::string& conn) override { return call({{"op", "drop"}, {"handle", conn}}); }
  Answer query(const std::string& conn, const std::string& result, const QuerySpec& spec,
               std::int64_t tag) override {
    Json statements = Json::array();
    int part = 0;
    for (const QuerySpec& statement : spec.statements()) {
      statements.push_back(statementJson(statement, partTag(tag, part++), scratch_));
    }
    return call({{"op", "query"}, {"conn", conn}, {"result", result}, {"statements", std::move(statements)}});
  }
  Answer iterate(const std::string& result, int part, std::int64_t rows) override {
    return call({{"op", "iterate"}, {"result", result}, {"part", part}, {"rows", rows}});
  }
  Answer closeResult(const std::string& result) override { return call({{"op", "close_result"}, {"result", result}}); }
  Answer dropResult(const std::string& result) override { return call({{"op", "drop"}, {"handle", result}}); }
  Answer interrupt(const std::string& conn) override { return call({{"op", "interrupt"}, {"conn", conn}}); }
  Answer setTimeout(const std::string& conn, std::int64_t ms) override {
    return call({{"op", "set_timeout"}, {"conn", conn}, {"ms", ms}});
  }

  Answer readTables(std::vector<TableRows>* tables_out) override {
    Json reply = driver_->call({{"op", "check"}, {"tables", tables()}});
    Answer answer = toAnswer(reply);
    if (!answer.isOk()) return answer;
    auto tables = reply.find("tables");
    if (tables == reply.end() || !tables->is_array() || tables->size() != this->tables().size()) {
      return {AnswerKind::kInternal, "the driver's check answer has no \"tables\" of " +
                                         std::to_string(this->tables().size()) + " lists",
              std::nullopt};
    }
    tables_out->clear();
    for (const Json& table : *tables) {
      TableRows rows;
      for (const Json& row : table) {
        if (!row.is_string()) return {AnswerKind::kInternal, "a row of the driver's check answer is not a string: " +
                                                              row.dump().substr(0, 100), std::nullopt};
        rows.push_back(row.get<std::string>());
      }
      tables_out->push_back(std::move(rows));
    }
    return answer;
  }
  EngineState state() override { return {}; }  // a binding does not tell
  void describeHang() override {
    if (engine_.native_stacks) driver_->dumpStacks(std::chrono::seconds(5));
  }

 private:
  Answer call(Json request) { return toAnswer(driver_->call(std::move(request))); }
  Json openRequest(const char* op) const {
    Json request = {{"op", op}, {"path", (scratch_ / "db").string()}, {"tables", tables()}};
    if (second_instances_) request["second_instances"] = true;
    return request;
  }

  static Answer toAnswer(const Json& reply) {
    std::string kind = stringMember(reply, "answer").value_or("");
    std::optional<AnswerKind> parsed = parseAnswerKind(kind);
    if (!parsed) {
      return {AnswerKind::kInternal, "the driver answered an unknown kind '" + kind + "'", std::nullopt};
    }
    Answer answer{*parsed, stringMember(reply, "message").value_or(""), integerMember(reply, "value")};
    return answer;
  }

  const ProcessEngine engine_;
  std::unique_ptr<DriverProcess> driver_;
  const std::filesystem::path scratch_;
  bool second_instances_ = false;  // allowSecondInstances(), before the run: PROTOCOL.md, open_db
};

// The crash-stack library built beside this adapter; "" if it is not there
// (a lifeguard binary copied elsewhere): the driver then runs without it.
std::string crashStackLibrary() {
  const char* path = LIFEGUARD_CRASH_STACK_LIBRARY;
  return ::access(path, R_OK) == 0 ? path : "";
}

}  // namespace

std::unique_ptr<EngineAdapter> makeProcessAdapter(ProcessEngine engine, std::string* error) {
  Json hello;
  std::unique_ptr<DriverProcess> driver =
      DriverProcess::start(engine.argv, kProcessProtocolVersion, engine.start_timeout, &hello, error,
                           engine.native_stacks ? crashStackLibrary() : "");
  if (driver == nullptr) return nullptr;
  return std::make_unique<ProcessAdapter>(std::move(engine), std::move(driver), makeScratchDirectory());
}

}  // namespace lifeguard::harness

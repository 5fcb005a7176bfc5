#include "storage/wal.h"

#include <array>
#include <cstring>

#include <fmt/format.h>

namespace lifeguard {
namespace {

constexpr std::size_t kHeader = 8;

// Little-endian encoding of the record payload.
class Encoder {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void i64(std::int64_t v) {
    auto u = static_cast<std::uint64_t>(v);
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
  }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool u8(std::uint8_t* v) {
    if (in_.size() < 1) return false;
    *v = static_cast<std::uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool u32(std::uint32_t* v) {
    if (in_.size() < 4) return false;
    *v = 0;
    for (int i = 0; i < 4; ++i) *v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(in_[i])) << (8 * i);
    in_.remove_prefix(4);
    return true;
  }
  bool i64(std::int64_t* v) {
    if (in_.size() < 8) return false;
    std::uint64_t u = 0;
    for (int i = 0; i < 8; ++i) u |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(in_[i])) << (8 * i);
    *v = static_cast<std::int64_t>(u);
    in_.remove_prefix(8);
    return true;
  }
  bool str(std::string* s) {
    std::uint32_t n = 0;
    if (!u32(&n) || in_.size() < n) return false;
    s->assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }
  std::size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;
};

void encodeValue(Encoder& e, const Value& value) {
  if (const auto* number = std::get_if<std::int64_t>(&value)) {
    e.u8('i');
    e.i64(*number);
  } else {
    e.u8('s');
    e.str(std::get<std::string>(value));
  }
}

bool decodeValue(Decoder& d, Value* value) {
  std::uint8_t tag = 0;
  if (!d.u8(&tag)) return false;
  if (tag == 'i') {
    std::int64_t number = 0;
    if (!d.i64(&number)) return false;
    *value = number;
    return true;
  }
  std::string text;
  if (tag != 's' || !d.str(&text)) return false;
  *value = std::move(text);
  return true;
}

bool decodeOp(Decoder& d, LoggedOp* op) {
  std::uint8_t kind = 0;
  if (!d.u8(&kind)) return false;
  if (kind == 'C') {
    op->create = true;
    std::uint32_t columns = 0;
    // Every column takes at least 5 bytes: a count beyond that is garbage.
    if (!d.str(&op->schema.name) || !d.u32(&columns) || columns == 0 || columns > d.remaining() / 5) return false;
    for (std::uint32_t c = 0; c < columns; ++c) {
      ColumnDef column;
      std::uint8_t type = 0;
      if (!d.str(&column.name) || !d.u8(&type) || type > 1) return false;
      column.type = type == 0 ? LogicalType::kInt64 : LogicalType::kString;
      op->schema.columns.push_back(std::move(column));
    }
    return true;
  }
  std::uint32_t rows = 0, width = 0;
  if (kind != 'A' || !d.str(&op->table) || !d.u32(&rows) || !d.u32(&width)) return false;
  // Every value takes at least 5 bytes: counts beyond that are garbage.
  if (rows > 0 && (width == 0 || static_cast<std::uint64_t>(rows) * width > d.remaining() / 5)) return false;
  auto chunk = std::make_shared<Chunk>();
  for (std::uint32_t r = 0; r < rows; ++r) {
    Row row(width);
    for (auto& value : row) {
      if (!decodeValue(d, &value)) return false;
    }
    chunk->push_back(std::move(row));
  }
  op->rows = std::move(chunk);
  return true;
}

bool decodeOps(std::string_view payload, std::vector<LoggedOp>* ops) {
  Decoder d(payload);
  std::uint32_t count = 0;
  if (!d.u32(&count) || count > d.remaining()) return false;
  for (std::uint32_t i = 0; i < count; ++i) {
    LoggedOp op;
    if (!decodeOp(d, &op)) return false;
    ops->push_back(std::move(op));
  }
  return d.done();
}

std::uint32_t readU32(std::string_view bytes) {
  std::uint32_t v = 0;
  Decoder(bytes).u32(&v);
  return v;
}

}  // namespace

std::uint32_t crc32(std::string_view data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (char ch : data) crc = table[(crc ^ static_cast<std::uint8_t>(ch)) & 0xff] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

std::string encodeRecord(const std::vector<LoggedOp>& ops) {
  Encoder payload;
  payload.u32(static_cast<std::uint32_t>(ops.size()));
  for (const LoggedOp& op : ops) {
    if (op.create) {
      payload.u8('C');
      payload.str(op.schema.name);
      payload.u32(static_cast<std::uint32_t>(op.schema.columns.size()));
      for (const auto& column : op.schema.columns) {
        payload.str(column.name);
        payload.u8(column.type == LogicalType::kInt64 ? 0 : 1);
      }
      continue;
    }
    payload.u8('A');
    payload.str(op.table);
    payload.u32(static_cast<std::uint32_t>(op.rows->size()));
    payload.u32(static_cast<std::uint32_t>(op.rows->empty() ? 0 : op.rows->front().size()));
    for (const Row& row : *op.rows) {
      for (const Value& value : row) encodeValue(payload, value);
    }
  }
  std::string body = payload.take();
  Encoder record;
  record.u32(static_cast<std::uint32_t>(body.size()));
  record.u32(crc32(body));
  return record.take() + body;
}

Status decodeLog(std::string_view image, const std::string& name, RecoveredLog* out) {
  std::size_t offset = 0;
  for (int number = 1; offset < image.size(); ++number) {
    std::string_view rest = image.substr(offset);
    std::uint32_t length = rest.size() >= kHeader ? readU32(rest) : 0;
    bool cut_short = rest.size() < kHeader || rest.size() - kHeader < length;
    std::vector<LoggedOp> ops;
    bool good = !cut_short && crc32(rest.substr(kHeader, length)) == readU32(rest.substr(4)) &&
                decodeOps(rest.substr(kHeader, length), &ops);
    if (good) {
      out->transactions.push_back(std::move(ops));
      offset += kHeader + length;
      continue;
    }
    if (cut_short || kHeader + length == rest.size()) {
      out->warning = fmt::format("{}: discarded a torn tail of {} bytes at offset {} (record {})", name, rest.size(),
                                 offset, number);
      return Status::ok();
    }
    return Status(ErrorCode::kIOError,
                  fmt::format("{} is corrupt at offset {} (record {}): checksum mismatch with {} bytes after it",
                              name, offset, number, rest.size() - kHeader - length));
  }
  return Status::ok();
}

Status applyOps(const std::vector<LoggedOp>& ops, Storage& storage) {
  auto corrupt = [](const std::string& what) { return Status(ErrorCode::kIOError, "log record is corrupt: " + what); };
  for (const LoggedOp& op : ops) {
    if (op.create) {
      if (storage.find(op.schema.name) != nullptr) return corrupt("table '" + op.schema.name + "' created twice");
      storage.create(op.schema);
      continue;
    }
    auto table = storage.find(op.table);
    if (table == nullptr) return corrupt("rows for a missing table '" + op.table + "'");
    const auto& columns = table->schema().columns;
    for (const Row& row : *op.rows) {
      if (row.size() != columns.size()) return corrupt("a row of the wrong width for '" + op.table + "'");
      for (std::size_t c = 0; c < row.size(); ++c) {
        if (typeOf(row[c]) != columns[c].type) return corrupt("a value of the wrong type for '" + op.table + "'");
      }
    }
    table->append(op.rows);
  }
  return Status::ok();
}

std::vector<LoggedOp> snapshotOps(const Storage& storage) {
  std::vector<LoggedOp> ops;
  for (const auto& name : storage.tableNames()) {
    auto table = storage.find(name);
    LoggedOp create;
    create.create = true;
    create.schema = table->schema();
    ops.push_back(std::move(create));
    for (auto& chunk : table->snapshot()) {
      LoggedOp append;
      append.table = name;
      append.rows = std::move(chunk);
      ops.push_back(std::move(append));
    }
  }
  return ops;
}

Status Wal::openLog(bool truncate) {
  if (log_ != nullptr) (void)log_->close();
  log_.reset();
  return fs_->openWritable(walPath(), truncate, &log_);
}

Status Wal::recover(Storage& storage, std::string* warning) {
  Status status = fs_->createDirectories(directory_);
  for (const std::string& path : {dataPath(), walPath()}) {
    if (!status.isOk() || !fs_->exists(path)) continue;
    std::string image;
    status = fs_->readFile(path, &image);
    RecoveredLog log;
    if (status.isOk()) status = decodeLog(image, path, &log);
    if (!status.isOk()) break;
    for (const auto& transaction : log.transactions) {
      if (status.isOk()) status = applyOps(transaction, storage);
    }
    if (!status.isOk()) {
      status = Status(ErrorCode::kIOError, path + ": " + status.message());
      break;
    }
    if (!log.warning.empty()) *warning += log.warning;
  }
  // A torn tail must not stay in front of new records: rewrite the log clean.
  if (status.isOk() && !warning->empty()) status = checkpoint(storage);
  if (status.isOk() && log_ == nullptr) status = openLog(false);
  return status;
}

Status Wal::commit(const std::vector<LoggedOp>& ops) {
  if (!failure_.isOk()) return failure_;
  Status status = log_->append(encodeRecord(ops));
  if (status.isOk()) status = log_->sync();
  if (!status.isOk()) {
    failure_ = Status(ErrorCode::kIOError,
                      "the write-ahead log failed (" + status.message() +
                          "); the database refuses writes until it is reopened, and this commit may or may not be "
                          "durable");
  }
  return failure_;
}

Status Wal::checkpoint(const Storage& storage) {
  if (!failure_.isOk()) return failure_;
  std::string temp = dataPath() + ".tmp";
  std::unique_ptr<WritableFile> file;
  Status status = fs_->openWritable(temp, true, &file);
  if (status.isOk()) status = file->append(encodeRecord(snapshotOps(storage)));
  if (status.isOk()) status = file->sync();
  if (file != nullptr) {
    Status closed = file->close();
    if (status.isOk()) status = closed;
  }
  if (status.isOk()) status = fs_->rename(temp, dataPath());
  if (status.isOk()) status = fs_->syncDirectory(directory_);
  if (status.isOk()) status = openLog(true);
  if (status.isOk()) status = log_->sync();
  if (!status.isOk()) failure_ = Status(ErrorCode::kIOError, "checkpoint failed: " + status.message());
  return status;
}

Status Wal::close() {
  if (log_ == nullptr) return Status::ok();
  Status status = log_->close();
  log_.reset();
  return status;
}

}  // namespace lifeguard

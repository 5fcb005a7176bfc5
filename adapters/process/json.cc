#include "json.h"

#include <cstdio>
#include <cstdlib>

namespace lifeguard::harness::json {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::optional<Value> document(std::string* error) {
    Value value;
    if (!parseValue(&value, 0) || (blanks(), at_ != text_.size())) {
      if (error_.empty()) error_ = "unexpected text";
      *error = error_ + " at offset " + std::to_string(at_);
      return std::nullopt;
    }
    return value;
  }

 private:
  static constexpr int kMaxDepth = 64;

  void blanks() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\r' || text_[at_] == '\n'))
      ++at_;
  }
  bool fail(const char* what) {
    error_ = what;
    return false;
  }
  bool literal(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) return fail("bad literal");
    at_ += word.size();
    return true;
  }

  bool parseValue(Value* out, int depth) {
    if (depth > kMaxDepth) return fail("nested too deep");
    blanks();
    if (at_ >= text_.size()) return fail("unexpected end");
    char c = text_[at_];
    if (c == '{') return parseObject(out, depth);
    if (c == '[') return parseArray(out, depth);
    if (c == '"') return out->type = Value::Type::kString, parseString(&out->text);
    if (c == 't') return out->type = Value::Type::kBool, out->boolean = true, literal("true");
    if (c == 'f') return out->type = Value::Type::kBool, literal("false");
    if (c == 'n') return literal("null");
    return parseNumber(out);
  }

  bool parseNumber(Value* out) {
    std::size_t start = at_;
    while (at_ < text_.size() && std::string_view("+-0123456789.eE").find(text_[at_]) != std::string_view::npos) ++at_;
    if (at_ == start) return fail("unexpected character");
    out->type = Value::Type::kNumber;
    out->text = std::string(text_.substr(start, at_ - start));
    return true;
  }

  bool parseString(std::string* out) {
    ++at_;  // the opening quote
    while (at_ < text_.size() && text_[at_] != '"') {
      char c = text_[at_++];
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (at_ >= text_.size()) break;
      char e = text_[at_++];
      switch (e) {
        case 'n': out->push_back('\n'); break;
        case 't': out->push_back('\t'); break;
        case 'r': out->push_back('\r'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'u': {
          if (at_ + 4 > text_.size()) return fail("bad \\u escape");
          unsigned code = static_cast<unsigned>(std::strtoul(std::string(text_.substr(at_, 4)).c_str(), nullptr, 16));
          at_ += 4;
          appendUtf8(code, out);  // a surrogate pair stays two replacement-free halves: messages only
          break;
        }
        default: out->push_back(e);  // \" \\ \/
      }
    }
    if (at_ >= text_.size()) return fail("unterminated string");
    ++at_;
    return true;
  }

  static void appendUtf8(unsigned code, std::string* out) {
    if (code < 0x80) {
      out->push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (code >> 6)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xE0 | (code >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }

  bool parseArray(Value* out, int depth) {
    out->type = Value::Type::kArray;
    ++at_;
    blanks();
    if (at_ < text_.size() && text_[at_] == ']') return ++at_, true;
    for (;;) {
      out->items.emplace_back();
      if (!parseValue(&out->items.back(), depth + 1)) return false;
      blanks();
      if (at_ < text_.size() && text_[at_] == ',') {
        ++at_;
        continue;
      }
      if (at_ < text_.size() && text_[at_] == ']') return ++at_, true;
      return fail("expected ',' or ']'");
    }
  }

  bool parseObject(Value* out, int depth) {
    out->type = Value::Type::kObject;
    ++at_;
    blanks();
    if (at_ < text_.size() && text_[at_] == '}') return ++at_, true;
    for (;;) {
      blanks();
      std::string key;
      if (at_ >= text_.size() || text_[at_] != '"' || !parseString(&key)) return fail("expected a key");
      blanks();
      if (at_ >= text_.size() || text_[at_] != ':') return fail("expected ':'");
      ++at_;
      if (!parseValue(&out->members[key], depth + 1)) return false;
      blanks();
      if (at_ < text_.size() && text_[at_] == ',') {
        ++at_;
        continue;
      }
      if (at_ < text_.size() && text_[at_] == '}') return ++at_, true;
      return fail("expected ',' or '}'");
    }
  }

  std::string_view text_;
  std::size_t at_ = 0;
  std::string error_;
};

}  // namespace

const Value* Value::find(const std::string& key) const {
  auto it = members.find(key);
  return it == members.end() ? nullptr : &it->second;
}

std::optional<std::string> Value::string(const std::string& key) const {
  const Value* value = find(key);
  if (value == nullptr || value->type != Type::kString) return std::nullopt;
  return value->text;
}

std::optional<std::int64_t> Value::integer(const std::string& key) const {
  const Value* value = find(key);
  if (value == nullptr || value->type != Type::kNumber) return std::nullopt;
  char* end = nullptr;
  long long number = std::strtoll(value->text.c_str(), &end, 10);
  if (end == value->text.c_str() || *end != '\0') {  // 12.0 or 1e3: a double that holds an integer
    double real = std::strtod(value->text.c_str(), &end);
    if (*end != '\0' || real != static_cast<double>(static_cast<long long>(real))) return std::nullopt;
    number = static_cast<long long>(real);
  }
  return number;
}

std::optional<Value> parse(std::string_view text, std::string* error) { return Parser(text).document(error); }

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escape[8];
          std::snprintf(escape, sizeof(escape), "\\u%04x", static_cast<unsigned>(c));
          out += escape;
        } else {
          out.push_back(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace lifeguard::harness::json

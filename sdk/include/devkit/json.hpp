// devkit/json.hpp: a small JSON reader/writer for plugins that build with nothing but sdk/include.
//
// Hand-written on purpose: the SDK must not depend on any library (third parties may use another
// nlohmann version, or none), yet every plugin must read its config and tool arguments, which cross
// the ABI as JSON text. It is strict RFC 8259 (no comments, no trailing commas), keeps object key
// order, limits nesting depth, and parses numbers as int64 when they are integers. First-party
// plugins inside this repository may use nlohmann/json instead.
//
// THREADING: values are plain data; no shared state.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace devkit::sdk::json {

class ParseError : public std::runtime_error {
 public:
  ParseError(const std::string& what, size_t offset)
      : std::runtime_error(what + " at offset " + std::to_string(offset)), offset_(offset) {}
  size_t offset() const noexcept { return offset_; }

 private:
  size_t offset_;
};

class Value;
using Array = std::vector<Value>;
using Object = std::vector<std::pair<std::string, Value>>;  // key order kept

class Value {
 public:
  using Storage = std::variant<std::nullptr_t, bool, int64_t, double, std::string,
                               std::shared_ptr<Array>, std::shared_ptr<Object>>;

  Value() : v_(nullptr) {}
  Value(std::nullptr_t) : v_(nullptr) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(static_cast<int64_t>(i)) {}
  Value(int64_t i) : v_(i) {}
  Value(double d) : v_(d) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(Array a) : v_(std::make_shared<Array>(std::move(a))) {}
  Value(Object o) : v_(std::make_shared<Object>(std::move(o))) {}

  bool isNull() const { return std::holds_alternative<std::nullptr_t>(v_); }
  bool isBool() const { return std::holds_alternative<bool>(v_); }
  bool isInt() const { return std::holds_alternative<int64_t>(v_); }
  bool isNumber() const { return isInt() || std::holds_alternative<double>(v_); }
  bool isString() const { return std::holds_alternative<std::string>(v_); }
  bool isArray() const { return std::holds_alternative<std::shared_ptr<Array>>(v_); }
  bool isObject() const { return std::holds_alternative<std::shared_ptr<Object>>(v_); }

  bool asBool() const { return get<bool>("boolean"); }
  int64_t asInt() const {
    if (const auto* d = std::get_if<double>(&v_)) {
      if (std::floor(*d) == *d && std::fabs(*d) < 9.2e18) {
        return static_cast<int64_t>(*d);
      }
    }
    return get<int64_t>("integer");
  }
  double asDouble() const {
    if (const auto* i = std::get_if<int64_t>(&v_)) {
      return static_cast<double>(*i);
    }
    return get<double>("number");
  }
  const std::string& asString() const { return get<std::string>("string"); }
  const Array& asArray() const { return *get<std::shared_ptr<Array>>("array"); }
  const Object& asObject() const { return *get<std::shared_ptr<Object>>("object"); }

  /// Member lookup on an object; nullptr when absent or when this is not an object.
  const Value* find(std::string_view key) const {
    if (!isObject()) {
      return nullptr;
    }
    for (const auto& [k, v] : asObject()) {
      if (k == key) {
        return &v;
      }
    }
    return nullptr;
  }

  std::string dump() const {
    std::string out;
    dumpTo(out);
    return out;
  }

  void dumpTo(std::string& out) const {
    if (isNull()) {
      out += "null";
    } else if (isBool()) {
      out += asBool() ? "true" : "false";
    } else if (isInt()) {
      out += std::to_string(std::get<int64_t>(v_));
    } else if (const auto* d = std::get_if<double>(&v_)) {
      if (!std::isfinite(*d)) {
        out += "null";  // JSON has no NaN/Inf
      } else {
        char buf[32];
        // Shortest text that reads back as the same double, independent of the locale.
        const auto result = std::to_chars(buf, buf + sizeof(buf), *d);
        out.append(buf, result.ptr);
      }
    } else if (isString()) {
      quote(asString(), out);
    } else if (isArray()) {
      out += '[';
      bool first = true;
      for (const auto& v : asArray()) {
        if (!first) out += ',';
        first = false;
        v.dumpTo(out);
      }
      out += ']';
    } else {
      out += '{';
      bool first = true;
      for (const auto& [k, v] : asObject()) {
        if (!first) out += ',';
        first = false;
        quote(k, out);
        out += ':';
        v.dumpTo(out);
      }
      out += '}';
    }
  }

  static void quote(std::string_view s, std::string& out) {
    out += '"';
    for (char c : s) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
            out += buf;
          } else {
            out += c;
          }
      }
    }
    out += '"';
  }

 private:
  template <class T>
  const T& get(const char* what) const {
    if (const T* p = std::get_if<T>(&v_)) {
      return *p;
    }
    throw std::runtime_error(std::string("JSON value is not a ") + what);
  }
  Storage v_;
};

/// Appends the Unicode code point `cp` (at most U+10FFFF) to `out` as UTF-8. Used by the parser
/// for \u escapes, and by plugins that decode escapes of their own (the skills front matter).
inline void appendUtf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

namespace detail {

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Value parseDocument() {
    Value v = parseValue(0);
    skipSpace();
    if (pos_ != s_.size()) {
      fail("unexpected trailing characters");
    }
    return v;
  }

 private:
  static constexpr int kMaxDepth = 128;

  [[noreturn]] void fail(const std::string& what) const { throw ParseError(what, pos_); }

  void skipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool consume(std::string_view word) {
    if (s_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
    return false;
  }

  Value parseValue(int depth) {
    if (depth > kMaxDepth) {
      fail("nesting too deep");
    }
    skipSpace();
    if (pos_ >= s_.size()) {
      fail("unexpected end of input");
    }
    const char c = s_[pos_];
    if (c == '{') return parseObject(depth);
    if (c == '[') return parseArray(depth);
    if (c == '"') return Value(parseString());
    if (consume("true")) return Value(true);
    if (consume("false")) return Value(false);
    if (consume("null")) return Value(nullptr);
    if (c == '-' || (c >= '0' && c <= '9')) return parseNumber();
    fail(std::string("unexpected character '") + c + "'");
  }

  Value parseObject(int depth) {
    ++pos_;  // {
    Object obj;
    skipSpace();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return Value(std::move(obj));
    }
    while (true) {
      skipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"') {
        fail("expected a string key");
      }
      std::string key = parseString();
      skipSpace();
      if (pos_ >= s_.size() || s_[pos_] != ':') {
        fail("expected ':'");
      }
      ++pos_;
      obj.emplace_back(std::move(key), parseValue(depth + 1));
      skipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return Value(std::move(obj));
      }
      fail("expected ',' or '}'");
    }
  }

  Value parseArray(int depth) {
    ++pos_;  // [
    Array arr;
    skipSpace();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return Value(std::move(arr));
    }
    while (true) {
      arr.push_back(parseValue(depth + 1));
      skipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return Value(std::move(arr));
      }
      fail("expected ',' or ']'");
    }
  }

  unsigned parseHex4() {
    if (pos_ + 4 > s_.size()) {
      fail("truncated \\u escape");
    }
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = s_[pos_++];
      v <<= 4;
      if (h >= '0' && h <= '9') {
        v |= static_cast<unsigned>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        v |= static_cast<unsigned>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        v |= static_cast<unsigned>(h - 'A' + 10);
      } else {
        fail("bad hex digit in \\u escape");
      }
    }
    return v;
  }

  std::string parseString() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) {
        fail("unterminated string");
      }
      const char c = s_[pos_++];
      if (c == '"') {
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        fail("control character in string");
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) {
        fail("unterminated escape");
      }
      const char e = s_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = parseHex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!consume("\\u")) {
              fail("lone high surrogate");
            }
            const unsigned low = parseHex4();
            if (low < 0xDC00 || low > 0xDFFF) {
              fail("bad low surrogate");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("lone low surrogate");
          }
          appendUtf8(out, cp);
          break;
        }
        default:
          fail("bad escape");
      }
    }
  }

  Value parseNumber() {
    const size_t start = pos_;
    bool isInteger = true;
    if (s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else if (pos_ < s_.size() && s_[pos_] >= '1' && s_[pos_] <= '9') {
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    } else {
      fail("bad number");
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      isInteger = false;
      ++pos_;
      if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') fail("bad fraction");
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      isInteger = false;
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') fail("bad exponent");
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    }
    // from_chars: locale-independent, no exceptions, and exact about range.
    const char* first = s_.data() + start;
    const char* last = s_.data() + pos_;
    if (isInteger) {
      int64_t i = 0;
      const auto [ptr, ec] = std::from_chars(first, last, i);
      if (ec == std::errc() && ptr == last) {
        return Value(i);
      }
      // Beyond int64: fall through and keep it as a double, as most JSON readers do.
    }
    double d = 0;
    const auto [ptr, ec] = std::from_chars(first, last, d);
    if (ptr != last || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
      fail("bad number");
    }
    if (ec == std::errc::result_out_of_range) {
      // from_chars leaves d untouched here; a negative exponent means underflow (reads as zero,
      // like every JSON reader), anything else is too large for a double.
      const std::string_view text(first, static_cast<size_t>(last - first));
      const size_t e = text.find_first_of("eE");
      if (e == std::string_view::npos || e + 1 >= text.size() || text[e + 1] != '-') {
        fail("number out of range");
      }
      d = text.front() == '-' ? -0.0 : 0.0;
    }
    return Value(d);
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace detail

/// Parses one JSON document; throws ParseError with the byte offset on malformed input.
inline Value parse(std::string_view text) { return detail::Parser(text).parseDocument(); }

}  // namespace devkit::sdk::json

#include "json.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace medkern::cli {

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
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
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out.push_back(c);  // UTF-8 passes through unchanged
        }
    }
  }
  out.push_back('"');
  return out;
}

void JsonWriter::newline() {
  if (indent_ <= 0) return;
  out_.push_back('\n');
  out_.append(stack_.size() * static_cast<std::size_t>(indent_), ' ');
}

void JsonWriter::before_value() {
  if (done_) throw std::logic_error("JsonWriter: a value after the end of the document");
  if (stack_.empty()) return;
  Level& level = stack_.back();
  if (level.scope == Scope::object) {
    if (!level.expecting_value) throw std::logic_error("JsonWriter: a member value without a key");
    level.expecting_value = false;
    return;
  }
  if (!level.empty) out_.push_back(',');
  if (!level.empty && indent_ > 0) out_.push_back(' ');
  level.empty = false;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  if (stack_.empty() || stack_.back().scope != Scope::object) {
    throw std::logic_error("JsonWriter: a key outside an object");
  }
  Level& level = stack_.back();
  if (level.expecting_value) throw std::logic_error("JsonWriter: two keys in a row");
  if (!level.empty) out_.push_back(',');
  level.empty = false;
  newline();
  out_ += json_quote(name);
  out_ += indent_ > 0 ? ": " : ":";
  level.expecting_value = true;
  return *this;
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_.push_back('{');
  stack_.push_back(Level{Scope::object});
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  if (stack_.empty() || stack_.back().scope != Scope::object || stack_.back().expecting_value) {
    throw std::logic_error("JsonWriter: end_object without a matching begin_object");
  }
  const bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty) newline();
  out_.push_back('}');
  if (stack_.empty()) done_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_.push_back('[');
  stack_.push_back(Level{Scope::array});
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  if (stack_.empty() || stack_.back().scope != Scope::array) {
    throw std::logic_error("JsonWriter: end_array without a matching begin_array");
  }
  stack_.pop_back();
  out_.push_back(']');
  if (stack_.empty()) done_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  before_value();
  out_ += json_quote(text);
  if (stack_.empty()) done_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  before_value();
  out_ += flag ? "true" : "false";
  if (stack_.empty()) done_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(double number) {
  if (!std::isfinite(number)) return null();
  before_value();
  // fmt's shortest round-trip form ("0.1", "1e+300", "1"), always a valid JSON number.
  out_ += fmt::format("{}", number);
  if (stack_.empty()) done_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(float number) {
  if (!std::isfinite(number)) return null();
  before_value();
  out_ += fmt::format("{}", number);
  if (stack_.empty()) done_ = true;
  return *this;
}

JsonWriter& JsonWriter::write_integer(int64_t number) {
  before_value();
  out_ += fmt::format("{}", number);
  if (stack_.empty()) done_ = true;
  return *this;
}

JsonWriter& JsonWriter::write_unsigned(uint64_t number) {
  before_value();
  out_ += fmt::format("{}", number);
  if (stack_.empty()) done_ = true;
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  if (stack_.empty()) done_ = true;
  return *this;
}

const std::string& JsonWriter::str() const {
  if (!stack_.empty()) throw std::logic_error("JsonWriter: the document has open scopes");
  return out_;
}

}  // namespace medkern::cli

// A small streaming JSON writer for the command-line tool: objects, arrays, strings (escaped
// as RFC 8259 requires), booleans, null and numbers. Integers are written exactly, floating
// point numbers as the shortest text that reads back to the same value (so nothing is lost),
// and NaN or infinities, which JSON cannot express, as null.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace medkern::cli {

class JsonWriter {
 public:
  // indent = 0 writes everything on one line; otherwise objects put each member on its own
  // line, indented by this many spaces per level (arrays stay on one line).
  explicit JsonWriter(int indent = 0) : indent_(indent) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // The name of the next member; only inside an object, before each value.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(bool flag);
  JsonWriter& value(double number);
  JsonWriter& value(float number);  // shortest text of the float, e.g. 0.1f -> 0.1
  template <
      class Integer,
      std::enable_if_t<std::is_integral_v<Integer> && !std::is_same_v<Integer, bool>, int> = 0>
  JsonWriter& value(Integer number) {
    if constexpr (std::is_signed_v<Integer>) {
      return write_integer(static_cast<int64_t>(number));
    } else {
      return write_unsigned(static_cast<uint64_t>(number));
    }
  }
  JsonWriter& null();

  // key(name).value(v) in one call.
  template <class T>
  JsonWriter& member(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  // The document; throws std::logic_error if an object or array is still open.
  const std::string& str() const;

 private:
  enum class Scope { object, array };
  struct Level {
    Scope scope;
    bool empty = true;
    bool expecting_value = false;  // objects: a key was written
  };

  JsonWriter& write_integer(int64_t number);
  JsonWriter& write_unsigned(uint64_t number);
  void before_value();
  void newline();

  std::string out_;
  std::vector<Level> stack_;
  int indent_;
  bool done_ = false;
};

// `text` as a JSON string literal, quotes included.
std::string json_quote(std::string_view text);

}  // namespace medkern::cli

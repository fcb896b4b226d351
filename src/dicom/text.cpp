// Text of DICOM files as UTF-8 without DCMTK: the fallback of dcmtk_reader.cpp when DCMTK
// cannot convert a value, and the checks every string handed out goes through; and the
// times of day (TM) that order the frames of a dynamic series.
#include <cstddef>
#include <string>
#include <string_view>

#include "dicom/reader.hpp"

namespace medkern::dicom::detail {

namespace {

// The length of the valid UTF-8 sequence at s[i], or 0 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

// The values of SpecificCharacterSet without the default repertoire (ASCII), which every
// character set of DICOM extends.
bool is_latin1(std::string_view character_set) {
  bool latin1 = false;
  std::size_t start = 0;
  while (start <= character_set.size()) {
    std::size_t end = character_set.find('\\', start);
    if (end == std::string_view::npos) end = character_set.size();
    std::string_view term = character_set.substr(start, end - start);
    while (!term.empty() && term.front() == ' ') term.remove_prefix(1);
    while (!term.empty() && term.back() == ' ') term.remove_suffix(1);
    if (term == "ISO_IR 100" || term == "ISO 2022 IR 100") {
      latin1 = true;
    } else if (!term.empty() && term != "ISO_IR 6" && term != "ISO 2022 IR 6") {
      return false;
    }
    start = end + 1;
  }
  return latin1;
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t n = utf8_sequence(bytes, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string utf8_fallback(std::string_view bytes, std::string_view character_set) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);
  if (is_latin1(character_set)) {
    // ISO 8859-1 is the first 256 code points of Unicode, byte for byte.
    for (const char ch : bytes) {
      const auto c = static_cast<unsigned char>(ch);
      if (c < 0x80) {
        out.push_back(ch);
      } else {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
      }
    }
    return out;
  }
  // Without a character set that can be decoded by hand, what is UTF-8 already (files that
  // write it without declaring ISO_IR 192) is kept, and every other byte becomes U+FFFD.
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t n = utf8_sequence(bytes, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(bytes.data() + i, n);
      i += n;
    }
  }
  return out;
}

bool parse_time_of_day(std::string_view text, double* seconds) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\0')) text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  const bool colons = text.find(':') != std::string_view::npos;
  std::size_t i = 0;
  // Hours, minutes, seconds: two digits each, each but the hours optional; the older form
  // separates them with colons.
  constexpr int kLimits[3] = {23, 59, 60};  // 60: a leap second
  constexpr double kUnits[3] = {3600.0, 60.0, 1.0};
  double value = 0.0;
  int fields = 0;
  for (; fields < 3 && i < text.size(); ++fields) {
    if (fields > 0 && colons) {
      if (text[i] != ':') return false;
      ++i;
    }
    if (i + 2 > text.size() || text[i] < '0' || text[i] > '9' || text[i + 1] < '0' ||
        text[i + 1] > '9') {
      return false;
    }
    const int v = (text[i] - '0') * 10 + (text[i + 1] - '0');
    if (v > kLimits[fields]) return false;
    value += v * kUnits[fields];
    i += 2;
  }
  if (fields == 0) return false;
  if (i < text.size()) {
    // A fraction of a second, up to six digits, only after the seconds.
    if (fields != 3 || text[i] != '.') return false;
    ++i;
    std::size_t digits = 0;
    double fraction = 0.0, scale = 1.0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
      fraction = fraction * 10.0 + (text[i] - '0');
      scale *= 10.0;
    }
    if (digits == 0 || digits > 6 || i != text.size()) return false;
    value += fraction / scale;
  }
  *seconds = value;
  return true;
}

}  // namespace medkern::dicom::detail

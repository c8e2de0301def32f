// Text from users inside messages: one line, bounded length, no control characters.
// An error message quotes names, paths and values a user gave; these make sure a quoted piece can neither
// break the line (newline, carriage return), move the terminal (escape sequences) nor flood it (a 144 KB
// name). Header-only; used by every error path and by the CLI's last line of defence.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cimsim::common {

/// `s` with every byte below 0x20, 0x7f and every byte of invalid UTF-8 written as \n, \t, \r or \xNN,
/// and, if longer than `max_chars` bytes after escaping, cut with "... (N more bytes)" appended.
inline std::string printable(std::string_view s, std::size_t max_chars = 200) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(std::min<std::size_t>(s.size(), max_chars) + 16);
  std::size_t i = 0;
  auto escape_byte = [&](unsigned char c) {
    out += "\\x";
    out += hex[c >> 4];
    out += hex[c & 15];
  };
  while (i < s.size() && out.size() < max_chars) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      escape_byte(c);
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // a UTF-8 sequence is copied whole if it is valid (no overlongs, no surrogates), else escaped bytewise
      std::size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
      bool ok = n != 0 && i + n <= s.size();
      for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
      if (ok && n == 3) {
        const auto c1 = static_cast<unsigned char>(s[i + 1]);
        ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
      }
      if (ok && n == 4) {
        const auto c1 = static_cast<unsigned char>(s[i + 1]);
        ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
      }
      if (ok) {
        out.append(s.data() + i, n);
        i += n;
        continue;
      }
      escape_byte(c);
    }
    ++i;
  }
  if (i < s.size()) out += "... (" + std::to_string(s.size() - i) + " more bytes)";
  return out;
}

/// True when `s` is valid UTF-8 without control characters (what a name in a report may hold).
inline bool is_clean_utf8(std::string_view s) {
  const std::string p = printable(s, s.size() * 4 + 16);
  return p == s;
}

/// `s` as one RFC 4180 CSV field, always in double quotes (each `"` inside doubled).
inline std::string csv_quoted(const std::string& s) {
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

/// `s` as one CSV field: as it is, or csv_quoted() when it holds a comma, a quote or a line break.
inline std::string csv_field(const std::string& s) {
  return s.find_first_of(",\"\n\r") == std::string::npos ? s : csv_quoted(s);
}

/// "a, b, c" for at most `max_items` items, then "... and N more"; each item passed through printable().
inline std::string joined(const std::vector<std::string>& items, std::size_t max_items = 12,
                          std::string_view sep = ", ") {
  std::string out;
  for (std::size_t k = 0; k < items.size() && k < max_items; ++k) {
    if (k) out += sep;
    out += printable(items[k], 80);
  }
  if (items.size() > max_items) out += " ... and " + std::to_string(items.size() - max_items) + " more";
  return out;
}

/// "1 tile", "34 tiles", "0 tiles": a count with its noun, pluralized ("PE" -> "PEs"; give `plural` for
/// irregular nouns).
inline std::string count_of(long long n, std::string_view singular, std::string_view plural = {}) {
  std::string out = std::to_string(n) + " ";
  if (n == 1) return out.append(singular);
  if (!plural.empty()) return out.append(plural);
  return out.append(singular).append("s");
}

}  // namespace cimsim::common

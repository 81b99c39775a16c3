// JsonEscape: a string made safe to place between quotes in the JSON the bench tools print
// (quotes and backslashes escaped, control characters as spaces).
#pragma once

#include <string>
#include <string_view>

inline std::string JsonEscape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out;
}

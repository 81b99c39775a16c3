#include "strata/query/value.h"

#include <charconv>
#include <cmath>

namespace strata::query {

std::string_view ResultTypeName(const Value& value) {
  switch (value.index()) {
    case 0: return "scalar";
    case 1: return "string";
    case 2: return "vector";
    default: return "matrix";
  }
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  // Shortest round-trip digits without an exponent, like Go's FormatFloat(v, 'f', -1, 64).
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

}  // namespace strata::query

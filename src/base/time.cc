#include "strata/base/time.h"

#include <chrono>
#include <cstdlib>
#include <ctime>

namespace strata {

Timestamp NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<Duration> ParseDuration(std::string_view s) {
  // Units must appear largest first, each at most once, as Prometheus requires.
  static constexpr struct { std::string_view unit; Duration ms; } kUnits[] = {
      {"y", 365 * kDay}, {"w", 7 * kDay}, {"d", kDay}, {"h", kHour},
      {"m", kMinute},    {"s", kSecond},  {"ms", 1}};
  if (s.empty()) return std::nullopt;
  if (s == "0") return 0;
  Duration total = 0;
  size_t next_unit = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    int64_t n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + (s[i] - '0');
      if (n > (int64_t{1} << 50)) return std::nullopt;
      ++i;
    }
    if (i == start) return std::nullopt;
    size_t ustart = i;
    while (i < s.size() && s[i] >= 'a' && s[i] <= 'z') ++i;
    std::string_view unit = s.substr(ustart, i - ustart);
    size_t k = next_unit;
    while (k < std::size(kUnits) && kUnits[k].unit != unit) ++k;
    if (k == std::size(kUnits)) return std::nullopt;
    total += n * kUnits[k].ms;
    next_unit = k + 1;
  }
  return total;
}

std::string FormatDuration(Duration d) {
  if (d == 0) return "0s";
  std::string out;
  if (d < 0) {
    out += '-';
    d = -d;
  }
  static constexpr struct { const char* unit; Duration ms; } kUnits[] = {
      {"y", 365 * kDay}, {"w", 7 * kDay}, {"d", kDay}, {"h", kHour},
      {"m", kMinute},    {"s", kSecond},  {"ms", 1}};
  for (const auto& u : kUnits) {
    if (d >= u.ms) {
      out += std::to_string(d / u.ms);
      out += u.unit;
      d %= u.ms;
    }
  }
  return out;
}

std::optional<Timestamp> ParseRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
  auto digits = [&](size_t pos, size_t n) -> std::optional<int> {
    if (pos + n > s.size()) return std::nullopt;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto Y = digits(0, 4), M = digits(5, 2), D = digits(8, 2), h = digits(11, 2),
       m = digits(14, 2), sec = digits(17, 2);
  if (!Y || !M || !D || !h || !m || !sec || s.size() < 20 || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  if (*M < 1 || *M > 12 || *D < 1 || *D > 31 || *h > 23 || *m > 59 || *sec > 60) {
    return std::nullopt;
  }
  size_t i = 19;
  int64_t frac_ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int scale = 100;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      frac_ms += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    auto oh = digits(i + 1, 2), om = digits(i + 4, 2);
    if (!oh || !om || i + 3 >= s.size() || s[i + 3] != ':') return std::nullopt;
    offset_s = (*oh * 3600 + *om * 60) * (s[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  // Days from civil (Howard Hinnant's algorithm).
  int y = *Y - (*M <= 2);
  int era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (*M + (*M > 2 ? -3 : 9)) + 2) / 5 + *D - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = int64_t{era} * 146097 + doe - 719468;
  int64_t secs = days * 86400 + *h * 3600 + *m * 60 + *sec - offset_s;
  return secs * 1000 + frac_ms;
}

}  // namespace strata

#include "instant_functions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <re2/re2.h>

namespace strata::query {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Sgn(double v) {
  if (v > 0) return 1;
  if (v < 0) return -1;
  return v;  // 0, -0 and NaN stay as they are
}
double Deg(double v) { return v * 180 / M_PI; }
double Rad(double v) { return v * M_PI / 180; }
double Abs(double v) { return std::fabs(v); }
double Ceil(double v) { return std::ceil(v); }
double Floor(double v) { return std::floor(v); }
double Exp(double v) { return std::exp(v); }
double Sqrt(double v) { return std::sqrt(v); }
double Ln(double v) { return std::log(v); }
double Log2(double v) { return std::log2(v); }
double Log10(double v) { return std::log10(v); }
double Sin(double v) { return std::sin(v); }
double Cos(double v) { return std::cos(v); }
double Tan(double v) { return std::tan(v); }
double Asin(double v) { return std::asin(v); }
double Acos(double v) { return std::acos(v); }
double Atan(double v) { return std::atan(v); }
double Sinh(double v) { return std::sinh(v); }
double Cosh(double v) { return std::cosh(v); }
double Tanh(double v) { return std::tanh(v); }
double Asinh(double v) { return std::asinh(v); }
double Acosh(double v) { return std::acosh(v); }
double Atanh(double v) { return std::atanh(v); }

// Civil date (UTC) of Unix seconds; Howard Hinnant's days_from_civil inverse.
struct Civil {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
  int hour, minute;
  int weekday;  // 0 = Sunday
  int yday;     // 1..366
};

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

Civil ToCivil(double seconds) {
  int64_t s = static_cast<int64_t>(seconds);
  int64_t days = s / 86400;
  int64_t rem = s % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  Civil c{};
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>((rem % 3600) / 60);
  c.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = c.month <= 2 ? y + 1 : y;
  static constexpr int kCumDays[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  c.yday = kCumDays[c.month - 1] + c.day + ((c.month > 2 && IsLeap(c.year)) ? 1 : 0);
  return c;
}

int DaysIn(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

double Hour(double v) { return ToCivil(v).hour; }
double Minute(double v) { return ToCivil(v).minute; }
double Month(double v) { return ToCivil(v).month; }
double Year(double v) { return static_cast<double>(ToCivil(v).year); }
double DayOfMonth(double v) { return ToCivil(v).day; }
double DayOfWeek(double v) { return ToCivil(v).weekday; }
double DayOfYear(double v) { return ToCivil(v).yday; }
double DaysInMonth(double v) {
  Civil c = ToCivil(v);
  return DaysIn(c.year, c.month);
}

template <size_t N>
MathFunction Find(const std::pair<std::string_view, MathFunction> (&table)[N],
                  std::string_view name) {
  for (const auto& [n, fn] : table) {
    if (n == name) return fn;
  }
  return nullptr;
}

constexpr std::pair<std::string_view, MathFunction> kMath[] = {
    {"abs", Abs},     {"ceil", Ceil},   {"floor", Floor}, {"exp", Exp},     {"sqrt", Sqrt},
    {"ln", Ln},       {"log2", Log2},   {"log10", Log10}, {"sgn", Sgn},     {"sin", Sin},
    {"cos", Cos},     {"tan", Tan},     {"asin", Asin},   {"acos", Acos},   {"atan", Atan},
    {"sinh", Sinh},   {"cosh", Cosh},   {"tanh", Tanh},   {"asinh", Asinh}, {"acosh", Acosh},
    {"atanh", Atanh}, {"deg", Deg},     {"rad", Rad},
};

constexpr std::pair<std::string_view, MathFunction> kDate[] = {
    {"hour", Hour},
    {"minute", Minute},
    {"month", Month},
    {"year", Year},
    {"day_of_month", DayOfMonth},
    {"day_of_week", DayOfWeek},
    {"day_of_year", DayOfYear},
    {"days_in_month", DaysInMonth},
};

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// Go's regexp.Expand: $1, ${1}, $name, ${name}, $$; a malformed reference is literal text and
// an unknown group expands to "".
std::string Expand(const RE2& re, std::string_view repl, const std::vector<re2::StringPiece>& groups) {
  const auto& named = re.NamedCapturingGroups();
  std::string out;
  for (size_t i = 0; i < repl.size(); ++i) {
    char c = repl[i];
    if (c != '$' || i + 1 >= repl.size()) {
      out += c;
      continue;
    }
    if (repl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string_view name;
    size_t next;
    if (repl[i + 1] == '{') {
      size_t close = repl.find('}', i + 2);
      if (close == std::string_view::npos) {
        out += c;
        continue;
      }
      name = repl.substr(i + 2, close - i - 2);
      next = close + 1;
    } else {
      size_t j = i + 1;
      while (j < repl.size() && (std::isalnum(static_cast<unsigned char>(repl[j])) || repl[j] == '_')) ++j;
      name = repl.substr(i + 1, j - i - 1);
      next = j;
    }
    bool valid = !name.empty();
    for (char nc : name) {
      if (!(std::isalnum(static_cast<unsigned char>(nc)) || nc == '_')) valid = false;
    }
    if (!valid) {
      out += c;
      continue;
    }
    int index = -1;
    if (std::all_of(name.begin(), name.end(), [](char d) { return d >= '0' && d <= '9'; })) {
      if (name.size() < 10) index = std::stoi(std::string(name));
    } else if (auto it = named.find(std::string(name)); it != named.end()) {
      index = it->second;
    }
    if (index >= 0 && static_cast<size_t>(index) < groups.size() && groups[index].data() != nullptr) {
      out.append(groups[index].data(), groups[index].size());
    }
    i = next - 1;
  }
  return out;
}

// Natural order: digit runs compare as numbers, the rest byte-wise.
bool NaturalLess(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    bool da = std::isdigit(static_cast<unsigned char>(a[i])), db = std::isdigit(static_cast<unsigned char>(b[j]));
    if (da && db) {
      size_t ei = i, ej = j;
      while (ei < a.size() && std::isdigit(static_cast<unsigned char>(a[ei]))) ++ei;
      while (ej < b.size() && std::isdigit(static_cast<unsigned char>(b[ej]))) ++ej;
      std::string_view na = a.substr(i, ei - i), nb = b.substr(j, ej - j);
      while (na.size() > 1 && na[0] == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb[0] == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ei;
      j = ej;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

struct Bucket {
  double upper;
  double count;
};

bool AlmostEqual(double a, double b, double epsilon) {
  constexpr double kMinNormal = 2.2250738585072014e-308;
  if (a == b) return true;
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < kMinNormal) return diff < epsilon * kMinNormal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < epsilon;
}

// Prometheus' BucketQuantile for classic histograms.
double BucketQuantile(double q, std::vector<Bucket>& buckets) {
  if (std::isnan(q)) return kNaN;
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  std::sort(buckets.begin(), buckets.end(), [](const Bucket& a, const Bucket& b) { return a.upper < b.upper; });
  if (!std::isinf(buckets.back().upper) || buckets.back().upper < 0) return kNaN;
  // Merge buckets with the same bound.
  std::vector<Bucket> merged;
  for (const Bucket& b : buckets) {
    if (!merged.empty() && merged.back().upper == b.upper) {
      merged.back().count += b.count;
    } else {
      merged.push_back(b);
    }
  }
  // Counts must not decrease; tiny float differences are flattened too.
  double prev = merged[0].count;
  for (size_t i = 1; i < merged.size(); ++i) {
    double cur = merged[i].count;
    if (cur == prev) continue;
    if (AlmostEqual(prev, cur, 1e-12) || cur < prev) {
      merged[i].count = prev;
      continue;
    }
    prev = cur;
  }
  if (merged.size() < 2) return kNaN;
  double observations = merged.back().count;
  if (observations == 0) return kNaN;
  double rank = q * observations;
  size_t b = 0;
  while (b < merged.size() - 1 && !(merged[b].count >= rank)) ++b;
  if (b == merged.size() - 1) return merged[merged.size() - 2].upper;
  if (b == 0 && merged[0].upper <= 0) return merged[0].upper;
  double start = 0, end = merged[b].upper, count = merged[b].count;
  if (b > 0) {
    start = merged[b - 1].upper;
    count -= merged[b - 1].count;
    rank -= merged[b - 1].count;
  }
  return start + (end - start) * (rank / count);
}

}  // namespace

EvalMatrix HistogramQuantile(const std::vector<double>& q, const EvalMatrix& in, const Grid& grid) {
  static const std::vector<std::string> kLe = {"le"};
  std::vector<Labels> group_labels;
  std::vector<std::vector<std::pair<size_t, double>>> members;  // (series, upper bound)
  std::unordered_map<uint64_t, std::vector<size_t>> by_hash;
  for (size_t s = 0; s < in.size(); ++s) {
    std::string le(in[s].labels.Get("le"));
    char* end = nullptr;
    double upper = std::strtod(le.c_str(), &end);
    if (le.empty() || *end != '\0') continue;
    Labels gl = in[s].labels.Filter(kLe, false);
    auto& bucket = by_hash[gl.Hash()];
    size_t g = SIZE_MAX;
    for (size_t cand : bucket) {
      if (group_labels[cand] == gl) g = cand;
    }
    if (g == SIZE_MAX) {
      g = group_labels.size();
      group_labels.push_back(gl);
      members.emplace_back();
      bucket.push_back(g);
    }
    members[g].emplace_back(s, upper);
  }
  EvalMatrix out;
  for (size_t g = 0; g < group_labels.size(); ++g) {
    EvalSeries r{group_labels[g], {}, true};
    std::vector<std::vector<Bucket>> per_step(grid.steps());
    for (const auto& [s, upper] : members[g]) {
      for (const Point& p : in[s].points) per_step[grid.IndexOf(p.t)].push_back({upper, p.v});
    }
    for (size_t i = 0; i < per_step.size(); ++i) {
      if (per_step[i].empty()) continue;
      r.points.push_back({grid.At(i), BucketQuantile(q[i], per_step[i])});
    }
    if (!r.points.empty()) out.push_back(std::move(r));
  }
  return out;
}

MathFunction FindMathFunction(std::string_view name) { return Find(kMath, name); }
MathFunction FindDateFunction(std::string_view name) { return Find(kDate, name); }

double Round(double v, double to_nearest) {
  // Dividing by the inverse avoids float artefacts such as 0.1*3 (Prometheus funcRound).
  double inverse = 1.0 / to_nearest;
  return std::floor(v * inverse + 0.5) / inverse;
}

double GoMin(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  return std::min(a, b);
}

double GoMax(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  return std::max(a, b);
}

bool IsValidLabelName(std::string_view name) { return !name.empty() && IsValidUtf8(name); }

Result<EvalMatrix> MergeSameLabels(EvalMatrix in) {
  std::unordered_map<uint64_t, std::vector<size_t>> by_hash;
  EvalMatrix out;
  std::vector<bool> needs_sort;
  for (auto& s : in) {
    auto& bucket = by_hash[s.labels.Hash()];
    size_t target = SIZE_MAX;
    for (size_t idx : bucket) {
      if (out[idx].labels == s.labels) target = idx;
    }
    if (target == SIZE_MAX) {
      bucket.push_back(out.size());
      out.push_back(std::move(s));
      needs_sort.push_back(false);
      continue;
    }
    EvalSeries& dst = out[target];
    dst.drop_name = dst.drop_name || s.drop_name;
    dst.points.insert(dst.points.end(), s.points.begin(), s.points.end());
    needs_sort[target] = true;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (!needs_sort[i]) continue;
    auto& pts = out[i].points;
    std::stable_sort(pts.begin(), pts.end(), [](const Point& a, const Point& b) { return a.t < b.t; });
    for (size_t k = 1; k < pts.size(); ++k) {
      if (pts[k].t == pts[k - 1].t) {
        return Status::ResourceExhausted("vector cannot contain metrics with the same labelset");
      }
    }
  }
  return out;
}

Result<EvalMatrix> LabelReplace(EvalMatrix in, const std::string& dst,
                                const std::string& replacement, const std::string& src,
                                const std::string& regex) {
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_dot_nl(true);
  RE2 re("^(?:" + regex + ")$", opts);
  if (!re.ok()) {
    return Status::ResourceExhausted("invalid regular expression in label_replace(): " + regex);
  }
  if (!IsValidLabelName(dst)) {
    return Status::ResourceExhausted("invalid destination label name in label_replace(): " + dst);
  }
  std::vector<re2::StringPiece> groups(1 + re.NumberOfCapturingGroups());
  for (auto& s : in) {
    std::string_view value = s.labels.Get(src);
    if (!re.Match(re2::StringPiece(value.data(), value.size()), 0, value.size(), RE2::ANCHOR_BOTH,
                  groups.data(), static_cast<int>(groups.size()))) {
      continue;
    }
    std::string result = Expand(re, replacement, groups);
    s.labels = s.labels.With(dst, result);
    if (dst == kMetricName) s.drop_name = false;
  }
  return MergeSameLabels(std::move(in));
}

Result<EvalMatrix> LabelJoin(EvalMatrix in, const std::string& dst, const std::string& sep,
                             std::span<const std::string> srcs) {
  for (const auto& src : srcs) {
    if (!IsValidLabelName(src)) {
      return Status::ResourceExhausted("invalid source label name in label_join(): " + src);
    }
  }
  if (!IsValidLabelName(dst)) {
    return Status::ResourceExhausted("invalid destination label name in label_join(): " + dst);
  }
  for (auto& s : in) {
    std::string joined;
    for (size_t i = 0; i < srcs.size(); ++i) {
      if (i > 0) joined += sep;
      joined += s.labels.Get(srcs[i]);
    }
    s.labels = s.labels.With(dst, joined);
    if (dst == kMetricName) s.drop_name = false;
  }
  return MergeSameLabels(std::move(in));
}

void SortByValue(EvalMatrix& m, bool descending) {
  auto value = [](const EvalSeries& s) { return s.points.empty() ? kNaN : s.points.front().v; };
  std::stable_sort(m.begin(), m.end(), [&](const EvalSeries& a, const EvalSeries& b) {
    double x = value(a), y = value(b);
    if (std::isnan(x)) return false;
    if (std::isnan(y)) return true;
    return descending ? x > y : x < y;
  });
}

void SortByLabels(EvalMatrix& m, std::span<const std::string> names, bool descending) {
  std::stable_sort(m.begin(), m.end(), [&](const EvalSeries& a, const EvalSeries& b) {
    const EvalSeries& x = descending ? b : a;
    const EvalSeries& y = descending ? a : b;
    for (const auto& name : names) {
      std::string_view vx = x.labels.Get(name), vy = y.labels.Get(name);
      if (vx == vy) continue;
      return NaturalLess(vx, vy);
    }
    return x.labels < y.labels;
  });
}

}  // namespace strata::query

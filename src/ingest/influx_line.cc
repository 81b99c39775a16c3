#include "strata/ingest/influx_line.h"

#include <emmintrin.h>
#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>

namespace strata::ingest {
namespace {

// Character classes of Prometheus names, for sanitising: 1 = allowed.
struct NameTables {
  std::array<bool, 256> metric{};  // [a-zA-Z0-9_:]
  std::array<bool, 256> label{};   // [a-zA-Z0-9_]
  constexpr NameTables() {
    for (int c = 0; c < 256; ++c) {
      bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      label[c] = alnum || c == '_';
      metric[c] = label[c] || c == ':';
    }
  }
};
constexpr NameTables kNames;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Scans from `p` to the first unescaped byte in `stops` (a backslash hides the byte after it)
// or `end`; sets `escaped` if a backslash was seen.
template <char A, char B, char C>
const char* ScanTo(const char* p, const char* end, bool& escaped) {
  while (p < end) {
    char c = *p;
    if (c == A || c == B || c == C) return p;
    if (c == '\\') {
      escaped = true;
      if (p + 1 < end) ++p;
    }
    ++p;
  }
  return end;
}

// Copies `raw` without the backslashes of the escapes `\x` for x in `escapable`.
size_t Unescape(std::string_view raw, std::string_view escapable, char* out) {
  size_t n = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() && escapable.find(raw[i + 1]) != std::string_view::npos) {
      ++i;
    }
    out[n++] = raw[i];
  }
  return n;
}

// Writes `name` sanitised with `allowed` into `out` (at least name.size() bytes): each
// disallowed character becomes '_' (one per UTF-8 sequence), a leading digit too.
size_t Sanitise(std::string_view name, const std::array<bool, 256>& allowed, char* out) {
  size_t n = 0;
  bool in_multibyte = false;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 && c < 0xC0 && in_multibyte) continue;  // continuation of the same character
    in_multibyte = c >= 0xC0;
    bool keep = allowed[c] && !(n == 0 && IsDigit(ch));
    out[n++] = keep ? ch : '_';
  }
  return n;
}

bool NeedsSanitising(std::string_view name, const std::array<bool, 256>& allowed) {
  if (!name.empty() && IsDigit(name[0])) return true;
  for (char c : name) {
    if (!allowed[static_cast<unsigned char>(c)]) return true;
  }
  return false;
}

// A name as it will be stored: a view into the body when it needs neither unescaping nor
// sanitising, else built in the arena.
std::string_view StoredName(std::string_view raw, bool escaped, std::string_view escapable,
                            const std::array<bool, 256>& allowed, CharArena& arena) {
  if (!escaped && !NeedsSanitising(raw, allowed)) return raw;
  char* buf = arena.Allocate(raw.size() * 2);
  std::string_view unescaped = raw;
  if (escaped) unescaped = std::string_view(buf + raw.size(), Unescape(raw, escapable, buf + raw.size()));
  return std::string_view(buf, Sanitise(unescaped, allowed, buf));
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Converts a timestamp in `precision` units to milliseconds; false on overflow.
bool ToMillis(int64_t t, InfluxPrecision precision, Timestamp& out) {
  switch (precision) {
    case InfluxPrecision::kNanoseconds: out = FloorDiv(t, 1'000'000); return true;
    case InfluxPrecision::kMicroseconds: out = FloorDiv(t, 1'000); return true;
    case InfluxPrecision::kMilliseconds: out = t; return true;
    case InfluxPrecision::kSeconds: return !__builtin_mul_overflow(t, int64_t{1000}, &out);
    case InfluxPrecision::kMinutes: return !__builtin_mul_overflow(t, int64_t{60'000}, &out);
    case InfluxPrecision::kHours: return !__builtin_mul_overflow(t, int64_t{3'600'000}, &out);
  }
  return false;
}

// a > b for non-empty names, deciding on the first byte when it differs (tags of one line
// mostly start with different letters).
bool SortsAfter(std::string_view a, std::string_view b) {
  if (a[0] != b[0]) return static_cast<unsigned char>(a[0]) > static_cast<unsigned char>(b[0]);
  return a > b;
}

bool IsValueKey(std::string_view key) {
  return key.size() == 5 && std::memcmp(key.data(), "value", 5) == 0;
}

// A timestamp of 1 to 18 digits with an optional '-' (every int64 of that length fits);
// longer ones go to from_chars.
bool ParseTimestampDigits(std::string_view s, int64_t& out) {
  bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  if (s.empty()) return false;
  if (s.size() > 18) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() ||
        v > uint64_t{std::numeric_limits<int64_t>::max()}) {
      return false;
    }
    out = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
    return true;
  }
  int64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  out = negative ? -v : v;
  return true;
}

enum class FieldKind { kNumber, kString };

// Parses a non-string field value: float, `<int>i`, `<uint>u` or a boolean.
bool ParseFieldValue(std::string_view s, double& out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = b + s.size();
  char last = s.back();
  char first = s[0];
  if (IsDigit(first) || first == '-' || first == '.' || first == '+') {
    if (first == '+' && s.size() > 1 && s[1] == '-') return false;  // "+-1"
    if (last == 'i') {
      int64_t v = 0;
      if (first == '+') ++b;
      auto [p, ec] = std::from_chars(b, e - 1, v);
      if (ec != std::errc() || p != e - 1) return false;
      out = static_cast<double>(v);
      return true;
    }
    if (last == 'u') {
      uint64_t v = 0;
      if (first == '+') ++b;
      if (*b == '-') return false;
      auto [p, ec] = std::from_chars(b, e - 1, v);
      if (ec != std::errc() || p != e - 1) return false;
      out = static_cast<double>(v);
      return true;
    }
    if (first == '+') ++b;
    auto [p, ec] = std::from_chars(b, e, out);
    // from_chars also takes "inf" and "nan" after a sign; line protocol does not.
    return ec == std::errc() && p == e && std::isfinite(out);
  }
  switch (s.size()) {
    case 1:
      if (first == 't' || first == 'T') return out = 1, true;
      if (first == 'f' || first == 'F') return out = 0, true;
      return false;
    case 4:
      if (s == "true" || s == "True" || s == "TRUE") return out = 1, true;
      return false;
    case 5:
      if (s == "false" || s == "False" || s == "FALSE") return out = 0, true;
      return false;
    default:
      return false;
  }
}

// Bit masks over one line, one bit per byte in 64-bit words (SSE2, 16 bytes at a time), so
// the fast path finds separators and checks name characters without a loop per byte:
// separators (',', '=', ' '), bytes that may not be in a label name ([^a-zA-Z0-9_]) or a
// metric name ([^a-zA-Z0-9_:]), and whether the line has escapes or quotes, or non-ASCII bytes.
class LineMasks {
 public:
  void Compute(const char* b, size_t n) {
    size_t words = (n + 63) / 64;
    if (separators_.size() < words) {
      separators_.resize(words);
      non_label_.resize(words);
      non_metric_.resize(words);
    }
    n_ = n;
    words_ = words;
    uint32_t escapes = 0, high = 0;
    for (size_t w = 0; w < words; ++w) {
      const char* src = b + w * 64;
      alignas(16) char tail[64];
      if (w * 64 + 64 > n) {  // never read past the line: the last block is copied and padded
        std::memset(tail, 0, sizeof tail);
        std::memcpy(tail, src, n - w * 64);
        src = tail;
      }
      uint64_t sep = 0, non_label = 0, non_metric = 0;
      for (int i = 0; i < 4; ++i) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 16 * i));
        __m128i s = _mm_or_si128(_mm_or_si128(Eq(v, ','), Eq(v, '=')), Eq(v, ' '));
        __m128i e = _mm_or_si128(Eq(v, '\\'), Eq(v, '"'));
        __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
        __m128i name = _mm_or_si128(_mm_or_si128(InRange(lower, 'a', 'z'), InRange(v, '0', '9')),
                                    Eq(v, '_'));
        uint64_t name_bits = static_cast<uint32_t>(_mm_movemask_epi8(name));
        uint64_t colon_bits = static_cast<uint32_t>(_mm_movemask_epi8(Eq(v, ':')));
        sep |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(s))) << (16 * i);
        non_label |= (~name_bits & 0xFFFF) << (16 * i);
        non_metric |= (~(name_bits | colon_bits) & 0xFFFF) << (16 * i);
        escapes |= static_cast<uint32_t>(_mm_movemask_epi8(e));
        high |= static_cast<uint32_t>(_mm_movemask_epi8(v));
      }
      separators_[w] = sep;
      non_label_[w] = non_label;
      non_metric_[w] = non_metric;
    }
    escapes_ = escapes != 0;
    ascii_ = high == 0;
    word_ = 0;
    bits_ = words > 0 ? separators_[0] : 0;
  }

  bool escapes() const { return escapes_; }
  bool ascii() const { return ascii_; }
  // Position of the next separator after the previous one returned, or the line's length.
  size_t NextSeparator() {
    while (bits_ == 0) {
      if (++word_ >= words_) return n_;
      bits_ = separators_[word_];
    }
    size_t at = word_ * 64 + static_cast<size_t>(__builtin_ctzll(bits_));
    bits_ &= bits_ - 1;
    return at < n_ ? at : n_;
  }
  bool LabelNameClean(size_t from, size_t to) const { return !AnyBit(non_label_, from, to); }
  bool MetricNameClean(size_t from, size_t to) const { return !AnyBit(non_metric_, from, to); }

 private:
  static __m128i Eq(__m128i v, char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); }
  // lo <= v <= hi, as unsigned bytes, with signed compares.
  static __m128i InRange(__m128i v, char lo, char hi) {
    __m128i shifted = _mm_add_epi8(v, _mm_set1_epi8(static_cast<char>(-128 - lo)));
    return _mm_cmplt_epi8(shifted, _mm_set1_epi8(static_cast<char>(-128 + (hi - lo + 1))));
  }
  // Any bit set in [from, to)?
  static bool AnyBit(const std::vector<uint64_t>& mask, size_t from, size_t to) {
    while (from < to) {
      size_t w = from / 64, bit = from % 64;
      size_t span = std::min<size_t>(64 - bit, to - from);
      uint64_t window = span == 64 ? ~uint64_t{0} : ((uint64_t{1} << span) - 1) << bit;
      if (mask[w] & window) return true;
      from += span;
    }
    return false;
  }

  std::vector<uint64_t> separators_, non_label_, non_metric_;
  size_t n_ = 0, words_ = 0, word_ = 0;
  uint64_t bits_ = 0;
  bool escapes_ = false, ascii_ = true;
};

// Parses one body; the state shared by its lines lives here so the loop reads plainly.
class LineParser {
 public:
  LineParser(const InfluxOptions& options, const Limits& limits, Timestamp now,
             InfluxLines& out)
      : options_(options), limits_(limits), now_(now), window_(TimeWindow::At(now, limits)),
        out_(out) {}

  void ParseLine(std::string_view line, uint32_t number) {
    ++out_.lines;
    if (line.size() > options_.max_line_bytes) [[unlikely]] {
      RejectLine(number, RejectReason::kInvalidPoint, 1,
                 fmt::format("the line is {} bytes, over the limit of {}", line.size(),
                             options_.max_line_bytes));
      return;
    }
    if (ParseCommonLine(line, number)) return;
    // The general path: escapes, quotes, names to sanitise, unsorted tags, and every error.
    labels_.clear();
    fields_.clear();
    const char* p = line.data();
    const char* end = p + line.size();

    // Measurement.
    bool escaped = false;
    const char* m_end = ScanTo<' ', ',', ' '>(p, end, escaped);
    std::string_view measurement_raw(p, m_end - p);
    if (measurement_raw.empty()) return Syntax(number, line, "missing measurement");
    measurement_ = StoredName(measurement_raw, escaped, ", ", kNames.metric, out_.arena);
    labels_.push_back({"__name__", measurement_});
    p = m_end;

    // Tags.
    while (p < end && *p == ',') {
      ++p;
      bool key_escaped = false;
      const char* k_end = ScanTo<'=', ',', ' '>(p, end, key_escaped);
      if (k_end == end || *k_end != '=') {
        return Syntax(number, line, fmt::format("tag key {} has no '=value'",
                                                QuoteForMessage(std::string_view(p, k_end - p))));
      }
      if (k_end == p) return Syntax(number, line, "empty tag key");
      std::string_view key_raw(p, k_end - p);
      p = k_end + 1;
      bool value_escaped = false;
      const char* v_end = ScanTo<',', ' ', ' '>(p, end, value_escaped);
      std::string_view value(p, v_end - p);
      if (value.empty()) {
        return Syntax(number, line, fmt::format("tag {} has no value", QuoteForMessage(key_raw)));
      }
      if (value_escaped) {
        char* buf = out_.arena.Allocate(value.size());
        value = std::string_view(buf, Unescape(value, ",= ", buf));
      }
      labels_.push_back({StoredName(key_raw, key_escaped, ",= ", kNames.label, out_.arena), value});
      p = v_end;
    }

    // Fields.
    if (p == end) return Syntax(number, line, "missing fields");
    while (p < end && *p == ' ') ++p;
    if (p == end) return Syntax(number, line, "missing fields");
    for (;;) {
      bool key_escaped = false;
      const char* k_end = ScanTo<'=', ',', ' '>(p, end, key_escaped);
      if (k_end == end || *k_end != '=') {
        return Syntax(number, line, fmt::format("field {} has no '=value'",
                                                QuoteForMessage(std::string_view(p, k_end - p))));
      }
      if (k_end == p) return Syntax(number, line, "empty field key");
      Field& f = fields_.emplace_back();
      f.key = std::string_view(p, k_end - p);
      f.key_escaped = key_escaped;
      p = k_end + 1;
      if (p < end && *p == '"') {
        const char* s = p + 1;
        while (s < end && *s != '"') s += (*s == '\\' && s + 1 < end) ? 2 : 1;
        if (s >= end) {
          return Syntax(number, line, fmt::format("unterminated string in field {}",
                                                  QuoteForMessage(f.key)));
        }
        f.kind = FieldKind::kString;
        p = s + 1;
      } else {
        const char* v_end = p;
        while (v_end < end && *v_end != ',' && *v_end != ' ') ++v_end;
        std::string_view value(p, v_end - p);
        if (!ParseFieldValue(value, f.value)) {
          return Syntax(number, line,
                        value.empty()
                            ? fmt::format("field {} has no value", QuoteForMessage(f.key))
                            : fmt::format("field {} has an invalid value {}", QuoteForMessage(f.key),
                                          QuoteForMessage(value)));
        }
        p = v_end;
      }
      if (p < end && *p == ',') {
        ++p;
        continue;
      }
      if (p < end && *p != ' ') {
        return Syntax(number, line, fmt::format("unexpected {} after field {}",
                                                QuoteForMessage(std::string_view(p, 1)),
                                                QuoteForMessage(f.key)));
      }
      break;
    }

    // Timestamp.
    while (p < end && *p == ' ') ++p;
    Timestamp t = now_;
    if (p < end) {
      const char* t_end = p;
      while (t_end < end && *t_end != ' ' && *t_end != '\t') ++t_end;
      std::string_view token(p, t_end - p);
      int64_t raw = 0;
      auto [q, ec] = std::from_chars(token.data(), token.data() + token.size(), raw);
      size_t numeric = NumericFields();
      if (ec != std::errc() || q != token.data() + token.size() ||
          !ToMillis(raw, options_.precision, t)) {
        RejectLine(number, RejectReason::kInvalidTimestamp, numeric,
                   fmt::format("{} is not an integer timestamp in the request's precision",
                               QuoteForMessage(token)));
        return;
      }
      while (t_end < end && (*t_end == ' ' || *t_end == '\t')) ++t_end;
      if (t_end != end) {
        return Syntax(number, line, fmt::format("unexpected {} after the timestamp",
                                                QuoteForMessage(std::string_view(t_end, end - t_end))));
      }
    }
    Emit(number, t);
  }

 private:
  // The fast path for the lines agents send: no escapes or quotes, names that need no
  // sanitising, tags sorted after __name__, single spaces, numbers that parse, a timestamp
  // inside the window, labels within the limits. It stores the line and returns true, or
  // returns false having stored nothing, and the general path parses the line again (and
  // reports what is wrong with it).
  bool ParseCommonLine(std::string_view line, uint32_t number) {
    const char* b = line.data();
    size_t n = line.size();
    masks_.Compute(b, n);
    if (masks_.escapes()) return false;
    size_t j = masks_.NextSeparator();
    if (j == 0 || j == n || b[j] == '=' || IsDigit(b[0]) || !masks_.MetricNameClean(0, j) ||
        j > limits_.max_metric_name_length) {
      return false;
    }
    measurement_ = std::string_view(b, j);
    // Labels go into a buffer sized once for the limit: no capacity checks per label.
    size_t max_labels = size_t{limits_.max_tags} + 1;
    if (fast_labels_.size() < max_labels) fast_labels_.resize(max_labels);
    LabelView* labels = fast_labels_.data();
    size_t count = 0;
    labels[count++] = {"__name__", measurement_};
    std::string_view previous = "__name__";
    bool ascii = masks_.ascii();
    char c = b[j];
    while (c == ',') {
      size_t k = masks_.NextSeparator();
      if (k == n || b[k] != '=' || k == j + 1) return false;
      size_t v = masks_.NextSeparator();
      if (v == k + 1 || (v < n && b[v] == '=')) return false;
      std::string_view key(b + j + 1, k - j - 1), value(b + k + 1, v - k - 1);
      if (!SortsAfter(key, previous) || key[0] == '_' || IsDigit(key[0]) ||
          key.size() > limits_.max_label_name_length || !masks_.LabelNameClean(j + 1, k)) {
        return false;
      }
      if (ascii ? value.size() > limits_.max_label_value_length
                : CheckLabelValue(key, value, limits_).has_value()) {
        return false;
      }
      if (count == max_labels) return false;
      labels[count++] = {key, value};
      previous = key;
      j = v;
      c = v < n ? b[v] : '\0';
    }
    if (c != ' ') return false;
    fields_.clear();
    size_t start = j + 1;
    Timestamp t = now_;
    for (;;) {
      size_t k = masks_.NextSeparator();
      if (k == n || b[k] != '=' || k == start) return false;
      size_t v = masks_.NextSeparator();
      if (v < n && b[v] == '=') return false;
      Field& f = fields_.emplace_back();
      f.key = std::string_view(b + start, k - start);
      if (!ParseFieldValue(std::string_view(b + k + 1, v - k - 1), f.value)) return false;
      if (v == n) break;
      if (b[v] == ',') {
        start = v + 1;
        continue;
      }
      if (masks_.NextSeparator() != n) return false;  // more spaces: the general path
      int64_t raw = 0;
      if (!ParseTimestampDigits(std::string_view(b + v + 1, n - v - 1), raw) ||
          !ToMillis(raw, options_.precision, t)) {
        return false;
      }
      break;
    }
    if (!window_.Contains(t)) return false;
    // Build every name before storing anything, so a bail-out stores nothing.
    if (names_.size() < fields_.size()) names_.resize(fields_.size());
    for (size_t i = 0; i < fields_.size(); ++i) {
      std::string_view name = MetricName(fields_[i]);
      if (name.size() > limits_.max_metric_name_length) return false;
      names_[i] = name;
    }
    IngestReport& report = out_.report;
    for (size_t i = 0; i < fields_.size(); ++i) {
      labels[0].value = names_[i];
      out_.batch.BeginSeries(std::span<const LabelView>(labels, count));
      out_.batch.AddSample(t, fields_[i].value);
      report.series_source.push_back(number);
    }
    report.accepted_candidates += fields_.size();
    return true;
  }

  struct Field {
    std::string_view key;
    bool key_escaped = false;
    FieldKind kind = FieldKind::kNumber;
    double value = 0;
  };

  size_t NumericFields() const {
    size_t n = 0;
    for (const Field& f : fields_) n += f.kind == FieldKind::kNumber;
    return n;
  }

  void RejectLine(uint32_t number, RejectReason reason, uint64_t samples, std::string detail) {
    IngestReport& report = out_.report;
    ++out_.rejected_lines;
    report.Count(reason, samples == 0 ? 1 : samples);
    if (report.WantsMessage()) {
      std::string message(ReasonName(reason));
      message += ": ";
      message += detail;
      report.errors.push_back({number, std::move(message)});
    }
  }

  // A line that does not parse: nothing of it is stored; counted as one rejected point.
  void Syntax(uint32_t number, std::string_view line, std::string_view what) {
    RejectLine(number, RejectReason::kInvalidPoint, 1,
               fmt::format("{} in {}", what, QuoteForMessage(line)));
  }

  // The metric name of field `f`: the measurement for `value`, else measurement_field.
  std::string_view MetricName(const Field& f) {
    if (!f.key_escaped && IsValueKey(f.key)) return measurement_;
    std::string_view key = f.key;
    if (f.key_escaped) {
      char* buf = out_.arena.Allocate(key.size());
      key = std::string_view(buf, Unescape(key, ",= ", buf));
    }
    char* buf = out_.arena.Allocate(measurement_.size() + 1 + key.size());
    std::memcpy(buf, measurement_.data(), measurement_.size());
    buf[measurement_.size()] = '_';
    size_t n = Sanitise(key, kNames.metric, buf + measurement_.size() + 1);
    // A digit is fine after "measurement_": undo the leading-digit rule for the field part.
    if (IsDigit(key[0])) buf[measurement_.size() + 1] = key[0];
    return std::string_view(buf, measurement_.size() + 1 + n);
  }

  void Emit(uint32_t number, Timestamp t) {
    IngestReport& report = out_.report;
    size_t numeric = NumericFields();
    // String fields are refused one by one; the line's numbers are still stored.
    for (const Field& f : fields_) {
      if (f.kind != FieldKind::kString) continue;
      report.Count(RejectReason::kInvalidValue);
      if (report.WantsMessage()) {
        report.errors.push_back(
            {number, fmt::format("{}: field {} is a string; only numbers and booleans are stored",
                                 ReasonName(RejectReason::kInvalidValue), QuoteForMessage(f.key))});
      }
    }
    if (numeric == 0) return;
    if (!window_.Contains(t)) [[unlikely]] {
      Violation v = window_.Describe(t);
      RejectLine(number, v.reason, numeric, v.message.substr(v.message.find(": ") + 2));
      return;
    }
    // Tags are validated once per line, with the measurement standing for every field's name.
    if (auto v = CheckSeriesLabels(labels_, limits_)) {
      RejectLine(number, v->reason, numeric, v->message.substr(v->message.find(": ") + 2));
      return;
    }
    size_t name_at = 0;
    while (labels_[name_at].name != "__name__") ++name_at;
    for (const Field& f : fields_) {
      if (f.kind != FieldKind::kNumber) continue;
      std::string_view name = MetricName(f);
      if (name.size() > limits_.max_metric_name_length) [[unlikely]] {
        report.Count(RejectReason::kMetricNameTooLong);
        if (report.WantsMessage()) {
          report.errors.push_back(
              {number, fmt::format("{}: metric name {} is {} bytes, over the limit of {}",
                                   ReasonName(RejectReason::kMetricNameTooLong),
                                   QuoteForMessage(name), name.size(),
                                   limits_.max_metric_name_length)});
        }
        continue;
      }
      labels_[name_at].value = name;
      out_.batch.BeginSeries(labels_);
      out_.batch.AddSample(t, f.value);
      report.series_source.push_back(number);
      ++report.accepted_candidates;
    }
  }

  const InfluxOptions& options_;
  const Limits& limits_;
  Timestamp now_;
  TimeWindow window_;
  InfluxLines& out_;
  std::string_view measurement_;
  std::vector<LabelView> labels_;
  std::vector<Field> fields_;
  std::vector<std::string_view> names_;
  std::vector<LabelView> fast_labels_;
  LineMasks masks_;
};

void Reset(InfluxLines& out) {
  out.batch.Clear();
  IngestReport& report = out.report;
  report.accepted_candidates = 0;
  report.rejected = 0;
  report.rejected_by_reason.fill(0);
  report.errors.clear();
  report.series_source.clear();
  out.lines = 0;
  out.rejected_lines = 0;
  out.arena.Reset();
}

}  // namespace

std::optional<InfluxPrecision> ParseInfluxPrecision(std::string_view value, bool v2) {
  if (value.empty() || value == "ns") return InfluxPrecision::kNanoseconds;
  if (value == "us") return InfluxPrecision::kMicroseconds;
  if (value == "ms") return InfluxPrecision::kMilliseconds;
  if (value == "s") return InfluxPrecision::kSeconds;
  if (v2) return std::nullopt;
  if (value == "n") return InfluxPrecision::kNanoseconds;
  if (value == "u") return InfluxPrecision::kMicroseconds;
  if (value == "m") return InfluxPrecision::kMinutes;
  if (value == "h") return InfluxPrecision::kHours;
  return std::nullopt;
}

char* CharArena::Allocate(size_t size) {
  if (size > kBlockSize) return large_.emplace_back(new char[size]).get();
  if (blocks_.empty()) {
    blocks_.emplace_back(new char[kBlockSize]);
    block_ = 0;
    used_ = 0;
  }
  if (used_ + size > kBlockSize) {
    if (++block_ == blocks_.size()) blocks_.emplace_back(new char[kBlockSize]);
    used_ = 0;
  }
  char* out = blocks_[block_].get() + used_;
  used_ += size;
  return out;
}

void CharArena::Reset() {
  large_.clear();
  block_ = 0;
  used_ = 0;
}

Status ParseInfluxLinesInto(std::string_view body, const InfluxOptions& options,
                            const Limits& limits, Timestamp now, InfluxLines& out) {
  Reset(out);
  LineParser parser(options, limits, now, out);
  const char* p = body.data();
  const char* end = p + body.size();
  uint32_t number = 0;
  while (p < end) {
    ++number;
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    const char* line_end = nl == nullptr ? end : nl;
    const char* next = nl == nullptr ? end : nl + 1;
    if (line_end > p && line_end[-1] == '\r') --line_end;
    while (p < line_end && (*p == ' ' || *p == '\t')) ++p;
    if (p < line_end && *p != '#') {
      parser.ParseLine(std::string_view(p, line_end - p), number);
      if (out.batch.sample_count() > options.max_samples_per_request) [[unlikely]] {
        return Status::ResourceExhausted(fmt::format(
            "the body holds more than {} samples (line {}); split it into smaller requests",
            options.max_samples_per_request, number));
      }
    }
    p = next;
  }
  return Status::Ok();
}

}  // namespace strata::ingest

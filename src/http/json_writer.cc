#include "strata/http/json_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>

namespace strata::http {

void JsonWriter::Separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.back()) *out_ += ',';
  first_.back() = 0;
}

JsonWriter& JsonWriter::BeginObject() {
  Separate();
  *out_ += '{';
  first_.push_back(1);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  *out_ += '}';
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  Separate();
  *out_ += '[';
  first_.push_back(1);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  *out_ += ']';
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  String(key);
  *out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view s) {
  Separate();
  std::string& o = *out_;
  o += '"';
  // Label names and values rarely need escaping: copy runs of plain bytes in one append.
  const char* run = s.data();
  const char* end = s.data() + s.size();
  for (const char* p = run; p != end; ++p) {
    unsigned char c = static_cast<unsigned char>(*p);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    o.append(run, static_cast<size_t>(p - run));
    run = p + 1;
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default: fmt::format_to(std::back_inserter(o), "\\u{:04x}", c);
    }
  }
  o.append(run, static_cast<size_t>(end - run));
  o += '"';
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t v) {
  Separate();
  fmt::format_to(std::back_inserter(*out_), "{}", v);
  return *this;
}

JsonWriter& JsonWriter::UInt(uint64_t v) {
  Separate();
  fmt::format_to(std::back_inserter(*out_), "{}", v);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool b) {
  Separate();
  *out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Null() {
  Separate();
  *out_ += "null";
  return *this;
}

namespace {

constexpr char kPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// Writes v < 10^4 as exactly four digits (leading zeros kept).
[[gnu::always_inline]] inline void FourDigits(unsigned v, char* p) {
  std::memcpy(p, kPairs + 2 * (v / 100), 2);
  std::memcpy(p + 2, kPairs + 2 * (v % 100), 2);
}

// Writes the decimal digits of v ending at `end` (backwards); returns the first digit. Eight
// digits at a time while there are more: their four pairs do not wait on one another, where
// pair by pair each waits for the division before it.
char* DigitsBackward(uint64_t v, char* end) {
  char* p = end;
  while (v >= 100000000) {
    const uint64_t q = v / 100000000;
    const auto low = static_cast<unsigned>(v - q * 100000000);
    p -= 8;
    FourDigits(low / 10000, p);
    FourDigits(low % 10000, p + 4);
    v = q;
  }
  while (v >= 100) {
    unsigned pair = static_cast<unsigned>(v % 100) * 2;
    v /= 100;
    *--p = kPairs[pair + 1];
    *--p = kPairs[pair];
  }
  if (v >= 10) {
    unsigned pair = static_cast<unsigned>(v) * 2;
    *--p = kPairs[pair + 1];
    *--p = kPairs[pair];
  } else {
    *--p = static_cast<char>('0' + v);
  }
  return p;
}

constexpr uint64_t kPow10U64[] = {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
                                  10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
                                  100000000000ull, 1000000000000ull, 10000000000000ull,
                                  100000000000000ull, 1000000000000000ull, 10000000000000000ull,
                                  100000000000000000ull, 1000000000000000000ull,
                                  10000000000000000000ull};

// Writes v's digits in place: counts them first, so no temporary and no copy.
char* WriteUnsigned(uint64_t v, char* out) {
  if (v < 10) {
    *out = static_cast<char>('0' + v);
    return out + 1;
  }
  // floor(log10(v)) is bit_width * log10(2) rounded down, or one less (1233 / 4096 ~ log10 2).
  int t = (std::bit_width(v) * 1233) >> 12;
  int digits = t + 1 - (v < kPow10U64[t] ? 1 : 0);
  DigitsBackward(v, out + digits);
  return out + digits;
}

// The common sample values without the shortest-digits search: integers below 2^53 and
// decimals m / 10^k (k <= 4) of at most 15 significant digits. Writes at most 26 bytes; returns
// nullptr for anything else (NaN, infinities, large or long values: rates, averages), which then
// takes the general path.
//
// One division decides it. If v is the double nearest m / 10^k, then v * 10^4 lies within a
// quarter of the integer r = m * 10^(4-k) (below 10^15 the product's rounding errs by far less),
// and r / 10^4, a division of exact operands, rounds to the double nearest m / 10^k: v again.
// Conversely, r / 10^4 == v says that the decimal r / 10^4 converts to v. It has at most 15
// significant digits, and two decimals of at most 15 significant digits never convert to the
// same double (DBL_DIG), so any shorter text converting to v has the same value: r / 10^4 with
// its trailing zeros dropped is the shortest round-trip text, as std::to_chars and Go's
// strconv.FormatFloat(v, 'f', -1, 64) give it.
char* FastPromFloat(double v, char* out) {
  double a = std::fabs(v);
  if (!(a < 9007199254740992.0)) return nullptr;  // also NaN
  char* p = out;
  if (std::signbit(v)) *p++ = '-';  // Go and to_chars keep the sign of -0 and -0.5
  auto whole = static_cast<uint64_t>(a);
  if (static_cast<double>(whole) == a) return WriteUnsigned(whole, p);
  const double scaled = a * 1e4;
  if (!(scaled < 1e15)) return nullptr;
  const double r = std::nearbyint(scaled);
  if (r / 1e4 != a) return nullptr;
  const auto m = static_cast<uint64_t>(r);
  p = WriteUnsigned(m / 10000, p);
  // The fraction is not zero (a is not whole): four digits, trailing zeros dropped.
  *p = '.';
  FourDigits(static_cast<unsigned>(m % 10000), p + 1);
  p += 5;
  while (p[-1] == '0') --p;
  return p;
}

// Writes v in Prometheus' sample value form (without quotes), using the fast path when it
// applies; at most kPromFloatMaxBytes.
constexpr size_t kPromFloatMaxBytes = 350;  // fixed notation of 5e-324 is 2 + 323 + 1 digits

char* WritePromFloat(double v, char* out) {
  if (char* end = FastPromFloat(v, out)) return end;
  if (!std::isfinite(v)) {
    std::string_view text = std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf");
    std::memcpy(out, text.data(), text.size());
    return out + text.size();
  }
  // The shortest round-trip digits (Dragonbox, as fmt's "{}" and so FormatPromFloat find them:
  // the digits closest to v among the shortest; fmt exports the function from its library, in
  // its detail namespace, as fmt 9 of Debian 12 does), written in fixed notation as Go's
  // strconv.FormatFloat(v, 'f', -1, 64) does: large values padded with zeros
  // (2577404796788113400), small ones after "0." and zeros.
  if (std::signbit(v)) *out++ = '-';
  const auto dec = fmt::detail::dragonbox::to_decimal(std::fabs(v));
  char digits[20];
  char* const digits_end = digits + sizeof digits;
  const char* first = DigitsBackward(dec.significand, digits_end);
  const int n = static_cast<int>(digits_end - first);
  const int point = n + dec.exponent;  // digits before the decimal point
  if (dec.exponent >= 0) {
    out = std::copy_n(first, n, out);
    out = std::fill_n(out, dec.exponent, '0');
  } else if (point > 0) {
    out = std::copy_n(first, point, out);
    *out++ = '.';
    out = std::copy_n(first + point, n - point, out);
  } else {
    *out++ = '0';
    *out++ = '.';
    out = std::fill_n(out, -point, '0');
    out = std::copy_n(first, n, out);
  }
  return out;
}

void AppendPromFloat(std::string* out, double v) {
  char buf[kPromFloatMaxBytes];
  out->append(buf, static_cast<size_t>(WritePromFloat(v, buf) - buf));
}

// Writes ms as Prometheus' timestamp (seconds with up to 3 decimals); at most 25 bytes.
char* WritePromTimestamp(int64_t ms, char* p) {
  uint64_t mag = static_cast<uint64_t>(ms);
  if (ms < 0) {
    *p++ = '-';
    mag = 0 - mag;
  }
  p = WriteUnsigned(mag / 1000, p);
  auto frac = static_cast<unsigned>(mag % 1000);
  if (frac != 0) {
    *p++ = '.';
    *p++ = static_cast<char>('0' + frac / 100);
    *p++ = static_cast<char>('0' + frac / 10 % 10);
    *p++ = static_cast<char>('0' + frac % 10);
    while (p[-1] == '0') --p;
  }
  return p;
}

}  // namespace

JsonWriter& JsonWriter::Double(double v) {
  if (!std::isfinite(v)) return Null();
  Separate();
  AppendPromFloat(out_, v);
  return *this;
}

JsonWriter& JsonWriter::PromValue(double v) {
  Separate();
  *out_ += '"';
  AppendPromFloat(out_, v);
  *out_ += '"';
  return *this;
}

JsonWriter& JsonWriter::PromTimestamp(int64_t ms) {
  Separate();
  char buf[32];
  out_->append(buf, static_cast<size_t>(WritePromTimestamp(ms, buf) - buf));
  return *this;
}

namespace {

// ".ddd" of a millisecond fraction with its trailing zeros dropped, and its length (0 for none).
struct FracText {
  char text[4];
  uint8_t len;
};
constexpr std::array<FracText, 1000> MakeFracTexts() {
  std::array<FracText, 1000> t{};
  for (unsigned f = 0; f < 1000; ++f) {
    t[f].text[0] = '.';
    t[f].text[1] = static_cast<char>('0' + f / 100);
    t[f].text[2] = static_cast<char>('0' + f / 10 % 10);
    t[f].text[3] = static_cast<char>('0' + f % 10);
    uint8_t len = f == 0 ? 0 : 4;
    while (len > 1 && t[f].text[len - 1] == '0') --len;
    t[f].len = len;
  }
  return t;
}
constexpr std::array<FracText, 1000> kFracTexts = MakeFracTexts();

}  // namespace

char* PromPointWriter::Timestamp(int64_t ms, char* p) {
  // Seconds from 10^4 to below 10^19 / 1000: the digits above the last four are those of the
  // previous point nearly always.
  if (ms < 10'000'000 || ms >= 1'000'000'000'000'000'000) return WritePromTimestamp(ms, p);
  const auto u = static_cast<uint64_t>(ms);
  const uint64_t sec = u / 1000;
  const uint64_t high = sec / 10000;
  if (high != high_) {
    high_ = high;
    high_len_ = static_cast<uint8_t>(WriteUnsigned(high, high_text_) - high_text_);
  }
  std::memcpy(p, high_text_, sizeof high_text_);
  p += high_len_;
  FourDigits(static_cast<unsigned>(sec % 10000), p);
  p += 4;
  const FracText& f = kFracTexts[u % 1000];
  std::memcpy(p, f.text, 4);
  return p + f.len;
}

char* PromPointWriter::Write(char* p, int64_t ms, double v) {
  *p++ = '[';
  p = Timestamp(ms, p);
  *p++ = ',';
  *p++ = '"';
  p = WritePromFloat(v, p);
  *p++ = '"';
  *p++ = ']';
  return p;
}

char* WritePromPoint(char* p, int64_t ms, double v) {
  *p++ = '[';
  p = WritePromTimestamp(ms, p);
  *p++ = ',';
  *p++ = '"';
  p = WritePromFloat(v, p);
  *p++ = '"';
  *p++ = ']';
  return p;
}

JsonWriter& JsonWriter::PromPoint(int64_t ms, double v) {
  Separate();
  char buf[kPromPointMaxBytes];
  out_->append(buf, static_cast<size_t>(WritePromPoint(buf, ms, v) - buf));
  return *this;
}

char* JsonWriter::Room(size_t used) {
  if (out_->size() - used < kPromPointMaxBytes + 1) {
    // Grow by at least 64 KiB past what is written: the zero-fill of resize stays a small
    // share of the bytes written.
    out_->resize(std::max(used + (64u << 10), out_->capacity()));
  }
  return out_->data() + used;
}

JsonWriter& JsonWriter::LabelsObject(const Labels& labels) {
  BeginObject();
  for (const auto& l : labels) Key(l.name).String(l.value);
  return EndObject();
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  Separate();
  *out_ += json;
  return *this;
}

std::string FormatPromFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::string s = fmt::format("{}", v);
  auto e = s.find('e');
  if (e == std::string::npos) return s;
  // Rewrite d.ddde±X in fixed notation, as Go's strconv.FormatFloat(v, 'f', -1, 64) does.
  bool neg = s[0] == '-';
  std::string mant = s.substr(neg ? 1 : 0, e - (neg ? 1 : 0));
  int exp = std::stoi(s.substr(e + 1));
  std::string digits;
  int point = 0;
  for (char c : mant) {
    if (c == '.') point = static_cast<int>(digits.size());
    else digits += c;
  }
  if (mant.find('.') == std::string::npos) point = static_cast<int>(digits.size());
  point += exp;
  std::string out = neg ? "-" : "";
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-point), '0');
    out += digits;
  } else if (point >= static_cast<int>(digits.size())) {
    out += digits;
    out.append(static_cast<size_t>(point) - digits.size(), '0');
  } else {
    out += digits.substr(0, point);
    out += '.';
    out += digits.substr(point);
  }
  return out;
}

}  // namespace strata::http

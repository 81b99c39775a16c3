#include "storage/chunkenc/class_code.h"

#include <limits>

namespace strata::storage::chunkenc {

ClassTable ChooseClassTable(const LengthHistogram& hist, uint64_t* total_bits) {
  // Distinct lengths present, ascending, with prefix sums of their counts (1-based).
  std::array<int, 66> len{};
  std::array<uint64_t, 66> cum{};
  int k = 0;
  for (int l = 0; l <= 64; ++l) {
    if (hist[l] == 0) continue;
    ++k;
    len[k] = l;
    cum[k] = cum[k - 1] + hist[l];
  }
  constexpr uint64_t kInf = std::numeric_limits<uint64_t>::max() / 2;
  if (k == 0) {  // no residual at all: the smallest table
    *total_bits = 3 + 7;
    return ClassTable{};
  }
  // f[g][j]: least bits for the lengths 1..j split into g classes that are not the last one,
  // the g-th of which has a (g)-bit prefix. from[g][j]: where class g starts (exclusive).
  std::array<std::array<uint64_t, 66>, kMaxClasses> f;
  std::array<std::array<uint8_t, 66>, kMaxClasses> from{};
  for (auto& row : f) row.fill(kInf);
  f[0][0] = 0;
  for (int g = 1; g < kMaxClasses && g < k; ++g) {
    for (int j = g; j < k; ++j) {
      uint64_t best = kInf;
      int arg = 0;
      for (int i = g - 1; i < j; ++i) {
        if (f[g - 1][i] >= kInf) continue;
        uint64_t c = f[g - 1][i] + static_cast<uint64_t>(g + len[j]) * (cum[j] - cum[i]);
        if (c < best) {
          best = c;
          arg = i;
        }
      }
      f[g][j] = best;
      from[g][j] = static_cast<uint8_t>(arg);
    }
  }
  // The last class always ends at the longest length and has an (m-1)-bit prefix.
  uint64_t best = kInf;
  int best_m = 1, best_i = 0;
  for (int m = 1; m <= kMaxClasses && m <= k; ++m) {
    for (int i = m - 1; i < k; ++i) {
      if (f[m - 1][i] >= kInf) continue;
      uint64_t c = f[m - 1][i] + static_cast<uint64_t>(m - 1 + len[k]) * (cum[k] - cum[i]) +
                   static_cast<uint64_t>(3 + 7 * m);
      if (c < best) {
        best = c;
        best_m = m;
        best_i = i;
      }
    }
  }
  ClassTable t;
  t.classes = best_m;
  t.widths[best_m - 1] = static_cast<uint8_t>(len[k]);
  for (int g = best_m - 1, j = best_i; g >= 1; --g) {
    t.widths[g - 1] = static_cast<uint8_t>(len[j]);
    j = from[g][j];
  }
  *total_bits = best;
  return t;
}

void WriteClassTable(const ClassTable& table, BitWriter* w) {
  w->Write(static_cast<uint64_t>(table.classes - 1), 3);
  for (int c = 0; c < table.classes; ++c) w->Write(table.widths[c], 7);
}

bool ReadClassTable(BitReader* r, ClassTable* table) {
  int classes = static_cast<int>(r->Read(3)) + 1;
  if (classes > kMaxClasses) return false;
  table->classes = classes;
  table->widths.fill(0);
  for (int c = 0; c < classes; ++c) {
    uint64_t width = r->Read(7);
    if (width > 64) return false;
    table->widths[c] = static_cast<uint8_t>(width);
  }
  return !r->overrun();
}

ClassEncoder::ClassEncoder(const ClassTable& table) {
  int m = table.classes;
  for (int l = 0; l <= 64; ++l) {
    int c = 0;
    while (c < m - 1 && table.widths[c] < l) ++c;
    Code& code = code_of_length_[l];
    if (c < m - 1) {
      code.prefix = ((uint64_t{1} << c) - 1) << 1;  // c ones, then a zero
      code.prefix_len = c + 1;
    } else {
      code.prefix = (uint64_t{1} << c) - 1;  // m-1 ones
      code.prefix_len = c;
    }
    code.width = table.widths[c];
  }
}

ClassDecoder::ClassDecoder(const ClassTable& table) {
  last_ = table.classes - 1;
  all_zero_ = table.classes == 1 && table.widths[0] == 0;
  for (int c = 0; c <= last_; ++c) {
    const uint64_t width = table.widths[c];
    const uint64_t prefix = static_cast<uint64_t>(c + (c < last_));
    widths_ |= width << (8 * c);
    lens_ |= (prefix + width) << (8 * c);
    prefixes_ |= prefix << (8 * c);
    shifts_ |= (63 - width) << (8 * c);
  }
}

}  // namespace strata::storage::chunkenc

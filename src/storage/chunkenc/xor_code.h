// XorCode: Gorilla's XOR value code (Pelkonen et al., VLDB 2015, as in Prometheus' XOR chunk),
// used when a chunk's values are neither constant nor decimal. Each value after the first is
// XORed with its predecessor and written as
//
//   '0'                                       identical bits
//   '10' meaningful-bits                      fits the previous leading/trailing-zero window
//   '11' leading:5 sigbits:6 meaningful-bits  new window (leading capped at 31, sigbits 64 as 0)
//
// It works on the raw IEEE bits, so NaN payloads, infinities, -0.0 and denormals round-trip.
#pragma once

#include <cstdint>

#include "storage/chunkenc/bit_stream.h"

namespace strata::storage::chunkenc {

// Writes the values after the first.
// Thread-safety: not synchronised.
class XorEncoder {
 public:
  explicit XorEncoder(uint64_t first_bits) : prev_(first_bits) {}

  void Put(uint64_t bits, BitWriter* w) {
    uint64_t delta = bits ^ prev_;
    prev_ = bits;
    if (delta == 0) {
      w->Write(0, 1);
      return;
    }
    int lead = __builtin_clzll(delta);
    int trail = __builtin_ctzll(delta);
    if (lead > 31) lead = 31;
    if (lead_ >= 0 && lead >= lead_ && trail >= trail_) {
      w->Write(0b10, 2);
      w->Write(delta >> trail_, 64 - lead_ - trail_);
      return;
    }
    lead_ = lead;
    trail_ = trail;
    int sig = 64 - lead - trail;
    w->Write((uint64_t{0b11} << 11) | (static_cast<uint64_t>(lead) << 6) |
                 static_cast<uint64_t>(sig & 63),
             13);
    w->Write(delta >> trail, sig);
  }

 private:
  uint64_t prev_;
  int lead_ = -1;  // no window yet
  int trail_ = 0;
};

// Reads the values after the first.
// Thread-safety: not synchronised.
class XorDecoder {
 public:
  XorDecoder() = default;
  explicit XorDecoder(uint64_t first_bits) : prev_(first_bits) {}

  // The next value's bits; false when the code is invalid (a window reused before one was set,
  // or a window wider than 64 bits).
  [[gnu::always_inline]] bool Get(BitReader* r, uint64_t* bits) {
    uint64_t w = r->Peek();
    if ((w >> 63) == 0) {
      r->Skip(1);
      *bits = prev_;
      return true;
    }
    if (((w >> 62) & 1) == 0) {
      if (lead_ < 0) return false;
      r->Skip(2);
      prev_ ^= r->Read(64 - lead_ - trail_) << trail_;
      *bits = prev_;
      return true;
    }
    int lead = static_cast<int>((w >> 57) & 31);
    int sig = static_cast<int>((w >> 51) & 63);
    if (sig == 0) sig = 64;
    if (lead + sig > 64) return false;
    lead_ = lead;
    trail_ = 64 - lead - sig;
    r->Skip(13);
    prev_ ^= r->Read(sig) << trail_;
    *bits = prev_;
    return true;
  }

 private:
  uint64_t prev_ = 0;
  int lead_ = -1;
  int trail_ = 0;
};

}  // namespace strata::storage::chunkenc

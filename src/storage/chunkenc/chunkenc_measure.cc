// chunkenc_measure: bytes per sample and encode/decode speed of the chunk codec on synthetic
// node_exporter-like series (a measurement tool, not a test; numbers vary by machine).
//
//   chunkenc_measure [samples_per_chunk=120] [jitter_ms=0] [series=1000] [chunks_per_series=20]
//
// Each series follows one value kind (the shares below follow a node_exporter scrape: about 31%
// of its series never change); timestamps are a 10 s scrape with +-jitter_ms of noise. Reports
// per kind and overall, and the size after zstd of 64 KiB blocks of concatenated chunks (roughly
// what RocksDB does with its blocks).
#include <zstd.h>

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "storage/chunkenc/chunk.h"

namespace {

using strata::storage::Sample;
namespace chunkenc = strata::storage::chunkenc;

enum Kind { kConstant, kCounterInt, kCounterCenti, kCounterMilli, kGaugeInt, kGaugeBytes,
            kGaugeBlocks, kGaugeCenti, kEntropy, kKinds };
const char* kKindNames[kKinds] = {"constant",   "counter_int", "counter_centi",
                                  "counter_milli", "gauge_int", "gauge_bytes",
                                  "gauge_blocks", "gauge_centi", "entropy"};
const int kShare[kKinds] = {31, 16, 14, 5, 8, 8, 6, 6, 6};  // percent of series

struct Series {
  Kind kind;
  int64_t units;
  int64_t step;
};

double NextValue(Series& s, std::mt19937_64& rng) {
  auto uni = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  switch (s.kind) {
    case kConstant: return static_cast<double>(s.units);
    case kCounterInt: s.units += uni(0, 2 * s.step); return static_cast<double>(s.units);
    case kCounterCenti: s.units += uni(s.step / 2, s.step * 3 / 2); return s.units / 100.0;
    case kCounterMilli: s.units += uni(0, 2 * s.step); return s.units / 1000.0;
    case kGaugeInt: s.units = std::max<int64_t>(0, s.units + uni(-s.step, s.step));
      return static_cast<double>(s.units);
    case kGaugeBytes: s.units = std::max<int64_t>(0, s.units + uni(-s.step, s.step));
      return static_cast<double>(s.units * 1024);
    case kGaugeBlocks: s.units = std::max<int64_t>(0, s.units + uni(-s.step, s.step));
      return static_cast<double>(s.units * 4096);
    case kGaugeCenti: s.units = std::max<int64_t>(0, s.units + uni(-s.step, s.step));
      return s.units / 100.0;
    case kEntropy: return std::uniform_real_distribution<double>(0, 1)(rng);
    default: return 0;
  }
}

// CPU time of this thread: the machine is shared, so wall time would count other processes.
double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

constexpr int kRepeats = 5;  // the best of several runs

// What the timed loops do with each decoded sample: integer adds, cheap and not a serial chain of
// floating-point additions that would hide the decoder's own cost.
inline uint64_t Digest(const Sample& s) {
  uint64_t bits;
  std::memcpy(&bits, &s.v, sizeof bits);
  return bits + static_cast<uint64_t>(s.t);
}

}  // namespace

int main(int argc, char** argv) {
  size_t per_chunk = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 120;
  int64_t jitter = argc > 2 ? std::strtoll(argv[2], nullptr, 10) : 0;
  size_t n_series = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 1000;
  size_t chunks_per_series = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 20;
  std::mt19937_64 rng(1);

  // Generate all chunks' samples first so that timing covers only the codec.
  std::vector<std::vector<Sample>> chunks;
  std::vector<Kind> chunk_kind;
  for (size_t i = 0; i < n_series; ++i) {
    int pick = static_cast<int>(i * 100 / n_series), k = 0;
    while (pick >= kShare[k]) pick -= kShare[k++];
    Series s{static_cast<Kind>(k), static_cast<int64_t>(rng() % 1'000'000),
             1 + static_cast<int64_t>(rng() % 2000)};
    int64_t t = 1'700'000'000'000 + static_cast<int64_t>(rng() % 10'000);
    for (size_t c = 0; c < chunks_per_series; ++c) {
      std::vector<Sample> samples;
      for (size_t j = 0; j < per_chunk; ++j) {
        t += 10'000;
        int64_t tj = t + (jitter ? std::uniform_int_distribution<int64_t>(-jitter, jitter)(rng) : 0);
        samples.push_back({tj, NextValue(s, rng)});
      }
      chunks.push_back(std::move(samples));
      chunk_kind.push_back(s.kind);
    }
  }
  size_t total_samples = chunks.size() * per_chunk;

  std::vector<std::string> encoded(chunks.size());
  double encode_s = 1e9, decode_s = 1e9;
  uint64_t checksum = 0;
  double batch_s = 1e9;
  std::vector<Sample> out_a(per_chunk);
  for (int rep = 0; rep < kRepeats; ++rep) {
    for (auto& e : encoded) e.clear();
    double a = CpuSeconds();
    for (size_t i = 0; i < chunks.size(); ++i) chunkenc::Encode(chunks[i], &encoded[i]);
    double b = CpuSeconds();
    checksum = 0;
    for (const auto& c : encoded) {
      chunkenc::ChunkIterator it(c);
      while (it.Next()) checksum += Digest(it.At());
      if (!it.Err().ok()) {
        std::fprintf(stderr, "decode failed: %s\n", it.Err().ToString().c_str());
        return 1;
      }
    }
    double e = CpuSeconds();
    // Whole chunks through NextBatch, as the query path reads them.
    uint64_t batch_sum = 0;
    for (const auto& c : encoded) {
      chunkenc::ChunkIterator it(c);
      size_t n = it.NextBatch(out_a);
      for (size_t j = 0; j < n; ++j) batch_sum += Digest(out_a[j]);
    }
    double f = CpuSeconds();
    if (batch_sum != checksum) {
      std::fprintf(stderr, "batch decode differs\n");
      return 1;
    }
    encode_s = std::min(encode_s, b - a);
    decode_s = std::min(decode_s, e - b);
    batch_s = std::min(batch_s, f - e);
  }
  for (size_t i = 0; i < chunks.size(); ++i) {
    auto d = chunkenc::Decode(encoded[i]);
    if (!d.ok() || d->size() != chunks[i].size()) {
      std::fprintf(stderr, "round trip failed at chunk %zu\n", i);
      return 1;
    }
    for (size_t j = 0; j < d->size(); ++j) {
      if ((*d)[j].t != chunks[i][j].t ||
          std::memcmp(&(*d)[j].v, &chunks[i][j].v, sizeof(double)) != 0) {
        std::fprintf(stderr, "round trip mismatch at chunk %zu sample %zu\n", i, j);
        return 1; break;
      }
    }
  }

  // Per value kind: whole chunks through NextBatch.
  double kind_batch_s[kKinds];
  for (int k = 0; k < kKinds; ++k) kind_batch_s[k] = 1e9;
  for (int rep = 0; rep < kRepeats; ++rep) {
    for (int k = 0; k < kKinds; ++k) {
      double a = CpuSeconds();
      uint64_t sum = 0;
      for (size_t i = 0; i < encoded.size(); ++i) {
        if (chunk_kind[i] != k) continue;
        chunkenc::ChunkIterator it(encoded[i]);
        size_t n = it.NextBatch(out_a);
        for (size_t j = 0; j < n; ++j) sum += Digest(out_a[j]);
      }
      double b = CpuSeconds();
      if (sum == 0) std::fprintf(stderr, "%s: nothing decoded\n", kKindNames[k]);
      kind_batch_s[k] = std::min(kind_batch_s[k], b - a);
    }
  }

  size_t bytes[kKinds] = {}, samples[kKinds] = {}, total_bytes = 0;
  for (size_t i = 0; i < chunks.size(); ++i) {
    bytes[chunk_kind[i]] += encoded[i].size();
    samples[chunk_kind[i]] += chunks[i].size();
    total_bytes += encoded[i].size();
  }
  // zstd over 64 KiB blocks of consecutive chunks.
  size_t zstd_bytes = 0;
  std::string block, compressed;
  auto flush = [&] {
    if (block.empty()) return;
    compressed.resize(ZSTD_compressBound(block.size()));
    zstd_bytes += ZSTD_compress(compressed.data(), compressed.size(), block.data(), block.size(), 3);
    block.clear();
  };
  for (const auto& c : encoded) {
    block += c;
    if (block.size() >= 65536) flush();
  }
  flush();

  std::printf("%zu series x %zu chunks x %zu samples, jitter +-%lld ms\n", n_series,
              chunks_per_series, per_chunk, static_cast<long long>(jitter));
  for (int k = 0; k < kKinds; ++k) {
    if (samples[k] == 0) continue;
    std::printf("  %-14s %6.3f bytes/sample  decode %5.2f ns/sample\n",
                kKindNames[k], static_cast<double>(bytes[k]) / static_cast<double>(samples[k]),
                kind_batch_s[k] * 1e9 / static_cast<double>(samples[k]));
  }
  double ns = 1e9 / static_cast<double>(total_samples);
  std::printf("overall        %6.3f bytes/sample, after zstd(3) of 64 KiB blocks %6.3f\n",
              static_cast<double>(total_bytes) / static_cast<double>(total_samples),
              static_cast<double>(zstd_bytes) / static_cast<double>(total_samples));
  std::printf("encode         %6.2f ns/sample\n", encode_s * ns);
  std::printf("decode         %6.2f ns/sample (ChunkIterator::Next, digest %llx)\n",
              decode_s * ns, static_cast<unsigned long long>(checksum));
  std::printf("decode batch   %6.2f ns/sample (NextBatch, whole chunks)\n", batch_s * ns);
  return 0;
}

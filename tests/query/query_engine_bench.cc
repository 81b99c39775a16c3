// Measures PromQL evaluation over a real store (not a CTest; build target query_engine_bench).
// Loads 10,000 node_cpu_seconds_total series (100 hosts x 10 cpus x 10 modes) x 6 h at 10 s
// into a fresh store in a temporary directory, optionally flushes it to RocksDB, then times
// queries over the last 5h40m at a 60 s step (and one instant query of one series' raw samples
// over 6 h) and prints the median of several runs.
//   query_engine_bench [--flush] [--runs N] [--parallelism N] [--query Q]
#include <unistd.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "strata/query/engine.h"
#include "strata/storage/sample_batch.h"
#include "strata/storage/storage.h"

namespace strata::query {
namespace {

constexpr int kHosts = 100, kCpus = 10, kModes = 10;
constexpr Duration kInterval = 10 * kSecond;
constexpr Duration kSpan = 6 * kHour;
constexpr Timestamp kBase = 1'700'000'000'000;

// CPU time of the whole process (all threads), in seconds.
double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

int Main(int argc, char** argv) {
  bool flush = false;
  int runs = 9;
  size_t parallelism = 0;
  const char* only = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--flush") == 0) flush = true;
    if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = std::atoi(argv[++i]);
    if (std::strcmp(argv[i], "--query") == 0 && i + 1 < argc) only = argv[++i];
    if (std::strcmp(argv[i], "--parallelism") == 0 && i + 1 < argc) {
      parallelism = static_cast<size_t>(std::atoi(argv[++i]));
    }
  }
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("strata-query-bench-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  storage::Options so;
  so.data_dir = dir.string();
  so.out_of_order_window = kSpan;
  auto opened = storage::Storage::Open(so);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<storage::Storage> db = std::move(*opened);

  // Label strings live as long as the batches that point at them.
  std::vector<std::string> hosts, cpus, modes;
  for (int h = 0; h < kHosts; ++h) hosts.push_back("host-" + std::to_string(h));
  for (int c = 0; c < kCpus; ++c) cpus.push_back(std::to_string(c));
  for (int m = 0; m < kModes; ++m) modes.push_back("mode" + std::to_string(m));
  auto load_start = std::chrono::steady_clock::now();
  uint64_t samples = 0;
  const Duration kBatchSpan = 10 * kMinute;  // samples per series per batch: 60
  for (Timestamp from = 0; from < kSpan; from += kBatchSpan) {
    storage::SampleBatch batch;
    for (int h = 0; h < kHosts; ++h) {
      for (int c = 0; c < kCpus; ++c) {
        for (int m = 0; m < kModes; ++m) {
          LabelView labels[] = {{kMetricName, "node_cpu_seconds_total"},
                                {"cpu", cpus[c]},
                                {"host", hosts[h]},
                                {"mode", modes[m]}};
          batch.BeginSeries(labels);
          // CPU seconds in hundredths, as node_exporter reports them (decimal chunks).
          const int64_t centi_per_sample = 10 * (1 + (h * 7 + c * 3 + m) % 10);
          for (Timestamp t = from; t < from + kBatchSpan; t += kInterval) {
            batch.AddSample(kBase + t,
                            static_cast<double>(centi_per_sample * (t / kInterval)) / 100.0);
          }
        }
      }
    }
    auto r = db->Append(batch);
    if (!r.ok() || r->rejected > 0) {
      std::fprintf(stderr, "append failed\n");
      return 1;
    }
    samples += r->accepted;
  }
  std::printf("loaded %llu samples in %.1f s\n", static_cast<unsigned long long>(samples),
              Seconds(load_start));
  if (flush) {
    auto f = std::chrono::steady_clock::now();
    if (Status s = db->Flush(); !s.ok()) {
      std::fprintf(stderr, "flush: %s\n", s.ToString().c_str());
      return 1;
    }
    std::printf("flushed in %.1f s\n", Seconds(f));
  }

  EngineOptions eo;
  eo.parallelism = parallelism;
  Engine engine(eo);
  const Timestamp end = kBase + kSpan - kInterval;
  const Timestamp start = end - (5 * kHour + 40 * kMinute);
  const char* queries[] = {
      "sum by (host) (rate(node_cpu_seconds_total[5m]))",
      "sum(rate(node_cpu_seconds_total{mode=\"mode1\"}[5m]))",
      "avg_over_time(node_cpu_seconds_total{host=\"host-1\"}[5m])",
      "max by (mode) (node_cpu_seconds_total)",
      // An instant query (the raw samples of one series over the whole span).
      "node_cpu_seconds_total{host=\"host-1\",cpu=\"0\",mode=\"mode0\"}[6h]",
  };
  for (const char* q : queries) {
    const bool instant = std::strstr(q, "[6h]") != nullptr;
    if (only != nullptr && std::strcmp(only, q) != 0) continue;
    std::vector<double> times, cpu;
    QueryStats stats;
    size_t series = 0;
    for (int i = 0; i < runs; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      double c0 = CpuSeconds();
      auto r = instant ? engine.InstantQuery(*db, q, end) : engine.RangeQuery(*db, q, start, end, kMinute);
      times.push_back(Seconds(t0) * 1000);
      cpu.push_back((CpuSeconds() - c0) * 1000);
      if (!r.ok()) {
        std::fprintf(stderr, "%s: %s\n", q, r.status().ToString().c_str());
        return 1;
      }
      stats = r->stats;
      series = std::holds_alternative<Matrix>(r->value) ? std::get<Matrix>(r->value).size() : 0;
    }
    std::sort(times.begin(), times.end());
    std::sort(cpu.begin(), cpu.end());
    std::printf("%s\n  wall median %.2f ms, min %.2f ms; cpu median %.2f ms, min %.2f ms (%zu series out, %llu "
                "series / %llu samples loaded, peak %llu)\n",
                q, times[times.size() / 2], times[0], cpu[cpu.size() / 2], cpu[0], series,
                static_cast<unsigned long long>(stats.series_loaded),
                static_cast<unsigned long long>(stats.samples_loaded),
                static_cast<unsigned long long>(stats.peak_samples));
  }
  (void)db->Close();
  db.reset();
  fs::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace strata::query

int main(int argc, char** argv) { return strata::query::Main(argc, argv); }

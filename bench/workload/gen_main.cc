// strata_bench_gen: writes the benchmark workload as ready-to-post request bodies.
//
//   strata_bench_gen --workload A|B|D|R|L|quick --out DIR [--seed N] [--end-ms MS]
//                    [--span-ms MS] [--formats rw,json,vmimport,influx,prom,otlp,graphite]
//                    [--samples-per-request 10000] [--shards 2]
//
// Bodies are written as they fill up and expect.tsv line by line, so memory stays bounded
// whatever the span (workload R is 7 days).
//
// Layout of DIR: <format>/sSS-NNNNNN.<ext> (shard SS, sequence NNNNNN), meta.json, expect.tsv.
// Samples are split into shards by series (series % shards), like the shards of Prometheus'
// remote-write queue: within a shard, bodies are in timestamp order, so a loader that posts
// each shard's files in order on one connection never sends a series out of order.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "body_encoders.h"
#include "workload.h"

namespace strata::bench {
namespace {

struct Options {
  std::string workload = "A";
  std::string out;
  uint64_t seed = 1;
  int64_t end_ms = 0;
  int64_t span_ms = 0;  // 0: the workload's own span
  std::vector<std::string> formats = {"rw", "json", "influx"};
  size_t samples_per_request = 10'000;
  int shards = 2;
};

[[noreturn]] void Usage(const char* msg) {
  std::fprintf(stderr,
               "error: %s\nusage: strata_bench_gen --workload A|B|D|R|L|quick --out DIR [--seed N] "
               "[--end-ms MS] [--span-ms MS] [--formats rw,json,vmimport,influx,prom,otlp,graphite] [--samples-per-request N] "
               "[--shards N]\n",
               msg);
  std::exit(2);
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) parts.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    if (a == "--workload") o.workload = value();
    else if (a == "--out") o.out = value();
    else if (a == "--seed") o.seed = std::stoull(value());
    else if (a == "--end-ms") o.end_ms = std::stoll(value());
    else if (a == "--span-ms") o.span_ms = std::stoll(value());
    else if (a == "--formats") o.formats = SplitComma(value());
    else if (a == "--samples-per-request") o.samples_per_request = std::stoul(value());
    else if (a == "--shards") o.shards = std::stoi(value());
    else Usage(("unknown flag " + a).c_str());
  }
  if (o.out.empty()) Usage("--out is required");
  if (o.shards < 1 || o.shards > 64) Usage("--shards must be in [1, 64]");
  if (o.samples_per_request < 1) Usage("--samples-per-request must be positive");
  if (o.span_ms < 0) Usage("--span-ms must be positive");
  for (const auto& f : o.formats) {
    if (f != "rw" && f != "json" && f != "vmimport" && f != "influx" && f != "prom" &&
        f != "otlp" && f != "graphite") {
      Usage(("unknown format " + f).c_str());
    }
  }
  return o;
}

WorkloadParams ParamsFor(const Options& o) {
  WorkloadParams p;
  p.seed = o.seed;
  if (o.workload == "A") {
    p.hosts = 100;
    p.span_ms = 6 * 3600 * 1000LL;
  } else if (o.workload == "B") {
    p.hosts = 1000;
    p.span_ms = 3600 * 1000LL;
  } else if (o.workload == "D") {
    // The dashboard workload: A's fleet over 24 h plus 10 minutes at each end, so a 24 h query
    // range sits 10 minutes inside the data like A's ranges do.
    p.hosts = 100;
    p.span_ms = (24 * 3600 + 20 * 60) * 1000LL;
  } else if (o.workload == "R") {
    // The rollup benchmark: 10 hosts (1,000 series) over 7 days, about 60 M samples.
    p.hosts = 10;
    p.span_ms = 7 * 24 * 3600 * 1000LL;
  } else if (o.workload == "L") {
    // The live phase of the rollup benchmark: A's fleet over 4 h, 14.4 M samples, which a
    // loader paced at 100,000 samples/s sends in 144 s.
    p.hosts = 100;
    p.span_ms = 4 * 3600 * 1000LL;
  } else if (o.workload == "quick") {
    p.hosts = 20;
    p.span_ms = 3600 * 1000LL;
  } else {
    Usage("workload must be A, B, D, R, L or quick");
  }
  if (o.span_ms > 0) p.span_ms = o.span_ms;
  if (o.end_ms > 0) {
    p.end_ms = o.end_ms;
  } else {
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    // Now, rounded down to the minute, less 5 minutes: VictoriaMetrics answers the last
    // -search.latencyOffset (30 s) and its cache window (-search.cacheTimestampOffset, 5 m)
    // differently, and a read-back check right after the load would trip over that.
    p.end_ms = now / 60'000 * 60'000 - 5 * 60'000;
  }
  return p;
}

void WriteFile(const std::filesystem::path& path, const std::string& data) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(data.data(), 1, data.size(), f) != data.size() ||
      std::fclose(f) != 0) {
    std::fprintf(stderr, "error: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
    std::exit(1);
  }
}

std::string Extension(const std::string& format) {
  if (format == "rw") return "rw";
  if (format == "json") return "json";
  if (format == "vmimport") return "jsonl";
  if (format == "prom") return "prom";
  if (format == "otlp") return "otlp";
  if (format == "graphite") return "graphite";
  return "lp";
}

// PromQL selector naming exactly one series.
std::string Selector(const SeriesSpec& s) {
  std::string sel = s.Name() + "{";
  for (size_t i = 1; i < s.labels.size(); ++i) {
    if (i > 1) sel += ",";
    sel += s.labels[i].first + "=\"" + s.labels[i].second + "\"";
  }
  return sel + "}";
}

// Series whose raw values the benchmark reads back and compares bit for bit.
std::vector<size_t> ExpectedSeries(const Workload& w) {
  const int hosts = w.params().hosts;
  std::vector<size_t> picked;
  for (int host : {std::min(7, hosts - 1), hosts - 1}) {
    const size_t first = w.FirstSeriesOf(host);
    for (size_t i = first; i < first + Workload::kSeriesPerHost; ++i) {
      const SeriesSpec& s = w.series()[i];
      auto label = [&](const char* name) -> std::string {
        for (const auto& [k, v] : s.labels) {
          if (k == name) return v;
        }
        return "";
      };
      const std::string& n = s.Name();
      const bool pick =
          (n == "node_cpu_seconds_total" && label("cpu") == "0" && label("mode") == "user") ||
          n == "node_load1" || n == "node_memory_MemFree_bytes" ||
          (n == "node_network_receive_bytes_total" && label("device") == "eth0") ||
          (n == "node_disk_io_time_seconds_total" && label("device") == "sda") ||
          (n == "node_filesystem_avail_bytes" && label("mountpoint") == "/") ||
          n == "node_scrape_collector_duration_seconds" || n == "node_boot_time_seconds";
      if (pick && (host == std::min(7, hosts - 1) || picked.size() < 12)) picked.push_back(i);
    }
    if (hosts == 1) break;
  }
  return picked;
}

int Run(const Options& o) {
  const auto began = std::chrono::steady_clock::now();
  const Workload workload(ParamsFor(o));
  ValueModel model(workload);
  const RemoteWriteEncoder rw_encoder(workload);
  const std::filesystem::path out(o.out);
  for (const auto& f : o.formats) std::filesystem::create_directories(out / f);

  const std::vector<size_t> expected = ExpectedSeries(workload);
  std::vector<bool> is_expected(workload.series().size(), false);
  for (size_t i : expected) is_expected[i] = true;
  // Written as the samples are generated (timestamp order, series interleaved): a 7-day span
  // holds 60,000 samples per expected series.
  const std::filesystem::path expect_path = out / "expect.tsv";
  FILE* expect_file = std::fopen(expect_path.c_str(), "wb");
  if (expect_file == nullptr) {
    std::fprintf(stderr, "error: cannot write %s: %s\n", expect_path.c_str(), std::strerror(errno));
    return 1;
  }
  std::string line;

  std::vector<std::vector<Point>> pending(o.shards);
  std::vector<int64_t> next_seq(o.shards, 0);
  std::map<std::string, std::pair<int64_t, uint64_t>> written;  // format -> files, bytes
  int64_t total_samples = 0;

  auto flush = [&](int shard) {
    std::vector<Point>& points = pending[shard];
    if (points.empty()) return;
    char name[32];
    std::snprintf(name, sizeof name, "s%02d-%06lld", shard,
                  static_cast<long long>(next_seq[shard]++));
    for (const auto& f : o.formats) {
      std::string body;
      if (f == "rw") body = rw_encoder.Encode(points);
      else if (f == "json") body = EncodeJsonBatch(workload, points);
      else if (f == "vmimport") body = EncodeVmImport(workload, points);
      else if (f == "prom") body = EncodeExposition(workload, points);
      else if (f == "otlp") body = EncodeOtlp(workload, points, workload.start_ms());
      else if (f == "graphite") body = EncodeGraphite(workload, points);
      else body = EncodeInfluxLines(workload, points);
      WriteFile(out / f / (std::string(name) + "." + Extension(f)), body);
      written[f].first += 1;
      written[f].second += body.size();
    }
    points.clear();
  };

  const auto& hosts = workload.HostsByOffset();
  for (int64_t round = 0; round < workload.rounds(); ++round) {
    for (int host : hosts) {
      const int64_t ts = workload.TimestampMs(host, round);
      const size_t first = workload.FirstSeriesOf(host);
      for (size_t i = first; i < first + Workload::kSeriesPerHost; ++i) {
        const double v = model.Next(i);
        const int shard = static_cast<int>(i % static_cast<size_t>(o.shards));
        pending[shard].push_back({static_cast<uint32_t>(i), ts, v});
        ++total_samples;
        if (is_expected[i]) {
          line = Selector(workload.series()[i]) + "\t" + std::to_string(ts) + "\t";
          AppendDouble(line, v);
          line += "\n";
          if (std::fwrite(line.data(), 1, line.size(), expect_file) != line.size()) {
            std::fprintf(stderr, "error: cannot write %s\n", expect_path.c_str());
            return 1;
          }
        }
        if (pending[shard].size() >= o.samples_per_request) flush(shard);
      }
    }
  }
  for (int s = 0; s < o.shards; ++s) flush(s);

  if (std::fclose(expect_file) != 0) {
    std::fprintf(stderr, "error: cannot write %s\n", expect_path.c_str());
    return 1;
  }

  const WorkloadParams& p = workload.params();
  std::string meta = "{\n";
  meta += "  \"workload\": \"" + o.workload + "\",\n";
  meta += "  \"seed\": " + std::to_string(p.seed) + ",\n";
  meta += "  \"hosts\": " + std::to_string(p.hosts) + ",\n";
  meta += "  \"series\": " + std::to_string(workload.series().size()) + ",\n";
  meta += "  \"metric_names\": " + std::to_string(Workload::kMetricNamesPerHost) + ",\n";
  meta += "  \"interval_ms\": " + std::to_string(p.interval_ms) + ",\n";
  meta += "  \"start_ms\": " + std::to_string(workload.start_ms()) + ",\n";
  meta += "  \"end_ms\": " + std::to_string(p.end_ms) + ",\n";
  meta += "  \"samples\": " + std::to_string(total_samples) + ",\n";
  meta += "  \"samples_per_request\": " + std::to_string(o.samples_per_request) + ",\n";
  meta += "  \"shards\": " + std::to_string(o.shards) + ",\n";
  meta += "  \"formats\": {";
  bool first = true;
  for (const auto& [f, fb] : written) {
    meta += std::string(first ? "" : ",") + "\n    \"" + f + "\": {\"files\": " +
            std::to_string(fb.first) + ", \"bytes\": " + std::to_string(fb.second) + "}";
    first = false;
  }
  meta += "\n  }\n}\n";
  WriteFile(out / "meta.json", meta);

  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::fprintf(stderr, "generated %lld samples of %zu series in %.1f s into %s\n",
               static_cast<long long>(total_samples), workload.series().size(), secs,
               o.out.c_str());
  return 0;
}

}  // namespace
}  // namespace strata::bench

int main(int argc, char** argv) {
  return strata::bench::Run(strata::bench::ParseArgs(argc, argv));
}

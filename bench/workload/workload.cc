#include "workload.h"

#include <algorithm>
#include <cmath>
#include <string_view>

namespace strata::bench {
namespace {

// xoshiro256**: a fast, well-distributed generator for per-series noise.
uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t NextRandom(uint64_t s[4]) {
  const uint64_t result = Rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = Rotl(s[3], 45);
  return result;
}

// Uniform in [0, 1) with 53 random bits.
double Uniform(uint64_t s[4]) { return static_cast<double>(NextRandom(s) >> 11) * 0x1.0p-53; }

// Roughly normal (Irwin-Hall of 4), mean 0, standard deviation 1.
double Normalish(uint64_t s[4]) {
  double sum = 0;
  for (int i = 0; i < 4; ++i) sum += Uniform(s);
  return (sum - 2.0) * std::sqrt(3.0);
}

constexpr std::string_view kDcs[] = {"dc-east", "dc-west", "dc-central"};
constexpr std::string_view kCpuModes[] = {"idle",    "iowait", "irq",   "nice",
                                          "softirq", "steal",  "system", "user"};
constexpr std::string_view kNetDevices[] = {"docker0", "eth0", "eth1", "lo"};
constexpr std::string_view kDiskDevices[] = {"sda", "sdb", "sdc", "sdd"};
struct Mount {
  std::string_view path;
  std::string_view fstype;
  bool constant;
};
constexpr Mount kMounts[] = {{"/", "ext4", false},     {"/boot", "ext4", true},
                             {"/data", "xfs", true},   {"/home", "ext4", false},
                             {"/run", "tmpfs", false}, {"/var", "xfs", false}};

}  // namespace

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Workload::Workload(const WorkloadParams& params) : params_(params) {
  series_.reserve(static_cast<size_t>(params.hosts) * kSeriesPerHost);
  uint64_t offsets_state = params.seed ^ 0x0ff5e7ULL;
  for (int host = 0; host < params.hosts; ++host) {
    // Millisecond offsets, as Prometheus spreads targets over the interval.
    host_offset_ms_.push_back(static_cast<int64_t>(SplitMix64(offsets_state) %
                                                   static_cast<uint64_t>(params.interval_ms)));
    AddHost(host);
  }
  hosts_by_offset_.resize(params.hosts);
  for (int h = 0; h < params.hosts; ++h) hosts_by_offset_[h] = h;
  std::stable_sort(hosts_by_offset_.begin(), hosts_by_offset_.end(),
                   [&](int a, int b) { return host_offset_ms_[a] < host_offset_ms_[b]; });
}

void Workload::AddHost(int host) {
  uint64_t hs = params_.seed * 0x100000001b3ULL + static_cast<uint64_t>(host) + 1;
  auto rnd = [&] { return static_cast<double>(SplitMix64(hs) >> 11) * 0x1.0p-53; };
  const std::string host_name = "host-" + std::to_string(host);
  const std::string dc(kDcs[host % 3]);
  const std::string instance = host_name + ":9100";
  const double busy = 0.05 + 0.85 * rnd();             // CPU utilisation of this host
  const double net_rate = std::pow(10.0, 4 + 3 * rnd());  // bytes/s on eth0
  const double disk_rate = std::pow(10.0, 4 + 3 * rnd());
  const int64_t mem_total_kib = (int64_t{8} << (20 + static_cast<int>(rnd() * 4)));  // 8-64 GiB
  const size_t first = series_.size();

  // Adds one series; `extra` are the labels beyond the target labels.
  auto add = [&](std::string name, std::vector<std::pair<std::string, std::string>> extra,
                 ValueKind kind, int64_t start, int64_t step, int64_t lo = 0, int64_t hi = 0) {
    SeriesSpec s;
    s.labels = std::move(extra);
    s.labels.emplace_back("__name__", std::move(name));
    s.labels.emplace_back("dc", dc);
    s.labels.emplace_back("host", host_name);
    s.labels.emplace_back("instance", instance);
    s.labels.emplace_back("job", "node");
    std::sort(s.labels.begin(), s.labels.end());
    s.host = host;
    s.kind = kind;
    s.start_units = start;
    s.step_units = step;
    s.min_units = lo;
    s.max_units = hi;
    series_.push_back(std::move(s));
  };
  const double interval_s = static_cast<double>(params_.interval_ms) / 1000.0;
  const double uptime_s = 86400.0 * (1 + 60 * rnd());

  // node_cpu_seconds_total: 4 cpus x 8 modes; nice and steal stay at their boot value.
  for (int cpu = 0; cpu < 4; ++cpu) {
    for (std::string_view mode : kCpuModes) {
      double share = 0;
      if (mode == "user") share = busy * 0.6;
      if (mode == "system") share = busy * 0.25;
      if (mode == "iowait") share = 0.02 + 0.05 * rnd();
      if (mode == "irq") share = 0.002;
      if (mode == "softirq") share = 0.01;
      if (mode == "idle") share = std::max(0.01, 1.0 - busy * 0.85 - 0.05);
      const bool constant = mode == "nice" || mode == "steal";
      const int64_t start = static_cast<int64_t>(uptime_s * 100 * (constant ? 0.0001 : share));
      add("node_cpu_seconds_total", {{"cpu", std::to_string(cpu)}, {"mode", std::string(mode)}},
          constant ? ValueKind::kConstant : ValueKind::kCounterCenti, start,
          static_cast<int64_t>(std::max(1.0, share * interval_s * 100)));
    }
  }
  // Load averages: two decimals, smoother for longer windows.
  const int64_t load = static_cast<int64_t>(busy * 400);
  add("node_load1", {}, ValueKind::kGaugeCenti, load, 40, 0, 1600);
  add("node_load5", {}, ValueKind::kGaugeCenti, load, 12, 0, 1600);
  add("node_load15", {}, ValueKind::kGaugeCenti, load, 4, 0, 1600);
  // Memory, KiB granular; total and swap constant.
  add("node_memory_MemTotal_bytes", {}, ValueKind::kConstant, mem_total_kib * 1024, 0);
  add("node_memory_SwapFree_bytes", {}, ValueKind::kConstant, int64_t{2} << 30, 0);
  add("node_memory_MemFree_bytes", {}, ValueKind::kGaugeKiB, mem_total_kib / 4, 4000,
      mem_total_kib / 50, mem_total_kib / 2);
  add("node_memory_MemAvailable_bytes", {}, ValueKind::kGaugeKiB, mem_total_kib / 2, 4000,
      mem_total_kib / 10, mem_total_kib * 9 / 10);
  add("node_memory_Cached_bytes", {}, ValueKind::kGaugeKiB, mem_total_kib / 5, 2000,
      mem_total_kib / 20, mem_total_kib / 2);
  add("node_memory_Buffers_bytes", {}, ValueKind::kGaugeKiB, mem_total_kib / 100, 50,
      mem_total_kib / 400, mem_total_kib / 20);
  // Network: docker0 is idle (constant); lo carries a little.
  for (std::string_view dev : kNetDevices) {
    const double rate = dev == "docker0" ? 0 : dev == "eth0" ? net_rate
                        : dev == "eth1"      ? net_rate / 7
                                             : net_rate / 50;
    const auto kind = dev == "docker0" ? ValueKind::kConstant : ValueKind::kCounterInt;
    const std::vector<std::pair<std::string, std::string>> l = {{"device", std::string(dev)}};
    const int64_t rx = static_cast<int64_t>(rate * interval_s);
    add("node_network_receive_bytes_total", l, kind, static_cast<int64_t>(rate * uptime_s), rx);
    add("node_network_transmit_bytes_total", l, kind,
        static_cast<int64_t>(rate * uptime_s * 0.3), rx * 3 / 10);
    add("node_network_receive_packets_total", l, kind,
        static_cast<int64_t>(rate * uptime_s / 900), std::max<int64_t>(rx / 900, 1));
    add("node_network_transmit_packets_total", l, kind,
        static_cast<int64_t>(rate * uptime_s / 1200), std::max<int64_t>(rx / 1200, 1));
  }
  // Disks: sdd is idle (constant).
  int disk_index = 0;
  for (std::string_view dev : kDiskDevices) {
    const double rate = disk_rate / (1 << (3 * disk_index++));
    const auto kind = dev == "sdd" ? ValueKind::kConstant : ValueKind::kCounterInt;
    const std::vector<std::pair<std::string, std::string>> l = {{"device", std::string(dev)}};
    const int64_t bytes_step = static_cast<int64_t>(rate * interval_s) / 4096 * 4096 + 4096;
    add("node_disk_read_bytes_total", l, kind, static_cast<int64_t>(rate * uptime_s) / 512 * 512,
        bytes_step);
    series_.back().quantum = 512;  // disk byte counters move in sectors
    add("node_disk_written_bytes_total", l, kind,
        static_cast<int64_t>(rate * uptime_s * 2) / 512 * 512, bytes_step * 2);
    series_.back().quantum = 512;
    add("node_disk_reads_completed_total", l, kind, static_cast<int64_t>(rate * uptime_s / 16384),
        bytes_step / 16384 + 1);
    add("node_disk_writes_completed_total", l, kind,
        static_cast<int64_t>(rate * uptime_s / 8192), bytes_step / 8192 + 1);
    add("node_disk_io_time_seconds_total", l,
        dev == "sdd" ? ValueKind::kConstant : ValueKind::kCounterMilli,
        static_cast<int64_t>(uptime_s * 1000 * 0.01), std::max<int64_t>(1, bytes_step / 100000));
  }
  // Filesystems: sizes constant; /boot and /data never change.
  for (const Mount& m : kMounts) {
    const std::vector<std::pair<std::string, std::string>> l = {
        {"device", m.fstype == "tmpfs" ? "tmpfs" : "/dev/vd" + std::string(1, 'a' + (&m - kMounts))},
        {"fstype", std::string(m.fstype)},
        {"mountpoint", std::string(m.path)}};
    const int64_t size_blocks = int64_t{1} << (18 + static_cast<int>(rnd() * 8));  // 1-128 GiB
    const int64_t avail = static_cast<int64_t>(size_blocks * (0.2 + 0.7 * rnd()));
    add("node_filesystem_size_bytes", l, ValueKind::kConstant, size_blocks * 4096, 0);
    add("node_filesystem_avail_bytes", l, m.constant ? ValueKind::kConstant : ValueKind::kGaugeBlocks,
        m.constant ? avail * 4096 : avail, 30, size_blocks / 20, size_blocks);
    const int64_t files = size_blocks / 4;
    add("node_filesystem_files_free", l,
        m.constant || m.fstype == "tmpfs" ? ValueKind::kConstant : ValueKind::kGaugeInt,
        files * 9 / 10, 20, files / 2, files);
  }
  add("node_context_switches_total", {}, ValueKind::kCounterInt,
      static_cast<int64_t>(uptime_s * 5000 * busy),
      static_cast<int64_t>(interval_s * 20000 * busy) + 100);
  add("node_boot_time_seconds", {}, ValueKind::kConstant,
      params_.end_ms / 1000 - static_cast<int64_t>(uptime_s), 0);
  add("node_procs_running", {}, ValueKind::kGaugeInt, 2, 2, 1, 12);
  add("node_scrape_collector_duration_seconds", {{"collector", "cpu"}}, ValueKind::kEntropy, 0, 0);
  add("node_scrape_collector_duration_seconds", {{"collector", "diskstats"}}, ValueKind::kEntropy,
      0, 0);
  if (series_.size() - first != kSeriesPerHost) __builtin_trap();
}

ValueModel::ValueModel(const Workload& workload) : workload_(workload) {
  states_.resize(workload.series().size());
  for (size_t i = 0; i < states_.size(); ++i) {
    uint64_t seed = workload.params().seed ^ (0xa5a5a5a5ULL + i * 0x9e3779b97f4a7c15ULL);
    State& s = states_[i];
    for (uint64_t& r : s.rng) r = SplitMix64(seed);
    s.units = workload.series()[i].start_units;
    s.started = false;
  }
}

double ValueModel::Next(size_t series) {
  const SeriesSpec& spec = workload_.series()[series];
  State& s = states_[series];
  if (spec.kind == ValueKind::kEntropy) return 0.0005 + 0.05 * Uniform(s.rng);
  if (s.started) {
    switch (spec.kind) {
      case ValueKind::kCounterCenti:
      case ValueKind::kCounterMilli:
      case ValueKind::kCounterInt: {
        const double inc = static_cast<double>(spec.step_units) * (0.4 + 1.2 * Uniform(s.rng));
        s.units += static_cast<int64_t>(inc);
        if (spec.quantum > 1) s.units -= s.units % spec.quantum;
        break;
      }
      case ValueKind::kGaugeCenti:
      case ValueKind::kGaugeKiB:
      case ValueKind::kGaugeBlocks:
      case ValueKind::kGaugeInt: {
        // Random walk with a pull towards the middle of [min, max].
        const double mid = 0.5 * static_cast<double>(spec.min_units + spec.max_units);
        const double pull = (mid - static_cast<double>(s.units)) * 0.002;
        const double step = static_cast<double>(spec.step_units) * Normalish(s.rng) + pull;
        s.units = std::clamp<int64_t>(s.units + std::llround(step), spec.min_units, spec.max_units);
        break;
      }
      case ValueKind::kConstant:
      case ValueKind::kEntropy:
        break;
    }
  }
  s.started = true;
  switch (spec.kind) {
    case ValueKind::kCounterCenti:
    case ValueKind::kGaugeCenti:
      return static_cast<double>(s.units) / 100.0;
    case ValueKind::kCounterMilli:
      return static_cast<double>(s.units) / 1000.0;
    case ValueKind::kGaugeKiB:
      return static_cast<double>(s.units) * 1024.0;
    case ValueKind::kGaugeBlocks:
      return static_cast<double>(s.units) * 4096.0;
    default:
      return static_cast<double>(s.units);
  }
}

}  // namespace strata::bench

#include "strata/scrape/target.h"

#include <set>

namespace strata::scrape {
namespace {

// Percent-encodes a query component (RFC 3986 unreserved characters stay as they are).
std::string EncodeQueryComponent(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

void SplitAddress(const std::string& address, std::string& host, std::string& port) {
  size_t colon = address.rfind(':');
  host = address.substr(0, colon);
  port = colon == std::string::npos ? "80" : address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
}

}  // namespace

std::vector<Target> BuildTargets(const std::vector<config::ScrapeConfig>& jobs) {
  std::vector<Target> out;
  for (const config::ScrapeConfig& job : jobs) {
    std::string query;
    for (const auto& [name, values] : job.params) {
      for (const std::string& v : values) {
        query += query.empty() ? "?" : "&";
        query += EncodeQueryComponent(name) + "=" + EncodeQueryComponent(v);
      }
    }
    std::set<Labels> seen;
    for (const config::ScrapeStaticConfig& group : job.static_configs) {
      for (const std::string& address : group.targets) {
        Target t;
        t.job = job.job_name;
        t.address = address;
        SplitAddress(address, t.host, t.port);
        t.path_and_query = job.metrics_path + query;
        t.scrape_url = job.scheme + "://" + address + t.path_and_query;
        t.interval = job.scrape_interval;
        t.timeout = job.scrape_timeout;
        t.honor_labels = job.honor_labels;
        t.sample_limit = job.sample_limit;
        std::vector<Label> labels = {{"job", job.job_name}, {"instance", address}};
        std::vector<Label> discovered = {{"__address__", address},
                                         {"__metrics_path__", job.metrics_path},
                                         {"__scheme__", job.scheme},
                                         {"__scrape_interval__", FormatDuration(job.scrape_interval)},
                                         {"__scrape_timeout__", FormatDuration(job.scrape_timeout)},
                                         {"job", job.job_name}};
        for (const auto& [name, value] : group.labels) {
          labels.push_back({name, value});  // a later duplicate overrides: static labels win
          discovered.push_back({name, value});
        }
        for (const auto& [name, values] : job.params) {
          if (!values.empty()) discovered.push_back({"__param_" + name, values.front()});
        }
        t.labels = Labels(std::move(labels));
        t.discovered_labels = Labels(std::move(discovered));
        if (!seen.insert(t.labels).second) continue;
        out.push_back(std::move(t));
      }
    }
  }
  return out;
}

std::vector<config::ScrapeConfig> DefaultJobs(std::string_view listen) {
  std::string address(listen);
  size_t colon = address.rfind(':');
  std::string host = colon == std::string::npos ? "" : address.substr(0, colon);
  std::string port = colon == std::string::npos ? address : address.substr(colon + 1);
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::" || host == "[::]") host = "[::1]";
  config::ScrapeConfig job;
  job.job_name = "strata";
  job.scrape_interval = 15 * kSecond;
  job.scrape_timeout = 10 * kSecond;
  job.static_configs.push_back({{host + ":" + port}, {}});
  return {job};
}

Duration FirstScrapeDelay(const Target& target, Timestamp now) {
  if (target.interval <= 0) return 0;
  uint64_t phase = target.labels.Hash() % static_cast<uint64_t>(target.interval);
  uint64_t position = static_cast<uint64_t>(now % target.interval + target.interval) %
                      static_cast<uint64_t>(target.interval);
  uint64_t interval = static_cast<uint64_t>(target.interval);
  return static_cast<Duration>((phase + interval - position) % interval);
}

}  // namespace strata::scrape

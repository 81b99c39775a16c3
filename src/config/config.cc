#include "strata/config/config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <functional>
#include <set>
#include <utility>
#include <sstream>

namespace strata::config {
namespace {

// Walks the YAML tree, collecting the first error with its key path. Unknown keys are errors,
// so a typo in the file is reported instead of silently ignored.
class Reader {
 public:
  explicit Reader(std::string name) : name_(std::move(name)) {}

  bool failed() const { return !error_.empty(); }
  Status status() const { return Status::InvalidArgument(error_); }

  void Fail(const std::string& path, const YAML::Node& node, const std::string& what) {
    if (failed()) return;
    error_ = name_ + ": " + path + ": " + what;
    if (node.Mark().line >= 0) {
      error_ += " (line " + std::to_string(node.Mark().line + 1) + ")";
    }
  }

  // Checks that `node` is a map whose keys are all in `known`.
  bool Map(const YAML::Node& node, const std::string& path, std::set<std::string> known) {
    if (!node || node.IsNull()) return false;
    if (!node.IsMap()) {
      Fail(path, node, "must be a mapping");
      return false;
    }
    for (const auto& kv : node) {
      std::string key = kv.first.as<std::string>();
      if (!known.count(key)) Fail(Join(path, key), kv.first, "unknown key");
    }
    return true;
  }

  void String(const YAML::Node& parent, const std::string& path, const char* key, std::string* out) {
    YAML::Node n = parent[key];
    if (!n || n.IsNull()) return;
    if (!n.IsScalar()) return Fail(Join(path, key), n, "must be a string");
    *out = n.Scalar();
  }

  void Dur(const YAML::Node& parent, const std::string& path, const char* key, Duration* out,
           bool allow_zero = false) {
    YAML::Node n = parent[key];
    if (!n || n.IsNull()) return;
    auto d = n.IsScalar() ? ParseDuration(n.Scalar()) : std::nullopt;
    if (!d || (*d == 0 && !allow_zero)) {
      return Fail(Join(path, key), n,
                  "must be a duration such as 30s, 5m, 7d or 1y, got \"" + Text(n) + "\"");
    }
    *out = *d;
  }

  template <typename Int>
  void UInt(const YAML::Node& parent, const std::string& path, const char* key, Int* out) {
    YAML::Node n = parent[key];
    if (!n || n.IsNull()) return;
    std::string s = n.IsScalar() ? n.Scalar() : "";
    uint64_t v = 0;
    bool ok = !s.empty();
    for (char c : s) {
      if (c < '0' || c > '9') ok = false;
      else v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!ok) return Fail(Join(path, key), n, "must be a non-negative integer, got \"" + Text(n) + "\"");
    *out = static_cast<Int>(v);
  }

  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string Text(const YAML::Node& n) { return n.IsScalar() ? n.Scalar() : "<not a scalar>"; }

 private:
  std::string name_;
  std::string error_;
};

bool ValidListen(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon + 1 == s.size()) return false;
  for (size_t i = colon + 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return std::stoul(s.substr(colon + 1)) <= 65535;
}

bool TiersGiven(const YAML::Node& retention) {
  YAML::Node t = retention["tiers"];
  return t && !t.IsNull();
}

// Checks tier `t` (at `path`, node `node`) against retention.raw and the finer tiers already in
// `rc.tiers`: resolution at least 1s, listed finest first, divisible by the finer resolution;
// retention at least the finer tier's and at least raw's (a rollup kept shorter than the raw
// samples it summarises would never be read: raw data answers those ranges exactly).
void ValidateTier(Reader& r, const RetentionConfig& rc, const YAML::Node& node,
                  const std::string& path, const TierConfig& t) {
  const YAML::Node res = node["resolution"], ret = node["retention"];
  if (t.resolution < kSecond) {
    return r.Fail(path + ".resolution", res, "must be at least 1s, got " + FormatDuration(t.resolution));
  }
  if (!rc.tiers.empty()) {
    const TierConfig& finer = rc.tiers.back();
    if (t.resolution <= finer.resolution) {
      return r.Fail(path + ".resolution", res, "tiers must be listed from finest to coarsest");
    }
    if (t.resolution % finer.resolution != 0) {
      return r.Fail(path + ".resolution", res,
                    "must be a multiple of the finer tier's resolution " +
                        FormatDuration(finer.resolution) + ", got " + FormatDuration(t.resolution));
    }
    if (t.retention < finer.retention) {
      return r.Fail(path + ".retention", ret,
                    FormatDuration(t.retention) + " is shorter than the finer tier's retention " +
                        FormatDuration(finer.retention) + "; a coarser tier must be kept at least as long");
    }
  }
  if (t.retention < rc.raw) {
    r.Fail(path + ".retention", ret,
           FormatDuration(t.retention) + " is shorter than retention.raw " + FormatDuration(rc.raw) +
               "; a rollup tier must be kept at least as long as the raw samples");
  }
}

// Label names of static_configs labels: [a-zA-Z_][a-zA-Z0-9_]*, not reserved (__*).
bool ValidLabelName(const std::string& n) {
  if (n.empty() || (n[0] >= '0' && n[0] <= '9') || n.starts_with("__")) return false;
  for (char c : n) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

// A scrape target: host:port (IPv6 in brackets), no scheme and no path. A missing port is
// the scheme's default, 80, as in Prometheus.
bool NormalizeTarget(std::string& t) {
  if (t.empty() || t.find("://") != std::string::npos || t.find('/') != std::string::npos ||
      t.find_first_of(" \t?#@") != std::string::npos) {
    return false;
  }
  size_t colon = t.rfind(':');
  bool bracketed = t[0] == '[';
  if (colon == std::string::npos || (bracketed && t.back() == ']')) {
    t += ":80";
    return true;
  }
  return ValidListen(t) && colon > 0;
}

void ParseScrapeConfigs(Reader& r, const YAML::Node& list, Config& cfg) {
  std::set<std::string> jobs;
  for (size_t i = 0; i < list.size() && !r.failed(); ++i) {
    const YAML::Node n = list[i];
    std::string path = "scrape_configs[" + std::to_string(i) + "]";
    ScrapeConfig sc;
    sc.scrape_interval = cfg.global.scrape_interval;
    sc.scrape_timeout = cfg.global.scrape_timeout;
    if (!r.Map(n, path, {"job_name", "scrape_interval", "scrape_timeout", "metrics_path", "scheme",
                         "honor_labels", "params", "sample_limit", "static_configs"})) {
      if (!r.failed()) r.Fail(path, n, "must be a mapping with at least job_name");
      return;
    }
    r.String(n, path, "job_name", &sc.job_name);
    if (!r.failed() && sc.job_name.empty()) return r.Fail(path + ".job_name", n, "is required");
    if (!r.failed() && !jobs.insert(sc.job_name).second) {
      return r.Fail(path + ".job_name", n["job_name"], "\"" + sc.job_name + "\" is used by an earlier job");
    }
    r.Dur(n, path, "scrape_interval", &sc.scrape_interval);
    bool timeout_given = n["scrape_timeout"] && !n["scrape_timeout"].IsNull();
    r.Dur(n, path, "scrape_timeout", &sc.scrape_timeout);
    if (r.failed()) return;
    if (sc.scrape_timeout > sc.scrape_interval) {
      if (timeout_given) {
        return r.Fail(path + ".scrape_timeout", n["scrape_timeout"],
                      FormatDuration(sc.scrape_timeout) + " is longer than scrape_interval " +
                          FormatDuration(sc.scrape_interval));
      }
      sc.scrape_timeout = sc.scrape_interval;  // as Prometheus caps the global default
    }
    r.String(n, path, "metrics_path", &sc.metrics_path);
    if (!r.failed() && (sc.metrics_path.empty() || sc.metrics_path[0] != '/')) {
      return r.Fail(path + ".metrics_path", n["metrics_path"],
                    "must start with '/', got \"" + sc.metrics_path + "\"");
    }
    r.String(n, path, "scheme", &sc.scheme);
    if (!r.failed() && sc.scheme != "http") {
      return r.Fail(path + ".scheme", n["scheme"],
                    sc.scheme == "https"
                        ? "https is not supported: strata scrapes over plain http only"
                        : "must be http, got \"" + sc.scheme + "\"");
    }
    if (YAML::Node h = n["honor_labels"]; h && !h.IsNull()) {
      std::string v = h.IsScalar() ? h.Scalar() : "";
      if (v != "true" && v != "false") {
        return r.Fail(path + ".honor_labels", h, "must be true or false, got \"" + Reader::Text(h) + "\"");
      }
      sc.honor_labels = v == "true";
    }
    r.UInt(n, path, "sample_limit", &sc.sample_limit);
    if (YAML::Node p = n["params"]; p && !p.IsNull()) {
      if (!p.IsMap()) return r.Fail(path + ".params", p, "must be a mapping of name to a list of values");
      for (const auto& kv : p) {
        std::string key = kv.first.as<std::string>();
        std::vector<std::string> values;
        if (kv.second.IsScalar()) {
          values.push_back(kv.second.Scalar());
        } else if (kv.second.IsSequence()) {
          for (const auto& v : kv.second) {
            if (!v.IsScalar()) return r.Fail(path + ".params." + key, v, "values must be strings");
            values.push_back(v.Scalar());
          }
        } else {
          return r.Fail(path + ".params." + key, kv.second, "must be a list of strings");
        }
        sc.params.emplace_back(key, std::move(values));
      }
    }
    if (YAML::Node st = n["static_configs"]; st && !st.IsNull()) {
      if (!st.IsSequence()) return r.Fail(path + ".static_configs", st, "must be a list of {targets, labels}");
      for (size_t j = 0; j < st.size(); ++j) {
        std::string spath = path + ".static_configs[" + std::to_string(j) + "]";
        ScrapeStaticConfig group;
        if (!r.Map(st[j], spath, {"targets", "labels"})) {
          if (!r.failed()) r.Fail(spath, st[j], "must be a mapping with targets");
          return;
        }
        if (YAML::Node t = st[j]["targets"]; t && !t.IsNull()) {
          if (!t.IsSequence()) return r.Fail(spath + ".targets", t, "must be a list of host:port");
          for (const auto& target : t) {
            std::string text = target.IsScalar() ? target.Scalar() : "";
            if (!NormalizeTarget(text)) {
              return r.Fail(spath + ".targets", target,
                            "must be host:port without scheme or path, got \"" + Reader::Text(target) + "\"");
            }
            group.targets.push_back(text);
          }
        }
        if (YAML::Node l = st[j]["labels"]; l && !l.IsNull()) {
          if (!l.IsMap()) return r.Fail(spath + ".labels", l, "must be a mapping of label name to value");
          for (const auto& kv : l) {
            std::string key = kv.first.as<std::string>();
            if (!ValidLabelName(key)) {
              return r.Fail(spath + ".labels." + key, kv.first,
                            "must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __");
            }
            if (!kv.second.IsScalar()) return r.Fail(spath + ".labels." + key, kv.second, "must be a string");
            group.labels.emplace_back(key, kv.second.Scalar());
          }
        }
        sc.static_configs.push_back(std::move(group));
      }
    }
    if (r.failed()) return;
    cfg.scrape_configs.push_back(std::move(sc));
  }
}

Result<Config> Parse(const YAML::Node& root, const std::string& name) {
  Config cfg;
  cfg.source_path = name;
  Reader r(name);
  if (!root || root.IsNull()) return cfg;
  if (!r.Map(root, "", {"server", "storage", "ingest", "query", "retention", "global",
                         "scrape_configs"})) {
    return r.failed() ? Result<Config>(r.status()) : cfg;
  }
  if (YAML::Node s = root["server"]; r.Map(s, "server", {"listen", "threads", "max_body_bytes",
                                                         "read_timeout", "max_inflight_body_bytes"})) {
    r.String(s, "server", "listen", &cfg.server.listen);
    r.UInt(s, "server", "threads", &cfg.server.threads);
    r.UInt(s, "server", "max_body_bytes", &cfg.server.max_body_bytes);
    r.Dur(s, "server", "read_timeout", &cfg.server.read_timeout);
    r.UInt(s, "server", "max_inflight_body_bytes", &cfg.server.max_inflight_body_bytes);
    if (!r.failed() && !ValidListen(cfg.server.listen)) {
      r.Fail("server.listen", s["listen"], "must be host:port, got \"" + cfg.server.listen + "\"");
    }
  }
  if (YAML::Node s = root["storage"];
      r.Map(s, "storage", {"data_dir", "wal_fsync", "out_of_order_window", "max_series",
                           "max_series_per_metric", "partition_width"})) {
    r.String(s, "storage", "data_dir", &cfg.storage.data_dir);
    if (YAML::Node f = s["wal_fsync"]; f && f.IsScalar()) {
      if (f.Scalar() == "always") {
        cfg.storage.wal_fsync_always = true;
      } else {
        r.Dur(s, "storage", "wal_fsync", &cfg.storage.wal_fsync_interval);
      }
    }
    r.Dur(s, "storage", "out_of_order_window", &cfg.storage.out_of_order_window, true);
    r.UInt(s, "storage", "max_series", &cfg.storage.max_series);
    r.UInt(s, "storage", "max_series_per_metric", &cfg.storage.max_series_per_metric);
    r.Dur(s, "storage", "partition_width", &cfg.storage.partition_width);
    if (!r.failed() && cfg.storage.partition_width < kHour) {
      r.Fail("storage.partition_width", s["partition_width"],
             "must be at least 1h, got " + FormatDuration(cfg.storage.partition_width));
    }
  }
  if (YAML::Node s = root["ingest"];
      r.Map(s, "ingest", {"max_sample_age", "max_future", "max_labels_per_series", "graphite_listen",
                          "statsd_listen", "statsd_flush_interval"})) {
    r.Dur(s, "ingest", "max_sample_age", &cfg.ingest.max_sample_age);
    r.Dur(s, "ingest", "max_future", &cfg.ingest.max_future, true);
    r.UInt(s, "ingest", "max_labels_per_series", &cfg.ingest.max_labels_per_series);
    r.String(s, "ingest", "graphite_listen", &cfg.ingest.graphite_listen);
    r.String(s, "ingest", "statsd_listen", &cfg.ingest.statsd_listen);
    r.Dur(s, "ingest", "statsd_flush_interval", &cfg.ingest.statsd_flush_interval);
    // Graphite and StatsD listeners: "" is off, otherwise host:port.
    for (auto [key, value] : {std::pair{"graphite_listen", &cfg.ingest.graphite_listen},
                              std::pair{"statsd_listen", &cfg.ingest.statsd_listen}}) {
      if (!r.failed() && !value->empty() && !ValidListen(*value)) {
        r.Fail(std::string("ingest.") + key, s[key],
               "must be host:port (or \"\" to turn the listener off), got \"" + *value + "\"");
      }
    }
    if (!r.failed() && cfg.ingest.statsd_flush_interval < 100) {
      r.Fail("ingest.statsd_flush_interval", s["statsd_flush_interval"],
             "must be at least 100ms, got " + FormatDuration(cfg.ingest.statsd_flush_interval));
    }
  }
  if (YAML::Node s = root["query"];
      r.Map(s, "query", {"timeout", "lookback_delta", "max_samples", "threads", "cache_max_bytes",
                         "max_series", "log_file", "rollup_min_samples_per_bucket"})) {
    r.Dur(s, "query", "timeout", &cfg.query.timeout);
    r.Dur(s, "query", "lookback_delta", &cfg.query.lookback_delta);
    r.UInt(s, "query", "max_samples", &cfg.query.max_samples);
    r.UInt(s, "query", "threads", &cfg.query.threads);
    r.UInt(s, "query", "cache_max_bytes", &cfg.query.cache_max_bytes);
    r.UInt(s, "query", "max_series", &cfg.query.max_series);
    r.String(s, "query", "log_file", &cfg.query.log_file);
    r.UInt(s, "query", "rollup_min_samples_per_bucket", &cfg.query.rollup_min_samples_per_bucket);
  }
  if (YAML::Node s = root["retention"]; r.Map(s, "retention", {"raw", "tiers", "interval"})) {
    r.Dur(s, "retention", "raw", &cfg.retention.raw);
    r.Dur(s, "retention", "interval", &cfg.retention.interval, true);
    if (YAML::Node tiers = s["tiers"]; tiers && !tiers.IsNull()) {
      if (!tiers.IsSequence()) {
        r.Fail("retention.tiers", tiers, "must be a list of {resolution, retention}");
      } else {
        cfg.retention.tiers.clear();
        for (size_t i = 0; i < tiers.size(); ++i) {
          std::string path = "retention.tiers[" + std::to_string(i) + "]";
          TierConfig t;
          if (r.Map(tiers[i], path, {"resolution", "retention"})) {
            r.Dur(tiers[i], path, "resolution", &t.resolution);
            r.Dur(tiers[i], path, "retention", &t.retention);
          }
          if (!r.failed() && (t.resolution == 0 || t.retention == 0)) {
            r.Fail(path, tiers[i], "needs both resolution and retention");
          }
          if (r.failed()) break;
          ValidateTier(r, cfg.retention, tiers[i], path, t);
          cfg.retention.tiers.push_back(t);
        }
      }
    }
    // The default tiers are checked against a configured raw retention too.
    if (!r.failed() && !TiersGiven(s)) {
      for (size_t i = 0; i < cfg.retention.tiers.size(); ++i) {
        if (cfg.retention.tiers[i].retention < cfg.retention.raw) {
          r.Fail("retention.raw", s["raw"],
                 FormatDuration(cfg.retention.raw) + " is longer than the default rollup tier " +
                     FormatDuration(cfg.retention.tiers[i].resolution) + " kept " +
                     FormatDuration(cfg.retention.tiers[i].retention) +
                     "; list retention.tiers explicitly with retentions at least as long");
          break;
        }
      }
    }
  }
  if (YAML::Node g = root["global"]; r.Map(g, "global", {"scrape_interval", "scrape_timeout"})) {
    r.Dur(g, "global", "scrape_interval", &cfg.global.scrape_interval);
    r.Dur(g, "global", "scrape_timeout", &cfg.global.scrape_timeout);
    if (!r.failed() && cfg.global.scrape_timeout > cfg.global.scrape_interval) {
      r.Fail("global.scrape_timeout", g["scrape_timeout"],
             "must not be longer than global.scrape_interval " +
                 FormatDuration(cfg.global.scrape_interval));
    }
  }
  if (YAML::Node s = root["scrape_configs"]; s) {
    cfg.scrape_configs_given = true;
    if (!s.IsNull() && !s.IsSequence()) {
      r.Fail("scrape_configs", s, "must be a list");
    } else if (!r.failed()) {
      ParseScrapeConfigs(r, s, cfg);
    }
  }
  if (r.failed()) return r.status();
  return cfg;
}

}  // namespace

Result<Config> LoadString(const std::string& yaml, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(name + ": line " + std::to_string(e.mark.line + 1) + ", column " +
                                   std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  try {
    return Parse(root, name);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(name + ": " + e.what());
  }
}

Result<Config> LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("config file " + path + " cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  return LoadString(ss.str(), path);
}

}  // namespace strata::config

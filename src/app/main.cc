// strata: the composition root. Reads flags, then config, opens storage, builds the query
// engine and the HTTP server, waits for a signal, and stops in reverse order.

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <pthread.h>

#include "heap_policy.h"
#include "strata/base/log.h"
#include "strata/config/config.h"
#include "strata/http/api/services.h"
#include "strata/http/api/query_log.h"
#include "strata/http/server.h"
#include "strata/listen/graphite_server.h"
#include "strata/listen/statsd_server.h"
#include "strata/query/engine.h"
#include "strata/query/result_cache.h"
#include "strata/scrape/manager.h"
#include "strata/scrape/target.h"
#include "strata/storage/storage.h"

namespace {

using namespace strata;

storage::Options StorageOptions(const config::Config& cfg) {
  storage::Options o;
  o.data_dir = cfg.storage.data_dir;
  o.fsync = cfg.storage.wal_fsync_always ? storage::FsyncPolicy::kAlways : storage::FsyncPolicy::kInterval;
  o.fsync_interval = cfg.storage.wal_fsync_interval;
  o.out_of_order_window = cfg.storage.out_of_order_window;
  o.max_series = cfg.storage.max_series;
  o.max_series_per_metric = cfg.storage.max_series_per_metric;
  o.partition_width = cfg.storage.partition_width;
  o.raw_retention = cfg.retention.raw;
  o.tiers.clear();
  for (const config::TierConfig& t : cfg.retention.tiers) o.tiers.push_back({t.resolution, t.retention});
  o.retention_interval = cfg.retention.interval;
  return o;
}

// Loads the config: the named file, else config/strata.yaml if present, else defaults.
Result<config::Config> LoadConfig(const std::string& path, bool explicit_path) {
  if (!explicit_path && !std::filesystem::exists(path)) {
    log::Info("no config file, using defaults", {{"path", path}});
    return config::Config{};
  }
  return config::LoadFile(path);
}

int Serve(const std::string& config_path, bool explicit_config, const std::string& listen,
          const std::string& data_dir) {
  auto cfg = LoadConfig(config_path, explicit_config);
  if (!cfg.ok()) {
    std::fprintf(stderr, "strata: %s\n", cfg.status().message().c_str());
    return 1;
  }
  if (!listen.empty()) cfg->server.listen = listen;
  if (!data_dir.empty()) cfg->storage.data_dir = data_dir;

  // Signals are taken by sigwait on this thread only; every thread started below inherits
  // the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  app::HeapPolicy heap_policy;

  log::Info("starting strata", {{"version", STRATA_VERSION},
                                {"listen", cfg->server.listen},
                                {"data_dir", cfg->storage.data_dir},
                                {"config", cfg->source_path}});
  auto store = storage::Storage::Open(StorageOptions(*cfg));
  if (!store.ok()) {
    log::Error("cannot open storage", {{"data_dir", cfg->storage.data_dir},
                                       {"error", store.status().ToString()}});
    return 1;
  }

  query::EngineOptions eo;
  eo.lookback_delta = cfg->query.lookback_delta;
  eo.timeout = cfg->query.timeout;
  eo.max_samples = cfg->query.max_samples;
  eo.max_series = cfg->query.max_series;
  eo.min_samples_per_bucket = static_cast<double>(cfg->query.rollup_min_samples_per_bucket);
  query::Engine engine(eo);
  query::ResultCacheOptions co;
  co.max_bytes = cfg->query.cache_max_bytes;
  std::unique_ptr<query::ResultCache> cache;
  if (co.max_bytes > 0) cache = std::make_unique<query::ResultCache>(co);

  http::api::Services services;
  services.storage = store->get();
  services.engine = &engine;
  services.cache = cache.get();
  std::unique_ptr<http::api::QueryLog> query_log;
  if (!cfg->query.log_file.empty()) {
    auto opened = http::api::QueryLog::Open(cfg->query.log_file);
    if (!opened.ok()) {
      log::Error("cannot open the query log", {{"error", opened.status().ToString()}});
      (void)(*store)->Close();
      return 1;
    }
    query_log = std::move(*opened);
    services.query_log = query_log.get();
  }
  services.flags = {{"config.file", cfg->source_path},
                    {"web.listen-address", cfg->server.listen},
                    {"storage.tsdb.path", cfg->storage.data_dir},
                    {"storage.wal-fsync", cfg->storage.wal_fsync_always ? "always" : FormatDuration(cfg->storage.wal_fsync_interval)},
                    {"storage.out-of-order-window", FormatDuration(cfg->storage.out_of_order_window)},
                    {"query.log-file", cfg->query.log_file},
                    {"query.cache-max-bytes", std::to_string(cfg->query.cache_max_bytes)}};
  services.ingest_limits.max_sample_age = cfg->ingest.max_sample_age;
  services.ingest_limits.max_future = cfg->ingest.max_future;
  services.ingest_limits.max_tags = cfg->ingest.max_labels_per_series;
  services.max_body_bytes = cfg->server.max_body_bytes;
  services.start_time = NowMs();
  services.data_dir = cfg->storage.data_dir;

  http::Router router;
  http::api::RegisterRoutes(router, services);
  http::SelfMetrics metrics(http::api::RouteNames(router));
  services.metrics = &metrics;
  http::ServerOptions so;
  so.listen = cfg->server.listen;
  so.io_threads = cfg->server.threads;
  so.query_threads = cfg->query.threads;
  so.max_body_bytes = cfg->server.max_body_bytes;
  so.max_inflight_body_bytes = cfg->server.max_inflight_body_bytes;
  so.read_timeout = cfg->server.read_timeout;
  http::Server server(so, std::move(router), &metrics);
  if (Status st = server.Start(); !st.ok()) {
    log::Error("cannot start HTTP server", {{"error", st.ToString()}});
    (void)(*store)->Close();
    return 1;
  }
  // --- Graphite (TCP) and StatsD (UDP) listeners: optional; one that cannot bind stops startup.
  listen::Sink listen_sink;
  listen_sink.storage = store->get();
  listen_sink.on_result = [&metrics](std::string_view protocol, uint64_t accepted,
                                     const ingest::IngestReport& report) {
    metrics.AddIngested(protocol, accepted);
    for (size_t i = 0; i < ingest::kReasonCount; ++i) {
      if (report.rejected_by_reason[i] == 0) continue;
      metrics.AddRejected(ingest::ReasonName(static_cast<ingest::RejectReason>(i)),
                          report.rejected_by_reason[i]);
    }
  };
  std::unique_ptr<listen::GraphiteServer> graphite;
  std::unique_ptr<listen::StatsdServer> statsd;
  auto start_listener = [&](auto& server, const std::string& address, const char* key) {
    if (Status st = server->Start(); !st.ok()) {
      log::Error("cannot start listener", {{"key", key}, {"address", address}, {"error", st.ToString()}});
      std::fprintf(stderr, "strata: %s: %s\n", key, st.message().c_str());
      return false;
    }
    log::Info("listening", {{"key", key}, {"address", address}, {"port", std::to_string(server->port())}});
    return true;
  };
  bool listeners_ok = true;
  if (!cfg->ingest.graphite_listen.empty()) {
    listen::GraphiteServerOptions go;
    go.listen = cfg->ingest.graphite_listen;
    go.limits = services.ingest_limits;
    graphite = std::make_unique<listen::GraphiteServer>(go, listen_sink);
    listeners_ok = start_listener(graphite, go.listen, "ingest.graphite_listen");
  }
  if (listeners_ok && !cfg->ingest.statsd_listen.empty()) {
    listen::StatsdServerOptions so;
    so.listen = cfg->ingest.statsd_listen;
    so.statsd.limits = services.ingest_limits;
    so.flush_interval = cfg->ingest.statsd_flush_interval;
    statsd = std::make_unique<listen::StatsdServer>(so, listen_sink);
    listeners_ok = start_listener(statsd, so.listen, "ingest.statsd_listen");
  }
  auto stop_listeners = [&] {
    if (graphite) graphite->Stop();
    if (statsd) statsd->Stop();
  };
  if (!listeners_ok) {
    stop_listeners();
    server.Stop();
    (void)(*store)->Close();
    return 1;
  }
  // --- end of the Graphite/StatsD listeners block.
  // --- Scraper: scrape_configs, or this server's own /metrics when the key is absent.
  std::vector<config::ScrapeConfig> scrape_jobs =
      cfg->scrape_configs_given
          ? cfg->scrape_configs
          : scrape::DefaultJobs(cfg->server.listen.substr(0, cfg->server.listen.rfind(':') + 1) +
                                std::to_string(server.port()));
  scrape::ManagerOptions scrape_options;
  scrape_options.limits = services.ingest_limits;
  scrape_options.max_body_bytes = cfg->server.max_body_bytes;
  scrape_options.on_result = [&metrics](uint64_t accepted, const ingest::IngestReport& report) {
    metrics.AddIngested("scrape", accepted);
    for (size_t i = 0; i < ingest::kReasonCount; ++i) {
      if (report.rejected_by_reason[i] == 0) continue;
      metrics.AddRejected(ingest::ReasonName(static_cast<ingest::RejectReason>(i)),
                          report.rejected_by_reason[i]);
    }
  };
  scrape::Manager scraper(scrape::BuildTargets(scrape_jobs), store->get(), scrape_options);
  if (Status st = scraper.Start(); !st.ok()) {
    log::Error("cannot start the scraper", {{"error", st.ToString()}});
    stop_listeners();
    server.Stop();
    (void)(*store)->Close();
    return 1;
  }
  services.scrape = &scraper;
  log::Info("scraping", {{"jobs", std::to_string(scrape_jobs.size())},
                         {"targets", std::to_string(scraper.Targets().size())}});
  // --- end of the scraper block.

  services.ready = true;
  log::Info("strata is ready", {{"listen", cfg->server.listen}, {"port", std::to_string(server.port())}});

  int sig = 0;
  sigwait(&signals, &sig);
  log::Info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  services.ready = false;
  scraper.Stop();     // no scrape appends after this; /api/v1/targets still answers
  stop_listeners();  // delivers their last batches before storage closes
  server.Stop();
  if (Status st = (*store)->Close(); !st.ok()) {
    log::Error("storage close failed", {{"error", st.ToString()}});
    return 1;
  }
  log::Info("stopped cleanly");
  return 0;
}

int CheckConfig(const std::string& path) {
  auto cfg = config::LoadFile(path);
  if (!cfg.ok()) {
    std::fprintf(stderr, "strata: %s: INVALID\n  %s\n", path.c_str(), cfg.status().message().c_str());
    return 1;
  }
  std::printf("%s: OK (listen %s, data_dir %s, %zu rollup tiers)\n", path.c_str(),
              cfg->server.listen.c_str(), cfg->storage.data_dir.c_str(), cfg->retention.tiers.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"strata: a single-binary metrics server (push and PromQL, one process)", "strata"};
  app.set_version_flag("--version", std::string("strata ") + STRATA_VERSION);
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));

  std::string config_path = "config/strata.yaml", listen, data_dir;
  auto* serve = app.add_subcommand("serve", "Run the server");
  auto* config_opt = serve->add_option("--config,-c", config_path, "YAML config file")
                         ->capture_default_str();
  serve->add_option("--listen", listen, "host:port to listen on (overrides server.listen)");
  serve->add_option("--data-dir", data_dir, "data directory (overrides storage.data_dir)");

  std::string check_path;
  auto* check = app.add_subcommand("check-config", "Validate a config file (exit 0 when valid)");
  check->add_option("file", check_path, "YAML config file")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  log::SetMinLevel(log_level == "debug" ? log::Level::kDebug
                   : log_level == "warn"  ? log::Level::kWarn
                   : log_level == "error" ? log::Level::kError
                                          : log::Level::kInfo);
  if (*check) return CheckConfig(check_path);
  return Serve(config_path, config_opt->count() > 0, listen, data_dir);
}

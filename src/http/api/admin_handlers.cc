#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "handlers.h"
#include "respond.h"
#include "strata/http/json_writer.h"

namespace strata::http::api {
namespace {

// "raw" for raw samples, else the rollup resolution ("1m").
std::string TierName(Duration resolution) {
  return resolution == 0 ? std::string("raw") : FormatDuration(resolution);
}

// One retention tier as JSON: resolution, retention ("forever" when kept forever), the cutoff
// of the pass (null when nothing expires) and the partitions dropped.
void WriteRetentionTier(JsonWriter& w, const storage::RetentionReport::Tier& t) {
  w.BeginObject();
  w.Key("resolution").String(TierName(t.resolution));
  w.Key("retention").String(t.retention > 0 ? FormatDuration(t.retention) : "forever");
  w.Key("cutoff");
  if (t.retention > 0 && t.cutoff != 0) {
    w.String(FormatRfc3339(t.cutoff));
  } else {
    w.Null();
  }
  w.Key("partitions_dropped").UInt(t.partitions_dropped);
  w.EndObject();
}

}  // namespace

Response HandleHealthy(const Request& req, RequestContext&, Services&) {
  return MakeResponse(req, 200, "strata is Healthy.\n", "text/plain; charset=utf-8");
}

Response HandleReady(const Request& req, RequestContext&, Services& s) {
  if (!s.ready.load()) {
    Response res = MakeResponse(req, 503, "strata is not ready.\n", "text/plain; charset=utf-8");
    res.set(bhttp::field::retry_after, "1");
    return res;
  }
  return MakeResponse(req, 200, "strata is Ready.\n", "text/plain; charset=utf-8");
}

Response HandleSelfMetrics(const Request& req, RequestContext&, Services& s) {
  std::string out;
  out.reserve(16384);
  s.metrics->Render(&out);
  storage::Stats st = s.storage->GetStats();
  auto it = std::back_inserter(out);
  auto gauge = [&](std::string_view name, std::string_view help, std::string_view type, auto v) {
    fmt::format_to(it, "# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, v);
  };
  gauge("strata_storage_active_series", "Series in the head.", "gauge", st.active_series);
  gauge("strata_storage_head_samples", "Samples held in open head chunks.", "gauge", st.head_samples);
  gauge("strata_storage_head_chunks", "Open head chunks.", "gauge", st.head_chunks);
  gauge("strata_storage_samples_appended_total", "Samples appended to the head.", "counter",
        st.samples_appended);
  gauge("strata_storage_samples_rejected_too_old_total",
        "Samples older than the out-of-order window.", "counter", st.samples_rejected_too_old);
  gauge("strata_storage_chunks_written_total", "Chunks written to the on-disk store.", "counter",
        st.chunks_written);
  gauge("strata_wal_bytes", "Bytes in write-ahead log segments.", "gauge", st.wal_bytes);
  gauge("strata_wal_fsyncs_total", "fsync calls on the write-ahead log.", "counter", st.wal_fsyncs);
  gauge("strata_wal_fsync_duration_seconds_sum", "Time spent in write-ahead log fsync.", "counter",
        st.wal_fsync_seconds_sum);
  gauge("strata_storage_disk_bytes", "Bytes on disk of the store (RocksDB files and WAL).", "gauge",
        st.disk_bytes);
  gauge("strata_start_time_seconds", "Process start time.", "gauge", s.start_time / 1000);
  fmt::format_to(it,
                 "# HELP strata_retention_partitions_dropped_total Time partitions dropped by "
                 "retention.\n# TYPE strata_retention_partitions_dropped_total counter\n");
  for (const auto& t : st.retention_tiers) {
    fmt::format_to(it, "strata_retention_partitions_dropped_total{{tier=\"{}\"}} {}\n",
                   TierName(t.resolution), t.partitions_dropped);
  }
  gauge("strata_retention_series_removed_total", "Series removed by retention (no data left).",
        "counter", st.retention_series_removed);
  gauge("strata_retention_passes_total", "Retention passes run.", "counter", st.retention_passes);
  if (!st.rollup_tiers.empty()) {
    auto per_tier = [&](std::string_view name, std::string_view help, std::string_view type,
                        auto value_of) {
      fmt::format_to(it, "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
      for (const auto& t : st.rollup_tiers) {
        fmt::format_to(it, "{}{{tier=\"{}\"}} {}\n", name, TierName(t.resolution), value_of(t));
      }
    };
    per_tier("strata_rollup_buckets_total", "Rollup buckets written (repairs included).",
             "counter", [](const auto& t) { return t.buckets_written; });
    per_tier("strata_rollup_lag_seconds",
             "Newest complete bucket time minus the tier's build watermark.", "gauge",
             [](const auto& t) { return t.lag_seconds; });
    per_tier("strata_rollup_built_until_seconds", "Build watermark of the tier.", "gauge",
             [](const auto& t) { return t.built_until / 1000; });
    per_tier("strata_rollup_disk_bytes", "Approximate bytes of the tier's rollup chunks.", "gauge",
             [](const auto& t) { return t.disk_bytes; });
    gauge("strata_rollup_cpu_seconds_total", "CPU time spent building rollup tiers.", "counter",
          st.rollup_cpu_seconds);
  }
  gauge("strata_storage_raw_disk_bytes", "Approximate bytes of raw sample chunks.", "gauge",
        st.raw_disk_bytes);
  if (s.cache) {
    query::ResultCacheStats cs = s.cache->stats();
    gauge("strata_query_cache_hits_total", "Range queries answered from the result cache.", "counter", cs.hits);
    gauge("strata_query_cache_misses_total", "Range queries evaluated and cached.", "counter", cs.misses);
    gauge("strata_query_cache_shared_total",
          "Range queries that waited for an identical evaluation in flight.", "counter", cs.shared);
    gauge("strata_query_cache_evictions_total", "Entries evicted to stay within the byte bound.",
          "counter", cs.evictions);
    gauge("strata_query_cache_bytes", "Bytes held by the result cache.", "gauge", cs.bytes);
    gauge("strata_query_cache_entries", "Entries in the result cache.", "gauge", cs.entries);
  }
  return MakeResponse(req, 200, std::move(out), "text/plain; version=0.0.4; charset=utf-8");
}

Response HandleAdminHealth(const Request& req, RequestContext&, Services& s) {
  // Storage check: a real read through the querier, timed.
  auto t0 = std::chrono::steady_clock::now();
  auto q = s.storage->NewQuerier(NowMs() - kMinute, NowMs());
  auto names = q->LabelNames({});
  double storage_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  storage::Stats st = s.storage->GetStats();
  bool storage_up = names.ok();
  std::error_code ec;
  auto space = std::filesystem::space(s.data_dir.empty() ? "." : s.data_dir, ec);
  bool healthy = storage_up && s.ready.load();

  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("status").String(healthy ? "healthy" : "unhealthy");
  w.Key("version").String(STRATA_VERSION);
  w.Key("uptime_seconds").Int((NowMs() - s.start_time) / 1000);
  w.Key("checks").BeginObject();
  w.Key("storage").BeginObject().Key("status").String(storage_up ? "up" : "down");
  w.Key("latency_ms").Double(storage_ms);
  if (!storage_up) w.Key("error").String(names.status().message());
  w.Key("active_series").UInt(st.active_series).Key("disk_bytes").UInt(st.disk_bytes).EndObject();
  w.Key("wal").BeginObject().Key("status").String("up").Key("bytes").UInt(st.wal_bytes);
  w.Key("fsyncs").UInt(st.wal_fsyncs).EndObject();
  w.Key("ingest").BeginObject().Key("status").String("up");
  w.Key("inflight_bytes").UInt(s.metrics->inflight_body_bytes());
  w.Key("queue_depth").UInt(st.head_samples).EndObject();
  if (!ec) {
    w.Key("disk").BeginObject().Key("status").String(space.available > (64ull << 20) ? "up" : "down");
    w.Key("available_bytes").UInt(space.available).EndObject();
  }
  w.EndObject().EndObject();
  return MakeResponse(req, healthy ? 200 : 503, std::move(body));
}

Response HandleAdminStats(const Request& req, RequestContext&, Services& s) {
  storage::Stats st = s.storage->GetStats();
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("active_series").UInt(st.active_series);
  w.Key("head_samples").UInt(st.head_samples);
  w.Key("head_chunks").UInt(st.head_chunks);
  w.Key("samples_appended").UInt(st.samples_appended);
  w.Key("samples_rejected_too_old").UInt(st.samples_rejected_too_old);
  w.Key("chunks_written").UInt(st.chunks_written);
  w.Key("wal_bytes").UInt(st.wal_bytes);
  w.Key("disk_bytes").UInt(st.disk_bytes);
  w.Key("min_time").String(st.min_time ? FormatRfc3339(st.min_time) : "");
  w.Key("max_time").String(st.max_time ? FormatRfc3339(st.max_time) : "");
  w.Key("uptime_seconds").Int((NowMs() - s.start_time) / 1000);
  w.Key("retention").BeginObject();
  w.Key("passes").UInt(st.retention_passes);
  w.Key("series_removed").UInt(st.retention_series_removed);
  w.Key("tiers").BeginArray();
  for (const auto& t : st.retention_tiers) WriteRetentionTier(w, t);
  w.EndArray().EndObject();
  // Per tier (raw first): approximate bytes; rollup tiers also their build state.
  w.Key("tiers").BeginArray();
  w.BeginObject().Key("tier").String("raw").Key("disk_bytes").UInt(st.raw_disk_bytes).EndObject();
  for (const auto& t : st.rollup_tiers) {
    w.BeginObject().Key("tier").String(TierName(t.resolution));
    w.Key("disk_bytes").UInt(t.disk_bytes);
    w.Key("built_until").String(FormatRfc3339(t.built_until));
    w.Key("lag_seconds").Double(t.lag_seconds);
    w.Key("buckets_written").UInt(t.buckets_written).EndObject();
  }
  w.EndArray();
  w.Key("rollup_lag_seconds").Double(st.rollup_lag_seconds);
  w.Key("rollup_cpu_seconds").Double(st.rollup_cpu_seconds);
  w.EndObject();
  return MakeResponse(req, 200, std::move(body));
}

Response HandleAdminRetention(const Request& req, RequestContext&, Services& s) {
  auto t0 = std::chrono::steady_clock::now();
  auto report = s.storage->ApplyRetention(NowMs());
  if (!report.ok()) return ErrorReply(req, report.status());
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("tiers").BeginArray();
  for (const auto& t : report->tiers) WriteRetentionTier(w, t);
  w.EndArray();
  w.Key("series_removed").UInt(report->series_removed);
  w.Key("disk_bytes_before").UInt(report->disk_bytes_before);
  w.Key("disk_bytes_after").UInt(report->disk_bytes_after);
  w.Key("duration_ms").Double(ms);
  w.EndObject();
  return MakeResponse(req, 200, std::move(body));
}

Response HandleAdminFlush(const Request& req, RequestContext&, Services& s) {
  auto t0 = std::chrono::steady_clock::now();
  Status st = s.storage->Flush();
  if (!st.ok()) return ErrorReply(req, st);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("flushed").Bool(true).Key("duration_ms").Double(ms).EndObject();
  return MakeResponse(req, 200, std::move(body));
}

Response HandleBuildInfo(const Request& req, RequestContext&, Services&) {
  std::string data;
  JsonWriter w(&data);
  w.BeginObject();
  w.Key("version").String(STRATA_VERSION);
  w.Key("revision").String(STRATA_REVISION);
  w.Key("branch").String("main");
  w.Key("buildUser").String("strata");
  w.Key("buildDate").String(__DATE__);
  w.Key("goVersion").String("none (C++20)");
  w.EndObject();
  return SuccessReply(req, data);
}

}  // namespace strata::http::api

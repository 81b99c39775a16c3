#include "handlers.h"
#include "strata/http/api/services.h"

namespace strata::http::api {

void RegisterRoutes(Router& r, Services& s) {
  using V = bhttp::verb;
  auto bind = [&s](Response (*fn)(const Request&, RequestContext&, Services&)) -> Handler {
    return [fn, &s](const Request& req, RequestContext& ctx) { return fn(req, ctx, s); };
  };
  // Ingest runs on the I/O threads: parsing is the work, and it scales over them.
  r.Add(V::post, "/api/v1/metrics", "ingest_json", Pool::kIo, bind(HandleJsonIngest));
  r.Add(V::post, "/api/v1/write", "remote_write", Pool::kIo, bind(HandleRemoteWrite));
  // OpenTelemetry OTLP/HTTP metrics.
  r.Add(V::post, "/v1/metrics", "otlp_metrics", Pool::kIo, bind(HandleOtlpMetrics));
  // Influx line protocol (1.x and 2.x write endpoints, and the 1.x ping).
  r.Add(V::post, "/write", "influx_write", Pool::kIo, bind(HandleInfluxWriteV1));
  r.Add(V::post, "/api/v2/write", "influx_write_v2", Pool::kIo, bind(HandleInfluxWriteV2));
  for (V m : {V::get, V::head}) r.Add(m, "/ping", "influx_ping", Pool::kIo, bind(HandleInfluxPing));
  // Prometheus text exposition push (VictoriaMetrics' path) and the scrape targets' health.
  r.Add(V::post, "/api/v1/import/prometheus", "import_prometheus", Pool::kIo,
        bind(HandlePrometheusImport));
  r.Add(V::get, "/api/v1/targets", "targets", Pool::kIo, bind(HandleTargets));
  // Queries run on the query pool.
  for (V m : {V::get, V::post}) {
    r.Add(m, "/api/v1/query", "query", Pool::kQuery, bind(HandleQuery));
    r.Add(m, "/api/v1/query_range", "query_range", Pool::kQuery, bind(HandleQueryRange));
    r.Add(m, "/api/v1/series", "series", Pool::kQuery, bind(HandleSeries));
    r.Add(m, "/api/v1/labels", "labels", Pool::kQuery, bind(HandleLabels));
  }
  r.Add(V::get, "/api/v1/label/{name}/values", "label_values", Pool::kQuery, bind(HandleLabelValues));
  r.Add(V::get, "/api/v1/metadata", "metadata", Pool::kQuery, bind(HandleMetadata));
  r.Add(V::get, "/api/v1/metrics", "metric_list", Pool::kQuery, bind(HandleMetricList));
  r.Add(V::get, "/api/v1/metrics/{name}/tags", "metric_tags", Pool::kQuery, bind(HandleMetricTags));
  r.Add(V::get, "/api/v1/status/buildinfo", "buildinfo", Pool::kIo, bind(HandleBuildInfo));
  r.Add(V::get, "/api/v1/status/flags", "flags", Pool::kIo, bind(HandleFlags));
  // Operations.
  r.Add(V::get, "/api/v1/admin/health", "admin_health", Pool::kQuery, bind(HandleAdminHealth));
  r.Add(V::get, "/api/v1/admin/stats", "admin_stats", Pool::kIo, bind(HandleAdminStats));
  r.Add(V::post, "/api/v1/admin/flush", "admin_flush", Pool::kQuery, bind(HandleAdminFlush));
  r.Add(V::post, "/api/v1/admin/retention", "admin_retention", Pool::kQuery, bind(HandleAdminRetention));
  r.Add(V::get, "/metrics", "metrics", Pool::kIo, bind(HandleSelfMetrics));
  r.Add(V::get, "/-/healthy", "healthy", Pool::kIo, bind(HandleHealthy));
  r.Add(V::get, "/-/ready", "ready", Pool::kIo, bind(HandleReady));
}

std::vector<std::string> RouteNames(const Router& router) {
  std::vector<std::string> names;
  for (const auto& route : router.routes()) names.push_back(route.name);
  return names;
}

}  // namespace strata::http::api

// The API handler functions, one file per area. Each is a plain function of the request, its
// context and the services; RegisterRoutes (routes.cc) binds them to paths.
#pragma once

#include "strata/http/api/services.h"
#include "strata/http/router.h"

namespace strata::http::api {

// admin_handlers.cc — operations
Response HandleHealthy(const Request& req, RequestContext& ctx, Services& s);
Response HandleReady(const Request& req, RequestContext& ctx, Services& s);
Response HandleSelfMetrics(const Request& req, RequestContext& ctx, Services& s);
Response HandleAdminHealth(const Request& req, RequestContext& ctx, Services& s);
Response HandleAdminStats(const Request& req, RequestContext& ctx, Services& s);
Response HandleAdminFlush(const Request& req, RequestContext& ctx, Services& s);
Response HandleAdminRetention(const Request& req, RequestContext& ctx, Services& s);
Response HandleBuildInfo(const Request& req, RequestContext& ctx, Services& s);

// ingest_handlers.cc
Response HandleJsonIngest(const Request& req, RequestContext& ctx, Services& s);
Response HandleRemoteWrite(const Request& req, RequestContext& ctx, Services& s);

// otlp_handlers.cc — OpenTelemetry OTLP/HTTP metrics (POST /v1/metrics)
Response HandleOtlpMetrics(const Request& req, RequestContext& ctx, Services& s);

// influx_handlers.cc — Influx line protocol: POST /write (1.x), POST /api/v2/write (2.x),
// and /ping as InfluxDB answers it (agents check it before writing)
Response HandleInfluxWriteV1(const Request& req, RequestContext& ctx, Services& s);
Response HandleInfluxWriteV2(const Request& req, RequestContext& ctx, Services& s);
Response HandleInfluxPing(const Request& req, RequestContext& ctx, Services& s);

// exposition_handlers.cc, targets_handlers.cc — Prometheus text exposition push and scrape
// target health
Response HandlePrometheusImport(const Request& req, RequestContext& ctx, Services& s);
Response HandleTargets(const Request& req, RequestContext& ctx, Services& s);

// query_handlers.cc — Prometheus query API and the seed's JSON query form
Response HandleQuery(const Request& req, RequestContext& ctx, Services& s);
Response HandleQueryRange(const Request& req, RequestContext& ctx, Services& s);
Response HandleFlags(const Request& req, RequestContext& ctx, Services& s);

// metadata_handlers.cc — series, labels, metadata, the seed's metric listing
Response HandleSeries(const Request& req, RequestContext& ctx, Services& s);
Response HandleLabels(const Request& req, RequestContext& ctx, Services& s);
Response HandleLabelValues(const Request& req, RequestContext& ctx, Services& s);
Response HandleMetadata(const Request& req, RequestContext& ctx, Services& s);
Response HandleMetricList(const Request& req, RequestContext& ctx, Services& s);
Response HandleMetricTags(const Request& req, RequestContext& ctx, Services& s);

}  // namespace strata::http::api

#include "strata/http/self_metrics.h"

#include <catch2/catch.hpp>

using strata::http::Histogram;
using strata::http::SelfMetrics;

TEST_CASE("Histogram buckets are cumulative and end with +Inf", "[http][metrics]") {
  Histogram h;
  h.Observe(0.0004);
  h.Observe(0.003);
  h.Observe(100);
  std::string out;
  h.Render(&out, "x", "");
  CHECK(out.find("x_bucket{le=\"0.0005\"} 1\n") != std::string::npos);
  CHECK(out.find("x_bucket{le=\"0.005\"} 2\n") != std::string::npos);
  CHECK(out.find("x_bucket{le=\"60\"} 2\n") != std::string::npos);
  CHECK(out.find("x_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(out.find("x_count{} 3\n") != std::string::npos);
}

TEST_CASE("SelfMetrics renders requests by handler and code, and ingest by reason", "[http][metrics]") {
  SelfMetrics m({"query", "remote_write"});
  m.ObserveRequest(0, 200, 0.01);
  m.ObserveRequest(0, 200, 0.02);
  m.ObserveRequest(1, 400, 0.001);
  m.ObserveRequest(7, 404, 0.001);  // unmatched routes
  m.AddIngested("remote_write", 10);
  m.AddRejected("timestamp_too_old", 3);
  m.AddRejected("timestamp_too_old", 2);
  std::string out;
  m.Render(&out);
  CHECK(out.find("strata_http_requests_total{handler=\"query\",code=\"200\"} 2\n") != std::string::npos);
  CHECK(out.find("strata_http_requests_total{handler=\"remote_write\",code=\"400\"} 1\n") != std::string::npos);
  CHECK(out.find("strata_http_requests_total{handler=\"unmatched\",code=\"404\"} 1\n") != std::string::npos);
  CHECK(out.find("strata_ingest_samples_total{protocol=\"remote_write\"} 10\n") != std::string::npos);
  CHECK(out.find("strata_ingest_rejected_samples_total{reason=\"timestamp_too_old\"} 5\n") != std::string::npos);
  CHECK(out.find("# TYPE strata_http_request_duration_seconds histogram") != std::string::npos);
}

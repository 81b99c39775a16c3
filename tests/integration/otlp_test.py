"""OTLP/HTTP metrics: the OpenTelemetry JS SDK (from npm, installed by this test) exports a
counter, a histogram and a gauge through its protobuf and its JSON OTLP exporters into
POST /v1/metrics; the series come back through the query API named as Prometheus' OTLP
receiver names them. Also: partial success, malformed bodies, gzip, content types."""
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

import harness

BINARY = sys.argv.pop(1)
PACKAGES = ["@opentelemetry/api", "@opentelemetry/sdk-metrics", "@opentelemetry/resources",
            "@opentelemetry/exporter-metrics-otlp-proto", "@opentelemetry/exporter-metrics-otlp-http"]


EXPORT = r"""
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const kind = process.argv[3];
const { OTLPMetricExporter } = require(kind === 'proto'
    ? '@opentelemetry/exporter-metrics-otlp-proto' : '@opentelemetry/exporter-metrics-otlp-http');
(async () => {
  const exporter = new OTLPMetricExporter({ url: process.argv[2] });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout', 'service.namespace': 'shop',
      'service.instance.id': 'pod-' + kind, 'deployment.environment': 'it' }),
    readers: [reader],
  });
  const meter = provider.getMeter('strata-it');
  const orders = meter.createCounter('orders.placed', { unit: '{order}' });
  orders.add(5, { region: 'eu' });
  orders.add(2, { region: 'eu' });
  const latency = meter.createHistogram('checkout.duration', {
    unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5, 1] } });
  for (const v of [0.3, 0.7, 2]) latency.record(v, { route: '/pay' });
  const depth = meter.createGauge('queue.depth', { unit: 'By' });
  depth.record(12, { queue: 'q1' });
  await reader.forceFlush();
  await provider.shutdown();
})().catch((e) => { console.error(e); process.exit(1); });
"""


def value(result):
    return float(result[0]["value"][1]) if result else None


class OtlpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.Server(BINARY).start()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0
        cls.srv.cleanup()

    def test_opentelemetry_js_sdk_exporters(self):
        harness.ensure_node()
        prefix = harness.npm_install(PACKAGES)
        try:
            script = os.path.join(prefix, "export.js")
            with open(script, "w") as f:
                f.write(EXPORT)
            url = self.srv.url("/v1/metrics")
            for kind in ("proto", "json"):
                subprocess.run(["node", script, url, kind], cwd=prefix, check=True, timeout=120)
                base = f'job="shop/checkout",instance="pod-{kind}"'
                r = harness.wait_query(self.srv, f'orders_placed_total{{{base},region="eu"}}',
                               lambda r: value(r) == 7)
                self.assertEqual(value(r), 7, kind)
                buckets = harness.wait_query(self.srv, f'checkout_duration_seconds_bucket{{{base}}}',
                                     lambda r: len(r) == 4)
                got = {b["metric"]["le"]: float(b["value"][1]) for b in buckets}
                self.assertEqual(got, {"0.1": 0, "0.5": 1, "1": 2, "+Inf": 3}, kind)
                self.assertEqual(value(harness.wait_query(self.srv, f'checkout_duration_seconds_count{{{base}}}',
                                                  lambda r: len(r) == 1)), 3)
                self.assertAlmostEqual(value(harness.wait_query(self.srv, f'checkout_duration_seconds_sum{{{base}}}',
                                                        lambda r: len(r) == 1)), 3.0)
                q = harness.wait_query(self.srv,
                               f'histogram_quantile(0.5, checkout_duration_seconds_bucket{{{base}}})',
                               lambda r: len(r) == 1)
                self.assertTrue(0.5 <= value(q) <= 1, kind)
                g = harness.wait_query(self.srv, f'queue_depth_bytes{{{base},queue="q1"}}', lambda r: len(r) == 1)
                self.assertEqual(value(g), 12)
                info = harness.wait_query(self.srv, f'target_info{{{base}}}', lambda r: len(r) == 1)
                self.assertEqual(info[0]["metric"].get("deployment_environment"), "it")
        finally:
            shutil.rmtree(prefix, ignore_errors=True)

    def post(self, body, content_type="application/json", encoding=None):
        headers = {"Content-Type": content_type}
        if encoding:
            headers["Content-Encoding"] = encoding
        return self.srv.request("POST", "/v1/metrics", body, headers)

    def test_partial_success_and_delta_sums(self):
        now = str(time.time_ns())
        def req(points):
            return json.dumps({"resourceMetrics": [{"resource": {"attributes": [
                {"key": "service.name", "value": {"stringValue": "delta-svc"}}]},
                "scopeMetrics": [{"metrics": [{"name": "jobs.done", "sum": {
                    "aggregationTemporality": 1, "isMonotonic": True,
                    "dataPoints": points}}]}]}]}).encode()
        code, _, body = self.post(req([{"asInt": "4", "timeUnixNano": now},
                                       {"asInt": "1", "timeUnixNano": "1"}]))
        self.assertEqual(code, 200)
        answer = json.loads(body)
        self.assertEqual(answer["partialSuccess"]["rejectedDataPoints"], "1")
        self.assertIn("timestamp_too_old", answer["partialSuccess"]["errorMessage"])
        time.sleep(0.01)
        code, _, body = self.post(gzip.compress(req([{"asInt": "6", "timeUnixNano": str(time.time_ns())}])),
                                  encoding="gzip")
        self.assertEqual(code, 200)
        self.assertEqual(json.loads(body), {})
        r = harness.wait_query(self.srv, 'jobs_done_total{job="delta-svc"}', lambda r: value(r) == 10)
        self.assertEqual(value(r), 10)  # delta points accumulated into a cumulative counter

    def test_malformed_bodies_and_content_types(self):
        code, hdrs, body = self.post(b'{"resourceMetrics": [', "application/json")
        self.assertEqual(code, 400)
        self.assertIn("malformed OTLP JSON", json.loads(body)["message"])
        code, hdrs, body = self.post(b"\x0a\xff\xff\xff", "application/x-protobuf")
        self.assertEqual(code, 400)
        self.assertEqual(hdrs.get("Content-Type"), "application/x-protobuf")
        self.assertIn(b"malformed OTLP protobuf", body)
        code, _, _ = self.post(b"x", "text/plain")
        self.assertEqual(code, 415)
        code, _, _ = self.post(b"{}", "application/json", encoding="br")
        self.assertEqual(code, 415)
        code, _, body = self.post(b"", "application/x-protobuf")
        self.assertEqual(code, 200)
        self.assertEqual(body, b"")


if __name__ == "__main__":
    unittest.main()

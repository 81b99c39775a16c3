"""The Prometheus query API and the seed's query forms against the real binary."""
import json
import sys
import time
import unittest

import harness

BINARY = sys.argv.pop(1)
S = None
T0 = None


def setUpModule():
    global S, T0
    S = harness.Server(BINARY).start()
    T0 = (int(time.time()) // 60) * 60 * 1000 - 3_600_000
    # 3 hosts x 2 modes of a counter, every 10 s for 30 minutes.
    series = []
    for h in range(3):
        for mode in ("idle", "user"):
            samples = [(T0 + i * 10_000, float(i * (h + 1))) for i in range(180)]
            series.append(({"__name__": "it_cpu_seconds_total", "host": f"h{h}", "mode": mode}, samples))
    series.append(({"__name__": "it_load", "host": "h0"}, [(T0 + i * 10_000, 1.5) for i in range(180)]))
    code, _, body = harness.remote_write(S, series)
    assert code == 204, body


def tearDownModule():
    S.stop()
    S.cleanup()


def ts(offset_s):
    return (T0 + offset_s * 1000) / 1000


class QueryApiTest(unittest.TestCase):
    def test_instant_vector_selector_and_lookback(self):
        code, r = S.get_json("/api/v1/query", query='it_load{host="h0"}', time=ts(1790 + 299))
        self.assertEqual(code, 200)
        self.assertEqual(r["data"]["resultType"], "vector")
        self.assertEqual(r["data"]["result"][0]["value"][1], "1.5")
        code, r = S.get_json("/api/v1/query", query='it_load{host="h0"}', time=ts(1790 + 300))
        self.assertEqual(r["data"]["result"], [])  # the lookback window is left-open

    def test_sum_by_rate(self):
        code, r = S.get_json("/api/v1/query_range", query="sum by (host) (rate(it_cpu_seconds_total[5m]))",
                             start=ts(600), end=ts(1200), step="60")
        self.assertEqual(code, 200, r)
        res = {s["metric"]["host"]: s["values"] for s in r["data"]["result"]}
        self.assertEqual(sorted(res), ["h0", "h1", "h2"])
        for h in range(3):
            # Each of two series grows (h+1) per 10 s: rate (h+1)/10 each.
            self.assertAlmostEqual(float(res[f"h{h}"][0][1]), 2 * (h + 1) / 10, places=9)
            self.assertEqual(len(res[f"h{h}"]), 11)

    def test_post_form_query_range(self):
        body = f"query=it_load&start={ts(0)}&end={ts(60)}&step=30".encode()
        code, _, data = S.request("POST", "/api/v1/query_range", body,
                                  {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(code, 200, data)
        self.assertEqual(len(json.loads(data)["data"]["result"][0]["values"]), 3)

    def test_parse_error_is_400_bad_data_with_position(self):
        code, r = S.get_json("/api/v1/query", query="sum(rate(x[5m])")
        self.assertEqual(code, 400)
        self.assertEqual(r["errorType"], "bad_data")
        self.assertRegex(r["error"], r"1:\d+")

    def test_range_query_parameter_errors(self):
        code, r = S.get_json("/api/v1/query_range", query="up", start="abc", end="1", step="1")
        self.assertEqual(code, 400)
        self.assertIn("start", r["error"])
        code, r = S.get_json("/api/v1/query_range", query="up", start="10", end="1", step="1")
        self.assertEqual(code, 400)
        code, r = S.get_json("/api/v1/query_range", query="up", start="0", end="100000", step="1")
        self.assertEqual(code, 400)
        self.assertIn("11,000", r["error"])

    def test_execution_error_is_422(self):
        code, r = S.get_json("/api/v1/query", query="it_cpu_seconds_total + on(host) it_cpu_seconds_total",
                             time=ts(100))
        self.assertEqual(code, 422, r)
        self.assertEqual(r["errorType"], "execution")

    def test_series_labels_and_values(self):
        code, r = S.get_json("/api/v1/series", **{"match[]": 'it_cpu_seconds_total{host=~"h[01]"}'})
        self.assertEqual(code, 200, r)
        self.assertEqual(len(r["data"]), 4)
        code, r = S.get_json("/api/v1/labels")
        self.assertTrue({"__name__", "host", "mode"} <= set(r["data"]))
        code, r = S.get_json("/api/v1/label/host/values")
        self.assertEqual(r["data"], ["h0", "h1", "h2"])
        code, r = S.get_json("/api/v1/series")
        self.assertEqual(code, 400)

    def test_buildinfo(self):
        code, r = S.get_json("/api/v1/status/buildinfo")
        self.assertEqual(code, 200)
        self.assertIn("version", r["data"])

    def test_seed_json_query(self):
        code, r = S.post_json("/api/v1/query", {"query": 'it_load{host="h0"}', "start": ts(0),
                                                "end": ts(120), "step": "60s"})
        self.assertEqual(code, 200, r)
        self.assertEqual([p["value"] for p in r["data"]], [1.5, 1.5, 1.5])
        self.assertTrue(r["data"][0]["time"].endswith("Z"))
        self.assertEqual(r["meta"]["series"][0]["host"], "h0")

    def test_seed_metric_listing_and_tags(self):
        code, r = S.get_json("/api/v1/metrics")
        self.assertEqual(code, 200)
        by_name = {m["name"]: m for m in r["metrics"]}
        self.assertEqual(by_name["it_cpu_seconds_total"]["series"], 6)
        code, r = S.get_json("/api/v1/metrics/it_cpu_seconds_total/tags")
        self.assertEqual(code, 200)
        self.assertEqual(r["tags"]["mode"], ["idle", "user"])
        code, r = S.get_json("/api/v1/metrics/nope/tags")
        self.assertEqual(code, 404)

    def test_health_endpoints(self):
        code, r = S.get_json("/api/v1/admin/health")
        self.assertEqual(code, 200)
        self.assertEqual(r["status"], "healthy")
        self.assertEqual(r["checks"]["storage"]["status"], "up")
        self.assertEqual(S.request("GET", "/-/healthy")[0], 200)
        self.assertEqual(S.request("GET", "/-/ready")[0], 200)
        self.assertEqual(S.request("GET", "/nope")[0], 404)
        self.assertEqual(S.request("DELETE", "/api/v1/query")[0], 405)

    def test_range_results_are_cached_unless_nocache(self):
        params = f"query=sum(it_load)&start={ts(0)}&end={ts(600)}&step=60"
        code, h1, b1 = S.request("GET", "/api/v1/query_range?" + params)
        code, h2, b2 = S.request("GET", "/api/v1/query_range?" + params)
        self.assertEqual(code, 200)
        self.assertEqual(h1.get("X-Strata-Cache"), "miss")
        self.assertEqual(h2.get("X-Strata-Cache"), "hit")
        self.assertEqual(b1, b2)
        code, h3, b3 = S.request("GET", "/api/v1/query_range?" + params + "&nocache=1")
        self.assertNotIn("X-Strata-Cache", h3)
        self.assertEqual(json.loads(b3)["data"], json.loads(b1)["data"])
        text = S.request("GET", "/metrics")[2].decode()
        hits = [l for l in text.splitlines() if l.startswith("strata_query_cache_hits_total ")]
        self.assertTrue(hits and int(hits[0].split()[1]) >= 1, hits)

    def test_large_matrix_answer_is_whole_and_in_order(self):
        # 12 series x 9,001 points: large enough that the answer is written in parts.
        q = ('label_replace(it_cpu_seconds_total, "copy", "a", "", "") or '
             'label_replace(it_cpu_seconds_total, "copy", "b", "", "")')
        code, r = S.get_json("/api/v1/query_range", query=q, start=ts(0), end=ts(1800), step="0.2",
                             nocache="1")
        self.assertEqual(code, 200)
        result = r["data"]["result"]
        self.assertEqual(len(result), 12)
        for s in result:
            factor = int(s["metric"]["host"][1:]) + 1
            values = s["values"]
            self.assertEqual(len(values), 9001)
            for t, v in values:
                step = int(round((t - ts(0)) * 1000)) // 10_000
                self.assertEqual(float(v), min(step, 179) * factor, (s["metric"], t))

    def test_flush_keeps_data_queryable(self):
        code, _, _ = S.request("POST", "/api/v1/admin/flush")
        self.assertEqual(code, 200)
        code, r = S.get_json("/api/v1/query", query="count(it_cpu_seconds_total)", time=ts(100))
        self.assertEqual(r["data"]["result"][0]["value"][1], "6")


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Rollup tiers on the real binary: built by flush, routed to by PromQL, named in the answer,
equal to the raw answer, visible in stats and /metrics, and kept across a restart."""
import json
import math
import random
import sys
import time
import unittest
import urllib.parse

import harness

BINARY = sys.argv.pop(1)
HOUR = 3_600_000
CONFIG = """
ingest:
  max_sample_age: 30d
storage:
  out_of_order_window: 6h
retention:
  raw: 7d
  tiers:
    - {resolution: 1m, retention: 30d}
    - {resolution: 1h, retention: 365d}
query:
  rollup_min_samples_per_bucket: 0
"""
S = None
T0 = None
END = None


def setUpModule():
    global S, T0, END
    S = harness.Server(BINARY, config_text=CONFIG).start()
    END = (int(time.time() * 1000) // HOUR) * HOUR - HOUR
    T0 = END - 12 * HOUR
    rng = random.Random(11)
    series = []
    for h in range(4):
        counter, samples, gauge = 0.0, [], []
        t = T0 + 1_234
        while t <= END:
            counter = 0.0 if rng.random() < 0.002 else counter + rng.randint(0, 500) / 10
            samples.append((t, counter))
            gauge.append((t, rng.randint(-5000, 5000) / 100))
            t += 15_000
        series.append(({"__name__": "ru_requests_total", "host": f"h{h}"}, samples))
        series.append(({"__name__": "ru_temp", "host": f"h{h}"}, gauge))
    for i in range(0, len(series), 2):
        code, _, body = harness.remote_write(S, series[i:i + 2])
        assert code == 204, body
    code, _, body = S.request("POST", "/api/v1/admin/flush")
    assert code == 200, body


def tearDownModule():
    S.stop()
    S.cleanup()


def query_range(q, start, end, step, **extra):
    params = {"query": q, "start": start / 1000, "end": end / 1000, "step": step, "nocache": 1}
    params.update(extra)
    code, headers, data = S.request("GET", "/api/v1/query_range?" + urllib.parse.urlencode(params))
    return code, headers, json.loads(data)


def close(a, b):
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))


class RollupTest(unittest.TestCase):
    def assert_same_answer(self, routed, raw):
        self.assertEqual(len(routed["data"]["result"]), len(raw["data"]["result"]))
        for a, b in zip(routed["data"]["result"], raw["data"]["result"]):
            self.assertEqual(a["metric"], b["metric"])
            self.assertEqual([p[0] for p in a["values"]], [p[0] for p in b["values"]])
            for p, q in zip(a["values"], b["values"]):
                self.assertTrue(close(p[1], q[1]), (a["metric"], p, q))

    def test_stats_show_built_tiers(self):
        code, st = S.get_json("/api/v1/admin/stats")
        self.assertEqual(code, 200)
        tiers = {t["tier"]: t for t in st["tiers"]}
        self.assertEqual(set(tiers), {"raw", "1m", "1h"})
        self.assertGreater(tiers["1m"]["buckets_written"], 4 * 2 * 11 * 60)
        self.assertGreater(tiers["1h"]["buckets_written"], 4 * 2 * 10)
        self.assertGreater(tiers["1m"]["disk_bytes"], 0)
        self.assertLess(st["rollup_lag_seconds"], 3600)
        code, _, body = S.request("GET", "/metrics")
        text = body.decode()
        self.assertIn('strata_rollup_buckets_total{tier="1m"}', text)
        self.assertIn("strata_rollup_cpu_seconds_total", text)

    def test_aligned_queries_use_the_coarsest_exact_tier_and_equal_raw(self):
        cases = [("sum by (host) (rate(ru_requests_total[5m]))", 60, "1m"),
                 ("increase(ru_requests_total[1h])", 3600, "1h"),
                 ("max_over_time(ru_temp[2h])", 3600, "1h"),
                 ("avg_over_time(ru_temp[10m])", 300, "1m")]
        for q, step, tier in cases:
            start, end = T0 + 2 * HOUR, END
            code, headers, routed = query_range(q, start, end, step)
            self.assertEqual(code, 200, routed)
            self.assertEqual(headers.get("X-Strata-Tier"), tier, q)
            code, headers, raw = query_range(q, start, end, step, tier="raw")
            self.assertEqual(code, 200, raw)
            self.assertEqual(headers.get("X-Strata-Tier"), "raw", q)
            self.assertGreater(len(routed["data"]["result"]), 0, q)
            self.assert_same_answer(routed, raw)

    def test_unaligned_or_sample_functions_read_raw(self):
        for q, start, step in [("rate(ru_requests_total[90s])", T0 + 2 * HOUR, 60),
                               ("rate(ru_requests_total[5m])", T0 + 2 * HOUR + 7_000, 60),
                               ("irate(ru_requests_total[5m])", T0 + 2 * HOUR, 60)]:
            code, headers, _ = query_range(q, start, END, step)
            self.assertEqual(code, 200)
            self.assertEqual(headers.get("X-Strata-Tier"), "raw", q)

    def test_bad_tier_parameter_is_400(self):
        code, _, r = query_range("ru_temp", T0, END, 60, tier="5m")
        self.assertEqual(code, 400)
        self.assertEqual(r["errorType"], "bad_data")
        self.assertIn("tier", r["error"])

    def test_seed_json_form_reports_the_tier(self):
        code, r = S.post_json("/api/v1/query", {"query": "increase(ru_requests_total[1h])",
                                                "start": (T0 + 2 * HOUR) / 1000, "end": END / 1000,
                                                "step": "1h"})
        self.assertEqual(code, 200, r)
        self.assertEqual(r["meta"]["resolution"], "1h")
        self.assertEqual(r["meta"]["table"], "metrics_1h")

    def test_zz_late_samples_and_restart(self):
        # A late sample inside built buckets changes the routed answer exactly as the raw one.
        t = END - 3 * HOUR + 500
        code, _, body = harness.remote_write(
            S, [({"__name__": "ru_temp", "host": "h0"}, [(t, 1e6)])])
        self.assertEqual(code, 204, body)
        q = "max_over_time(ru_temp[1h])"
        code, headers, routed = query_range(q, T0 + 2 * HOUR, END, 3600)
        self.assertEqual(headers.get("X-Strata-Tier"), "1h")
        values = [float(v) for r in routed["data"]["result"] if r["metric"]["host"] == "h0"
                  for _, v in r["values"]]
        self.assertIn(1e6, values)
        _, _, raw = query_range(q, T0 + 2 * HOUR, END, 3600, tier="raw")
        self.assert_same_answer(routed, raw)
        S.stop()
        S.start()
        code, headers, after = query_range(q, T0 + 2 * HOUR, END, 3600)
        self.assertEqual(code, 200)
        self.assertEqual(headers.get("X-Strata-Tier"), "1h")
        self.assert_same_answer(after, raw)


if __name__ == "__main__":
    unittest.main()

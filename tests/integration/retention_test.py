"""Retention on the real binary: old partitions go, the disk shrinks, recent data stays."""
import json
import os
import random
import sys
import time
import unittest

import harness

BINARY = sys.argv.pop(1)

DAY_MS = 86_400_000
CONFIG = """
ingest:
  max_sample_age: 30d
storage:
  partition_width: 1d
retention:
  raw: 1d
  interval: 0s
  tiers:
    - {resolution: 1m, retention: 2d}
    - {resolution: 1h, retention: 2d}
"""


def now_ms():
    return int(time.time() * 1000)


def dir_bytes(path):
    total = 0
    for root, _, names in os.walk(path):
        for n in names:
            try:
                total += os.path.getsize(os.path.join(root, n))
            except OSError:
                pass  # RocksDB removed it meanwhile
    return total


class RetentionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.S = harness.Server(BINARY, config_text=CONFIG).start()
        cls.now = now_ms()
        rng = random.Random(7)
        # 50 series every 30 s from 10 to 3 days ago (1.0 M points), random values so that the
        # data does not compress away; then the last hour, and one series with old data only.
        # Old data ends 4 days back: a series is removed once its last sample is older than
        # the oldest partition kept in any tier (here two days back, floored to the day, less a
        # bucket), which holds at any time of day only when the gap is over three days.
        old_start, old_end = cls.now - 11 * DAY_MS, cls.now - 4 * DAY_MS
        points = []

        def send():
            code, body = cls.S.post_json("/api/v1/metrics", points)
            assert code == 202 and body["rejected"] == 0, body
            points.clear()

        for t in range(old_start, old_end, 30_000):
            for s in range(50):
                points.append({"name": "ret_m", "value": rng.random() * 1e6, "tags": {"s": str(s)},
                               "timestamp": t})
            points.append({"name": "ret_old_only", "value": rng.random(), "timestamp": t})
            if len(points) >= 50_000:
                send()
        for t in range(cls.now - 3_600_000, cls.now, 30_000):
            for s in range(50):
                points.append({"name": "ret_m", "value": rng.random(), "tags": {"s": str(s)},
                               "timestamp": t})
        send()
        code, _, body = cls.S.request("POST", "/api/v1/admin/flush")
        assert code == 200, body

    @classmethod
    def tearDownClass(cls):
        cls.S.stop()
        cls.S.cleanup()

    def query(self, q, at_ms):
        code, r = self.S.get_json("/api/v1/query", query=q, time=at_ms / 1000)
        self.assertEqual(code, 200, r)
        return r["data"]["result"]

    def series(self, match):
        code, r = self.S.get_json("/api/v1/series", **{"match[]": match, "start": (self.now - 30 * DAY_MS) / 1000,
                                                        "end": self.now / 1000 + 60})
        self.assertEqual(code, 200, r)
        return r["data"]

    def test_retention_pass_drops_old_partitions_and_returns_disk_space(self):
        old_at = self.now - 5 * DAY_MS
        self.assertEqual(len(self.query('ret_m{s="1"}[12h]', old_at)), 1)
        self.assertEqual(len(self.series("ret_old_only")), 1)
        before = dir_bytes(self.S.data_dir)

        code, _, body = self.S.request("POST", "/api/v1/admin/retention")
        self.assertEqual(code, 200, body)
        report = json.loads(body)
        tiers = report["tiers"]
        self.assertEqual([t["resolution"] for t in tiers], ["raw", "1m", "1h"])
        self.assertEqual(tiers[0]["retention"], "1d")
        self.assertGreaterEqual(tiers[0]["partitions_dropped"], 7)
        self.assertIsNotNone(tiers[0]["cutoff"])
        self.assertEqual(report["series_removed"], 1)  # ret_old_only
        self.assertLess(report["disk_bytes_after"], report["disk_bytes_before"])

        after = dir_bytes(self.S.data_dir)
        self.assertLess(after, before * 0.5, f"data dir {before} -> {after} bytes")

        # Old points are gone from raw selectors and from rollup-served functions alike.
        for at in (self.now - 3 * DAY_MS - 3_600_000, old_at, self.now - 9 * DAY_MS):
            self.assertEqual(self.query('ret_m{s="1"}[12h]', at), [])
            self.assertEqual(self.query('count_over_time(ret_m{s="1"}[12h])', at), [])
        self.assertEqual(self.series("ret_old_only"), [])
        # Recent points remain, all of them.
        recent = self.query('ret_m{s="1"}[2h]', self.now + 1000)
        self.assertEqual(len(recent), 1)
        self.assertEqual(len(recent[0]["values"]), 120)
        self.assertEqual(len(self.series("ret_m")), 50)

        # A second pass finds nothing more to do.
        code, _, body = self.S.request("POST", "/api/v1/admin/retention")
        self.assertEqual(code, 200, body)
        again = json.loads(body)
        self.assertEqual([t["partitions_dropped"] for t in again["tiers"]], [0, 0, 0])
        self.assertEqual(again["series_removed"], 0)

        code, _, metrics = self.S.request("GET", "/metrics")
        text = metrics.decode()
        line = [l for l in text.splitlines()
                if l.startswith('strata_retention_partitions_dropped_total{tier="raw"}')]
        self.assertEqual(len(line), 1, text)
        self.assertGreaterEqual(int(line[0].split()[-1]), 7)
        self.assertIn("strata_retention_series_removed_total 1", text)
        code, stats = self.S.get_json("/api/v1/admin/stats")
        self.assertEqual(stats["retention"]["series_removed"], 1)
        self.assertEqual(stats["retention"]["passes"], 2)


if __name__ == "__main__":
    unittest.main()

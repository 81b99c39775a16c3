"""strata's scraper against a real prometheus-node-exporter (Debian package), its default
self-scrape, and the Prometheus text push endpoint (POST /api/v1/import/prometheus); every
check reads the data back through the query API."""
import gzip
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest
import urllib.parse

import harness

BINARY = sys.argv.pop(1)
NODE_EXPORTER = "prometheus-node-exporter"


def ensure_node_exporter():
    if shutil.which(NODE_EXPORTER):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", NODE_EXPORTER],
                   env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not shutil.which(NODE_EXPORTER):
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", NODE_EXPORTER],
                       env=env, check=True)


def wait_for(fn, timeout=60, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def instant(srv, query):
    code, r = srv.get_json("/api/v1/query", query=query)
    assert code == 200, r
    return r["data"]["result"]


def targets(srv, **params):
    code, r = srv.get_json("/api/v1/targets", **params)
    assert code == 200, r
    return r["data"]["activeTargets"]


class NodeExporterScrapeTest(unittest.TestCase):
    def test_node_exporter_is_scraped_and_goes_stale_when_killed(self):
        ensure_node_exporter()
        port = harness.free_port()
        exporter = subprocess.Popen(
            [NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        srv = harness.Server(BINARY, config_text=f"""
scrape_configs:
  - job_name: node
    scrape_interval: 1s
    static_configs:
      - targets: ['127.0.0.1:{port}']
        labels: {{env: it}}
  - job_name: limited
    scrape_interval: 1s
    sample_limit: 10
    static_configs:
      - targets: ['127.0.0.1:{port}']
""")
        try:
            srv.start()
            instance = f"127.0.0.1:{port}"
            up = wait_for(lambda: [r for r in instance_up(srv, "node") if r["value"][1] == "1"],
                          what="up{job=node} == 1")
            self.assertEqual(up[0]["metric"], {"__name__": "up", "job": "node", "instance": instance,
                                               "env": "it"})
            # node_* series with the target's labels.
            load = wait_for(lambda: instant(srv, 'node_load1{job="node"}'), what="node_load1")
            self.assertEqual(load[0]["metric"]["instance"], instance)
            self.assertEqual(load[0]["metric"]["env"], "it")
            count = instant(srv, 'count({job="node", __name__=~"node_.+"})')
            self.assertGreater(float(count[0]["value"][1]), 50)
            cpu = instant(srv, 'sum by (mode) (node_cpu_seconds_total{job="node"})')
            self.assertTrue(any(r["metric"].get("mode") == "idle" for r in cpu))
            scraped = instant(srv, 'scrape_samples_scraped{job="node"}')
            self.assertGreater(float(scraped[0]["value"][1]), 50)
            self.assertTrue(instant(srv, 'scrape_duration_seconds{job="node"}'))
            # HELP/TYPE lines became metadata.
            code, md = srv.get_json("/api/v1/metadata", metric="node_cpu_seconds_total")
            self.assertEqual(md["data"]["node_cpu_seconds_total"][0]["type"], "counter")
            # Target health in Prometheus' shape.
            node = [t for t in targets(srv) if t["scrapePool"] == "node"][0]
            self.assertEqual(node["health"], "up")
            self.assertEqual(node["lastError"], "")
            self.assertEqual(node["scrapeUrl"], f"http://{instance}/metrics")
            self.assertEqual(node["labels"], {"job": "node", "instance": instance, "env": "it"})
            self.assertEqual(node["discoveredLabels"]["__address__"], instance)
            self.assertEqual(node["scrapeInterval"], "1s")
            self.assertEqual(node["scrapeTimeout"], "1s")
            self.assertGreater(node["lastScrapeDuration"], 0)
            self.assertTrue(node["lastScrape"].startswith("20"))
            # sample_limit exceeded: the scrape fails, nothing of it is stored, up is 0.
            limited = wait_for(lambda: [t for t in targets(srv, scrapePool="limited")
                                        if t["health"] == "down"], what="limited target down")
            self.assertIn("sample_limit exceeded", limited[0]["lastError"])
            self.assertEqual(instant(srv, 'up{job="limited"}')[0]["value"][1], "0")
            self.assertEqual(instant(srv, 'node_load1{job="limited"}'), [])

            # The target disappears: up goes to 0 and its series end with stale markers, so
            # an instant query no longer returns them (no 5-minute lookback tail).
            exporter.send_signal(signal.SIGTERM)
            exporter.wait(timeout=30)
            wait_for(lambda: [r for r in instance_up(srv, "node") if r["value"][1] == "0"],
                     what="up{job=node} == 0")
            wait_for(lambda: instant(srv, 'node_load1{job="node"}') == [], timeout=30,
                     what="node_load1 to vanish")
            self.assertEqual(instant(srv, 'count({job="node", __name__=~"node_.+"})'), [])
            node = [t for t in targets(srv) if t["scrapePool"] == "node"][0]
            self.assertEqual(node["health"], "down")
            self.assertIn(f'Get "http://{instance}/metrics"', node["lastError"])
            # The samples scraped before are still there for range queries.
            now = time.time()
            code, r = srv.get_json("/api/v1/query_range", query='node_load1{job="node"}',
                                   start=now - 120, end=now, step=1)
            self.assertEqual(code, 200)
            self.assertTrue(r["data"]["result"])
            self.assertEqual(srv.stop(), 0)  # scrapes stop cleanly on SIGTERM
        finally:
            if exporter.poll() is None:
                exporter.kill()
                exporter.wait()
            srv.cleanup()


def instance_up(srv, job):
    return instant(srv, f'up{{job="{job}"}}')


class SelfScrapeTest(unittest.TestCase):
    def test_without_scrape_configs_strata_scrapes_its_own_metrics(self):
        srv = harness.Server(BINARY).start()
        try:
            t = targets(srv)
            self.assertEqual(len(t), 1)
            self.assertEqual(t[0]["scrapePool"], "strata")
            self.assertEqual(t[0]["labels"], {"job": "strata", "instance": f"127.0.0.1:{srv.port}"})
            self.assertEqual(t[0]["scrapeInterval"], "15s")
            # The first scrape comes within one interval (its jittered phase).
            wait_for(lambda: [r for r in instance_up(srv, "strata") if r["value"][1] == "1"],
                     timeout=40, what="up{job=strata} == 1")
            active = instant(srv, 'strata_storage_active_series{job="strata"}')
            self.assertTrue(active, "strata's own self-metrics were not scraped")
            self.assertEqual(targets(srv)[0]["health"], "up")
        finally:
            srv.stop()
            srv.cleanup()

    def test_an_empty_scrape_configs_list_turns_scraping_off(self):
        srv = harness.Server(BINARY, config_text="scrape_configs: []\n").start()
        try:
            code, r = srv.get_json("/api/v1/targets")
            self.assertEqual(r["data"], {"activeTargets": [], "droppedTargets": [],
                                         "droppedTargetCounts": {}})
        finally:
            srv.stop()
            srv.cleanup()

    def test_https_targets_are_a_config_error_naming_key_and_line(self):
        srv = harness.Server(BINARY, config_text=(
            "scrape_configs:\n  - job_name: secure\n    scheme: https\n"
            "    static_configs:\n      - targets: ['127.0.0.1:1']\n"))
        try:
            out = subprocess.run([BINARY, "check-config", srv.config], capture_output=True, text=True)
            self.assertEqual(out.returncode, 1)
            self.assertIn("scrape_configs[0].scheme: https is not supported", out.stderr)
            self.assertIn("(line 3)", out.stderr)
            with self.assertRaises(RuntimeError) as e:
                srv.start()
            self.assertIn("https is not supported", str(e.exception))
            srv.log.close()
        finally:
            srv.cleanup()


class PushTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.Server(BINARY, config_text="scrape_configs: []\n").start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.cleanup()

    def post(self, text, params="", headers=None, raw=None):
        body = raw if raw is not None else text.encode()
        return self.srv.request("POST", "/api/v1/import/prometheus" + params, body,
                                headers or {"Content-Type": "text/plain"})

    def test_push_stores_samples_metadata_and_histograms(self):
        now_ms = int(time.time() * 1000)
        code, _, body = self.post(
            "# HELP push_requests_total Requests served.\n"
            "# TYPE push_requests_total counter\n"
            'push_requests_total{code="200",path="/a \\"q\\""} 1027\n'
            f'push_requests_total{{code="500",path="/a"}} 3 {now_ms - 1000}\n'
            "# TYPE push_latency histogram\n"
            'push_latency_bucket{le="0.1"} 4\npush_latency_bucket{le="+Inf"} 5\n'
            "push_latency_sum 0.4\npush_latency_count 5\n"
            "push_nan NaN\n")
        self.assertEqual(code, 204, body)
        r = instant(self.srv, 'push_requests_total{code="200"}')
        self.assertEqual(r[0]["metric"]["path"], '/a "q"')
        self.assertEqual(r[0]["value"][1], "1027")
        self.assertEqual(instant(self.srv, 'push_requests_total{code="500"}')[0]["value"][1], "3")
        q = instant(self.srv, "histogram_quantile(0.5, push_latency_bucket)")
        self.assertLess(float(q[0]["value"][1]), 0.1)
        self.assertEqual(instant(self.srv, "push_nan")[0]["value"][1], "NaN")
        code, md = self.srv.get_json("/api/v1/metadata", metric="push_requests_total")
        self.assertEqual(md["data"]["push_requests_total"][0],
                         {"type": "counter", "help": "Requests served.", "unit": ""})

    def test_push_bad_lines_are_reported_with_line_numbers_and_good_lines_kept(self):
        code, headers, body = self.post("push_good_a 1\npush_bad{x=\"1\" 2\npush_good_b 2\n"
                                        "push_bad2 notanumber\n")
        self.assertEqual(code, 400)
        import json
        r = json.loads(body)
        self.assertEqual(r["errorType"], "bad_data")
        self.assertEqual(r["accepted"], 2)
        self.assertEqual(r["rejected"], 2)
        self.assertEqual([e["line"] for e in r["errors"]], [2, 4])
        self.assertTrue(r["errors"][1]["error"].startswith("line 4: invalid_value: "))
        self.assertIn("line 2", r["error"])
        self.assertEqual(headers.get("X-Strata-Rejected"), "2")
        self.assertEqual(instant(self.srv, "push_good_a")[0]["value"][1], "1")
        self.assertEqual(instant(self.srv, "push_good_b")[0]["value"][1], "2")

    def test_push_extra_labels_timestamp_and_gzip(self):
        ts = int(time.time() * 1000) - 60_000
        params = "?" + urllib.parse.urlencode(
            [("extra_label", "team=db"), ("extra_label", "host=forced"), ("timestamp", str(ts))])
        code, _, body = self.post("", params, {"Content-Encoding": "gzip"},
                                  raw=gzip.compress(b'push_extra{host="own"} 7\n'))
        self.assertEqual(code, 204, body)
        r = instant(self.srv, "push_extra")
        self.assertEqual(r[0]["metric"], {"__name__": "push_extra", "team": "db", "host": "forced"})
        code, rr = self.srv.get_json("/api/v1/query", query="timestamp(push_extra)")
        self.assertAlmostEqual(float(rr["data"]["result"][0]["value"][1]), ts / 1000, places=2)

    def test_push_rejects_bad_parameters_and_encodings(self):
        code, _, body = self.post("x 1\n", "?extra_label=novalue")
        self.assertEqual(code, 400)
        self.assertIn(b"extra_label", body)
        code, _, body = self.post("x 1\n", "?extra_label=1bad%3Dv")
        self.assertEqual(code, 400)
        code, _, body = self.post("x 1\n", "?timestamp=yesterday")
        self.assertEqual(code, 400)
        self.assertIn(b"timestamp", body)
        code, _, _ = self.post("x 1\n", "", {"Content-Encoding": "br"})
        self.assertEqual(code, 415)
        code, _, _ = self.post("", "", {"Content-Encoding": "gzip"}, raw=b"not gzip")
        self.assertEqual(code, 400)


if __name__ == "__main__":
    unittest.main(verbosity=2)

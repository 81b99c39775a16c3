"""A real Prometheus (Debian package) scrapes itself and remote-writes into strata; the data
comes back through strata's query API, and promtool queries strata as a Prometheus server."""
import os
import shutil
import subprocess
import sys
import time
import unittest

import harness

BINARY = sys.argv.pop(1)


def ensure_prometheus():
    if shutil.which("prometheus") and shutil.which("promtool"):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-qq", "prometheus"], env=env, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not shutil.which("prometheus"):
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "prometheus"], env=env, check=True)


class PrometheusRemoteWriteTest(unittest.TestCase):
    def test_prometheus_remote_writes_into_strata(self):
        ensure_prometheus()
        # Prometheus scrapes strata here; strata's own self-scrape (job "strata" on the same
        # address) would write the same series a second time.
        srv = harness.Server(BINARY, config_text="scrape_configs: []\n").start()
        prom_port = harness.free_port()
        cfg = os.path.join(srv.tmp, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write(f"""
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: self
    static_configs:
      - targets: ['127.0.0.1:{prom_port}']
  - job_name: strata
    static_configs:
      - targets: ['127.0.0.1:{srv.port}']
remote_write:
  - url: http://127.0.0.1:{srv.port}/api/v1/write
    queue_config: {{batch_send_deadline: 1s}}
    metadata_config: {{send_interval: 2s}}
""")
        prom = subprocess.Popen(
            ["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={srv.tmp}/prom",
             f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 60
            result = []
            while time.time() < deadline:
                code, r = srv.get_json("/api/v1/query", query='up{job="strata"}')
                if code == 200 and r["data"]["result"]:
                    result = r["data"]["result"]
                    break
                time.sleep(0.5)
            self.assertTrue(result, "no 'up' series arrived from Prometheus within 60 s")
            self.assertEqual(result[0]["value"][1], "1")
            # strata's own self-metrics, scraped by Prometheus and written back into strata.
            deadline = time.time() + 30
            while time.time() < deadline:
                code, r = srv.get_json("/api/v1/query", query='strata_ingest_samples_total{protocol="remote_write"}')
                if r["data"]["result"]:
                    break
                time.sleep(0.5)
            self.assertGreater(float(r["data"]["result"][0]["value"][1]), 0)
            # Metadata arrives through remote_write metadata.
            deadline = time.time() + 30
            while time.time() < deadline:
                code, r = srv.get_json("/api/v1/metadata", metric="prometheus_build_info")
                if r["data"]:
                    break
                time.sleep(0.5)
            self.assertEqual(r["data"]["prometheus_build_info"][0]["type"], "gauge")
            # promtool speaks the Prometheus HTTP API to strata.
            out = subprocess.run(["promtool", "query", "instant", f"http://127.0.0.1:{srv.port}",
                                  'count(up{job="self"})'], capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("=> 1", out.stdout)
            out = subprocess.run(["promtool", "query", "labels", f"http://127.0.0.1:{srv.port}", "job"],
                                 capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("strata", out.stdout)
        finally:
            prom.terminate()
            prom.wait(timeout=30)
            srv.stop()
            srv.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)

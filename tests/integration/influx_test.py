"""Influx line protocol on the real binary: InfluxData's own JavaScript client library (npm
@influxdata/influxdb-client) writes to /api/v2/write, curl posts raw 1.x bodies to /write, and
the data comes back through the Prometheus query API."""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import harness

BINARY = sys.argv.pop(1)
CLIENT_VERSION = "1.35.0"


def apt_install(*packages):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env,
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env, check=True)


def ensure_tools():
    if not shutil.which("curl"):
        apt_install("curl")
    if not (shutil.which("node") and shutil.which("npm")):
        apt_install("nodejs", "npm")


def install_client(prefix):
    subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", prefix,
                    f"@influxdata/influxdb-client@{CLIENT_VERSION}"],
                   check=True, stdout=subprocess.DEVNULL)


CLIENT_SCRIPT = r"""
const {InfluxDB, Point} = require('@influxdata/influxdb-client');
const [url, nowArg] = process.argv.slice(2);
const now = Number(nowArg);
const influx = new InfluxDB({url, token: 'not-checked'});

async function main() {
  const out = {};
  // 200 points with every numeric field type; bodies above 100 bytes are gzipped.
  const w = influx.getWriteApi('my-org', 'my-bucket', 'ms',
                               {maxRetries: 0, batchSize: 1000, gzipThreshold: 100});
  for (let i = 0; i < 200; i++) {
    w.writePoint(new Point('node cpu')
        .tag('host', 'h' + (i % 4)).tag('mode', 'idle').tag('dc', 'eu,west')
        .floatField('seconds', i * 1.5).intField('count', i).uintField('big', 7)
        .booleanField('up', i % 2 == 0).stringField('note', 'not stored')
        .timestamp(now - (200 - i) * 1000));
  }
  try { await w.close(); out.first = 'ok'; } catch (e) {
    out.first = {status: e.statusCode, body: e.body};
  }
  // Only numbers: a clean write.
  const w2 = influx.getWriteApi('my-org', 'my-bucket', 'ms', {maxRetries: 0});
  w2.writePoint(new Point('clean').tag('host', 'a').floatField('value', 42).timestamp(now - 500));
  try { await w2.close(); out.clean = 'ok'; } catch (e) {
    out.clean = {status: e.statusCode, body: e.body};
  }
  // A bad line among good ones: rejected with its line number, the good ones kept.
  const w3 = influx.getWriteApi('my-org', 'my-bucket', 'ms', {maxRetries: 0});
  w3.writeRecords(['partial,host=a value=1 ' + (now - 300), 'partial,host=a value=oops ' + (now - 200),
                   'partial,host=b value=2 ' + (now - 100)]);
  try { await w3.close(); out.partial = 'ok'; } catch (e) {
    out.partial = {status: e.statusCode, body: e.body};
  }
  console.log(JSON.stringify(out));
}
main().catch(e => { console.error(e); process.exit(1); });
"""


def curl(url, body, *headers):
    """POSTs `body` (bytes) with the real curl; returns (status, response body)."""
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(body)
        path = f.name
    try:
        args = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "-XPOST", url,
                "--data-binary", "@" + path]
        for h in headers:
            args += ["-H", h]
        out = subprocess.run(args, check=True, capture_output=True).stdout.decode()
    finally:
        os.unlink(path)
    text, _, code = out.rpartition("\n")
    return int(code), text


class InfluxLineProtocolTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ensure_tools()
        cls.srv = harness.Server(BINARY).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.cleanup()

    def query(self, q, at=None):
        params = {"query": q}
        if at is not None:
            params["time"] = at
        code, body = self.srv.get_json("/api/v1/query", **params)
        self.assertEqual(code, 200, body)
        return body["data"]["result"]

    def scalar_values(self, q, at=None):
        return {json.dumps(r["metric"], sort_keys=True): float(r["value"][1])
                for r in self.query(q, at)}

    def test_influxdb_client_library_writes_through_v2(self):
        prefix = tempfile.mkdtemp(prefix="strata-influx-npm-")
        try:
            install_client(prefix)
            script = os.path.join(prefix, "write.js")
            with open(script, "w") as f:
                f.write(CLIENT_SCRIPT)
            now_ms = int(time.time() * 1000)
            run = subprocess.run(["node", script, self.srv.url(""), str(now_ms)],
                                 capture_output=True, text=True, timeout=120)
            self.assertEqual(run.returncode, 0, run.stderr)
            out = json.loads(run.stdout.strip().splitlines()[-1])
        finally:
            shutil.rmtree(prefix, ignore_errors=True)
        at = now_ms / 1000
        # The string field is refused (400 names it), the numbers of the same points stored.
        self.assertEqual(out["first"]["status"], 400, out)
        self.assertIn("note", out["first"]["body"])
        self.assertEqual(json.loads(out["first"]["body"])["code"], "invalid")
        self.assertEqual(out["clean"], "ok")
        counts = self.scalar_values("count_over_time(node_cpu_seconds[10m])", at)
        self.assertEqual(len(counts), 4, counts)
        self.assertEqual(sum(counts.values()), 200)
        series = [r["metric"] for r in self.query("node_cpu_seconds", at)]
        self.assertIn({"__name__": "node_cpu_seconds", "host": "h3", "mode": "idle",
                       "dc": "eu,west"}, series)
        self.assertEqual(self.scalar_values("max(max_over_time(node_cpu_seconds[10m]))", at),
                         {"{}": 199 * 1.5})
        self.assertEqual(self.scalar_values("sum(max_over_time(node_cpu_count[10m]))", at),
                         {"{}": 199 + 198 + 197 + 196})
        self.assertEqual(self.scalar_values("max(node_cpu_big)", at), {"{}": 7})
        self.assertEqual(self.scalar_values("sum(sum_over_time(node_cpu_up[10m]))", at),
                         {"{}": 100})
        self.assertEqual(self.query("node_cpu_note", at), [])
        self.assertEqual(self.scalar_values("clean", at), {json.dumps(
            {"__name__": "clean", "host": "a"}, sort_keys=True): 42})
        # Partial write: 400 naming line 2, lines 1 and 3 stored.
        self.assertEqual(out["partial"]["status"], 400, out)
        self.assertIn("line 2", out["partial"]["body"])
        self.assertEqual(sorted(self.scalar_values("partial", at).values()), [1, 2])

    def test_curl_posts_v1_bodies_with_precision_escapes_and_gzip(self):
        now_s = int(time.time())
        body = (f"# a comment, then a blank line\n\n"
                f"weather,city=New\\ York,station=a\\,b temp=21.5,humidity=40i {now_s - 60}\n"
                f"weather,city=Paris temp=18,ok=T {now_s - 60}\n"
                f"disk.io,mount-point=/var read_bytes=1024u\n").encode()
        code, text = curl(self.srv.url("/write?db=telegraf&precision=s&u=x&p=y"), body)
        self.assertEqual(code, 204, text)
        at = now_s
        self.assertEqual(self.scalar_values("weather_temp", at), {
            json.dumps({"__name__": "weather_temp", "city": "New York", "station": "a,b"},
                       sort_keys=True): 21.5,
            json.dumps({"__name__": "weather_temp", "city": "Paris"}, sort_keys=True): 18})
        self.assertEqual(self.scalar_values("weather_humidity", at)[json.dumps(
            {"__name__": "weather_humidity", "city": "New York", "station": "a,b"},
            sort_keys=True)], 40)
        self.assertEqual(list(self.scalar_values("weather_ok", at).values()), [1])
        # Names are sanitised as VictoriaMetrics does; no timestamp means the server's time.
        self.assertEqual(self.scalar_values("disk_io_read_bytes", time.time()), {json.dumps(
            {"__name__": "disk_io_read_bytes", "mount_point": "/var"}, sort_keys=True): 1024})

        # gzip, nanoseconds by default.
        lines = "".join(f"gz,i={i} value={i} {(now_s - 30) * 10**9}\n" for i in range(50))
        code, text = curl(self.srv.url("/write?db=x"), gzip.compress(lines.encode()),
                          "Content-Encoding: gzip")
        self.assertEqual(code, 204, text)
        self.assertEqual(self.scalar_values("sum(gz)", at), {"{}": sum(range(50))})

        # A bad line: 400 naming it with a reason; the other lines are kept.
        bad = (f"mixed,h=a value=1 {now_s - 10}\n"
               f"mixed,h=b value=\"text\" {now_s - 10}\n"
               f"mixed h=c\n"
               f"mixed,h=d value=4 {now_s - 10}\n").encode()
        code, text = curl(self.srv.url("/write?precision=s"), bad)
        self.assertEqual(code, 400, text)
        reply = json.loads(text)
        self.assertEqual(reply["code"], "invalid")
        self.assertIn("line 2: invalid_value", reply["message"])
        self.assertIn("line 3: invalid_point", reply["message"])
        self.assertEqual(sorted(self.scalar_values("mixed", at).values()), [1, 4])

        # Bad parameters and encodings are refused whole.
        code, text = curl(self.srv.url("/write?precision=fortnight"), b"x value=1")
        self.assertEqual(code, 400, text)
        self.assertIn("precision", json.loads(text)["message"])
        code, text = curl(self.srv.url("/api/v2/write?org=o&bucket=b&precision=h"), b"x value=1")
        self.assertEqual(code, 400, text)
        code, text = curl(self.srv.url("/api/v2/write?org=o"), b"x value=1")
        self.assertEqual(code, 400, text)
        self.assertIn("bucket", text)
        code, text = curl(self.srv.url("/write"), b"x value=1", "Content-Encoding: br")
        self.assertEqual(code, 415, text)
        code, text = curl(self.srv.url("/write"), b"\x1f\x8b garbage", "Content-Encoding: gzip")
        self.assertEqual(code, 400, text)
        code, _, _ = self.srv.request("GET", "/ping")
        self.assertEqual(code, 204)

    def test_a_series_looks_the_same_through_influx_and_json(self):
        now_s = int(time.time())
        code, _ = self.srv.post_json("/api/v1/metrics", [
            {"name": "same_metric", "value": 1, "tags": {"host": "a", "zone": "z1"},
             "timestamp": now_s - 20}])
        self.assertEqual(code, 202)
        code, text = curl(self.srv.url("/write?precision=s"),
                          f"same_metric,zone=z1,host=a value=2 {now_s - 10}\n".encode())
        self.assertEqual(code, 204, text)
        code, body = self.srv.get_json("/api/v1/series", **{"match[]": "same_metric"})
        self.assertEqual(body["data"], [{"__name__": "same_metric", "host": "a", "zone": "z1"}])
        self.assertEqual(self.scalar_values("count_over_time(same_metric[1m])", now_s),
                         {json.dumps({"host": "a", "zone": "z1"}, sort_keys=True): 2})

    def test_rejections_are_counted_in_self_metrics(self):
        curl(self.srv.url("/write"), b"counted value=\"s\"\n")
        code, _, data = self.srv.request("GET", "/metrics")
        self.assertEqual(code, 200)
        text = data.decode()
        self.assertIn('reason="invalid_value"', text)
        self.assertIn('protocol="influx"', text)


if __name__ == "__main__":
    unittest.main()

"""Graphite plaintext over TCP: raw lines (tags, bad lines, limits), a listener that cannot
bind, and a real collectd (Debian collectd-core) with write_graphite feeding strata; the data
is read back through the query API."""
import os
import socket
import subprocess
import sys
import time
import unittest

import harness

BINARY = sys.argv.pop(1)
COLLECTD = "/usr/sbin/collectd"


def ensure_collectd():
    if os.path.exists(COLLECTD):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-qq", "collectd-core"], env=env, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not os.path.exists(COLLECTD):
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "collectd-core"], env=env, check=True)


def start_with_graphite():
    port = harness.free_port()
    srv = harness.Server(BINARY, config_text=f"ingest:\n  graphite_listen: 127.0.0.1:{port}\n")
    srv.start()
    return srv, port


def rejected(srv, reason):
    _, _, body = srv.request("GET", "/metrics")
    for line in body.decode().splitlines():
        if line.startswith(f'strata_ingest_rejected_samples_total{{reason="{reason}"}}'):
            return float(line.split()[-1])
    return 0.0


class GraphiteTest(unittest.TestCase):
    def test_lines_tags_and_bad_lines(self):
        srv, port = start_with_graphite()
        try:
            now = int(time.time())
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(f"servers.web-1.cpu.user 12.5 {now}\n".encode())
                s.sendall(f"disk.used;host=db1;mount=/var 70 {now}\n".encode())
                s.sendall(b"not a number line\n")
                s.sendall(b"x" * 70000 + b" 1\n")           # over the line limit
                s.sendall(f"split.acr".encode())
                s.sendall(f"oss.reads 3 -1\n".encode())     # -1: now
            r = harness.wait_query(srv, "servers_web_1_cpu_user", lambda r: len(r) == 1)
            self.assertEqual(r[0]["value"][1], "12.5")
            r = harness.wait_query(srv, "disk_used", lambda r: len(r) == 1)
            self.assertEqual(r[0]["metric"], {"__name__": "disk_used", "host": "db1", "mount": "/var"})
            r = harness.wait_query(srv, "split_across_reads", lambda r: len(r) == 1)
            self.assertEqual(r[0]["value"][1], "3")
            deadline = time.time() + 30
            while time.time() < deadline and rejected(srv, "invalid_point") < 2:
                time.sleep(0.2)
            self.assertEqual(rejected(srv, "invalid_point"), 2.0)  # 3 fields too many + too long
            self.assertIn("line 3: invalid_point", srv.read_log())
        finally:
            self.assertEqual(srv.stop(), 0)
            srv.cleanup()

    def test_a_taken_port_stops_startup_with_a_clear_message(self):
        with socket.socket() as blocker:
            blocker.bind(("127.0.0.1", 0))
            blocker.listen()
            port = blocker.getsockname()[1]
            srv = harness.Server(BINARY, config_text=f"ingest:\n  graphite_listen: 127.0.0.1:{port}\n")
            with self.assertRaises(RuntimeError) as ctx:
                srv.start(timeout=30)
            self.assertEqual(srv.proc.returncode, 1)
            msg = str(ctx.exception)
            self.assertIn(f"cannot listen on 127.0.0.1:{port} (Graphite, TCP): Address already in use", msg)
            srv.cleanup()

    def test_collectd_write_graphite(self):
        ensure_collectd()
        srv, port = start_with_graphite()
        conf = os.path.join(srv.tmp, "collectd.conf")
        with open(conf, "w") as f:
            f.write(f"""
Hostname "strata-it"
FQDNLookup false
Interval 1
BaseDir "{srv.tmp}"
PIDFile "{srv.tmp}/collectd.pid"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin load
LoadPlugin memory
LoadPlugin write_graphite
<Plugin write_graphite>
  <Node "strata">
    Host "127.0.0.1"
    Port "{port}"
    Protocol "tcp"
    Prefix "collectd."
    StoreRates true
    AlwaysAppendDS false
    EscapeCharacter "_"
  </Node>
</Plugin>
""")
        proc = subprocess.Popen([COLLECTD, "-f", "-C", conf], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            load = harness.wait_query(srv, '{__name__=~"collectd_strata_it_load_load_.*"}',
                              lambda r: len(r) == 3)
            self.assertEqual(sorted(s["metric"]["__name__"] for s in load),
                             ["collectd_strata_it_load_load_longterm",
                              "collectd_strata_it_load_load_midterm",
                              "collectd_strata_it_load_load_shortterm"])
            mem = harness.wait_query(srv, "collectd_strata_it_memory_memory_used", lambda r: len(r) == 1)
            self.assertEqual(len(mem), 1)
            self.assertGreater(float(mem[0]["value"][1]), 0)
            # Several points arrive over time (interval 1s).
            counted = harness.wait_query(srv, "count_over_time(collectd_strata_it_memory_memory_used[1m])",
                                 lambda r: r and float(r[0]["value"][1]) >= 3)
            self.assertGreaterEqual(float(counted[0]["value"][1]), 3)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            self.assertEqual(srv.stop(), 0)
            srv.cleanup()


if __name__ == "__main__":
    unittest.main()

"""Nothing acknowledged is lost: SIGKILL mid-stream, torn WAL tails, and clean SIGTERM."""
import os
import sys
import threading
import time
import unittest

import harness

BINARY = sys.argv.pop(1)


def now_ms():
    return int(time.time() * 1000)


def stream_until_killed(server, metric, base_ts, stop, acked):
    """Posts batches of 200 points (20 series x 10 timestamps) until `stop` is set."""
    batch_no = 0
    while not stop.is_set():
        points = []
        for s in range(20):
            for k in range(10):
                t = base_ts + (batch_no * 10 + k) * 100
                points.append({"name": metric, "value": batch_no * 1000 + s * 10 + k,
                               "tags": {"s": str(s)}, "timestamp": t})
        try:
            code, body = server.post_json("/api/v1/metrics", points)
        except OSError:
            return  # the server died mid-request: this batch is not acknowledged
        if code == 202 and body["accepted"] == len(points):
            acked.extend((p["tags"]["s"], p["timestamp"], float(p["value"])) for p in points)
        batch_no += 1
        if batch_no > 5000:
            return


def stored_points(server, metric, base_ts):
    end = now_ms() + 60_000
    code, r = server.get_json("/api/v1/query", query=f"{metric}[2h]", time=end / 1000)
    assert code == 200, r
    got = set()
    for s in r["data"]["result"]:
        for t, v in s["values"]:
            got.add((s["metric"]["s"], round(float(t) * 1000), float(v)))
    return got


def newest_wal_file(data_dir):
    files = []
    for root, _, names in os.walk(data_dir):
        if "wal" in os.path.relpath(root, data_dir).split(os.sep):
            files += [os.path.join(root, n) for n in names]
    files = [f for f in files if os.path.getsize(f) > 0]
    return max(files, key=lambda f: (os.path.getmtime(f), f)) if files else None


class DurabilityTest(unittest.TestCase):
    def kill_mid_stream(self, config_text):
        srv = harness.Server(BINARY, config_text=config_text).start()
        try:
            base = now_ms() - 30 * 60_000
            stop, acked = threading.Event(), []
            th = threading.Thread(target=stream_until_killed, args=(srv, "it_dur", base, stop, acked))
            th.start()
            deadline = time.time() + 20
            while len(acked) < 20_000 and time.time() < deadline:
                time.sleep(0.05)
            srv.kill9()  # while the loader is still sending
            stop.set()
            th.join()
            self.assertGreater(len(acked), 1000)
            srv.start()
            got = stored_points(srv, "it_dur", base)
            missing = [p for p in acked if p not in got]
            self.assertEqual(missing[:5], [], f"{len(missing)} of {len(acked)} acknowledged points lost")
            return srv, acked
        except BaseException:
            print(srv.read_log()[-5000:])
            srv.cleanup()
            raise

    def test_sigkill_loses_no_acknowledged_point(self):
        srv, _ = self.kill_mid_stream("storage:\n  wal_fsync: 1s\n")
        srv.stop()
        srv.cleanup()

    def test_sigkill_with_fsync_always(self):
        srv, _ = self.kill_mid_stream("storage:\n  wal_fsync: always\n")
        srv.stop()
        srv.cleanup()

    def test_torn_wal_tail_is_truncated_not_fatal(self):
        srv, acked = self.kill_mid_stream("")
        try:
            srv.kill9()
            wal = newest_wal_file(srv.data_dir)
            self.assertIsNotNone(wal, "no WAL file found under the data dir")
            with open(wal, "ab") as f:
                f.write(b"\x00\x13\x37torn-record-garbage" * 7)
            srv.start()
            got = stored_points(srv, "it_dur", 0)
            self.assertTrue(all(p in got for p in acked))
        finally:
            srv.stop()
            srv.cleanup()

    def test_sigterm_flushes_and_exits_cleanly(self):
        srv = harness.Server(BINARY).start()
        try:
            t = now_ms() - 60_000
            code, body = srv.post_json("/api/v1/metrics", [{"name": "it_term", "value": 42, "timestamp": t}])
            self.assertEqual(code, 202)
            self.assertEqual(srv.stop(), 0)
            self.assertIn("stopped cleanly", srv.read_log())
            srv.start()
            code, r = srv.get_json("/api/v1/query", query="it_term", time=t / 1000)
            self.assertEqual(r["data"]["result"][0]["value"][1], "42")
        finally:
            srv.stop()
            srv.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Query limits, the flags listing, the query log, and cancellation when the client leaves."""
import json
import os
import socket
import sys
import time
import unittest

import harness

BINARY = sys.argv.pop(1)


class QueryLimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.log_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"strata-qlog-{os.getpid()}.jsonl")
        cls.S = harness.Server(BINARY, config_text=f"""
query:
  timeout: 20ms
  max_series: 2
  log_file: {cls.log_path}
""").start()
        t = int(time.time() * 1000) - 60_000
        code, body = cls.S.post_json("/api/v1/metrics", [
            {"name": "it_lim", "value": i, "tags": {"i": str(i)}, "timestamp": t} for i in range(3)])
        assert code == 202 and body["accepted"] == 3, body

    @classmethod
    def tearDownClass(cls):
        cls.S.stop()
        cls.S.cleanup()
        if os.path.exists(cls.log_path):
            os.unlink(cls.log_path)

    def test_timeout_is_503_timeout(self):
        end = time.time()
        code, r = self.S.get_json("/api/v1/query_range", query="sum_over_time(vector(1)[1d:1s])",
                                  start=end - 600_000, end=end, step=60, nocache=1)
        self.assertEqual(code, 503, r)
        self.assertEqual(r["errorType"], "timeout")

    def test_too_many_series_is_422_execution(self):
        code, r = self.S.get_json("/api/v1/query", query="it_lim")
        self.assertEqual(code, 422, r)
        self.assertEqual(r["errorType"], "execution")
        self.assertIn("max-series", r["error"])
        code, r = self.S.get_json("/api/v1/query", query='it_lim{i!="0"}')
        self.assertEqual(code, 200, r)

    def test_flags_list_the_settings(self):
        code, r = self.S.get_json("/api/v1/status/flags")
        self.assertEqual(code, 200)
        self.assertEqual(r["data"]["query.timeout"], "20ms")
        self.assertEqual(r["data"]["query.max-series"], "2")
        self.assertEqual(r["data"]["query.max-samples"], "50000000")
        self.assertIn("storage.tsdb.path", r["data"])

    def test_query_log_has_a_line_per_query(self):
        self.S.get_json("/api/v1/query", query='it_lim{i="1"}', time=time.time())
        with open(self.log_path) as f:
            lines = [json.loads(l) for l in f]
        mine = [l for l in lines if l["query"] == 'it_lim{i="1"}']
        self.assertTrue(mine)
        self.assertEqual(mine[-1]["status"], "success")
        self.assertEqual(mine[-1]["endpoint"], "query")
        self.assertIn("duration_seconds", mine[-1])
        self.assertIn("request_id", mine[-1])


class CancelTest(unittest.TestCase):
    def test_client_disconnect_cancels_the_query(self):
        log_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"strata-qlog-c-{os.getpid()}.jsonl")
        srv = harness.Server(BINARY, config_text=f"query:\n  log_file: {log_path}\n  max_samples: 2000000000\n").start()
        try:
            q = "sum_over_time(vector(1)[300d:1s])"
            started = time.time()
            s = socket.create_connection(("127.0.0.1", srv.port))
            s.sendall(f"GET /api/v1/query?query={q.replace('[', '%5B').replace(']', '%5D')} HTTP/1.1\r\n"
                      f"Host: x\r\n\r\n".encode())
            time.sleep(0.2)
            s.close()
            deadline = time.time() + 30
            entry = None
            while time.time() < deadline and entry is None:
                if os.path.exists(log_path):
                    with open(log_path) as f:
                        for line in f:
                            l = json.loads(line)
                            if l["query"] == q:
                                entry = l
                time.sleep(0.1)
            self.assertIsNotNone(entry, "the query never finished")
            self.assertEqual(entry["status"], "error")
            self.assertIn("cancel", entry["error"].lower())
        finally:
            srv.stop()
            srv.cleanup()
            if os.path.exists(log_path):
                os.unlink(log_path)


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Ingest over HTTP against the real binary: JSON batch and remote_write, with their errors."""
import gzip
import json
import sys
import time
import unittest

import harness

BINARY = sys.argv.pop(1)
S = None


def setUpModule():
    global S
    S = harness.Server(BINARY).start()


def tearDownModule():
    S.stop()
    S.cleanup()


def now_ms():
    return int(time.time() * 1000)


class JsonBatchTest(unittest.TestCase):
    def test_batch_is_accepted_and_queryable(self):
        t = now_ms() - 60_000
        code, body = S.post_json("/api/v1/metrics", [
            {"name": "it_cpu", "value": 0.5, "tags": {"host": "a"}, "timestamp": t},
            {"name": "it_cpu", "value": 0.75, "tags": {"host": "b"}, "timestamp": t / 1000.0},
            {"name": "it_cpu", "value": 1.25, "tags": {"host": "c"},
             "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t / 1000))},
        ])
        self.assertEqual(code, 202, body)
        self.assertEqual(body["accepted"], 3)
        self.assertEqual(body["rejected"], 0)
        code, r = S.get_json("/api/v1/query", query="it_cpu", time=t / 1000.0 + 1)
        self.assertEqual(code, 200, r)
        got = {s["metric"]["host"]: s["value"][1] for s in r["data"]["result"]}
        self.assertEqual(got, {"a": "0.5", "b": "0.75", "c": "1.25"})

    def test_bad_points_are_rejected_alone_with_their_reason(self):
        t = now_ms()
        code, body = S.post_json("/api/v1/metrics", [
            {"name": "it_ok", "value": 1, "timestamp": t},
            {"name": "9bad", "value": 1},
            {"name": "it_ok2", "value": 1, "tags": {"bad-key": "x"}},
            {"name": "it_ok3", "value": "abc"},
            {"name": "it_ok4", "value": 1, "timestamp": t + 3_600_000},
            {"name": "it_ok5", "value": 2, "tags": {"k": "v" * 300}},
        ])
        self.assertEqual(code, 202, body)
        self.assertEqual(body["accepted"], 1)
        self.assertEqual(body["rejected"], 5)
        errors = {e["index"]: e["error"] for e in body["errors"]}
        self.assertEqual(sorted(errors), [1, 2, 3, 4, 5])
        self.assertIn("invalid_metric_name", errors[1])
        self.assertIn("invalid_label_name", errors[2])
        self.assertIn("invalid_value", errors[3])
        self.assertIn("timestamp_too_far_in_future", errors[4])
        self.assertIn("label_value_too_long", errors[5])

    def test_gzip_body(self):
        code, body = S.post_json("/api/v1/metrics", [{"name": "it_gz", "value": 3}], gzip_body=True)
        self.assertEqual(code, 202, body)
        self.assertEqual(body["accepted"], 1)

    def test_malformed_body_is_400_with_byte_offset(self):
        code, _, data = S.request("POST", "/api/v1/metrics", b'[{"name": "x", "value": 1},, ]',
                                  {"Content-Type": "application/json"})
        self.assertEqual(code, 400)
        err = json.loads(data)
        self.assertEqual(err["status"], "error")
        self.assertEqual(err["errorType"], "bad_data")
        self.assertIn("byte", err["error"])

    def test_unknown_encoding_is_415(self):
        code, _, _ = S.request("POST", "/api/v1/metrics", b"[]",
                               {"Content-Type": "application/json", "Content-Encoding": "br"})
        self.assertEqual(code, 415)

    def test_oversized_body_is_413(self):
        big = b"[" + b'{"name":"x","value":1},' * 3_000_000 + b'{"name":"x","value":1}]'
        self.assertGreater(len(big), 64 << 20)
        code, _, _ = S.request("POST", "/api/v1/metrics", big, {"Content-Type": "application/json"})
        self.assertEqual(code, 413)

    def test_gzip_bomb_is_413(self):
        bomb = gzip.compress(b"[" + b" " * (80 << 20) + b"]")
        code, _, _ = S.request("POST", "/api/v1/metrics", bomb,
                               {"Content-Type": "application/json", "Content-Encoding": "gzip"})
        self.assertEqual(code, 413)

    def test_request_id_is_echoed_or_generated(self):
        code, headers, _ = S.request("GET", "/-/healthy", headers={"X-Request-ID": "abc-123"})
        self.assertEqual(headers.get("X-Request-ID"), "abc-123")
        code, headers, _ = S.request("GET", "/-/healthy")
        self.assertTrue(headers.get("X-Request-ID"))


class RemoteWriteTest(unittest.TestCase):
    def test_remote_write_round_trip_bit_exact(self):
        t0 = now_ms() - 120_000
        values = [0.1, 1e-300, float("inf"), -0.0, 123456789.125, 2.0 ** 60]
        series = [({"__name__": "it_rw", "job": "j", "i": str(i)}, [(t0 + i, v)])
                  for i, v in enumerate(values)]
        code, _, body = harness.remote_write(S, series)
        self.assertEqual(code, 204, body)
        code, r = S.get_json("/api/v1/query_range", query="it_rw", start=(t0 - 1000) / 1000,
                             end=(t0 + 1000) / 1000, step="1")
        self.assertEqual(code, 200, r)
        self.assertEqual(len(r["data"]["result"]), len(values))
        for s in r["data"]["result"]:
            v = values[int(s["metric"]["i"])]
            self.assertEqual(float(s["values"][0][1]), v)

    def test_undecodable_body_is_400(self):
        code, _, data = S.request("POST", "/api/v1/write", b"\xff\xff\xff\xff\xff\x01garbage",
                                  {"Content-Encoding": "snappy"})
        self.assertEqual(code, 400, data)
        self.assertEqual(json.loads(data)["errorType"], "bad_data")

    def test_truncated_protobuf_is_400(self):
        body = harness.write_request([({"__name__": "it_trunc"}, [(now_ms(), 1.0)])])
        code, _, data = S.request("POST", "/api/v1/write", harness.snappy_block(body[:-3]),
                                  {"Content-Encoding": "snappy"})
        self.assertEqual(code, 400, data)

    def test_rejected_samples_are_counted_in_metrics(self):
        code, _, _ = harness.remote_write(S, [({"__name__": "it_old"}, [(1000, 1.0)])])
        self.assertEqual(code, 204)
        code, _, data = S.request("GET", "/metrics")
        self.assertEqual(code, 200)
        text = data.decode()
        self.assertIn('strata_ingest_rejected_samples_total{reason="timestamp_too_old"}', text)
        self.assertIn("strata_http_request_duration_seconds_bucket", text)
        self.assertIn("strata_wal_fsyncs_total", text)


class BackpressureTest(unittest.TestCase):
    def test_bodies_over_the_inflight_budget_get_429_with_retry_after(self):
        import socket
        srv = harness.Server(BINARY, config_text="server:\n  max_inflight_body_bytes: 1000\n").start()
        try:
            # A slow client holds 900 bytes of the budget: its body is announced but not sent yet.
            slow = socket.create_connection(("127.0.0.1", srv.port))
            slow.sendall(b"POST /api/v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 900\r\n\r\n[")
            time.sleep(0.3)
            body = json.dumps([{"name": "it_bp", "value": i} for i in range(20)]).encode()
            self.assertGreater(len(body), 100)
            code, headers, data = srv.request("POST", "/api/v1/metrics", body, {"Content-Type": "application/json"})
            self.assertEqual(code, 429, data)
            self.assertEqual(headers.get("Retry-After"), "1")
            # Once the slow request is answered the budget is free again.
            slow.sendall(b" " * 898 + b"]")
            reply = slow.recv(4096)
            self.assertIn(b"202", reply.split(b"\r\n")[0])
            slow.close()
            code, _, data = srv.request("POST", "/api/v1/metrics", body, {"Content-Type": "application/json"})
            self.assertEqual(code, 202, data)
            text = srv.request("GET", "/metrics")[2].decode()
            self.assertIn("strata_http_throttled_requests_total 1", text)
        finally:
            srv.stop()
            srv.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""StatsD over UDP: the hot-shots client from npm (installed by this test) sends counters,
gauges, timers, histograms and sets with DogStatsD tags; malformed packets are counted as
rejected; a taken UDP port stops startup. Everything is read back through the query API."""
import os
import shutil
import socket
import subprocess
import sys
import unittest

import harness

BINARY = sys.argv.pop(1)


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def value(result):
    return float(result[0]["value"][1]) if result else None


CLIENT = r"""
const StatsD = require('hot-shots');
const client = new StatsD({
  host: '127.0.0.1', port: Number(process.argv[2]), globalTags: {env: 'it'},
  errorHandler: (e) => { console.error(e); process.exit(1); },
});
client.increment('shop.orders', 3, 1, {region: 'eu'});
client.increment('shop.orders', 2, 1, {region: 'eu'});
client.gauge('shop.queue', 17);
client.gauge('shop.queue', 3);
client.timing('shop.checkout', 250);
client.timing('shop.checkout', 750);
client.histogram('shop.basket', 4);
client.set('shop.users', 'alice');
client.set('shop.users', 'bob');
client.set('shop.users', 'alice');
client.close((err) => process.exit(err ? 1 : 0));
"""


class StatsdTest(unittest.TestCase):
    def test_hot_shots_client(self):
        harness.ensure_node()
        prefix = harness.npm_install(["hot-shots"])
        port = free_udp_port()
        srv = harness.Server(BINARY, config_text=(
            f"ingest:\n  statsd_listen: 127.0.0.1:{port}\n  statsd_flush_interval: 1s\n"))
        srv.start()
        try:
            script = os.path.join(prefix, "client.js")
            with open(script, "w") as f:
                f.write(CLIENT)
            subprocess.run(["node", script, str(port)], cwd=prefix, check=True, timeout=60)
            r = harness.wait_query(srv, 'shop_orders_total{env="it",region="eu"}', lambda r: value(r) == 5)
            self.assertEqual(value(r), 5)
            self.assertEqual(value(harness.wait_query(srv, 'shop_queue{env="it"}', lambda r: value(r) == 3)), 3)
            q = harness.wait_query(srv, 'shop_checkout{quantile="0.99"}', lambda r: len(r) == 1)
            self.assertEqual(q[0]["metric"], {"__name__": "shop_checkout", "env": "it", "quantile": "0.99"})
            self.assertEqual(value(q), 0.75)  # timers are stored in seconds
            self.assertEqual(value(harness.wait_query(srv, "shop_checkout_count", lambda r: len(r) == 1)), 2)
            self.assertEqual(value(harness.wait_query(srv, "shop_checkout_sum", lambda r: len(r) == 1)), 1.0)
            self.assertEqual(value(harness.wait_query(srv, "shop_checkout_min", lambda r: len(r) == 1)), 0.25)
            self.assertEqual(value(harness.wait_query(srv, "shop_basket_max", lambda r: len(r) == 1)), 4)
            self.assertEqual(value(harness.wait_query(srv, "max_over_time(shop_users[5m])", lambda r: len(r) == 1)), 2)

            # Malformed datagrams are counted, never fatal; the listener keeps working.
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.sendto(b"no_type_here\n:1|c\nx:abc|c\nbad:1|q", ("127.0.0.1", port))
                s.sendto(bytes(range(256)), ("127.0.0.1", port))
                s.sendto(b"after.garbage:1|c", ("127.0.0.1", port))
            r = harness.wait_query(srv, "after_garbage_total", lambda r: value(r) == 1)
            self.assertEqual(value(r), 1)
            _, _, body = srv.request("GET", "/metrics")
            text = body.decode()
            self.assertIn('strata_ingest_rejected_samples_total{reason="invalid_point"}', text)
            self.assertIn('strata_ingest_rejected_samples_total{reason="invalid_value"}', text)
        finally:
            self.assertEqual(srv.stop(), 0)
            srv.cleanup()
            shutil.rmtree(prefix, ignore_errors=True)

    def test_a_taken_udp_port_stops_startup(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as blocker:
            blocker.bind(("127.0.0.1", 0))
            port = blocker.getsockname()[1]
            srv = harness.Server(BINARY, config_text=f"ingest:\n  statsd_listen: 127.0.0.1:{port}\n")
            with self.assertRaises(RuntimeError) as ctx:
                srv.start(timeout=30)
            self.assertEqual(srv.proc.returncode, 1)
            self.assertIn(f"cannot listen on 127.0.0.1:{port} (StatsD, UDP): Address already in use",
                          str(ctx.exception))
            srv.cleanup()


if __name__ == "__main__":
    unittest.main()

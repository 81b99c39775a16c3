#!/usr/bin/env python3
"""StatsD over UDP: the highest paced rate strata aggregates without losing a line.

  statsd_bench.py --statsd 127.0.0.1:PORT --url http://127.0.0.1:PORT --pid SERVER_PID
                  [--rates 10000,20000,...] [--step-s 5] [--lines-per-datagram 10]
                  [--flush-wait-s 2.5]

UDP has no acknowledgement, so a server that cannot keep up loses datagrams silently (the
kernel drops them when the socket's receive buffer is full). Each step sends DogStatsD counter
increments `statsd_bench_lines:1|c|#dc:..,host:..,endpoint:..` (1,000 series: 100 hosts x 10
endpoints, several lines per datagram as clients batch them up to the MTU) at a paced number of
datagrams per second for --step-s seconds, waits for strata's flush, and compares the lines
sent so far with `sum(statsd_bench_lines_total)` read back through the query API. Steps run
from the lowest rate up and stop after the first one that lost lines. Prints JSON: per step
the target and achieved datagrams/s and lines/s, lines sent and counted, the kernel's UDP
receive-buffer errors (/proc/net/snmp `RcvbufErrors`, machine-wide) and the server's CPU
seconds; and the highest lossless rate.
"""
import argparse
import json
import os
import socket
import sys
import time
import urllib.parse
import urllib.request


def udp_rcvbuf_errors():
  with open('/proc/net/snmp') as f:
    rows = [line.split() for line in f if line.startswith('Udp:')]
  header, values = rows[0], rows[1]
  return int(values[header.index('RcvbufErrors')])


def cpu_s(pid):
  with open(f'/proc/{pid}/stat') as f:
    fields = f.read().rsplit(')', 1)[1].split()
  return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def counted(url):
  """sum(statsd_bench_lines_total) now, or 0 before the first flush."""
  q = urllib.parse.urlencode({'query': 'sum(statsd_bench_lines_total)', 'nocache': '1'})
  with urllib.request.urlopen(f'{url}/api/v1/query?{q}', timeout=30) as r:
    body = json.load(r)
  result = body['data']['result']
  return float(result[0]['value'][1]) if result else 0.0


def datagrams(lines_per_datagram):
  """The distinct datagrams sent round-robin: every series appears equally often."""
  lines = []
  for host in range(100):
    for endpoint in range(10):
      lines.append(f'statsd_bench_lines:1|c|#dc:dc-{host % 3},host:host-{host},'
                   f'endpoint:e{endpoint}')
  out = []
  for i in range(0, len(lines), lines_per_datagram):
    out.append('\n'.join(lines[i:i + lines_per_datagram]).encode())
  return out


def run_step(sock, target, payloads, lines_per_datagram, rate, seconds):
  """Sends `rate` datagrams/s for `seconds`, in slices of 2 ms; returns datagrams sent and
  the wall time they took."""
  total = int(rate * seconds)
  sent = 0
  n = len(payloads)
  start = time.perf_counter()
  while sent < total:
    due = int((time.perf_counter() - start) * rate) + 1
    burst = min(due, total) - sent
    for _ in range(burst):
      sock.sendto(payloads[sent % n], target)
      sent += 1
    if burst <= 0:
      time.sleep(0.002)
  return sent, time.perf_counter() - start


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument('--statsd', required=True)
  ap.add_argument('--url', required=True)
  ap.add_argument('--pid', type=int, required=True)
  ap.add_argument('--rates', default='5000,10000,20000,40000,80000')
  ap.add_argument('--step-s', type=float, default=5)
  ap.add_argument('--lines-per-datagram', type=int, default=10)
  ap.add_argument('--flush-wait-s', type=float, default=2.5)
  args = ap.parse_args()
  host, port = args.statsd.rsplit(':', 1)
  target = (host, int(port))
  payloads = datagrams(args.lines_per_datagram)
  lines_per = [p.count(b'\n') + 1 for p in payloads]
  sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
  steps = []
  lines_sent = 0
  best = None
  for rate in [int(r) for r in args.rates.split(',')]:
    errors0, cpu0 = udp_rcvbuf_errors(), cpu_s(args.pid)
    sent, wall = run_step(sock, target, payloads, args.lines_per_datagram, rate, args.step_s)
    lines_sent += sum(lines_per[i % len(payloads)] for i in range(sent))
    time.sleep(args.flush_wait_s)
    # Read until the count stops growing (a flush may land just after the wait).
    seen = counted(args.url)
    for _ in range(10):
      if seen >= lines_sent:
        break
      time.sleep(1)
      now = counted(args.url)
      if now == seen:
        break
      seen = now
    step = {'target_datagrams_per_s': rate, 'datagrams': sent, 'seconds': round(wall, 3),
            'datagrams_per_s': round(sent / wall), 'lines_per_s': round(sent / wall *
                                                                       args.lines_per_datagram),
            'lines_sent_total': lines_sent, 'lines_counted_total': seen,
            'lost_total': lines_sent - seen,
            'rcvbuf_errors': udp_rcvbuf_errors() - errors0,
            'server_cpu_s': round(cpu_s(args.pid) - cpu0, 2)}
    steps.append(step)
    print(json.dumps(step), file=sys.stderr)
    if seen < lines_sent:
      break
    best = step
  json.dump({'lines_per_datagram': args.lines_per_datagram, 'step_s': args.step_s,
             'series': 1000, 'steps': steps,
             'max_lossless_datagrams_per_s': best['datagrams_per_s'] if best else None,
             'max_lossless_lines_per_s': best['lines_per_s'] if best else None}, sys.stdout,
            indent=1)
  print()


if __name__ == '__main__':
  main()

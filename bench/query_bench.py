#!/usr/bin/env python3
"""Query latency and read-back exactness against a Prometheus-compatible query API.

  query_bench.py latency --url [NAME=]http://127.0.0.1:PORT [--url NAME=URL ...]
                         --meta DIR/meta.json [--runs 10]
                         [--queries basic|dashboard|rollup] [--budget S] [--getter PATH]
  query_bench.py verify  --url http://127.0.0.1:PORT --meta DIR/meta.json --expect DIR/expect.tsv

Both print one JSON object. Latency: one untimed warm-up, then `runs` timed runs of each query
(whole response read, not parsed); median and nearest-rank p95 in ms, plus the series and point
counts of the answer so results can be compared across servers. Several --url NAME=URL are
measured interleaved, each round sending the query once to every server, and the output has
one object per NAME under "servers". `basic` is six queries over
the data's span less 10 minutes at each end; `dashboard` is what a node_exporter dashboard
sends over 24 h (and 1 h / 6 h) ranges ending 10 minutes before the data's end, with start and
end aligned to the step as Grafana aligns them; `rollup` (workload R) is five queries over the
last 24 h, 7 d and 30 d at 60 s, 10 min and 1 h steps, windows scaled to the step. Each entry
also names the `X-Strata-Tier` response header (the storage tier strata answered from), if
any. Verify: reads each expected
series back with query_range at the series' own timestamps (step = scrape interval, chunks of
at most one hour) and compares every value bit for bit with what the generator wrote.

Latency requests go through strata_bench_get (bench/loader/get_main.cc; `--getter`, by default
build-bench/standalone/strata_bench_get), which times each GET in C++ on a keep-alive
connection: python's http.client added about 0.17 ms to every request, a third of a small
query's latency on the 2-core machine.
"""
import argparse
import http.client
import os
import subprocess
import json
import math
import struct
import sys
import time
import urllib.parse

HOST = 'host-7'


def queries(meta):
  span_s = (meta['end_ms'] - meta['start_ms']) // 1000
  host = HOST if meta['hosts'] > 7 else 'host-0'
  q = [
      ('one series raw, whole span',
       f'node_cpu_seconds_total{{host="{host}",cpu="0",mode="user"}}[{span_s}s]', 'instant', 0),
      (f'node_load1{{host="{host}"}}', f'node_load1{{host="{host}"}}', 'range', 60),
      ('sum by (host) (rate(node_cpu_seconds_total[5m]))',
       'sum by (host) (rate(node_cpu_seconds_total[5m]))', 'range', 60),
      ('avg_over_time(node_memory_MemFree_bytes[15m]) 300s step',
       'avg_over_time(node_memory_MemFree_bytes[15m])', 'range', 300),
      ('count({__name__=~"node_(cpu|disk|network)_.+",host=~"host-.*[02468]"})',
       'count({__name__=~"node_(cpu|disk|network)_.+",host=~"host-.*[02468]"})', 'range', 60),
      ('max by (dc, mountpoint) (node_filesystem_avail_bytes)',
       'max by (dc, mountpoint) (node_filesystem_avail_bytes)', 'range', 60),
  ]
  return q


def dashboard_queries(meta):
  """(label, expr, range_s, step_s): a node_exporter dashboard ("Node Exporter Full"-like).

  Fleet panels aggregate all 100 hosts; host panels select one host; two regex selectors over
  the whole label space; a quantile_over_time with a 1 h window. Steps give ~1,000 points over
  24 h (90 s), as a 1,000-pixel-wide panel asks for, and 720 / 240 points over 6 h / 1 h.
  """
  host = HOST if meta['hosts'] > 7 else 'host-0'
  day, six, one = 86400, 6 * 3600, 3600
  cpu_busy = '1 - avg by (host) (rate(node_cpu_seconds_total{mode="idle"}[5m]))'
  mem_used = '1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes'
  h = f'host="{host}"'
  return [
      ('CPU busy by host', cpu_busy, day, 90),
      ('CPU busy by host', cpu_busy, six, 30),
      ('CPU busy by host', cpu_busy, one, 15),
      ('top 5 hosts by CPU busy', f'topk(5, {cpu_busy})', day, 90),
      ('load1 of every host', 'node_load1', day, 90),
      ('load15 average by dc', 'avg by (dc) (node_load15)', day, 90),
      ('memory used by host', mem_used, day, 90),
      ('memory used by host', mem_used, six, 30),
      ('network receive by device',
       'sum by (device) (rate(node_network_receive_bytes_total[5m]))', day, 90),
      ('network transmit by device',
       'sum by (device) (rate(node_network_transmit_bytes_total[5m]))', day, 90),
      ('disk read+write bytes by host',
       'sum by (host) (rate(node_disk_read_bytes_total[5m]) + '
       'rate(node_disk_written_bytes_total[5m]))', day, 90),
      ('disk I/O time by device', 'rate(node_disk_io_time_seconds_total[5m])', day, 90),
      ('filesystem used',
       '1 - node_filesystem_avail_bytes{fstype!="tmpfs"} / '
       'node_filesystem_size_bytes{fstype!="tmpfs"}', day, 90),
      ('one host: CPU by mode',
       f'sum by (mode) (rate(node_cpu_seconds_total{{{h}}}[5m]))', day, 90),
      ('one host: network receive by device',
       f'rate(node_network_receive_bytes_total{{{h}}}[5m])', day, 90),
      ('one host: load 1/5/15', f'{{__name__=~"node_load(1|5|15)",{h}}}', day, 90),
      ('regex over 33 hosts (3,300 series)',
       'count by (__name__) ({__name__=~"node_.+",host=~"host-(1|2|3).*"})', day, 90),
      ('regex over all 10,000 series',
       'count by (dc) ({__name__=~"node_.+",host=~"host-.+"})', day, 90),
      ('p95 of load1 over 1 h windows', 'quantile_over_time(0.95, node_load1[1h])', day, 90),
  ]


def rollup_window(step_s):
  """The range-vector window a dashboard uses at `step_s`: 5m up to a 5 min step, else the step."""
  if step_s <= 300:
    return '5m'
  return f'{step_s // 3600}h' if step_s % 3600 == 0 else f'{step_s // 60}m'


# (range name, range seconds, step seconds) of the rollup query set. 7 d at a 1 h step is the
# seeds' routing ("> 24 h: metrics_1hour, 1 hour resolution"); 7 d at 10 min is what a Grafana
# panel about 1,000 px wide asks for.
ROLLUP_RANGES = [('24h', 86400, 60), ('7d', 7 * 86400, 3600), ('7d10m', 7 * 86400, 600),
                 ('30d', 30 * 86400, 3600)]


def rollup_queries(meta):
  """(name, expr template with {w} for the window) of the rollup query set (workload R)."""
  host = HOST if meta['hosts'] > 7 else 'host-0'
  return [
      ('sum by (host) (rate(node_cpu_seconds_total[w]))',
       'sum by (host) (rate(node_cpu_seconds_total[{w}]))'),
      ('avg_over_time(node_load1[w])', 'avg_over_time(node_load1[{w}])'),
      ('max_over_time(node_memory_MemAvailable_bytes[w])',
       'max_over_time(node_memory_MemAvailable_bytes[{w}])'),
      ('sum by (host) (increase(node_network_receive_bytes_total[w]))',
       'sum by (host) (increase(node_network_receive_bytes_total[{w}]))'),
      (f'node_load1{{host="{host}"}} (raw selector)', f'node_load1{{{{host="{host}"}}}}'),
  ]


def range_label(seconds):
  return f'{seconds // 3600} h' if seconds % 3600 == 0 else f'{seconds // 60} min'


def query_plan(meta, query_set):
  """[(label, path, params, extra fields)] for one query set."""
  plan = []
  if query_set == 'rollup':
    # "The last 24 h / 7 d / 30 d" up to the end of the data, start and end aligned to the step;
    # the data covers 7 d, so the 30 d range also walks 23 empty days of the index.
    for name, template in rollup_queries(meta):
      for range_name, range_s, step in ROLLUP_RANGES:
        end_s = meta['end_ms'] // 1000 // step * step
        expr = template.format(w=rollup_window(step))
        plan.append((f'{name} [{range_name}]', '/api/v1/query_range',
                     {'query': expr, 'start': str(end_s - range_s), 'end': str(end_s),
                      'step': str(step), 'nocache': '1'},
                     {'expr': expr, 'group': name, 'range': range_name, 'range_s': range_s,
                      'step_s': step}))
    return plan
  if query_set == 'dashboard':
    end_ms = meta['end_ms'] - 600_000
    for label, expr, range_s, step in dashboard_queries(meta):
      end_s = end_ms // 1000 // step * step
      start_s = end_s - range_s
      if start_s * 1000 < meta['start_ms']:
        continue
      plan.append((f'{label} [{range_label(range_s)}, step {step} s]', '/api/v1/query_range',
                   {'query': expr, 'start': str(start_s), 'end': str(end_s), 'step': str(step),
                    'nocache': '1'},
                   {'expr': expr, 'range_s': range_s, 'step_s': step}))
    return plan
  start_s = (meta['start_ms'] + 600_000) / 1000.0
  end_s = (meta['end_ms'] - 600_000) / 1000.0
  for label, expr, kind, step in queries(meta):
    if kind == 'instant':
      plan.append((label, '/api/v1/query',
                   {'query': expr, 'time': f'{meta["end_ms"] / 1000.0:.3f}'}, {}))
    else:
      plan.append((label, '/api/v1/query_range', {
          'query': expr, 'start': f'{start_s:.3f}', 'end': f'{end_s:.3f}', 'step': str(step),
          # Result caches off on every server (VictoriaMetrics and strata both honour it):
          # the latency measured is evaluation, not a cache lookup.
          'nocache': '1'}, {}))
  return plan


class Client:
  def __init__(self, url, timeout):
    u = urllib.parse.urlparse(url)
    if u.hostname not in ('127.0.0.1', 'localhost', '::1'):
      sys.exit('only loopback URLs are allowed')
    self.host, self.port, self.timeout = u.hostname, u.port, timeout
    self.conn = None
    self.last_headers = {}

  def get(self, path, params):
    """(status, body) of a GET; the response headers stay in last_headers (lower-case names)."""
    target = path + '?' + urllib.parse.urlencode(params)
    for attempt in range(2):
      if self.conn is None:
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
      try:
        self.conn.request('GET', target)
        resp = self.conn.getresponse()
        body = resp.read()
        self.last_headers = {k.lower(): v for k, v in resp.getheaders()}
        if resp.getheader('Connection', '').lower() == 'close':
          self.conn.close()
          self.conn = None
        return resp.status, body
      except (http.client.HTTPException, OSError):
        self.conn.close()
        self.conn = None
        if attempt == 1:
          raise
    raise RuntimeError('unreachable')


class TimedGetter:
  """One strata_bench_get process serving every server of a latency run; see its header."""

  def __init__(self, path, urls, timeout):
    if not os.access(path, os.X_OK):
      sys.exit(f'{path} is missing: build it with ninja -C build-bench/standalone strata_bench_get')
    for url in urls:
      if urllib.parse.urlparse(url).hostname not in ('127.0.0.1', 'localhost', '::1'):
        sys.exit('only loopback URLs are allowed')
    self.proc = subprocess.Popen([path, '--timeout-s', str(int(timeout)), *urls],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE)

  def get(self, index, path, params, want_body):
    """(status, body or None, ms, tier or None); raises OSError when nothing was answered."""
    target = path + '?' + urllib.parse.urlencode(params)
    self.proc.stdin.write(f'{index} {1 if want_body else 0} {target}\n'.encode())
    self.proc.stdin.flush()
    line = self.proc.stdout.readline()
    if not line:
      raise OSError('strata_bench_get exited')
    r = json.loads(line)
    if 'error' in r:
      raise OSError(r['error'])
    body = self.proc.stdout.read(r['bytes']) if want_body else None
    return r['status'], body, r['ms'], r.get('tier')

  def close(self):
    self.proc.stdin.close()
    self.proc.wait()


class TimedClient:
  """A server of a latency run: requests through the shared TimedGetter."""

  def __init__(self, getter, index):
    self.getter, self.index = getter, index
    self.last_headers = {}

  def get(self, path, params, want_body=True):
    """(status, body or None, ms)."""
    status, body, ms, tier = self.getter.get(self.index, path, params, want_body)
    self.last_headers = {} if tier is None else {'x-strata-tier': tier}
    return status, body, ms


def count_answer(body):
  try:
    doc = json.loads(body)
  except ValueError:
    return None, None, 'unparseable body'
  if doc.get('status') != 'success':
    return None, None, str(doc.get('error', 'error'))[:200]
  result = doc['data']['result']
  points = 0
  for r in result:
    points += len(r.get('values', [])) + (1 if 'value' in r else 0)
  return len(result), points, None


def percentile(sorted_values, p):
  rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
  return sorted_values[rank - 1]


def median(sorted_values):
  n = len(sorted_values)
  return (sorted_values[(n - 1) // 2] if n % 2
          else (sorted_values[n // 2 - 1] + sorted_values[n // 2]) / 2)


def latency(args, meta):
  """Times every query of the set on every server; the budget is shared out so every query gets
  its turn.

  With several servers the runs are interleaved: after one warm-up on each, every round sends
  the query once to each server in turn (the first server of a round rotates), so that all of
  them are measured through the same minutes of a shared machine's load instead of one after
  another."""
  servers, urls = [], []  # (name, client), base URL
  for i, spec in enumerate(args.url):
    name, sep, url = spec.partition('=')
    if not sep:
      name, url = f'server{i}', spec
    urls.append(url)
    servers.append(name)
  getter = TimedGetter(args.getter, urls, args.timeout)
  servers = [(name, TimedClient(getter, i)) for i, name in enumerate(servers)]
  plan = query_plan(meta, args.queries)
  out = {name: [] for name, _ in servers}
  deadline = time.monotonic() + args.budget
  for i, (label, path, params, extra) in enumerate(plan):
    # This query's share of what is left of the budget; at least 3 timed runs of every server
    # fit in it unless the whole budget is gone.
    share_end = time.monotonic() + (deadline - time.monotonic()) / (len(plan) - i)
    entries, times, live = {}, {}, []
    for name, client in servers:
      entry = {'query': label, **extra}
      entries[name] = entry
      try:
        status, body, _ = client.get(path, params)  # warm-up
      except OSError as e:
        entry['error'] = f'{type(e).__name__}: {e}'
        continue
      series, points, err = count_answer(body)
      entry.update({'http_status': status, 'series': series, 'points': points})
      note_tier(entry, client)
      if err or status != 200:
        entry['error'] = err or f'HTTP {status}'
        continue
      times[name] = []
      live.append((name, client))
    for r in range(args.runs):
      now = time.monotonic()
      if not live or now > deadline or (r >= 3 and now > share_end):
        break
      turn = live[r % len(live):] + live[:r % len(live)]
      for name, client in turn:
        if 'error' in entries[name]:
          continue
        try:
          status, _, elapsed = client.get(path, params, want_body=False)
        except OSError as e:
          entries[name]['error'] = f'{type(e).__name__}: {e}'
          continue
        note_tier(entries[name], client)
        if status != 200:
          entries[name]['error'] = f'HTTP {status}'
          continue
        times[name].append(elapsed)
    for name, _ in servers:
      entry = entries[name]
      ts = sorted(times.get(name) or [])
      if ts:
        entry.update({'runs': len(ts), 'median_ms': median(ts), 'p95_ms': percentile(ts, 95)})
      elif 'error' not in entry:
        entry['error'] = 'time budget exhausted'
      if len(servers) > 1:
        entry['interleaved_with'] = [n for n, _ in servers if n != name]
      out[name].append(entry)
  getter.close()
  if len(servers) == 1:
    return {'query_set': args.queries, 'queries': out[servers[0][0]]}
  return {'query_set': args.queries,
          'servers': {name: {'query_set': args.queries, 'queries': qs} for name, qs in out.items()}}


def note_tier(entry, client):
  """Adds the X-Strata-Tier values seen so far, in order of first appearance, to `entry`."""
  t = client.last_headers.get('x-strata-tier')
  if t is None:
    return
  tiers = entry['tier'].split(', ') if 'tier' in entry else []
  if t not in tiers:
    tiers.append(t)
  entry['tier'] = ', '.join(tiers)


def bits(x):
  return struct.unpack('<Q', struct.pack('<d', x))[0]


def verify(args, meta):
  client = Client(args.url[0], args.timeout)
  expected = {}
  with open(args.expect) as f:
    for line in f:
      sel, ts, val = line.rstrip('\n').split('\t')
      expected.setdefault(sel, []).append((int(ts), val))
  interval_s = meta['interval_ms'] / 1000.0
  report = {'series': len(expected), 'samples': 0, 'exact': 0, 'different': 0, 'missing': 0,
            'max_rel_error': 0.0, 'examples': []}
  for sel, samples in expected.items():
    got = {}
    chunk = 360
    for i in range(0, len(samples), chunk):
      part = samples[i:i + chunk]
      params = {'query': sel, 'start': f'{part[0][0] / 1000.0:.3f}',
                'end': f'{part[-1][0] / 1000.0:.3f}', 'step': f'{interval_s:g}', 'nocache': '1'}
      try:
        status, body = client.get('/api/v1/query_range', params)
        doc = json.loads(body) if status == 200 else {}
      except (OSError, http.client.HTTPException, ValueError) as e:
        report.setdefault('errors', []).append(f'{sel}: {e}')
        continue
      for r in doc.get('data', {}).get('result', []):
        for t, v in r.get('values', []):
          got[round(float(t) * 1000)] = v
    for ts, want in samples:
      report['samples'] += 1
      have = got.get(ts)
      if have is None:
        report['missing'] += 1
        continue
      w, h = float(want), float(have)
      if bits(w) == bits(h):
        report['exact'] += 1
      else:
        report['different'] += 1
        rel = abs(h - w) / abs(w) if w != 0 else abs(h)
        report['max_rel_error'] = max(report['max_rel_error'], rel)
        if len(report['examples']) < 3:
          report['examples'].append({'series': sel, 'ts': ts, 'want': want, 'got': have})
  report['bit_exact'] = report['exact'] == report['samples'] and report['samples'] > 0
  return report


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument('mode', choices=['latency', 'verify'])
  ap.add_argument('--url', required=True, action='append',
                  help='the server; for latency, repeat as NAME=URL to interleave several')
  ap.add_argument('--meta', required=True)
  ap.add_argument('--expect')
  ap.add_argument('--runs', type=int, default=10)
  ap.add_argument('--queries', choices=['basic', 'dashboard', 'rollup'], default='basic')
  ap.add_argument('--timeout', type=float, default=120.0)
  ap.add_argument('--budget', type=float, default=600.0, help='seconds for all latency runs')
  ap.add_argument('--getter', default=os.environ.get('STRATA_BENCH_GET', os.path.join(
      os.path.dirname(os.path.abspath(__file__)), '..', 'build-bench', 'standalone',
      'strata_bench_get')), help='the strata_bench_get binary that times the latency requests')
  args = ap.parse_args()
  with open(args.meta) as f:
    meta = json.load(f)
  args.runs = max(1, min(args.runs, 100))
  if args.mode == 'verify' and len(args.url) != 1:
    sys.exit('verify takes one --url')
  result = latency(args, meta) if args.mode == 'latency' else verify(args, meta)
  json.dump(result, sys.stdout)
  print()


if __name__ == '__main__':
  main()

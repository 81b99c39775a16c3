#!/usr/bin/env python3
"""strata's rollup figures for workload R: catch-up after a backfill, and the live rollup rate.

  rollup_bench.py catchup --url http://127.0.0.1:PORT [--lag-below 120] [--absent-timeout 60]
                          [--timeout 600] [--interval 1]
  rollup_bench.py live    --url http://127.0.0.1:PORT --pid SERVER_PID --while-pid LOADER_PID
                          [--interval 5]

Both print one JSON object. `catchup` polls GET /api/v1/admin/stats until its number
`rollup_lag_seconds` (the lag of the slowest tier) is below --lag-below and reports how long
that took, then the bytes on disk per tier from the stats' `tiers` list. A binary without the
field is waited for --absent-timeout seconds, then reported with `"rollup_lag_field": false`
(rendered "n/a"); the same for a missing `tiers` list. `live` samples strata's /metrics
(`strata_rollup_buckets_total{tier}`, `strata_rollup_cpu_seconds_total`) and the server's
utime+stime from /proc every --interval seconds while the loader process runs, and reports
buckets/s per tier, the rollup worker's CPU and the whole server's CPU as % of one core over
the sampled window (null where the binary does not export the metric).
"""
import argparse
import http.client
import json
import os
import re
import sys
import time
import urllib.parse


class Client:
  """One keep-alive connection to a loopback server."""

  def __init__(self, url, timeout=30.0):
    u = urllib.parse.urlparse(url)
    if u.hostname not in ('127.0.0.1', 'localhost', '::1'):
      sys.exit('only loopback URLs are allowed')
    self.host, self.port, self.timeout = u.hostname, u.port, timeout
    self.conn = None

  def get(self, target):
    """(status, body bytes); (None, error text) when the server does not answer."""
    for attempt in range(2):
      if self.conn is None:
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
      try:
        self.conn.request('GET', target)
        resp = self.conn.getresponse()
        return resp.status, resp.read()
      except (http.client.HTTPException, OSError) as e:
        self.conn.close()
        self.conn = None
        if attempt == 1:
          return None, str(e)
    return None, 'unreachable'


def get_json(client, target):
  status, body = client.get(target)
  if status != 200:
    return None
  try:
    return json.loads(body)
  except ValueError:
    return None


def is_number(v):
  return isinstance(v, (int, float)) and not isinstance(v, bool)


def tier_bytes(stats):
  """{tier name: disk_bytes} from the stats' `tiers` list, or None when the list is absent."""
  tiers = (stats or {}).get('tiers')
  if not isinstance(tiers, list):
    return None
  out = {}
  for t in tiers:
    if isinstance(t, dict) and 'tier' in t and is_number(t.get('disk_bytes')):
      out[str(t['tier'])] = t['disk_bytes']
  return out


def catchup(args):
  client = Client(args.url)
  began = time.monotonic()
  stats, lag, seen_field = None, None, False
  caught_up_s = None
  while True:
    stats = get_json(client, '/api/v1/admin/stats')
    elapsed = time.monotonic() - began
    lag = (stats or {}).get('rollup_lag_seconds')
    if is_number(lag):
      seen_field = True
      if lag < args.lag_below:
        caught_up_s = elapsed
        break
    if elapsed >= (args.timeout if seen_field else args.absent_timeout):
      break
    time.sleep(args.interval)
  return {'rollup_lag_field': seen_field, 'lag_below_s': args.lag_below,
          'caught_up': caught_up_s is not None, 'catchup_s': caught_up_s,
          'waited_s': time.monotonic() - began,
          'final_lag_s': lag if is_number(lag) else None, 'tiers': tier_bytes(stats),
          'stats': stats}


METRIC_RE = re.compile(r'^(strata_rollup_buckets_total|strata_rollup_cpu_seconds_total)'
                       r'(\{[^}]*\})?\s+(\S+)')
TIER_RE = re.compile(r'tier="([^"]*)"')


def parse_rollup_metrics(text):
  """({tier: buckets}, rollup cpu seconds) from Prometheus text; empty dict / None if absent."""
  buckets, cpu = {}, None
  for line in text.splitlines():
    m = METRIC_RE.match(line)
    if not m:
      continue
    try:
      value = float(m.group(3))
    except ValueError:
      continue
    if m.group(1) == 'strata_rollup_buckets_total':
      t = TIER_RE.search(m.group(2) or '')
      tier = t.group(1) if t else ''
      buckets[tier] = buckets.get(tier, 0.0) + value
    else:
      cpu = (cpu or 0.0) + value
  return buckets, cpu


def proc_cpu_s(pid):
  try:
    with open(f'/proc/{pid}/stat') as f:
      fields = f.read().rsplit(')', 1)[1].split()
  except OSError:
    return None
  return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def alive(pid):
  try:
    os.kill(pid, 0)
  except ProcessLookupError:
    return False
  except PermissionError:
    return True
  # A zombie (exited, not yet reaped by its parent) counts as gone.
  try:
    with open(f'/proc/{pid}/stat') as f:
      return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
  except OSError:
    return False


def sample(client, pid):
  status, body = client.get('/metrics')
  buckets, cpu = parse_rollup_metrics(body.decode('utf-8', 'replace')) if status == 200 else ({}, None)
  return {'t': time.monotonic(), 'server_cpu_s': proc_cpu_s(pid), 'buckets': buckets,
          'rollup_cpu_s': cpu}


def live(args):
  client = Client(args.url)
  samples = [sample(client, args.pid)]
  while alive(args.while_pid):
    next_at = samples[-1]['t'] + args.interval
    while alive(args.while_pid) and time.monotonic() < next_at:
      time.sleep(0.2)
    samples.append(sample(client, args.pid))
  first, last = samples[0], samples[-1]
  dt = last['t'] - first['t']
  out = {'interval_s': args.interval, 'window_s': dt, 'samples': len(samples),
         'buckets_metric': bool(last['buckets']), 'rollup_cpu_metric': last['rollup_cpu_s'] is not None,
         'buckets_per_s': None, 'buckets_per_s_by_tier': None, 'rollup_cpu_pct_of_core': None,
         'server_cpu_pct_of_core': None, 'series': samples}
  if dt <= 0:
    return out
  if first['server_cpu_s'] is not None and last['server_cpu_s'] is not None:
    out['server_cpu_pct_of_core'] = 100.0 * (last['server_cpu_s'] - first['server_cpu_s']) / dt
  if last['buckets']:
    by_tier = {t: (v - first['buckets'].get(t, 0.0)) / dt for t, v in sorted(last['buckets'].items())}
    out['buckets_per_s_by_tier'] = by_tier
    out['buckets_per_s'] = sum(by_tier.values())
  if last['rollup_cpu_s'] is not None:
    out['rollup_cpu_pct_of_core'] = 100.0 * (last['rollup_cpu_s'] - (first['rollup_cpu_s'] or 0.0)) / dt
  return out


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument('mode', choices=['catchup', 'live'])
  ap.add_argument('--url', required=True)
  ap.add_argument('--lag-below', type=float, default=120.0)
  ap.add_argument('--absent-timeout', type=float, default=60.0)
  ap.add_argument('--timeout', type=float, default=600.0)
  ap.add_argument('--interval', type=float, default=None)
  ap.add_argument('--pid', type=int)
  ap.add_argument('--while-pid', type=int)
  args = ap.parse_args()
  if args.mode == 'catchup':
    args.interval = args.interval or 1.0
    result = catchup(args)
  else:
    if not args.pid or not args.while_pid:
      ap.error('live needs --pid and --while-pid')
    args.interval = args.interval or 5.0
    result = live(args)
  json.dump(result, sys.stdout)
  print()


if __name__ == '__main__':
  main()

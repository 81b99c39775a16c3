#!/usr/bin/env python3
"""Renders one bench/run.sh run (a directory of <server>.json files) as Markdown tables.

  render_results.py --results DIR --meta DATA/meta.json --command 'bench/run.sh ...'
                    [--queries basic|dashboard] [--write FILE]

Prints the tables; with --write, also writes them, with machine details, to FILE, replacing
only the section of this workload (a `dashboard` query set on a workload whose default is
`basic` gets a section of its own, `<workload>-dashboard`). Workload R (rollups) has tables of
its own: load, rollup catch-up and disk per tier; the rollup query set over 24 h / 7 d / 30 d;
the live phase (`strata-live.json`).
"""
import argparse
import datetime
import json
import os
import re
import subprocess

ORDER = ['vm', 'vm-influx', 'vm-import', 'prometheus', 'strata', 'strata-json', 'strata-influx']
TITLES = {'vm': 'VictoriaMetrics rw', 'vm-influx': 'VictoriaMetrics Influx',
          'vm-import': 'VictoriaMetrics import',
          'prometheus': 'Prometheus rw', 'strata': 'strata rw', 'strata-json': 'strata JSON',
          'strata-influx': 'strata Influx'}
# Line protocol: the same Influx bodies posted to both servers' /write.
INFLUX_PAIR = ('strata-influx', 'vm-influx')
INFLUX_TARGET = 1.5  # strata Influx samples/s at least 1.5x VictoriaMetrics Influx
# Ingest by protocol: (protocol, strata server, VictoriaMetrics server on the same bodies).
# The servers not in ORDER appear only in this table, not as columns of the main one.
PROTOCOLS = [('remote_write 1.0 (`/api/v1/write`)', 'strata', 'vm'),
             ('strata JSON (`/api/v1/metrics`)', 'strata-json', None),
             ('VictoriaMetrics import (`/api/v1/import`)', None, 'vm-import'),
             ('Influx line protocol (`/write?precision=ms`)', 'strata-influx', 'vm-influx'),
             ('Prometheus exposition text (`/api/v1/import/prometheus`)', 'strata-prom', 'vm-prom'),
             ('OTLP/HTTP protobuf (`/v1/metrics`)', 'strata-otlp', None),
             ('Graphite plaintext (TCP)', 'strata-graphite', 'vm-graphite')]
PROTOCOL_SERVERS = ['strata-prom', 'vm-prom', 'strata-otlp', 'strata-graphite', 'vm-graphite']
PROTOCOL_TITLES = {'strata-prom': 'exposition', 'strata-otlp': 'OTLP', 'strata-graphite': 'Graphite'}
PROTOCOL_FORMAT = {'strata': 'rw', 'vm': 'rw', 'strata-json': 'json', 'vm-import': 'vmimport',
                   'strata-influx': 'influx', 'vm-influx': 'influx', 'strata-prom': 'prom',
                   'vm-prom': 'prom', 'strata-otlp': 'otlp', 'strata-graphite': 'graphite',
                   'vm-graphite': 'graphite'}


HEADER = """# Benchmark results

Produced by `bench/run.sh` (see `bench/README.md` for the method); regenerate with the command
shown in each section. Numbers from one run on one machine: on a busy machine absolute numbers
swing up to 2×, so compare the ratios, which are measured in the same run. Ratios are
strata ÷ peer: above 1 is better for samples/s, below 1 is better for everything else.
"pending" means the strata binary was not built when the run happened.
"""

METHOD = """How each figure is taken:
- ingest samples/s: all samples ÷ wall time of the loader (`strata_bench_load`), from the first
  request to the last answer; only counted when every request got a 2xx.
- CPU: utime+stime of the server process from `/proc/PID/stat` around the load; the second row
  also counts background work (flushes, merges) until the server is idle (< 3% of a core).
- Disk: `du -sb` of the data directory. VictoriaMetrics: after `/internal/force_flush`, then after
  `/internal/force_merge`. Prometheus: after the load (WAL + head chunks; Prometheus has no flush),
  then the size of an admin-API snapshot (head written out as blocks). strata: after
  `POST /api/v1/admin/flush` (which also completes the rollup tiers) and idle, with its default
  rollup tiers (1m and 1h); the second figure subtracts the tiers' approximate sizes from
  `/api/v1/admin/stats`, leaving the raw samples the peers store.
- Peak RSS: VmHWM from `/proc/PID/status`.
- Bit-exact: query_range at each sample's own timestamp (step = scrape interval) for a dozen
  series (counters, gauges, a constant and both full-entropy series of host-7, three series of
  the last host), compared bit for bit with the generator's values.
- Query caches: every range query carries `nocache=1`, which strata and VictoriaMetrics honour
  by skipping their result caches; VictoriaMetrics also runs with `-search.disableCache`, so every
  warm run computes its answer (with its rollup-result cache on, repeats of these queries take
  0.3–8 ms); Prometheus has no result cache.
- The machine is shared with compilers of the other engineers; "server CPU cores busy" shows how
  much CPU each server actually got during its load. CPU seconds per million samples is the
  figure least disturbed by that.
"""


def load_results(directory):
  results = {}
  for name in ORDER + PROTOCOL_SERVERS + ['strata-statsd']:
    path = os.path.join(directory, f'{name}.json')
    if os.path.exists(path):
      with open(path) as f:
        results[name] = json.load(f)
  return results


def machine():
  model = 'unknown'
  with open('/proc/cpuinfo') as f:
    for line in f:
      if line.startswith('model name'):
        model = line.split(':', 1)[1].strip()
        break
  try:
    free = subprocess.run(['free', '-g'], capture_output=True, text=True, timeout=10).stdout
    mem_total = free.splitlines()[1].split()[1] + ' GiB'
  except (OSError, IndexError, subprocess.SubprocessError):
    mem_total = 'unknown'
  return f'{os.cpu_count()} cores (`nproc`), {mem_total} RAM (`free -g` total), {model}'


def fmt_num(v, digits=0):
  if v is None:
    return '–'
  return f'{v:,.{digits}f}'


def cores_busy(load):
  if not load or not load.get('seconds') or load.get('server_cpu_s', -1) < 0:
    return None
  return load['server_cpu_s'] / load['seconds']


def hours_minutes(ms):
  minutes = round(ms / 60_000)
  return f'{minutes // 60} h {minutes % 60} m' if minutes % 60 else f'{minutes // 60} h'


def metric_rows(r):
  """(label, value, formatted, higher_is_better) for one server."""
  load = r.get('load') or {}
  ok = load.get('complete', False)
  sps = load.get('samples_per_s') if ok else None
  verify = r.get('verify') or {}
  if verify.get('samples'):
    if verify.get('bit_exact'):
      exact = f'yes ({verify["exact"]}/{verify["samples"]})'
    else:
      exact = (f'no: {verify["different"]} differ (max rel. error {verify["max_rel_error"]:.1e}), '
               f'{verify["missing"]} missing of {verify["samples"]}')
  else:
    exact = '–'
  mib = lambda b: b / 2**20 if b and b > 0 else None
  return [
      ('ingest samples/s', sps, fmt_num(sps), True),
      ('server CPU cores busy during load (of %d)' % os.cpu_count(),
       cores_busy(load), fmt_num(cores_busy(load), 2), None),
      ('CPU seconds per million samples (during load)', load.get('server_cpu_s_per_million'),
       fmt_num(load.get('server_cpu_s_per_million'), 2), False),
      ('CPU seconds per million samples (incl. background work until idle)',
       r.get('cpu_s_per_million_settled'), fmt_num(r.get('cpu_s_per_million_settled'), 2), False),
      ('bytes/sample on disk after flush', r.get('bytes_per_sample_flushed'),
       fmt_num(r.get('bytes_per_sample_flushed'), 2), False),
      ('bytes/sample after merge (VM) / as blocks (Prometheus snapshot) / without rollup tiers (strata)',
       r.get('bytes_per_sample_merged'), fmt_num(r.get('bytes_per_sample_merged'), 2), False),
      ('peak RSS after ingest, MiB', mib(r.get('rss_peak_load_bytes')),
       fmt_num(mib(r.get('rss_peak_load_bytes'))), False),
      ('peak RSS after queries, MiB', mib(r.get('rss_peak_end_bytes')),
       fmt_num(mib(r.get('rss_peak_end_bytes'))), False),
      ('load errors (non-2xx or I/O)', load.get('errors'), fmt_num(load.get('errors')), False),
      ('values bit-exact', None, exact, None),
  ]


def status_of(r):
  if r is None:
    return 'not run'
  if 'skipped' in r:
    return 'pending'
  if 'failed' in r:
    return 'failed: ' + r['failed']
  return None


def md_cell(text):
  """Escapes `|` so a Markdown table cell stays one cell."""
  return text.replace('|', '\\|')


def body_sizes(meta):
  names = {'rw': 'remote_write (snappy)', 'json': 'JSON', 'influx': 'Influx',
           'vmimport': 'VictoriaMetrics import', 'prom': 'exposition text',
           'otlp': 'OTLP protobuf', 'graphite': 'Graphite'}
  parts = [f'{names[f]} {info["bytes"] / meta["samples"]:.1f} B'
           for f, info in sorted(meta['formats'].items()) if f in names]
  return ', '.join(parts) or 'unknown'


def ratio_placeholder(strata):
  """What a ratio cell says when strata has no figures."""
  return 'pending' if strata is None or 'skipped' in strata else '–'


def ratio(a, b):
  if a is None or b is None or b == 0:
    return '–'
  return f'{a / b:.2f}×'


def influx_notes(results, rows, influx_ok):
  """Line protocol: the 1.5x target, and strata's bytes/sample through each API (the same
  data, so the same figure is expected)."""
  notes = []
  if influx_ok:
    mine = rows[INFLUX_PAIR[0]][0][1]
    peer = rows[INFLUX_PAIR[1]][0][1]
    if mine is not None and peer:
      met = 'met' if mine / peer >= INFLUX_TARGET else 'not met'
      notes.append(f'Line protocol (the same Influx bodies to both `/write?precision=ms`): strata '
                   f'{fmt_num(mine)} samples/s, {mine / peer:.2f}× VictoriaMetrics '
                   f'(target ≥ {INFLUX_TARGET}×: {met}).')
  apis = [s for s in ('strata', 'strata-json', 'strata-influx') if rows.get(s) is not None]
  if 'strata-influx' in apis and len(apis) > 1:
    parts = ', '.join(f'{TITLES[s].replace("strata ", "")} {fmt_num(rows[s][4][1], 2)}'
                      for s in apis)
    notes.append(f'strata bytes/sample on disk after flush by API (same data): {parts}.')
  return ([''] + notes) if notes else []


def format_bytes(meta, fmt):
  """Request-body bytes of one format: from meta.json, or (a format added to cached data later,
  which meta.json does not list) the size of its directory next to meta.json."""
  info = meta.get('formats', {}).get(fmt)
  if info:
    return info['bytes']
  d = os.path.join(meta.get('_dir', ''), fmt)
  if not os.path.isdir(d):
    return None
  return sum(e.stat().st_size for e in os.scandir(d) if e.is_file())


def protocol_table(results, meta):
  """Ingest by protocol: strata and VictoriaMetrics on the same bodies, one row per protocol
  that any server of this run measured."""
  if not any(s in results for s in PROTOCOL_SERVERS + ['strata-statsd']):
    return []

  def figures(name):
    r = results.get(name) if name else None
    if r is None:
      return None
    st = status_of(r)
    if st is not None:
      return {'status': st}
    load = r.get('load') or {}
    return {'sps': load.get('samples_per_s') if load.get('complete') else None,
            'cpu': load.get('server_cpu_s_per_million'),
            'cpu_settled': r.get('cpu_s_per_million_settled'),
            'flushed': r.get('bytes_per_sample_flushed'),
            'merged': r.get('bytes_per_sample_merged'),
            'errors': load.get('errors'), 'verify': r.get('verify') or {}}

  def exact(f):
    v = f['verify']
    if not v.get('samples'):
      return '–'
    return 'yes' if v.get('bit_exact') else f'no ({v.get("different")} differ, {v.get("missing")} missing)'

  lines = ['', 'Ingest by protocol: the same workload through each protocol strata accepts, '
           'VictoriaMetrics on the very same bodies where it takes the protocol. samples/s over '
           'the loader\'s wall time (Graphite: from the first byte sent over TCP until the '
           'server\'s ingest counter has every sample); CPU seconds per million samples during '
           'the load (until idle); bytes/sample on disk after flush (strata without its rollup '
           'tiers in parentheses; VictoriaMetrics after merge).', '',
           '| protocol | request bytes/sample | strata samples/s | strata CPU-s per M | '
           'strata bytes/sample | strata bit-exact | VictoriaMetrics samples/s | '
           'VictoriaMetrics CPU-s per M | VictoriaMetrics bytes/sample | strata ÷ VictoriaMetrics samples/s |',
           '|---' * 10 + '|']
  for title, mine_name, peer_name in PROTOCOLS:
    if mine_name not in results and peer_name not in results:
      continue
    mine, peer = figures(mine_name), figures(peer_name)
    req_bytes = format_bytes(meta, PROTOCOL_FORMAT[mine_name or peer_name])
    req = f'{req_bytes / meta["samples"]:.1f}' if req_bytes else '–'

    def cells(f, strata_side):
      if f is None:
        return ['not run' if (mine_name if strata_side else peer_name) else '–'] + \
            ['–'] * (3 if strata_side else 2)
      if 'status' in f:
        return [f['status']] + ['–'] * (3 if strata_side else 2)
      sps = fmt_num(f['sps']) if f['sps'] is not None else f'– ({f["errors"]} errors)'
      cpu = f'{fmt_num(f["cpu"], 2)} ({fmt_num(f["cpu_settled"], 2)})'
      if strata_side:
        disk = f'{fmt_num(f["flushed"], 2)} ({fmt_num(f["merged"], 2)})'
        return [sps, cpu, disk, exact(f)]
      disk = f'{fmt_num(f["flushed"], 2)} ({fmt_num(f["merged"], 2)})'
      return [sps, cpu, disk]

    row = [title, req] + cells(mine, True) + cells(peer, False)
    if mine and peer and 'status' not in mine and 'status' not in peer:
      row.append(ratio(mine['sps'], peer['sps']))
    else:
      row.append('–')
    lines.append('| ' + ' | '.join(row) + ' |')
  lines.append('')
  lines.append('The exposition, OTLP and Graphite bodies carry the same series as remote_write. '
               'OTLP: one ResourceMetrics per host (`service.name` = job, `service.instance.id` = '
               'instance), counters as cumulative monotonic sums and the rest as gauges, with the '
               'Prometheus names and no unit, so the OTLP-to-Prometheus name mapping leaves the '
               'names as they are (an OpenTelemetry collector\'s own names, e.g. '
               '`system.cpu.time` in `s`, would map to other names; bytes/sample is comparable, '
               'not the names); dc, host and the per-series labels travel as point attributes. '
               'Graphite: tagged paths `name;k=v;...` with whole-second timestamps (the protocol\'s '
               'unit; VictoriaMetrics drops fractions), so each sample is stored up to 999 ms '
               'earlier than through the other protocols; values are the same. strata runs with '
               '`scrape_configs: []` (no self-scrape, as VictoriaMetrics runs with '
               '`-selfScrapeInterval=0`): with it, samples stamped "now" move the rollup horizon '
               'past the 6-hour-old data being loaded and every loaded sample is repaired into '
               'its rolled-up bucket (exposition text measured 113,146 samples/s that way).')
  lines.extend(statsd_lines(results.get('strata-statsd')))
  return lines


def statsd_lines(r):
  """StatsD over UDP: the paced steps of statsd_bench.py, up to the first that lost lines."""
  if r is None:
    return []
  if status_of(r) is not None:
    return ['', f'StatsD over UDP: {status_of(r)}.']
  st = r.get('statsd') or {}
  steps = st.get('steps') or []
  lines = ['', f'StatsD over UDP (`bench/statsd_bench.py`; no VictoriaMetrics counterpart): counter '
           f'increments of {st.get("series", 0):,} tagged series, {st.get("lines_per_datagram")} lines '
           f'per datagram, paced for {st.get("step_s", 0):g} s per step from the lowest rate up, '
           f'strata flushing every second; lost = lines sent − `sum(statsd_bench_lines_total)` read '
           f'back (cumulative over the steps). The Python sender shares the 2 cores with strata.',
           '', '| target datagrams/s | sent datagrams/s | lines/s | lost lines (cumulative) | '
           'kernel UDP receive-buffer drops | strata CPU, cores |', '|---|---|---|---|---|---|']
  for x in steps:
    cores = x['server_cpu_s'] / x['seconds'] if x.get('seconds') else None
    lines.append(f'| {x["target_datagrams_per_s"]:,} | {x["datagrams_per_s"]:,} | '
                 f'{x["lines_per_s"]:,} | {x["lost_total"]:,.0f} | {x["rcvbuf_errors"]:,} | '
                 f'{fmt_num(cores, 2)} |')
  best = st.get('max_lossless_datagrams_per_s')
  lines.append('')
  if best is None:
    lines.append('StatsD: lines were lost already at the lowest rate.')
  else:
    last = steps[-1] if steps else {}
    tail = (' (the last step lost lines)' if last.get('lost_total') else
            ' (no step lost lines: the highest rate tried)')
    lines.append(f'StatsD: no line lost up to {best:,} datagrams/s '
                 f'({st.get("max_lossless_lines_per_s"):,} lines/s){tail}.')
  return lines


def render(results, meta, command):
  lines = []
  servers = [s for s in ORDER if s in results]
  peers = [s for s in ('vm', 'prometheus') if s in results and status_of(results[s]) is None]
  strata = results.get('strata')
  strata_ok = strata is not None and status_of(strata) is None
  header = '| | ' + ' | '.join(TITLES[s] for s in servers)
  header += ''.join(f' | strata rw ÷ {TITLES[p]}' for p in peers)
  influx_ok = all(s in results and status_of(results[s]) is None for s in INFLUX_PAIR)
  if influx_ok:
    header += f' | {TITLES[INFLUX_PAIR[0]]} ÷ {TITLES[INFLUX_PAIR[1]]}'
  lines.append(header + ' |')
  lines.append('|---' * (1 + len(servers) + len(peers) + influx_ok) + '|')
  rows = {s: (metric_rows(results[s]) if status_of(results[s]) is None else None) for s in servers}
  labels = [r[0] for r in metric_rows({})]
  for i, label in enumerate(labels):
    cells = []
    for s in servers:
      cells.append(rows[s][i][2] if rows[s] is not None else status_of(results[s]))
    for p in peers:
      if strata_ok and rows['strata'][i][3] is not None:
        cells.append(ratio(rows['strata'][i][1], rows[p][i][1]))
      else:
        cells.append(ratio_placeholder(strata) if not strata_ok else '')
    if influx_ok:
      mine, peer = rows[INFLUX_PAIR[0]][i], rows[INFLUX_PAIR[1]][i]
      cells.append(ratio(mine[1], peer[1]) if mine[3] is not None else '')
    lines.append(f'| {label} | ' + ' | '.join(cells) + ' |')
  lines.extend(influx_notes(results, rows, influx_ok))
  lines.extend(protocol_table(results, meta))

  lines.append('')
  lines.append(f'Query latency, ms: median of warm runs (p95 in parentheses), then the answer\'s '
               f'series/points, to show the servers answered the same question. Range '
               f'{hours_minutes(meta["end_ms"] - meta["start_ms"] - 1_200_000)} (10 min inside each '
               f'end of the data) at 60 s step unless noted; the raw series is an instant query '
               f'of a range vector over the whole {hours_minutes(meta["end_ms"] - meta["start_ms"])}.'
               f'{interleave_note(results)}')
  lines.append('')
  qservers = [s for s in ('vm', 'prometheus', 'strata') if s in results]
  qheader = '| query | ' + ' | '.join(TITLES[s].replace(' rw', '') for s in qservers)
  qheader += ''.join(f' | strata ÷ {TITLES[p].replace(" rw", "")}' for p in peers) + ' |'
  lines.append(qheader)
  lines.append('|---' * (1 + len(qservers) + len(peers)) + '|')
  qlabels = []
  for s in qservers:
    for q in results[s].get('queries') or []:
      if q['query'] not in qlabels:
        qlabels.append(q['query'])

  def qcell(s, label):
    if status_of(results[s]) is not None:
      return status_of(results[s]), None
    for q in results[s].get('queries') or []:
      if q['query'] == label:
        if 'median_ms' in q:
          return (f'{q["median_ms"]:.1f} ({q["p95_ms"]:.1f}) — {q["series"]}/{q["points"]}',
                  q['median_ms'])
        return 'error: ' + q.get('error', '?'), None
    return '–', None

  for label in qlabels:
    cells = [qcell(s, label) for s in qservers]
    row = f'| `{md_cell(label)}` | ' + ' | '.join(c[0] for c in cells)
    for p in peers:
      if strata_ok:
        row += ' | ' + ratio(qcell('strata', label)[1], qcell(p, label)[1])
      else:
        row += ' | ' + ratio_placeholder(strata)
    lines.append(row + ' |')
  return '\n'.join(lines)


# The targets for the dashboard query set.
TARGET_VM_RATIO = 0.5      # every query at most half VictoriaMetrics' median
TARGET_P95_MS = 500.0      # p95 of every 24 h range query, cache off
DAY_S = 86400


def interleave_note(results):
  """How the query servers' runs were ordered, as a sentence (with a leading space)."""
  names = [TITLES[s].replace(' rw', '') for s in ('vm', 'prometheus', 'strata')
           if (results.get(s) or {}).get('queries_interleaved')]
  if len(names) < 2:
    return ' Each server was queried alone, one after another.'
  return (f' The runs were interleaved over {", ".join(names)}: every server was loaded and '
          f'measured alone, then stopped; in the query phase each round sends the query once to '
          f'each server in turn, so that all of them meet the same minutes of the shared '
          f'machine\'s load.')


def find_query(r, label):
  for q in (r or {}).get('queries') or []:
    if q['query'] == label:
      return q
  return None


def render_dashboard(results, meta):
  """The dashboard query table, with the two targets checked."""
  lines = []
  peers = [s for s in ('vm', 'prometheus') if s in results and status_of(results[s]) is None]
  qservers = [s for s in ('vm', 'prometheus', 'strata') if s in results]
  strata = results.get('strata')
  strata_ok = strata is not None and status_of(strata) is None
  runs = sorted({q.get('runs') for s in qservers for q in (results[s].get('queries') or [])
                 if q.get('runs')})
  runs_text = (f'{runs[0]}' if len(runs) == 1 else f'{runs[0]}–{runs[-1]}') if runs else '?'
  lines.append(
      f'Dashboard queries (`--queries dashboard`, listed in `bench/README.md`), ms: median of '
      f'{runs_text} warm runs after one warm-up, p95 (nearest rank) in parentheses. Result caches '
      f'off: every request carries `nocache=1`, VictoriaMetrics also runs with '
      f'`-search.disableCache`, Prometheus has no result cache. Ranges end 10 minutes before the '
      f'data ends, start and end aligned to the step. "answer" is series/points of strata\'s '
      f'answer; a peer that answered with other counts is named.{interleave_note(results)}')
  lines.append('')
  head = '| query [range, step] | ' + ' | '.join(TITLES[s].replace(' rw', '') for s in qservers)
  head += ''.join(f' | strata ÷ {TITLES[p].replace(" rw", "")}' for p in peers)
  head += ' | strata p95 < 500 ms (24 h) | answer |'
  lines.append(head)
  lines.append('|---' * (3 + len(qservers) + len(peers)) + '|')
  labels = []
  for s in qservers:
    for q in results[s].get('queries') or []:
      if q['query'] not in labels:
        labels.append(q['query'])
  vm_checked, vm_met, vm_worst = 0, 0, None
  p95_checked, p95_met, p95_worst = 0, 0, None
  for label in labels:
    cells = []
    for s in qservers:
      st = status_of(results[s])
      q = find_query(results[s], label)
      if st is not None:
        cells.append(st)
      elif q is None:
        cells.append('–')
      elif 'median_ms' in q:
        cells.append(f'{q["median_ms"]:.1f} ({q["p95_ms"]:.1f})')
      else:
        cells.append('error: ' + md_cell(q.get('error', '?')))
    sq = find_query(strata, label) if strata_ok else None
    s_med = sq.get('median_ms') if sq else None
    for p in peers:
      pq = find_query(results[p], label)
      cells.append(ratio(s_med, pq.get('median_ms') if pq else None) if strata_ok
                   else ratio_placeholder(strata))
    vq = find_query(results.get('vm'), label) if 'vm' in peers else None
    if s_med is not None and vq and vq.get('median_ms'):
      vm_checked += 1
      r = s_med / vq['median_ms']
      vm_met += r <= TARGET_VM_RATIO
      if vm_worst is None or r > vm_worst[1]:
        vm_worst = (label, r)
    range_s = (sq or find_query(results.get('vm'), label) or {}).get('range_s')
    if sq is None or range_s != DAY_S:
      cells.append('')
    elif 'p95_ms' in sq:
      p95_checked += 1
      ok = sq['p95_ms'] < TARGET_P95_MS
      p95_met += ok
      if p95_worst is None or sq['p95_ms'] > p95_worst[1]:
        p95_worst = (label, sq['p95_ms'])
      cells.append(f'{"yes" if ok else "**no**"} ({sq["p95_ms"]:.0f})')
    else:
      cells.append('**no** (error)')
      p95_checked += 1
    answer = ''
    if sq and sq.get('series') is not None:
      answer = f'{sq["series"]}/{sq["points"]}'
      for p in peers:
        pq = find_query(results[p], label)
        if pq and pq.get('series') is not None and (pq['series'], pq['points']) != (
            sq['series'], sq['points']):
          answer += f' ({TITLES[p].split(" ")[0]} {pq["series"]}/{pq["points"]})'
    cells.append(answer)
    lines.append(f'| {md_cell(label)} | ' + ' | '.join(cells) + ' |')
  lines.append('')
  if not strata_ok:
    lines.append('Targets: not checked (strata has no figures in this run).')
    return '\n'.join(lines)
  if vm_checked:
    verdict = 'met' if vm_met == vm_checked and vm_checked == len(labels) else '**not met**'
    lines.append(f'- Target "every query at most half VictoriaMetrics\' median latency" '
                 f'(strata ÷ VictoriaMetrics ≤ {TARGET_VM_RATIO:.2f}×): {verdict} — '
                 f'{vm_met} of {len(labels)} queries; worst `{md_cell(vm_worst[0])}` at '
                 f'{vm_worst[1]:.2f}×.')
  else:
    lines.append('- Target "every query at most half VictoriaMetrics\' median latency": not '
                 'checked (no VictoriaMetrics figures in this run).')
  if p95_checked:
    verdict = 'met' if p95_met == p95_checked else '**not met**'
    worst = f'; worst `{md_cell(p95_worst[0])}` at {p95_worst[1]:.0f} ms' if p95_worst else ''
    lines.append(f'- Target "p95 under {TARGET_P95_MS:.0f} ms for 24 h ranges over '
                 f'{meta["series"]:,} series, cache off": {verdict} — {p95_met} of '
                 f'{p95_checked} 24 h queries{worst}.')
  return '\n'.join(lines)


# ---- workload R --------------------------------------------------------------------------
TARGET_7D_OVER_24H = 2.0   # strata's 7 d median at most twice its 24 h median
TARGET_ROLLUP_CPU_PCT = 10.0  # rollup worker CPU at 100,000 samples/s, % of one core
RANGES_R = ['24h', '7d', '7d10m', '30d']
RANGE_TITLES = {'24h': '24 h', '7d': '7 d', '7d10m': '7 d at 10 min', '30d': '30 d'}


def load_rollup_results(directory):
  results = {}
  for name in ('vm', 'strata', 'strata-live'):
    path = os.path.join(directory, f'{name}.json')
    if os.path.exists(path):
      with open(path) as f:
        results[name] = json.load(f)
  return results


def na(v, fmt='{:,.0f}'):
  return 'n/a' if v is None else fmt.format(v)


def rollup_load_table(results):
  servers = [s for s in ('vm', 'strata') if s in results]
  lines = ['| | ' + ' | '.join(TITLES[s].replace(' rw', '') for s in servers) + ' |',
           '|---' * (1 + len(servers)) + '|']
  tier_names = []
  for s in servers:
    tiers = ((results[s].get('catchup') or {}).get('tiers') or {})
    for t in tiers:
      if t not in tier_names:
        tier_names.append(t)
  order = {'raw': 0, '1m': 1, '1h': 2}
  tier_names = sorted(set(tier_names) | {'raw', '1m', '1h'}, key=lambda t: (order.get(t, 9), t))

  def row(label, fn):
    cells = []
    for s in servers:
      st = status_of(results[s])
      cells.append(st if st is not None else fn(s, results[s]))
    lines.append(f'| {label} | ' + ' | '.join(cells) + ' |')

  def load_rate(s, r):
    load = r.get('load') or {}
    return fmt_num(load.get('samples_per_s')) if load.get('complete') else '– (incomplete)'

  def catchup(s, r):
    if s != 'strata':
      return '–'
    c = r.get('catchup') or {}
    if not c.get('rollup_lag_field'):
      return 'n/a (no `rollup_lag_seconds` in stats)'
    if c.get('caught_up'):
      return f'{c["catchup_s"]:.1f}'
    return f'not within {c.get("waited_s", 0):.0f} s (lag {na(c.get("final_lag_s"), "{:.0f}")} s)'

  def tier_cell(tier):
    def cell(s, r):
      if s != 'strata':
        return '–'
      tiers = (r.get('catchup') or {}).get('tiers')
      if tiers is None or tier not in tiers:
        return 'n/a'
      return f'{tiers[tier]:,.0f} ({tiers[tier] / r["samples"]:.3f} B/sample)'
    return cell

  row('ingest samples/s (remote_write, 2 connections)', load_rate)
  row('load errors (non-2xx or I/O)', lambda s, r: fmt_num((r.get('load') or {}).get('errors')))
  row('`POST /api/v1/admin/flush`, s',
      lambda s, r: '–' if r.get('flush_s') is None else f'{r["flush_s"]:.1f}')
  row('rollups caught up after the flush (`rollup_lag_seconds` < 120), s', catchup)
  for t in tier_names:
    row(f'disk bytes of tier {t} (stats `tiers[].disk_bytes`)', tier_cell(t))
  row('data directory `du -sb`, bytes (bytes/sample)',
      lambda s, r: f'{r["disk_bytes_du"]:,} ({r["bytes_per_sample"]:.2f})')
  return '\n'.join(lines)


def rollup_query_table(results):
  """The rollup query set: strata and VictoriaMetrics over 24 h / 7 d / 30 d, with the 7 d ÷ 24 h
  target checked on strata's medians."""
  lines = []
  strata = results.get('strata')
  strata_ok = strata is not None and status_of(strata) is None
  vm = results.get('vm')
  vm_ok = vm is not None and status_of(vm) is None
  groups = []
  for s in ('strata', 'vm'):
    for q in (results.get(s) or {}).get('queries') or []:
      if q.get('group') and q['group'] not in groups:
        groups.append(q['group'])

  def find(r, group, rng):
    for q in (r or {}).get('queries') or []:
      if q.get('group') == group and q.get('range') == rng:
        return q
    return None

  def lat(r, ok, group, rng):
    if r is None:
      return 'not run', None
    if not ok:
      return status_of(r), None
    q = find(r, group, rng)
    if q is None:
      return '–', None
    if 'median_ms' not in q:
      return 'error: ' + md_cell(q.get('error', '?')), None
    return f'{q["median_ms"]:.1f} ({q["p95_ms"]:.1f})', q['median_ms']

  head = ('| query (w: 5m at 24 h, 1h at 7 d, 10m at 7 d at 10 min, 1h at 30 d) | '
          + ' | '.join(f'strata {RANGE_TITLES[r]}' for r in RANGES_R)
          + f' | strata 7 d ÷ 24 h (target ≤ {TARGET_7D_OVER_24H:g}) | strata 7 d at 10 min ÷ 24 h | '
          + ' | '.join(f'VictoriaMetrics {RANGE_TITLES[r]}' for r in RANGES_R)
          + ' | VictoriaMetrics 7 d ÷ 24 h | `X-Strata-Tier` 24 h / 7 d / 7 d at 10 min / 30 d |'
          + ' answer 24 h / 7 d / 7 d at 10 min / 30 d |')
  lines.append(head)
  lines.append('|---' * 15 + '|')
  checked, met, worst = 0, 0, None
  for g in groups:
    s_cells = [lat(strata, strata_ok, g, r) for r in RANGES_R]
    v_cells = [lat(vm, vm_ok, g, r) for r in RANGES_R]
    s_ratio = ratio(s_cells[1][1], s_cells[0][1])
    if s_cells[0][1] and s_cells[1][1] is not None:
      checked += 1
      x = s_cells[1][1] / s_cells[0][1]
      met += x <= TARGET_7D_OVER_24H
      if worst is None or x > worst[1]:
        worst = (g, x)
      if x > TARGET_7D_OVER_24H:
        s_ratio = f'**{s_ratio}**'
    tiers = []
    answers = []
    for r in RANGES_R:
      q = find(strata, g, r) if strata_ok else None
      tiers.append(md_cell(q.get('tier', 'n/a')) if q else '–')
      a = f'{q["series"]}/{q["points"]}' if q and q.get('series') is not None else '–'
      vq = find(vm, g, r) if vm_ok else None
      if q and vq and vq.get('series') is not None and (vq['series'], vq['points']) != (
          q.get('series'), q.get('points')):
        a += f' (VM {vq["series"]}/{vq["points"]})'
      answers.append(a)
    lines.append(f'| `{md_cell(g)}` | ' + ' | '.join(c[0] for c in s_cells) + f' | {s_ratio} | '
                 + f'{ratio(s_cells[2][1], s_cells[0][1])} | '
                 + ' | '.join(c[0] for c in v_cells) + f' | {ratio(v_cells[1][1], v_cells[0][1])} | '
                 + ' / '.join(tiers) + ' | ' + ' / '.join(answers) + ' |')
  lines.append('')
  if checked:
    verdict = 'met' if met == checked == len(groups) else '**not met**'
    lines.append(f'- Target "7 d range at most {TARGET_7D_OVER_24H:g}× the 24 h range" (strata '
                 f'medians): {verdict} — {met} of {len(groups)} queries; worst '
                 f'`{md_cell(worst[0])}` at {worst[1]:.2f}×.')
  else:
    lines.append('- Target "7 d range at most 2× the 24 h range": not checked (no strata figures).')
  return '\n'.join(lines)


def rollup_live_table(results):
  live = results.get('strata-live')
  if live is None:
    return 'Live phase: not run (strata was not among the servers).'
  if status_of(live) is not None:
    return f'Live phase: {status_of(live)}.'
  load = live.get('load') or {}
  probe = live.get('probe') or {}
  meta = live.get('meta') or {}
  lines = ['| live phase | strata |', '|---|---|']
  achieved = load['samples'] / load['seconds'] if load.get('seconds') else None
  by_tier = probe.get('buckets_per_s_by_tier')
  cpu = probe.get('rollup_cpu_pct_of_core')
  rows = [
      ('target rate, samples/s', f'{live["rate_target"]:,}'),
      ('achieved, samples/s (samples ÷ loader wall time)',
       f'{na(achieved)} ({na(load.get("samples"))} samples in {na(load.get("seconds"), "{:.0f}")} s)'),
      ('load errors (non-2xx or I/O)', fmt_num(load.get('errors'))),
      ('sampled window (every 5 s while loading), s', na(probe.get('window_s'), '{:.0f}')),
      ('rollup buckets/s (`strata_rollup_buckets_total`)',
       'n/a' if probe.get('buckets_per_s') is None else
       f'{probe["buckets_per_s"]:,.0f} (' + ', '.join(f'{t or "no tier label"}: {v:,.0f}'
                                               for t, v in by_tier.items()) + ')'),
      (f'rollup CPU, % of one core (`strata_rollup_cpu_seconds_total`; target < '
       f'{TARGET_ROLLUP_CPU_PCT:g}%)',
       'n/a' if cpu is None else (f'{cpu:.1f}%' if cpu < TARGET_ROLLUP_CPU_PCT else f'**{cpu:.1f}%**')),
      ('server CPU, % of one core (utime+stime from /proc)',
       na(probe.get('server_cpu_pct_of_core'), '{:.0f}%')),
  ]
  for label, cell in rows:
    lines.append(f'| {label} | {cell} |')
  lines.append('')
  if cpu is None:
    lines.append('- Target "rollup CPU under 10% of one core at 100,000 samples/s": not checked '
                 '(the binary exports no `strata_rollup_cpu_seconds_total`).')
  else:
    verdict = 'met' if cpu < TARGET_ROLLUP_CPU_PCT else '**not met**'
    lines.append(f'- Target "rollup CPU under {TARGET_ROLLUP_CPU_PCT:g}% of one core at '
                 f'{live["rate_target"]:,} samples/s": {verdict} ({cpu:.1f}%).')
  span = ''
  if meta:
    span = (f' Workload L: {meta["hosts"]} hosts, {meta["series"]:,} series, '
            f'{hours_minutes(meta["end_ms"] - meta["start_ms"])} of data ending 5 minutes before '
            f'it was generated, {meta["samples"]:,} samples.')
  return ('Live phase: a fresh strata (same config) receives workload-A-shaped data at the target '
          'rate (`strata_bench_load --rate`); `rollup_bench.py live` reads `/metrics` and '
          '`/proc/PID/stat` every 5 s, and the rates are the counters\' increase over the sampled '
          'window.' + span + '\n\n' + '\n'.join(lines))


def render_rollup(results, meta):
  return '\n\n'.join([
      rollup_load_table(results),
      'Rollup queries, ms: median of warm runs after one warm-up, p95 (nearest rank) in '
      'parentheses; `nocache=1` on every request, VictoriaMetrics with `-search.disableCache`. '
      'Ranges are "the last 24 h / 7 d / 30 d" up to the end of the data, start and end aligned '
      'to the step: 24 h at 60 s, 7 d at 1 h (the seeds\' routing serves ranges over 24 h at one-hour '
      'resolution; the target is checked on it) and at 10 min (what a 1,000 px Grafana panel asks '
      'for), 30 d at 1 h; the data covers 7 d, so the 30 d range also spans 23 days '
      'without data. `X-Strata-Tier` is the response header naming the tier strata answered from '
      '("n/a": the binary sends none). "answer" is series/points of strata\'s answer '
      '(VictoriaMetrics\' when it differs).',
      rollup_query_table(results),
      rollup_live_table(results)])


def rollup_section(results, meta, command):
  versions = ', '.join(f'{TITLES[s].split(" ")[0]}: `{results[s]["version"]}`'
                       for s in ('vm', 'strata') if (results.get(s) or {}).get('version'))
  end = datetime.datetime.fromtimestamp(meta['end_ms'] / 1000, datetime.timezone.utc)
  return f"""<!-- workload R -->
## Workload R — rollups

- Date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}
- Machine: {machine()}
- Command: `{command}`
- Versions: {versions or 'see run log'}
- Workload R (seed {meta['seed']}): {meta['hosts']} hosts × {meta['metric_names']} metric names =
  {meta['series']:,} series, {meta['interval_ms'] // 1000} s interval, {hours_minutes(meta['end_ms'] - meta['start_ms'])}
  ending {end.strftime('%Y-%m-%d %H:%M UTC')}, {meta['samples']:,} samples; {meta['samples_per_request']:,} samples per
  request, {meta['shards']} connections. Request bodies per sample: {body_sizes(meta)}.
  strata runs with `bench/configs/rollup.yaml` (`ingest.max_sample_age: 30d`,
  `storage.out_of_order_window: 1h`, raw retention 8d, tiers 1m/30d and 1h/365d),
  VictoriaMetrics with `-retentionPeriod=2y`.

{render_rollup(results, meta)}
<!-- end workload R -->
"""


def write_section(path, wl, section):
  """Writes `section` into the results file at `path`, replacing only workload `wl`'s."""
  sections = {}
  if os.path.exists(path):
    with open(path) as f:
      old = f.read()
    for m in re.finditer(r'<!-- workload ([\w-]+) -->\n.*?<!-- end workload \1 -->\n', old, re.S):
      sections[m.group(1)] = m.group(0)
  sections[wl] = section
  body = '\n'.join(sections[k] for k in sorted(sections))
  doc = HEADER + '\n' + body + '\n' + METHOD
  with open(path, 'w') as f:
    f.write(doc)


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument('--results', required=True)
  ap.add_argument('--meta', required=True)
  ap.add_argument('--command', default='bench/run.sh')
  ap.add_argument('--queries', choices=['basic', 'dashboard', 'rollup'], default=None)
  ap.add_argument('--write')
  args = ap.parse_args()
  with open(args.meta) as f:
    meta = json.load(f)
  meta['_dir'] = os.path.dirname(os.path.abspath(args.meta))
  if meta['workload'] == 'R':
    results = load_rollup_results(args.results)
    print(render_rollup(results, meta))
    if args.write:
      write_section(args.write, 'R', rollup_section(results, meta, args.command))
    return
  results = load_results(args.results)
  default_set = 'dashboard' if meta['workload'] == 'D' else 'basic'
  query_set = args.queries or default_set
  tables = render(results, meta, args.command)
  if query_set == 'dashboard':
    # The ingest table stays; the basic query table is replaced by the dashboard one.
    tables = tables.split('\n\nQuery latency, ms:')[0] + '\n\n' + render_dashboard(results, meta)
  print(tables)
  if not args.write:
    return
  versions = ', '.join(f'{TITLES[s].split(" ")[0]}: `{r["version"]}`' for s, r in results.items()
                       if r.get('version') and s in ('vm', 'prometheus', 'strata'))
  # strata's other APIs, when measured with another binary than strata rw.
  strata_version = (results.get('strata') or {}).get('version')
  for s in ('strata-json', 'strata-influx'):
    v = (results.get(s) or {}).get('version')
    if v and v != strata_version:
      versions += f', {TITLES[s]}: `{v}`'
  # The per-protocol servers, grouped by binary.
  by_version = {}
  for s in ('strata-prom', 'strata-otlp', 'strata-graphite'):
    v = (results.get(s) or {}).get('version')
    if v and v != strata_version:
      by_version.setdefault(v, []).append(PROTOCOL_TITLES[s])
  for v, names in by_version.items():
    versions += f', strata {"/".join(names)}: `{v}`'
  wl = meta['workload'] if query_set == default_set else f"{meta['workload']}-{query_set}"
  separate_runs = ''
  if '; then ' in args.command:
    separate_runs = ('\n- Servers were measured by the separate invocations above into one results '
                     'directory (`--into`), on the same generated data; each server\'s figures '
                     'come from the last invocation that ran it, with the binary named in Versions.')
  section = f"""<!-- workload {wl} -->
## Workload {wl}{' — query benchmark' if query_set == 'dashboard' else ''}

- Date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}
- Machine: {machine()}
- Command: `{args.command}`
- Versions: {versions or 'see run log'}{separate_runs}
- Workload {meta['workload']} (seed {meta['seed']}): {meta['hosts']} hosts × {meta['metric_names']} metric names =
  {meta['series']:,} series, {meta['interval_ms'] // 1000} s interval, {hours_minutes(meta['end_ms'] - meta['start_ms'])},
  {meta['samples']:,} samples; {meta['samples_per_request']:,} samples per request,
  {meta['shards']} connections (one per shard of series, each shard's bodies in time order).
  Request bodies per sample: {body_sizes(meta)}.

{tables}
<!-- end workload {wl} -->
"""
  write_section(args.write, wl, section)


if __name__ == '__main__':
  main()

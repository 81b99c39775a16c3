#!/usr/bin/env python3
"""Renders one bench/run.sh run (a directory of <server>.json files) as Markdown tables.

  render_results.py --results DIR --meta DATA/meta.json --command 'bench/run.sh ...'
                    [--queries basic|dashboard] [--write FILE]

Prints the tables; with --write, also writes them, with machine details, to FILE, replacing
only the section of this workload (a `dashboard` query set on a workload whose default is
`basic` gets a section of its own, `<workload>-dashboard`).
"""
import argparse
import datetime
import json
import os
import re
import subprocess

ORDER = ['vm', 'vm-influx', 'vm-import', 'prometheus', 'strata', 'strata-json']
TITLES = {'vm': 'VictoriaMetrics rw', 'vm-influx': 'VictoriaMetrics Influx',
          'vm-import': 'VictoriaMetrics import',
          'prometheus': 'Prometheus rw', 'strata': 'strata rw', 'strata-json': 'strata JSON'}


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
  `POST /api/v1/admin/flush` and idle.
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
  for name in ORDER:
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
      ('bytes/sample after merge (VM) / as blocks (Prometheus snapshot)',
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
           'vmimport': 'VictoriaMetrics import'}
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


def render(results, meta, command):
  lines = []
  servers = [s for s in ORDER if s in results]
  peers = [s for s in ('vm', 'prometheus') if s in results and status_of(results[s]) is None]
  strata = results.get('strata')
  strata_ok = strata is not None and status_of(strata) is None
  header = '| | ' + ' | '.join(TITLES[s] for s in servers)
  header += ''.join(f' | strata rw ÷ {TITLES[p]}' for p in peers) + ' |'
  lines.append(header)
  lines.append('|---' * (1 + len(servers) + len(peers)) + '|')
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
    lines.append(f'| {label} | ' + ' | '.join(cells) + ' |')

  lines.append('')
  lines.append(f'Query latency, ms: median of warm runs (p95 in parentheses), then the answer\'s '
               f'series/points, to show the servers answered the same question. Range '
               f'{hours_minutes(meta["end_ms"] - meta["start_ms"] - 1_200_000)} (10 min inside each '
               f'end of the data) at 60 s step unless noted; the raw series is an instant query '
               f'of a range vector over the whole {hours_minutes(meta["end_ms"] - meta["start_ms"])}.')
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
      f'answer; a peer that answered with other counts is named.')
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


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument('--results', required=True)
  ap.add_argument('--meta', required=True)
  ap.add_argument('--command', default='bench/run.sh')
  ap.add_argument('--queries', choices=['basic', 'dashboard'], default=None)
  ap.add_argument('--write')
  args = ap.parse_args()
  with open(args.meta) as f:
    meta = json.load(f)
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
  sections = {}
  if os.path.exists(args.write):
    with open(args.write) as f:
      old = f.read()
    for m in re.finditer(r'<!-- workload ([\w-]+) -->\n.*?<!-- end workload \1 -->\n', old, re.S):
      sections[m.group(1)] = m.group(0)
  sections[wl] = section
  body = '\n'.join(sections[k] for k in sorted(sections))
  doc = HEADER + '\n' + body + '\n' + METHOD
  with open(args.write, 'w') as f:
    f.write(doc)


if __name__ == '__main__':
  main()

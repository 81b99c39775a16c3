#!/usr/bin/env bash
# Side-by-side ingest, disk and query benchmark: VictoriaMetrics, Prometheus and strata on the
# same pre-generated node_exporter-like workload. See bench/README.md.
#
#   bench/run.sh [--workload A|B|D|R] [--quick] [--seed N] [--strata PATH]
#                [--servers vm,vm-influx,vm-import,prometheus,strata,strata-json,strata-influx]
#                (also, one per protocol: strata-prom,vm-prom,strata-otlp,strata-graphite,vm-graphite,
#                 strata-statsd)
#                [--queries basic|dashboard] [--query-budget S]
#                [--connections N] [--runs N] [--work DIR] [--into RESULTS_DIR] [--no-results]
#                [--r-days N] [--live-rate SAMPLES_PER_S] [--live-seconds S]   (workload R)
#
# STRATA_BIN overrides the strata binary (default: <repo>/build/src/app/strata); when it is
# missing, strata is skipped with a message. Results land in bench/RESULTS.md unless
# --no-results or --quick is given. Every server listens on 127.0.0.1 only and is killed on exit.
set -euo pipefail
# The whole script is one compound command, so bash parses it before running it and an edit
# to this file during a run cannot change what the run executes.
{

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$REPO/bench"
WORKLOAD=A
QUICK=0
SEED=1
STRATA_BIN="${STRATA_BIN:-$REPO/build/src/app/strata}"
SERVERS=""
QUERIES=""
QUERY_BUDGET=""
CONNECTIONS=2
RUNS=10
WORK="${BENCH_WORK:-$REPO/build-bench/work}"
WRITE_RESULTS=1
INTO=""
COMMAND="bench/run.sh${*:+ $*}"
# Workload R (rollups): days of backfilled data, and the live phase's pace and duration.
R_DAYS=7
LIVE_RATE=100000
LIVE_SECONDS=144

while [[ $# -gt 0 ]]; do
  case "$1" in
    --workload) WORKLOAD="$2"; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --seed) SEED="$2"; shift 2 ;;
    --strata) STRATA_BIN="$2"; shift 2 ;;
    --servers) SERVERS="$2"; shift 2 ;;
    --queries) QUERIES="$2"; shift 2 ;;
    --query-budget) QUERY_BUDGET="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --no-results) WRITE_RESULTS=0; shift ;;
    --into) INTO="$2"; shift 2 ;;
    --r-days) R_DAYS="$2"; shift 2 ;;
    --live-rate) LIVE_RATE="$2"; shift 2 ;;
    --live-seconds) LIVE_SECONDS="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[[ "$WORKLOAD" == A || "$WORKLOAD" == B || "$WORKLOAD" == D || "$WORKLOAD" == R ]] ||
  { echo "--workload must be A, B, D or R" >&2; exit 2; }
if [[ $QUICK == 1 ]]; then WORKLOAD=quick; WRITE_RESULTS=0; fi
# Servers start from their own directory: a relative binary path is made absolute first.
[[ "$STRATA_BIN" == /* ]] || STRATA_BIN="$PWD/$STRATA_BIN"
[[ "$R_DAYS" =~ ^[1-9][0-9]*$ && "$LIVE_RATE" =~ ^[1-9][0-9]*$ && "$LIVE_SECONDS" =~ ^[1-9][0-9]*$ ]] ||
  { echo "--r-days, --live-rate and --live-seconds must be positive integers" >&2; exit 2; }
if [[ $WORKLOAD == R ]]; then
  # Workload R measures rollups: strata against VictoriaMetrics (reference latencies), the
  # rollup query set. A shortened run (smoke test) never writes RESULTS.md.
  SERVERS="${SERVERS:-strata,vm}"
  QUERIES=rollup
  QUERY_BUDGET="${QUERY_BUDGET:-300}"
  for s in ${SERVERS//,/ }; do
    [[ $s == strata || $s == vm ]] ||
      { echo "workload R runs only the servers strata and vm, not $s" >&2; exit 2; }
  done
  if [[ $R_DAYS != 7 || $LIVE_SECONDS != 144 || $LIVE_RATE != 100000 ]]; then WRITE_RESULTS=0; fi
fi
QUERY_BUDGET="${QUERY_BUDGET:-900}"
# Workload D is the query benchmark: the dashboard query set over 24 h, and only the servers
# whose queries are compared (its Influx and JSON bodies would take 28 GB).
if [[ -z "$SERVERS" ]]; then
  if [[ $WORKLOAD == D ]]; then SERVERS="vm,prometheus,strata"
  else SERVERS="vm,vm-influx,prometheus,strata,strata-json,strata-influx"; fi
fi
if [[ -z "$QUERIES" ]]; then
  if [[ $WORKLOAD == D ]]; then QUERIES=dashboard; else QUERIES=basic; fi
fi
[[ "$QUERIES" == basic || "$QUERIES" == dashboard || "$QUERIES" == rollup ]] ||
  { echo "--queries must be basic or dashboard" >&2; exit 2; }

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- tools -------------------------------------------------------------------------------
need_pkgs=()
command -v python3 >/dev/null || need_pkgs+=(python3)
command -v curl >/dev/null || need_pkgs+=(curl)
command -v victoria-metrics >/dev/null || need_pkgs+=(victoria-metrics)
command -v prometheus >/dev/null || need_pkgs+=(prometheus)
command -v cmake >/dev/null || need_pkgs+=(cmake)
command -v ninja >/dev/null || need_pkgs+=(ninja-build)
if [[ ${#need_pkgs[@]} -gt 0 ]]; then
  log "installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y "${need_pkgs[@]}" >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y "${need_pkgs[@]}" >/dev/null; }
fi

# ---- build -------------------------------------------------------------------------------
# bench/ configures on its own, so the tools build whatever state the rest of the tree is in.
BUILD="$REPO/build-bench/standalone"
if [[ ! -f "$BUILD/build.ninja" ]]; then
  cmake -S "$BENCH" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
ninja -C "$BUILD" -j2 strata_bench_gen strata_bench_load strata_bench_get >/dev/null
GEN="$BUILD/strata_bench_gen"
LOAD="$BUILD/strata_bench_load"
export STRATA_BENCH_GET="$BUILD/strata_bench_get"  # times query_bench.py's latency requests

# ---- data (cached by workload and seed while its timestamps are recent) -----------------
DATA="$WORK/data-$WORKLOAD-seed$SEED"
# Cached data is reused while its newest sample is younger than this; workload R's backfill is
# meant to end a few minutes before now and takes ~20 s to generate, so it is kept 1 h.
MAX_AGE_H=12
GEN_EXTRA=()
if [[ $WORKLOAD == R ]]; then
  MAX_AGE_H=1
  if [[ $R_DAYS != 7 ]]; then
    DATA="$WORK/data-R${R_DAYS}d-seed$SEED"
    GEN_EXTRA=(--span-ms $(( R_DAYS * 86400 * 1000 )))
  fi
fi
# Body formats the chosen servers need.
formats=()
for s in ${SERVERS//,/ }; do
  case "$s" in
    vm|prometheus|strata) f=rw ;;
    vm-influx|strata-influx) f=influx ;;
    vm-import) f=vmimport ;;
    strata-json) f=json ;;
    # Ingest by protocol: exposition text, OTLP protobuf, Graphite plaintext over TCP.
    strata-prom|vm-prom) f=prom ;;
    strata-otlp) f=otlp ;;
    strata-graphite|vm-graphite) f=graphite ;;
    strata-statsd) continue ;;  # statsd_bench.py makes its own datagrams
    *) echo "unknown server $s (vm, vm-influx, vm-import, prometheus, strata, strata-json, strata-influx, strata-prom, vm-prom, strata-otlp, strata-graphite, vm-graphite, strata-statsd)" >&2
       exit 2 ;;
  esac
  [[ " ${formats[*]} " == *" $f "* ]] || formats+=("$f")
done
FORMATS=$(IFS=,; echo "${formats[*]}")
now_ms=$(( $(date +%s) * 1000 ))
if [[ -f "$DATA/meta.json" ]]; then
  end_ms=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end_ms"])' "$DATA/meta.json")
  if (( now_ms - end_ms > MAX_AGE_H * 3600 * 1000 )); then
    log "cached data in $DATA is older than $MAX_AGE_H h; regenerating"
    rm -rf "$DATA"
  fi
fi
if [[ ! -f "$DATA/meta.json" ]]; then
  log "generating workload $WORKLOAD (seed $SEED) into $DATA"
  rm -rf "$DATA.tmp"
  mkdir -p "$WORK"
  "$GEN" --workload "$WORKLOAD" --seed "$SEED" --out "$DATA.tmp" --formats "$FORMATS" \
    --shards "$CONNECTIONS" ${GEN_EXTRA[@]+"${GEN_EXTRA[@]}"}
  mv "$DATA.tmp" "$DATA"
else
  log "reusing generated data in $DATA"
  # Add formats the cache lacks: same seed and end time give the same points.
  missing=()
  for f in "${formats[@]}"; do [[ -d "$DATA/$f" ]] || missing+=("$f"); done
  if [[ ${#missing[@]} -gt 0 ]]; then
    log "generating missing formats ${missing[*]}"
    rm -rf "$DATA.add"
    "$GEN" --workload "$WORKLOAD" --seed "$SEED" --end-ms "$end_ms" --out "$DATA.add" \
      --formats "$(IFS=,; echo "${missing[*]}")" --shards "$CONNECTIONS" \
      ${GEN_EXTRA[@]+"${GEN_EXTRA[@]}"}
    for f in "${missing[@]}"; do mv "$DATA.add/$f" "$DATA/$f"; done
    rm -rf "$DATA.add"
  fi
fi
SAMPLES=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["samples"])' "$DATA/meta.json")

RUN_ID="$(date +%Y%m%d-%H%M%S)"
# --into adds this run's servers to an earlier run's results (same workload and cached data),
# so a long comparison can be run one server at a time and rendered as one table.
RES="${INTO:-$WORK/results-$RUN_ID}"
mkdir -p "$RES"
echo "$COMMAND" >>"$RES/commands.txt"
log "results of this run: $RES"

# ---- server lifecycle --------------------------------------------------------------------
SERVER_PID=""
SERVER_DIR=""
stop_pid() {
  local pid=$1
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -CONT "$pid" 2>/dev/null || true  # a held (stopped) server acts on TERM only when running
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
}
cleanup() {
  stop_pid "$SERVER_PID"
  SERVER_PID=""
  if [[ -n "$SERVER_DIR" ]]; then rm -rf "$SERVER_DIR"; SERVER_DIR=""; fi
}
# Servers held for the interleaved query phase (see run_held_queries): parallel arrays.
HELD_NAMES=()
HELD_PIDS=()
HELD_DIRS=()
HELD_URLS=()
cleanup_held() {
  local i
  for i in "${!HELD_PIDS[@]}"; do
    stop_pid "${HELD_PIDS[$i]}"
    rm -rf "${HELD_DIRS[$i]}"
  done
  HELD_NAMES=(); HELD_PIDS=(); HELD_DIRS=(); HELD_URLS=()
}
trap 'cleanup; cleanup_held' EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

cpu_s() {  # utime+stime of a pid in seconds
  python3 - "$1" <<'PY'
import os, sys
with open(f"/proc/{sys.argv[1]}/stat") as f:
    fields = f.read().rsplit(")", 1)[1].split()
print((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
PY
}

hwm_bytes() { awk '/^VmHWM:/ {print $2 * 1024}' "/proc/$1/status"; }

# Waits until the server uses under 3% of a core over a second (background flushes and merges
# done), at most $1 seconds.
settle() {
  local limit=$1 pid=${2:-$SERVER_PID} prev cur
  prev=$(cpu_s "$pid")
  for _ in $(seq 1 "$limit"); do
    sleep 1
    cur=$(cpu_s "$pid")
    if python3 -c "import sys; sys.exit(0 if $cur - $prev < 0.03 else 1)"; then return 0; fi
    prev=$cur
  done
  log "server still busy after ${limit}s; measuring anyway"
}

wait_ready() {  # $1 = URL that answers 200 when the server is up
  for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { log "server exited during startup"; return 1; }
    sleep 0.5
  done
  log "server not ready after 60 s"
  return 1
}

du_bytes() { du -sb "$1" | cut -f1; }

# run_server NAME: starts NAME fresh, loads it, flushes, measures, queries, stops.
run_server() {
  local name=$1 port url ingest_path ready_path body_dir version="" flushed merged
  local tcp_port="" wait_path="" wait_after=""  # Graphite: TCP listener and ingest counter
  port=$(free_port)
  url="http://127.0.0.1:$port"
  SERVER_DIR="$(mktemp -d "$WORK/srv-$name-XXXX")"
  local data="$SERVER_DIR/data"
  mkdir -p "$data"
  case "$name" in
    vm|vm-influx|vm-import|vm-prom|vm-graphite)
      version="victoria-metrics $(dpkg-query -W -f '${Version}' victoria-metrics 2>/dev/null || true)"
      local vm_extra=()
      if [[ $name == vm-graphite ]]; then
        tcp_port=$(free_port)
        vm_extra=(-graphiteListenAddr="127.0.0.1:$tcp_port")
      fi
      victoria-metrics -storageDataPath="$data" -httpListenAddr="127.0.0.1:$port" \
        -influxSkipSingleField -selfScrapeInterval=0 -search.disableCache -loggerLevel=ERROR \
        ${vm_extra[@]+"${vm_extra[@]}"} >"$SERVER_DIR/log" 2>&1 &
      SERVER_PID=$!
      ready_path=/health
      case "$name" in
        vm) ingest_path=/api/v1/write; body_dir=rw ;;
        vm-influx) ingest_path='/write?precision=ms'; body_dir=influx ;;
        vm-import) ingest_path=/api/v1/import; body_dir=vmimport ;;
        vm-prom) ingest_path=/api/v1/import/prometheus; body_dir=prom ;;
        vm-graphite) ingest_path=""; body_dir=graphite
          wait_path=/metrics; wait_after='vm_rows_inserted_total{type="graphite"}' ;;
      esac ;;
    prometheus)
      version="prometheus $(dpkg-query -W -f '${Version}' prometheus 2>/dev/null || true)"
      printf 'global:\n  scrape_interval: 1h\nscrape_configs: []\n' >"$SERVER_DIR/prometheus.yml"
      prometheus --config.file="$SERVER_DIR/prometheus.yml" --storage.tsdb.path="$data" \
        --web.listen-address="127.0.0.1:$port" --web.enable-remote-write-receiver \
        --web.enable-admin-api --log.level=error >"$SERVER_DIR/log" 2>&1 &
      SERVER_PID=$!
      ready_path=/-/ready; ingest_path=/api/v1/write; body_dir=rw ;;
    strata|strata-json|strata-influx|strata-prom|strata-otlp|strata-graphite)
      if [[ ! -x "$STRATA_BIN" ]]; then
        log "skipping $name: strata binary not found at $STRATA_BIN (set STRATA_BIN or --strata)"
        printf '{"name": "%s", "skipped": "strata binary not found at %s"}\n' "$name" "$STRATA_BIN" \
          >"$RES/$name.json"
        rm -rf "$SERVER_DIR"; SERVER_DIR=""
        return 0
      fi
      version="$("$STRATA_BIN" --version 2>&1 | head -1 || true), binary of $(date -u -r "$STRATA_BIN" '+%Y-%m-%d %H:%M UTC'), tree at $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
      # From its own directory with its own config, so a config/strata.yaml in the caller's
      # directory is not read: built-in defaults, without the self-scrape (VictoriaMetrics runs with
      # -selfScrapeInterval=0): a sample stamped "now" among the loaded 6-hour-old data moves
      # the rollup horizon past all of it, and every loaded sample then lands in a rolled-up
      # bucket and is repaired (the load ran at a tenth of its rate).
      printf 'scrape_configs: []\n' >"$SERVER_DIR/strata.yaml"
      if [[ $name == strata-graphite ]]; then
        # Plus the Graphite listener.
        tcp_port=$(free_port)
        printf 'ingest:\n  graphite_listen: "127.0.0.1:%s"\n' "$tcp_port" >>"$SERVER_DIR/strata.yaml"
      fi
      (cd "$SERVER_DIR" && exec "$STRATA_BIN" serve --config "$SERVER_DIR/strata.yaml" \
        --listen "127.0.0.1:$port" --data-dir "$data") >"$SERVER_DIR/log" 2>&1 &
      SERVER_PID=$!
      ready_path=/-/ready
      case "$name" in
        strata) ingest_path=/api/v1/write; body_dir=rw ;;
        strata-json) ingest_path=/api/v1/metrics; body_dir=json ;;
        # The same line-protocol bodies and parameters as vm-influx.
        strata-influx) ingest_path='/write?precision=ms'; body_dir=influx ;;
        # The same exposition bodies as vm-prom; OTLP with the workload's names and labels.
        strata-prom) ingest_path=/api/v1/import/prometheus; body_dir=prom ;;
        strata-otlp) ingest_path=/v1/metrics; body_dir=otlp ;;
        # The same Graphite lines as vm-graphite, streamed over TCP; timed until the server
        # has counted every sample.
        strata-graphite) ingest_path=""; body_dir=graphite
          wait_path=/metrics; wait_after='strata_ingest_samples_total{protocol="graphite"}' ;;
      esac ;;
    *) log "unknown server $name"; return 1 ;;
  esac
  log "$name: pid $SERVER_PID on $url"
  if ! wait_ready "$url$ready_path"; then
    tail -20 "$SERVER_DIR/log" >&2 || true
    printf '{"name": "%s", "failed": "did not start"}\n' "$name" >"$RES/$name.json"
    cleanup
    return 0
  fi
  # Read the bodies once before the load, so that no server (the first of a run above all)
  # is measured waiting for cold disk reads: 2.8 GB of Influx bodies in workload A.
  cat "$DATA/$body_dir"/* >/dev/null
  sleep 1
  local rss_idle cpu_start
  rss_idle=$(hwm_bytes "$SERVER_PID")
  cpu_start=$(cpu_s "$SERVER_PID")

  log "$name: loading $SAMPLES samples from $body_dir/ over $CONNECTIONS connections"
  local target=(--url "$url$ingest_path")
  if [[ -n "$tcp_port" ]]; then
    target=(--tcp "127.0.0.1:$tcp_port" --wait-url "$url$wait_path" --wait-after "$wait_after"
            --wait-timeout-s 600)
  fi
  "$LOAD" "${target[@]}" --dir "$DATA/$body_dir" --connections "$CONNECTIONS" \
    --samples "$SAMPLES" --pid "$SERVER_PID" --timeout-s 1800 >"$RES/$name.load.json" ||
    log "$name: load reported errors: $(cat "$RES/$name.load.json")"
  log "$name: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%s samples/s, %.2f CPU-s/M, errors %d" % (format(d["samples_per_s"], ",.0f"), d["server_cpu_s_per_million"], d["errors"]))' "$RES/$name.load.json")"

  settle 120
  local cpu_settled
  cpu_settled=$(python3 -c "print($(cpu_s "$SERVER_PID") - $cpu_start)")

  case "$name" in
    vm|vm-influx|vm-import|vm-prom|vm-graphite)
      curl -fsS --max-time 300 "$url/internal/force_flush" >/dev/null
      settle 30
      flushed=$(du_bytes "$data")
      curl -fsS --max-time 300 "$url/internal/force_merge" >/dev/null
      sleep 2
      settle 300
      merged=$(du_bytes "$data") ;;
    prometheus)
      flushed=$(du_bytes "$data")
      local snap
      snap=$(curl -fsS --max-time 600 -XPOST "$url/api/v1/admin/tsdb/snapshot" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["name"])')
      merged=$(du_bytes "$data/snapshots/$snap")
      rm -rf "$data/snapshots" ;;
    strata|strata-json|strata-influx|strata-prom|strata-otlp|strata-graphite)
      curl -fsS --max-time 600 -XPOST "$url/api/v1/admin/flush" >/dev/null ||
        log "$name: flush request failed"
      settle 120
      flushed=$(du_bytes "$data")
      # The second figure leaves out the rollup tiers (approximate sizes from the stats), to
      # compare the raw samples with what the peers store.
      merged=$(curl -fsS --max-time 60 "$url/api/v1/admin/stats" | python3 -c '
import json, sys
st = json.load(sys.stdin)
rollups = sum(t.get("disk_bytes", 0) for t in st.get("tiers", []) if t.get("tier") != "raw")
print(max(0, int(sys.argv[1]) - rollups))' "$flushed") || merged=$flushed ;;
  esac
  local rss_load
  rss_load=$(hwm_bytes "$SERVER_PID")

  local held=0
  if is_interleaved "$name"; then
    held=1
  else
    log "$name: queries ($RUNS warm runs each)"
    python3 "$BENCH/query_bench.py" latency --url "$url" --meta "$DATA/meta.json" --runs "$RUNS" \
      --queries "$QUERIES" --budget "$QUERY_BUDGET" >"$RES/$name.queries.json" ||
      log "$name: query run failed"
  fi
  python3 "$BENCH/query_bench.py" verify --url "$url" --meta "$DATA/meta.json" \
    --expect "$DATA/expect.tsv" >"$RES/$name.verify.json" || log "$name: verify failed"
  local rss_end
  rss_end=$(hwm_bytes "$SERVER_PID")

  python3 - "$RES" "$name" "$version" "$SAMPLES" "$flushed" "$merged" "$cpu_settled" \
    "$rss_idle" "$rss_load" "$rss_end" <<'PY'
import json, os, sys
res, name, version, samples, flushed, merged, cpu_settled, rss_idle, rss_load, rss_end = sys.argv[1:]
def load(suffix):
    p = os.path.join(res, f"{name}.{suffix}.json")
    try:
        with open(p) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
samples = int(samples)
out = {"name": name, "version": version, "samples": samples, "load": load("load"),
       "cpu_s_settled": float(cpu_settled),
       "cpu_s_per_million_settled": float(cpu_settled) / (samples / 1e6),
       "disk_bytes_flushed": int(flushed), "disk_bytes_merged": int(merged),
       "bytes_per_sample_flushed": int(flushed) / samples,
       "bytes_per_sample_merged": int(merged) / samples,
       "rss_idle_bytes": float(rss_idle), "rss_peak_load_bytes": float(rss_load),
       "rss_peak_end_bytes": float(rss_end),
       "queries": (load("queries") or {}).get("queries"),
       "query_set": (load("queries") or {}).get("query_set"), "verify": load("verify")}
with open(os.path.join(res, f"{name}.json"), "w") as f:
    json.dump(out, f, indent=1)
PY
  if [[ $held == 1 ]]; then
    # Stopped (SIGSTOP: no CPU, memory kept) until every server is loaded; its queries run in
    # run_held_queries, interleaved with the other servers'.
    log "$name: held for the interleaved query phase"
    kill -STOP "$SERVER_PID"
    HELD_NAMES+=("$name"); HELD_PIDS+=("$SERVER_PID"); HELD_DIRS+=("$SERVER_DIR"); HELD_URLS+=("$url")
    SERVER_PID=""; SERVER_DIR=""
    return 0
  fi
  cleanup
}

# The servers whose queries the tables compare (VictoriaMetrics, Prometheus and strata, each
# over remote_write) are queried together when a run has two or more of them: each is loaded
# and measured alone, then stopped, and the query phase sends every query to each in turn (see
# query_bench.py), so that a shared machine's slow and fast minutes fall on all of them alike.
QUERY_SERVERS=0
for s in ${SERVERS//,/ }; do
  case "$s" in vm|prometheus|strata) QUERY_SERVERS=$((QUERY_SERVERS + 1)) ;; esac
done
is_interleaved() {
  [[ $QUERY_SERVERS -ge 2 ]] && case "$1" in vm|prometheus|strata) true ;; *) false ;; esac
}

# run_held_queries: resumes the held servers, lets them settle, runs the query set interleaved
# over all of them (the budget is per server, as for a lone server), and adds each server's
# latencies and peak RSS to its results.
run_held_queries() {
  [[ ${#HELD_PIDS[@]} -gt 0 ]] || return 0
  local i args=()
  for i in "${!HELD_PIDS[@]}"; do kill -CONT "${HELD_PIDS[$i]}"; done
  for i in "${!HELD_PIDS[@]}"; do
    settle 60 "${HELD_PIDS[$i]}"
    args+=(--url "${HELD_NAMES[$i]}=${HELD_URLS[$i]}")
  done
  log "queries, interleaved over ${HELD_NAMES[*]} ($RUNS warm runs each)"
  python3 "$BENCH/query_bench.py" latency "${args[@]}" --meta "$DATA/meta.json" --runs "$RUNS" \
    --queries "$QUERIES" --budget "$((QUERY_BUDGET * ${#HELD_PIDS[@]}))" \
    >"$RES/interleaved.queries.json" || log "interleaved query run failed"
  for i in "${!HELD_PIDS[@]}"; do
    python3 - "$RES" "${HELD_NAMES[$i]}" "$(hwm_bytes "${HELD_PIDS[$i]}")" <<'PY'
import json, os, sys
res, name, rss_end = sys.argv[1:]
try:
    with open(os.path.join(res, "interleaved.queries.json")) as f:
        mine = json.load(f)["servers"][name]
except (OSError, ValueError, KeyError):
    mine = {}
with open(os.path.join(res, f"{name}.queries.json"), "w") as f:
    json.dump(mine, f)
p = os.path.join(res, f"{name}.json")
with open(p) as f:
    out = json.load(f)
out.update({"queries": mine.get("queries"), "query_set": mine.get("query_set"),
            "queries_interleaved": True, "rss_peak_end_bytes": float(rss_end)})
with open(p, "w") as f:
    json.dump(out, f, indent=1)
PY
  done
  cleanup_held
}

# run_statsd: StatsD over UDP into a fresh strata (flush every second); statsd_bench.py raises
# the paced datagram rate step by step until lines are lost. No VictoriaMetrics counterpart
# (it has no StatsD listener).
run_statsd() {
  local name=strata-statsd port uport url
  if [[ ! -x "$STRATA_BIN" ]]; then
    printf '{"name": "%s", "skipped": "strata binary not found at %s"}\n' "$name" "$STRATA_BIN" \
      >"$RES/$name.json"
    return 0
  fi
  port=$(free_port)
  uport=$(free_port)
  url="http://127.0.0.1:$port"
  SERVER_DIR="$(mktemp -d "$WORK/srv-$name-XXXX")"
  printf 'scrape_configs: []\ningest:\n  statsd_listen: "127.0.0.1:%s"\n  statsd_flush_interval: 1s\n' \
    "$uport" >"$SERVER_DIR/strata.yaml"
  (cd "$SERVER_DIR" && exec "$STRATA_BIN" serve --config "$SERVER_DIR/strata.yaml" \
    --listen "127.0.0.1:$port" --data-dir "$SERVER_DIR/data") >"$SERVER_DIR/log" 2>&1 &
  SERVER_PID=$!
  log "$name: pid $SERVER_PID on $url, StatsD on udp 127.0.0.1:$uport"
  if ! wait_ready "$url/-/ready"; then
    printf '{"name": "%s", "failed": "did not start"}\n' "$name" >"$RES/$name.json"
    cleanup
    return 0
  fi
  python3 "$BENCH/statsd_bench.py" --statsd "127.0.0.1:$uport" --url "$url" --pid "$SERVER_PID" \
    --rates 5000,10000,20000,40000,60000,80000,100000,120000,140000,160000,200000 \
    >"$RES/$name.steps.json" || log "$name: statsd_bench.py failed"
  python3 - "$RES" "$name" "$(strata_version)" <<'PY'
import json, os, sys
res, name, version = sys.argv[1:]
try:
    with open(os.path.join(res, f"{name}.steps.json")) as f:
        steps = json.load(f)
except (OSError, ValueError):
    steps = None
out = {"name": name, "version": version, "statsd": steps}
if steps is None:
    out["failed"] = "statsd_bench.py gave no figures"
with open(os.path.join(res, f"{name}.json"), "w") as f:
    json.dump(out, f, indent=1)
PY
  log "$name: $(python3 -c 'import json,sys; d=(json.load(open(sys.argv[1])).get("statsd") or {}); print("lossless up to %s datagrams/s (%s lines/s)" % (d.get("max_lossless_datagrams_per_s"), d.get("max_lossless_lines_per_s")))' "$RES/$name.json")"
  cleanup
}

# ---- workload R: rollups ----------------------------------------------------------------
strata_version() {
  local dirty=""
  git -C "$REPO" diff --quiet HEAD -- src include 2>/dev/null ||
    dirty=" (working tree: uncommitted changes in src/ or include/)"
  echo "$("$STRATA_BIN" --version 2>&1 | head -1 || true), binary of $(date -u -r "$STRATA_BIN" '+%Y-%m-%d %H:%M UTC'), tree at $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)$dirty"
}

# start_rollup_server NAME URL_PORT: starts strata (with bench/configs/rollup.yaml) or
# VictoriaMetrics (-retentionPeriod=2y, so 7-day-old data is kept) fresh in SERVER_DIR.
start_rollup_server() {
  local name=$1 port=$2 data="$SERVER_DIR/data"
  mkdir -p "$data"
  case "$name" in
    vm)
      victoria-metrics -storageDataPath="$data" -httpListenAddr="127.0.0.1:$port" \
        -retentionPeriod=2y -selfScrapeInterval=0 -search.disableCache -loggerLevel=ERROR \
        >"$SERVER_DIR/log" 2>&1 &
      SERVER_PID=$! ;;
    strata)
      # From its own directory with an explicit config: the caller's config/strata.yaml is not
      # read, and the backfill limits are the benchmark's, not the defaults.
      (cd "$SERVER_DIR" && exec "$STRATA_BIN" serve --config "$BENCH/configs/rollup.yaml" \
        --listen "127.0.0.1:$port" --data-dir "$data") >"$SERVER_DIR/log" 2>&1 &
      SERVER_PID=$! ;;
  esac
}

# run_rollup_server NAME: loads workload R into a fresh strata or VictoriaMetrics, flushes,
# waits for strata's rollups to catch up, measures the disk, runs the rollup query set.
run_rollup_server() {
  local name=$1 port url version ready_path
  port=$(free_port)
  url="http://127.0.0.1:$port"
  if [[ $name == strata && ! -x "$STRATA_BIN" ]]; then
    log "skipping strata: binary not found at $STRATA_BIN (set STRATA_BIN or --strata)"
    printf '{"name": "strata", "skipped": "strata binary not found at %s"}\n' "$STRATA_BIN" \
      >"$RES/strata.json"
    return 0
  fi
  SERVER_DIR="$(mktemp -d "$WORK/srv-$name-XXXX")"
  local data="$SERVER_DIR/data"
  if [[ $name == vm ]]; then
    version="victoria-metrics $(dpkg-query -W -f '${Version}' victoria-metrics 2>/dev/null || true)"
    ready_path=/health
  else
    version="$(strata_version)"
    ready_path=/-/ready
  fi
  start_rollup_server "$name" "$port"
  log "$name: pid $SERVER_PID on $url"
  if ! wait_ready "$url$ready_path"; then
    tail -20 "$SERVER_DIR/log" >&2 || true
    printf '{"name": "%s", "failed": "did not start"}\n' "$name" >"$RES/$name.json"
    cleanup
    return 0
  fi
  sleep 1
  log "$name: loading $SAMPLES samples (workload R, $R_DAYS d) over $CONNECTIONS connections"
  "$LOAD" --url "$url/api/v1/write" --dir "$DATA/rw" --connections "$CONNECTIONS" \
    --samples "$SAMPLES" --pid "$SERVER_PID" --timeout-s 1800 >"$RES/$name.load.json" ||
    log "$name: load reported errors: $(cat "$RES/$name.load.json")"
  log "$name: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%s samples/s, errors %d" % (format(d["samples_per_s"], ",.0f"), d["errors"]))' "$RES/$name.load.json")"

  local flush_s="null" flushed
  if [[ $name == vm ]]; then
    settle 120
    curl -fsS --max-time 300 "$url/internal/force_flush" >/dev/null
    settle 60
    echo '{}' >"$RES/$name.catchup.json"
  else
    local t0 t1
    t0=$(date +%s.%N)
    curl -fsS --max-time 600 -XPOST "$url/api/v1/admin/flush" >/dev/null ||
      log "$name: flush request failed"
    t1=$(date +%s.%N)
    flush_s=$(python3 -c "print(round($t1 - $t0, 3))")
    log "$name: flushed in ${flush_s}s; waiting for rollup_lag_seconds < 120"
    python3 "$BENCH/rollup_bench.py" catchup --url "$url" --lag-below 120 --absent-timeout 60 \
      --timeout 600 >"$RES/$name.catchup.json" || log "$name: catch-up probe failed"
    log "$name: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("rollups caught up in %.1f s" % d["catchup_s"] if d.get("caught_up") else ("rollup_lag_seconds absent: n/a" if not d.get("rollup_lag_field") else "rollups not caught up, lag %s s" % d.get("final_lag_s")))' "$RES/$name.catchup.json")"
    settle 120
  fi
  flushed=$(du_bytes "$data")

  log "$name: rollup queries ($RUNS warm runs each)"
  python3 "$BENCH/query_bench.py" latency --url "$url" --meta "$DATA/meta.json" --runs "$RUNS" \
    --queries rollup --budget "$QUERY_BUDGET" >"$RES/$name.queries.json" ||
    log "$name: query run failed"

  python3 - "$RES" "$name" "$version" "$SAMPLES" "$flushed" "$flush_s" <<'PY'
import json, os, sys
res, name, version, samples, flushed, flush_s = sys.argv[1:]
def load(suffix):
    try:
        with open(os.path.join(res, f"{name}.{suffix}.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
out = {"name": name, "version": version, "samples": int(samples), "load": load("load"),
       "flush_s": json.loads(flush_s), "catchup": load("catchup"),
       "disk_bytes_du": int(flushed), "bytes_per_sample": int(flushed) / int(samples),
       "queries": (load("queries") or {}).get("queries"), "query_set": "rollup"}
with open(os.path.join(res, f"{name}.json"), "w") as f:
    json.dump(out, f, indent=1)
PY
  cleanup
}

# run_live_phase: a fresh strata receives workload L (A's fleet, recent timestamps) paced at
# LIVE_RATE samples/s for about LIVE_SECONDS, while rollup_bench.py samples its /metrics and
# /proc CPU every 5 s.
run_live_phase() {
  local out="$RES/strata-live.json"
  if [[ ! -x "$STRATA_BIN" ]]; then
    printf '{"name": "strata-live", "skipped": "strata binary not found at %s"}\n' "$STRATA_BIN" >"$out"
    return 0
  fi
  # 10,000 series every 10 s are 1,000 samples per second of data time.
  local span_s=$(( LIVE_RATE * LIVE_SECONDS / 1000 ))
  local ldata="$WORK/data-L${span_s}s-seed$SEED"
  if [[ -f "$ldata/meta.json" ]]; then
    local lend
    lend=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end_ms"])' "$ldata/meta.json")
    if (( $(date +%s) * 1000 - lend > 3600 * 1000 )); then rm -rf "$ldata"; fi
  fi
  if [[ ! -f "$ldata/meta.json" ]]; then
    log "generating workload L ($span_s s of data for the live phase) into $ldata"
    rm -rf "$ldata.tmp"
    "$GEN" --workload L --seed "$SEED" --out "$ldata.tmp" --formats rw --shards "$CONNECTIONS" \
      --span-ms $(( span_s * 1000 ))
    mv "$ldata.tmp" "$ldata"
  fi
  local lsamples port url
  lsamples=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["samples"])' "$ldata/meta.json")
  port=$(free_port)
  url="http://127.0.0.1:$port"
  SERVER_DIR="$(mktemp -d "$WORK/srv-strata-live-XXXX")"
  start_rollup_server strata "$port"
  log "strata (live): pid $SERVER_PID on $url"
  if ! wait_ready "$url/-/ready"; then
    printf '{"name": "strata-live", "failed": "did not start"}\n' >"$out"
    cleanup
    return 0
  fi
  sleep 1
  log "strata (live): $lsamples samples at $LIVE_RATE samples/s; sampling /metrics every 5 s"
  "$LOAD" --url "$url/api/v1/write" --dir "$ldata/rw" --connections "$CONNECTIONS" \
    --samples "$lsamples" --pid "$SERVER_PID" --rate "$LIVE_RATE" \
    --timeout-s $(( LIVE_SECONDS * 3 + 60 )) >"$RES/strata-live.load.json" &
  local loader_pid=$!
  python3 "$BENCH/rollup_bench.py" live --url "$url" --pid "$SERVER_PID" \
    --while-pid "$loader_pid" --interval 5 >"$RES/strata-live.probe.json" ||
    log "strata (live): probe failed"
  wait "$loader_pid" || log "strata (live): load reported errors: $(cat "$RES/strata-live.load.json")"
  python3 - "$out" "$(strata_version)" "$LIVE_RATE" "$ldata/meta.json" \
    "$RES/strata-live.load.json" "$RES/strata-live.probe.json" <<'PY'
import json, sys
out, version, rate, meta, load, probe = sys.argv[1:]
def read(p):
    try:
        with open(p) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
with open(out, "w") as f:
    json.dump({"name": "strata-live", "version": version, "rate_target": int(rate),
               "meta": read(meta), "load": read(load), "probe": read(probe)}, f, indent=1)
PY
  log "strata (live): $(python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); p = d.get("probe") or {}; l = d.get("load") or {}
f = lambda v, fmt: "n/a" if v is None else fmt % v
print("%s samples/s, buckets/s %s, rollup CPU %s of a core, server CPU %s" % (
    format(l.get("samples", 0) / l["seconds"], ",.0f") if l.get("seconds") else "n/a",
    f(p.get("buckets_per_s"), "%.0f"), f(p.get("rollup_cpu_pct_of_core"), "%.1f%%"),
    f(p.get("server_cpu_pct_of_core"), "%.0f%%")))' "$out")"
  cleanup
}

IFS=, read -r -a server_list <<<"$SERVERS"
if [[ $WORKLOAD == R ]]; then
  for s in "${server_list[@]}"; do
    run_rollup_server "$s"
  done
  if [[ ",$SERVERS," == *,strata,* ]]; then run_live_phase; fi
else
  for s in "${server_list[@]}"; do
    if [[ $s == strata-statsd ]]; then run_statsd; else run_server "$s"; fi
  done
  run_held_queries
fi

# ---- report ------------------------------------------------------------------------------
render_args=(--results "$RES" --meta "$DATA/meta.json" --queries "$QUERIES"
             --command "$(paste -sd';' "$RES/commands.txt" | sed 's/;/; then /g')")
if [[ $WRITE_RESULTS == 1 ]]; then render_args+=(--write "$BENCH/RESULTS.md"); fi
python3 "$BENCH/render_results.py" "${render_args[@]}"
exit
}

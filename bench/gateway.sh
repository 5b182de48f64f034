#!/usr/bin/env bash
# `npm run bench`: Relaydesk beside Postfix on the gateway job, everything in one invocation.
#
# The job (the one ../shared/bench/peers/ gives Postfix and Haraka): accept SMTP for
# solarmora.com, rewrite help@solarmora.com -> support@crm.test, relay to the "CRM", an
# smtp-sink on 127.0.0.1:2526. Loopback only; every count and wait is bounded; everything
# started here is stopped by PID.
#
#  1. A private PostgreSQL (initdb in a temp dir) and two Relaydesk gateways (inbound +
#     queue roles): "relaydesk" on an embedded SQLite store, "relaydesk-pg" on PostgreSQL.
#  2. The size ladder: the peers' rig ($(dirname repo)/shared/bench/peers/run.sh) once per
#     message size in LADDER, with EXTERNAL naming both gateways and their process trees, so
#     the sink, Postfix and Relaydesk are measured in the same run, interleaved.
#  3. Accept latency, one session at a time (bench/accept-latency.mjs).
#  4. Dead next hop, then back (bench/dead-hop.sh): accepted/s while the next hop is a closed
#     port, connection attempts, and how fast the backlog drains when it returns.
#  5. bench/report.mjs: report.md (ratios, figures) and chart.svg in the output dir.
#
# Env knobs (defaults in brackets; QUICK=1 in braces):
#   LADDER ["4096 102400 1048576"]     message sizes, one rig run each (MSG_SIZE=N: only N)
#   CONCURRENCY ["20 100" {20}]        for the first size of the ladder
#   LADDER_CONCURRENCY ["20"]          for the other sizes
#   PG_SIZES ["4096"]                  sizes at which relaydesk-pg is measured too ("" = no PostgreSQL)
#   REPS [3 {1}]  TARGET_SECONDS [10 {3}]  LATENCY_REPS [5 {2}, first size only]
#   TARGETS ["sink postfix"]           the rig's own targets; EXTERNAL entries are added to ours
#   RELAYDESK_FLAGS [""]               extra flags for `relaydesk start` (e.g. "--workers 2")
#   LAT_COUNT [300 {50}]  DEAD=0 skips the dead-hop part; DEAD_COUNT [20000 {1000}],
#   DEAD_DRAIN_S [300 {90}] and the rest: see bench/dead-hop.sh
#   SMTP_PORT [first free from 2610]   BENCH_OUT [/tmp/relaydesk-bench/out-<time>]
# Needs root (the rig runs apt-get and a private Postfix instance), PostgreSQL's server
# binaries for PG_SIZES, and the ports 2526, 2601, 2602, 2603 free. See bench/README.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
STARTED=$(date +%s)

[[ $(id -u) == 0 ]] || die "run as root: the peers' rig installs packages and runs a private Postfix instance"
[[ -f "$RIG" ]] || die "the peers' rig is not at $RIG (expected shared/ beside the repo)"
command -v node >/dev/null || die "node (20) is required"
for p in 2526 2601 2602 2603; do port_busy "$p" && die "port 127.0.0.1:$p is busy; the rig needs it (not touching it)"; done

if [[ "${QUICK:-0}" == 1 ]]; then
  : "${CONCURRENCY:=20}" "${REPS:=1}" "${TARGET_SECONDS:=3}" "${LATENCY_REPS:=2}" "${LAT_COUNT:=50}"
fi
LADDER="${LADDER:-${MSG_SIZE:-4096 102400 1048576}}"
CONCURRENCY="${CONCURRENCY:-20 100}"
LADDER_CONCURRENCY="${LADDER_CONCURRENCY:-20}"
PG_SIZES="${PG_SIZES-4096}"
REPS="${REPS:-3}" TARGET_SECONDS="${TARGET_SECONDS:-10}" LATENCY_REPS="${LATENCY_REPS:-5}"
TARGETS="${TARGETS:-sink postfix}"
LAT_COUNT="${LAT_COUNT:-300}"
OUT="${BENCH_OUT:-/tmp/relaydesk-bench/out-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
DATA="$(mktemp -d /tmp/relaydesk-bench-data.XXXXXX)"
SINK_PID="" RD_PID="" PGW_PID=""

cleanup() {
  set +e
  stop_pid "$RD_PID" relaydesk 15
  stop_pid "$PGW_PID" relaydesk-pg 15
  stop_pg
  stop_pid "$SINK_PID" smtp-sink 5
  rm -rf "$DATA"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ gateways
cd "$REPO"
SMTP_PORT="${SMTP_PORT:-$(pick_port 2610)}"
port_busy "$SMTP_PORT" && die "SMTP_PORT $SMTP_PORT is busy"
mkdir -p "$DATA/sqlite" "$DATA/pg"
start_gateway "$DATA/sqlite" "$SMTP_PORT" "$OUT/gateway.log"
RD_PID=$GW_PID
if [[ -n "$PG_SIZES" ]]; then
  start_pg "$(pick_port 2590)"
  PG_SMTP_PORT=$(pick_port $((SMTP_PORT + 1)))
  GW_DATABASE=$PG_URL start_gateway "$DATA/pg" "$PG_SMTP_PORT" "$OUT/gateway-pg.log"
  PGW_PID=$GW_PID
fi
{
  echo "commit: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null) ($(git -C "$REPO" rev-parse --abbrev-ref HEAD 2>/dev/null))$(git -C "$REPO" diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted src changes')"
  echo "date: $(date -u +%FT%TZ)"
  echo "machine: $(nproc) CPUs, $(free -m | awk '/^Mem:/{print $2}') MiB RAM, kernel $(uname -r), node $(node --version), postfix $(postconf -d -h mail_version 2>/dev/null || echo '(not installed yet)')"
  echo "relaydesk: pid $RD_PID port $SMTP_PORT store sqlite; flags: ${RELAYDESK_FLAGS:-none}"
  [[ -n "$PGW_PID" ]] && echo "relaydesk-pg: pid $PGW_PID port $PG_SMTP_PORT store postgresql $("$PG_BIN/postgres" --version | awk '{print $3}') (private cluster, fsync on)"
  echo "knobs: QUICK=${QUICK:-0} LADDER='$LADDER' CONCURRENCY='$CONCURRENCY' LADDER_CONCURRENCY='$LADDER_CONCURRENCY' PG_SIZES='$PG_SIZES' REPS=$REPS TARGET_SECONDS=$TARGET_SECONDS LATENCY_REPS=$LATENCY_REPS TARGETS='$TARGETS' LAT_COUNT=$LAT_COUNT DEAD=${DEAD:-1}"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/env.txt" >&2

# ------------------------------------------------------------ the size ladder (the rig)
: >"$OUT/rig-runs.txt"
first=1
for size in $LADDER; do
  conc=$LADDER_CONCURRENCY lat=0
  if [[ $first == 1 ]]; then conc=$CONCURRENCY lat=$LATENCY_REPS; fi
  first=0
  ext="relaydesk=$SMTP_PORT=$(tree_pids "$RD_PID")"
  if [[ -n "$PGW_PID" && " $PG_SIZES " == *" $size "* ]]; then ext+=" relaydesk-pg=$PG_SMTP_PORT=$(tree_pids "$PGW_PID")"; fi
  log "the peers' rig: ${size} B, c=$conc, targets $TARGETS $(sed "s/=[^ ]*//g" <<<"$ext")"
  set +e
  MSG_SIZE=$size CONCURRENCY=$conc LATENCY_REPS=$lat REPS=$REPS TARGET_SECONDS=$TARGET_SECONDS TARGETS=$TARGETS \
    EXTERNAL="${EXTERNAL:+$EXTERNAL }$ext" QUICK=0 bash "$RIG" \
    2> >(tee "$OUT/rig-$size.log" >&2) | tee "$OUT/rig-summary-$size.txt"
  rc=${PIPESTATUS[0]}
  set -e
  sleep 0.2 # let the tee on stderr flush
  rig_out="$(sed -n 's/.*measuring; results in //p' "$OUT/rig-$size.log" | tail -1)"
  [[ $rc == 0 ]] || die "the rig failed (exit $rc); its log: $OUT/rig-$size.log"
  [[ -n "$rig_out" && -f "$rig_out/results.jsonl" ]] || die "cannot find the rig's results.jsonl (log: $OUT/rig-$size.log)"
  echo "$size $rig_out" >>"$OUT/rig-runs.txt"
  kill -0 "$RD_PID" 2>/dev/null || die "relaydesk (pid $RD_PID) died during the run; see $OUT/gateway.log"
  [[ -z "$PGW_PID" ]] || kill -0 "$PGW_PID" 2>/dev/null || die "relaydesk-pg (pid $PGW_PID) died during the run; see $OUT/gateway-pg.log"
done
echo "relaydesk store on disk after the ladder: $(du -sh "$DATA/sqlite/store" | cut -f1)" | tee -a "$OUT/env.txt" >&2

# ------------------------------------------------------------ accept latency
# The rig has stopped its sink; start our own (counter mode) for the probe.
port_busy 2526 && die "port 2526 is busy after the rig; cannot run the latency probe"
smtp-sink -c -u nobody 127.0.0.1:2526 1000 >"$OUT/latency-sink.out" 2>&1 &
SINK_PID=$!
for _ in $(seq 50); do port_busy 2526 && break; sleep 0.1; done
log "accept latency: $LAT_COUNT messages, one at a time, to the sink and to relaydesk"
: >"$OUT/latency.jsonl"
probes=("sink 2526" "relaydesk $SMTP_PORT")
[[ -n "$PGW_PID" ]] && probes+=("relaydesk-pg $PG_SMTP_PORT")
for pr in "${probes[@]}"; do
  read -r name port <<<"$pr"
  node bench/accept-latency.mjs --name "$name" --port "$port" --count "$LAT_COUNT" --size 4096 >>"$OUT/latency.jsonl"
done
# let the gateways hand the probe's messages to the sink before all stop (bounded)
for _ in $(seq 100); do
  n=$(sink_count "$OUT/latency-sink.out")
  [[ "${n:-0}" -ge $((LAT_COUNT * ${#probes[@]})) ]] && break
  sleep 0.1
done
stop_pid "$SINK_PID" smtp-sink 5
stop_pid "$RD_PID" relaydesk 15
stop_pid "$PGW_PID" relaydesk-pg 15
stop_pg
SINK_PID="" RD_PID="" PGW_PID=""

# ------------------------------------------------------------ dead next hop
if [[ "${DEAD:-1}" != 0 ]]; then
  : >"$OUT/deadhop.jsonl"
  bash bench/dead-hop.sh "$OUT" || die "the dead-hop part failed"
fi

# ------------------------------------------------------------ report
{
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "duration: $((($(date +%s) - STARTED) / 60)) min $((($(date +%s) - STARTED) % 60)) s"
} | tee -a "$OUT/env.txt" >&2
echo
node bench/report.mjs "$OUT"
echo
echo "our report, chart and logs: $OUT"

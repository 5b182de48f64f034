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
#  2. The size ladder, with the peers' rig ($(dirname repo)/shared/bench/peers/): its sink on
#     127.0.0.1:2526 and its Postfix instance on 127.0.0.1:2601, made as run.sh makes them,
#     every gateway checked with swaks as run.sh checks them, then the rig's driver bench.mjs
#     once per message size in LADDER, with the sink, Postfix and both gateways (their whole
#     process trees) in one plan, so they are measured in the same run, interleaved.
#  3. Accept latency (bench/accept-latency.mjs): one session at a time, then open loop at
#     LAT_RATE msgs/s (a new session every 1/LAT_RATE s, timed from its scheduled start), to
#     the sink, each gateway and the rig's Postfix, which is stopped after that.
#  4. Dead next hop, then back (bench/dead-hop.sh): accepted/s while the next hop is a closed
#     port, connection attempts, and how fast the backlog drains when it returns.
#  5. bench/report.mjs: report.md (ratios, figures) and chart.svg in the output dir.
#
# Env knobs (defaults in brackets; QUICK=1 in braces):
#   LADDER ["4096 102400 1048576"]     message sizes, one rig run each (MSG_SIZE=N: only N)
#   CONCURRENCY ["20 100" {20}]        for the first size of the ladder
#   LADDER_CONCURRENCY ["20"]          for the other sizes
#   PG_SIZES ["4096"]                  sizes at which relaydesk-pg is measured too ("" = no PostgreSQL)
#   PG_SLOW_MS [8]                     PostgreSQL logs statements that take this long (postgresql.log in the output)
#   REPS [3 {1}]  TARGET_SECONDS [10 {3}]  LATENCY_REPS [5 {0}, first size only]
#   MIN_MSGS [300 {100}]               least messages in a measured run (the rig's run.sh: 500)
#   EXTERNAL ["name=port=pid[,pid…] …"] more gateways to measure beside ours (as for run.sh)
#   RELAYDESK_FLAGS [""]               extra flags for `relaydesk start` (e.g. "--workers 2")
#   LAT_COUNT [300 {50}]               messages of the one-at-a-time latency step, per target
#   LAT_WARMUP [20]                    messages each of its runs sends first, not counted (they warm the client)
#   LAT_RATE [200]                     msgs/s of the open-loop latency step (0 = no such step)
#   LAT_RATE_COUNT [10 s of LAT_RATE {5 s}]  its messages per target
#   LAT_RATE_INFLIGHT [200]            its most sessions open at once (starts beyond are skipped)
#   LAT_RATE_REPS [3 {1}]              runs of it per target, interleaved; the report gives the median p99
#   LAT_RATE_WARMUP [1 s of LAT_RATE]  messages each open-loop run sends first at the same rate, not counted
#   DEAD=0 skips the dead-hop part; DEAD_COUNT [20000 {500}],
#   DEAD_DRAIN_S [180 {45}], DEAD_ACCEPT_S [180 {60}] and the rest: see bench/dead-hop.sh
#   SMTP_PORT [first free from 2610]   BENCH_OUT [/tmp/relaydesk-bench/out-<time>]
# Needs root (apt-get for postfix and swaks when missing, private Postfix instances),
# PostgreSQL's server binaries for PG_SIZES, and the rig's ports 2526 and 2601 free.
# See bench/README.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
STARTED=$(date +%s)

[[ $(id -u) == 0 ]] || die "run as root: this installs postfix and swaks when missing and runs private Postfix instances"
RIG_DIR="$(dirname "$RIG")"
[[ -f "$RIG_DIR/bench.mjs" ]] || die "the peers' rig is not at $RIG_DIR (expected shared/ beside the repo)"
command -v node >/dev/null || die "node (20) is required"
for p in 2526 2601; do port_busy "$p" && die "port 127.0.0.1:$p is busy; the rig needs it (not touching it)"; done

LAT_RATE="${LAT_RATE:-200}" LAT_RATE_INFLIGHT="${LAT_RATE_INFLIGHT:-200}"
[[ $LAT_RATE =~ ^[0-9]+$ ]] || die "LAT_RATE must be a whole number of messages per second (0 = no open-loop latency step), not '$LAT_RATE'"
if [[ "${QUICK:-0}" == 1 ]]; then
  : "${LAT_RATE_COUNT:=$((LAT_RATE * 5))}" "${LAT_RATE_REPS:=1}"
  : "${CONCURRENCY:=20}" "${REPS:=1}" "${TARGET_SECONDS:=3}" "${LATENCY_REPS:=0}" "${LAT_COUNT:=50}" "${MIN_MSGS:=100}"
fi
LADDER="${LADDER:-${MSG_SIZE:-4096 102400 1048576}}"
CONCURRENCY="${CONCURRENCY:-20 100}"
LADDER_CONCURRENCY="${LADDER_CONCURRENCY:-20}"
PG_SIZES="${PG_SIZES-4096}"
REPS="${REPS:-3}" TARGET_SECONDS="${TARGET_SECONDS:-10}" LATENCY_REPS="${LATENCY_REPS:-5}" MIN_MSGS="${MIN_MSGS:-300}"
LAT_COUNT="${LAT_COUNT:-300}" LAT_WARMUP="${LAT_WARMUP:-20}"
[[ $LAT_WARMUP =~ ^[0-9]+$ ]] || die "LAT_WARMUP must be a whole number of messages (0 = none), not '$LAT_WARMUP'"
LAT_RATE_COUNT="${LAT_RATE_COUNT:-$((LAT_RATE * 10))}"
LAT_RATE_REPS="${LAT_RATE_REPS:-3}"
LAT_RATE_WARMUP="${LAT_RATE_WARMUP:-$LAT_RATE}"
if [[ $LAT_RATE -gt 0 ]]; then
  [[ $LAT_RATE_REPS =~ ^[1-9][0-9]*$ ]] || die "LAT_RATE_REPS must be a whole number of runs, at least 1, not '$LAT_RATE_REPS'"
  [[ $LAT_RATE_COUNT =~ ^[1-9][0-9]*$ ]] || die "LAT_RATE_COUNT must be a whole number of messages, at least 1, not '$LAT_RATE_COUNT'"
  [[ $LAT_RATE_INFLIGHT =~ ^[1-9][0-9]*$ ]] || die "LAT_RATE_INFLIGHT must be a whole number of sessions, at least 1, not '$LAT_RATE_INFLIGHT'"
  [[ $LAT_RATE_WARMUP =~ ^[0-9]+$ ]] || die "LAT_RATE_WARMUP must be a whole number of messages (0 = none), not '$LAT_RATE_WARMUP'"
fi
OUT="${BENCH_OUT:-/tmp/relaydesk-bench/out-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
DATA="$(mktemp -d /tmp/relaydesk-bench-data.XXXXXX)"
chmod 755 "$DATA" # Postfix's daemons run as the postfix user below it
SINK_PID="" RD_PID="" PGW_PID=""

cleanup() {
  set +e
  stop_postfix "$DATA/postfix"
  stop_pid "$RD_PID" relaydesk 15
  stop_pid "$PGW_PID" relaydesk-pg 15
  stop_pg
  stop_pid "$SINK_PID" smtp-sink 5
  rm -rf "$DATA"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ tools (as the rig installs them)
if ! command -v smtp-source >/dev/null || ! command -v smtp-sink >/dev/null || ! command -v swaks >/dev/null; then
  log "installing postfix + swaks (debconf: No configuration)"
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  echo "postfix postfix/mailname string gw.test" | debconf-set-selections
  apt-get update -qq
  fresh=0
  dpkg -s postfix >/dev/null 2>&1 || fresh=1
  apt-get install -y -qq postfix swaks >/dev/null
  if [[ $fresh == 1 ]] && postfix status >/dev/null 2>&1; then postfix stop || true; fi
fi

# start_sink [DUMP_DIR]: the rig's sink on 127.0.0.1:2526, counting into $DATA/sink.out.
start_sink() {
  stop_pid "$SINK_PID" smtp-sink 5
  : >"$DATA/sink.out"
  if [[ -n "${1:-}" ]]; then
    mkdir -p "$1" && chown nobody "$1"
    smtp-sink -c -u nobody -d "$1/%H%M%S." 127.0.0.1:2526 1000 >"$DATA/sink.out" 2>"$DATA/sink.err" &
  else
    smtp-sink -c -u nobody 127.0.0.1:2526 1000 >"$DATA/sink.out" 2>"$DATA/sink.err" &
  fi
  SINK_PID=$!
  for _ in $(seq 50); do port_busy 2526 && return 0; sleep 0.1; done
  die "smtp-sink did not start on 127.0.0.1:2526 ($(cat "$DATA/sink.err"))"
}

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
  echo "knobs: QUICK=${QUICK:-0} LADDER='$LADDER' CONCURRENCY='$CONCURRENCY' LADDER_CONCURRENCY='$LADDER_CONCURRENCY' PG_SIZES='$PG_SIZES' REPS=$REPS TARGET_SECONDS=$TARGET_SECONDS MIN_MSGS=$MIN_MSGS LATENCY_REPS=$LATENCY_REPS LAT_COUNT=$LAT_COUNT LAT_WARMUP=$LAT_WARMUP LAT_RATE=$LAT_RATE LAT_RATE_COUNT=$LAT_RATE_COUNT LAT_RATE_WARMUP=$LAT_RATE_WARMUP LAT_RATE_INFLIGHT=$LAT_RATE_INFLIGHT LAT_RATE_REPS=$LAT_RATE_REPS DEAD=${DEAD:-1} EXTERNAL='${EXTERNAL:-}'"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/env.txt" >&2

# ------------------------------------------------------------ the rig's sink and Postfix
start_sink "$DATA/dump"
start_postfix "$DATA/postfix" 2601 2526
declare -A EXT_PORT=() EXT_PIDS=()
for e in ${EXTERNAL:-}; do
  IFS='=' read -r en ep epids <<<"$e"
  [[ -n "$en" && -n "$ep" && -n "$epids" ]] || die "EXTERNAL entry '$e' is not name=port=pid[,pid]"
  EXT_PORT[$en]=$ep EXT_PIDS[$en]=$epids
done

# ------------------------------------------------------------ verification (as run.sh does it)
declare -A VERIFY=([postfix]=2601 [relaydesk]=$SMTP_PORT)
[[ -n "$PGW_PID" ]] && VERIFY[relaydesk-pg]=$PG_SMTP_PORT
for en in "${!EXT_PORT[@]}"; do VERIFY[$en]=${EXT_PORT[$en]}; done
for t in "${!VERIFY[@]}"; do
  swaks --server "127.0.0.1:${VERIFY[$t]}" --from customer@example.net --to help@solarmora.com \
    --h-Subject "verify $t" --body "verify $t" >"$OUT/verify-$t.txt" 2>&1 || die "swaks to $t failed: $OUT/verify-$t.txt"
  # a recipient outside the hosted domain must be refused (no open relay)
  if swaks --server "127.0.0.1:${VERIFY[$t]}" --from customer@example.net --to other@example.org --quit-after RCPT >/dev/null 2>&1; then
    die "$t accepted other@example.org"
  fi
done
for t in "${!VERIFY[@]}"; do
  ok=0
  for _ in $(seq 300); do
    if grep -l "^Subject: verify $t\$" "$DATA/dump"/* 2>/dev/null | xargs -r grep -l '^X-Rcpt-Args: <support@crm.test>' | grep -q .; then ok=1; break; fi
    sleep 0.1
  done
  [[ $ok == 1 ]] || die "verify: the message through $t did not reach the sink as support@crm.test"
  log "verify $t: delivered to the sink, envelope recipient rewritten to support@crm.test"
done
start_sink # counter only, for the load runs

# ------------------------------------------------------------ the size ladder (the rig's driver)
: >"$OUT/rig-runs.txt"
first=1
for size in $LADDER; do
  conc=$LADDER_CONCURRENCY lat=0
  if [[ $first == 1 ]]; then conc=$CONCURRENCY lat=$LATENCY_REPS; fi
  first=0
  dir="$OUT/rig-$size"
  mkdir -p "$dir"
  targets="{\"name\":\"sink\",\"port\":2526,\"pids\":[$SINK_PID]}"
  targets+=",{\"name\":\"postfix\",\"port\":2601,\"pids\":[$PF_PID],\"queueDirs\":[\"$DATA/postfix/spool/maildrop\",\"$DATA/postfix/spool/incoming\",\"$DATA/postfix/spool/active\",\"$DATA/postfix/spool/deferred\"]}"
  targets+=",{\"name\":\"relaydesk\",\"port\":$SMTP_PORT,\"pids\":[$(tree_pids "$RD_PID")]}"
  if [[ -n "$PGW_PID" && " $PG_SIZES " == *" $size "* ]]; then
    targets+=",{\"name\":\"relaydesk-pg\",\"port\":$PG_SMTP_PORT,\"pids\":[$(tree_pids "$PGW_PID")]}"
  fi
  for en in "${!EXT_PORT[@]}"; do targets+=",{\"name\":\"$en\",\"port\":${EXT_PORT[$en]},\"pids\":[${EXT_PIDS[$en]}]}"; done
  cat >"$dir/plan.json" <<JSON
{"sinkOut": "$DATA/sink.out", "outDir": "$dir", "smtpSource": "$(command -v smtp-source)",
 "reps": $REPS, "concurrency": [${conc// /,}], "targetSeconds": $TARGET_SECONDS, "minMsgs": $MIN_MSGS,
 "msgSize": $size, "latencyReps": $lat, "targets": [$targets]}
JSON
  log "the rig's driver: $size B, c=$conc, $(grep -o '"name":"[^"]*"' <<<"$targets" | cut -d'"' -f4 | tr '\n' ' ')"
  node "$RIG_DIR/bench.mjs" "$dir/plan.json" 2> >(tee "$dir/bench.log" >&2) | tee "$dir/summary.txt" ||
    die "the rig's driver failed; its log: $dir/bench.log"
  sleep 0.2 # let the tee on stderr flush
  echo "$size $dir" >>"$OUT/rig-runs.txt"
  kill -0 "$RD_PID" 2>/dev/null || die "relaydesk (pid $RD_PID) died during the run; see $OUT/gateway.log"
  [[ -z "$PGW_PID" ]] || kill -0 "$PGW_PID" 2>/dev/null || die "relaydesk-pg (pid $PGW_PID) died during the run; see $OUT/gateway-pg.log"
done
echo "relaydesk store on disk after the ladder: $(du -sh "$DATA/sqlite/store" | cut -f1)" | tee -a "$OUT/env.txt" >&2

# ------------------------------------------------------------ accept latency
log "accept latency: $LAT_COUNT messages, one at a time, to the sink and to each gateway"
: >"$OUT/latency.jsonl"
probes=("sink 2526" "relaydesk $SMTP_PORT")
[[ -n "$PGW_PID" ]] && probes+=("relaydesk-pg $PG_SMTP_PORT")
c0=$(sink_count "$DATA/sink.out")
for pr in "${probes[@]}"; do
  read -r name port <<<"$pr"
  node bench/accept-latency.mjs --name "$name" --port "$port" --count "$LAT_COUNT" --warmup "$LAT_WARMUP" --size 4096 >>"$OUT/latency.jsonl"
done
sent=$(((LAT_COUNT + LAT_WARMUP) * ${#probes[@]}))
: >"$OUT/latency-rate.jsonl"
if [[ $LAT_RATE -gt 0 ]]; then
  # Open loop: the rig's Postfix is still up (idle since the ladder), so it is measured too.
  probes+=("postfix 2601")
  log "accept latency at $LAT_RATE msgs/s, open loop: $LAT_RATE_REPS × $LAT_RATE_COUNT messages (each run after $LAT_RATE_WARMUP not counted) to the sink, each gateway and Postfix, interleaved"
  # One run's p99 rests on its 20 slowest messages in 2,000: the reps go round the targets in
  # turn, so a noisy moment of the machine falls on one run of one target, not on all of one.
  # The open loop's span, to find PostgreSQL's slow commits in its log (see report.mjs).
  lat_from=$(date +%s%3N)
  for ((rep = 1; rep <= LAT_RATE_REPS; rep++)); do
    for pr in "${probes[@]}"; do
      read -r name port <<<"$pr"
      node bench/accept-latency.mjs --name "$name" --port "$port" --rate "$LAT_RATE" --count "$LAT_RATE_COUNT" \
        --warmup "$LAT_RATE_WARMUP" --max-inflight "$LAT_RATE_INFLIGHT" --size 4096 >>"$OUT/latency-rate.jsonl" ||
        log "every message to $name at $LAT_RATE msgs/s failed; the causes are in $OUT/latency-rate.jsonl"
    done
  done
  sent=$((sent + (LAT_RATE_COUNT + LAT_RATE_WARMUP) * ${#probes[@]} * LAT_RATE_REPS))
  echo "$lat_from $(date +%s%3N) ${PG_SLOW_MS:-8}" >"$OUT/latency-rate-span.txt"
fi
# let the gateways hand the probes' messages to the sink before all stop (bounded)
for _ in $(seq 300); do
  n=$(sink_count "$DATA/sink.out")
  [[ $((${n:-0} - ${c0:-0})) -ge $sent ]] && break
  sleep 0.1
done
cp "$DATA/postfix/maillog" "$OUT/postfix-maillog" 2>/dev/null || true
stop_postfix "$DATA/postfix"
stop_pid "$SINK_PID" smtp-sink 5
stop_pid "$RD_PID" relaydesk 15
stop_pid "$PGW_PID" relaydesk-pg 15
[[ -n "$PG_DIR" ]] && { cp "$PG_DIR/server.log" "$OUT/postgresql.log" 2>/dev/null || true; }
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

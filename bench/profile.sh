#!/usr/bin/env bash
# CPU profile of the Relaydesk gateway under the benchmark load (not a comparison).
#
# Starts its own smtp-sink (a free port from 2620) as the CRM and one gateway
# under `node --cpu-prof`, drives it with smtp-source (PROF_CONC sessions,
# PROF_MSGS messages of MSG_SIZE bytes, through the help@ rule), waits until the
# sink has them all, stops the gateway with TERM (V8 writes the profile on exit)
# and prints where the time went: bench/cpuprofile-top.mjs.
# Loopback only; bounded: smtp-source gets 150 s, the drain 120 s.
#
# With PROF_SQL=1 (default) it also preloads bench/sqlite-stats.cjs, which times every
# SQLite statement by its SQL text (sql-stats.txt): the profiler shows that time only as
# kysely's executeQuery, since better-sqlite3 runs synchronously under it.
#
# Env: PROF_CONC [20]  PROF_MSGS [5000]  MSG_SIZE [4096]  PROF_CPU [1]  PROF_SQL [1]
#      BENCH_OUT [/tmp/relaydesk-bench/prof-<time>]
# Needs smtp-source/smtp-sink (Debian package postfix; the peers' rig installs it).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v smtp-source >/dev/null && command -v smtp-sink >/dev/null || die "smtp-source/smtp-sink are needed (apt-get install postfix)"
PROF_CONC="${PROF_CONC:-20}"
PROF_MSGS="${PROF_MSGS:-5000}"
MSG_SIZE="${MSG_SIZE:-4096}"
OUT="${BENCH_OUT:-/tmp/relaydesk-bench/prof-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT/prof"
DATA="$(mktemp -d /tmp/relaydesk-bench-data.XXXXXX)"
SINK_PID=""
cleanup() {
  set +e
  stop_pid "$GW_PID" relaydesk 30
  stop_pid "$SINK_PID" smtp-sink 5
  rm -rf "$DATA"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SINK_PORT="$(pick_port 2620)"
smtp-sink -c -u nobody "127.0.0.1:$SINK_PORT" 1000 >"$OUT/sink.out" 2>"$OUT/sink.err" &
SINK_PID=$!
for _ in $(seq 50); do port_busy "$SINK_PORT" && break; sleep 0.1; done
port_busy "$SINK_PORT" || die "smtp-sink did not start"
SMTP_PORT="$(pick_port 2630)"
cd "$REPO"
NODE_FLAGS=()
[[ "${PROF_CPU:-1}" == 1 ]] && NODE_FLAGS+=(--cpu-prof --cpu-prof-dir "$OUT/prof")
if [[ "${PROF_SQL:-1}" == 1 ]]; then
  NODE_FLAGS+=(--require "$REPO/bench/sqlite-stats.cjs")
  export RELAYDESK_SQL_STATS="$OUT/sql-stats.txt"
fi
SINK_PORT=$SINK_PORT start_gateway "$DATA" "$SMTP_PORT" "$OUT/gateway.log" "${NODE_FLAGS[@]}"

sink_count() { tr '\r' '\n' <"$OUT/sink.out" | sed -n 's/.*mesg=\([0-9]*\)$/\1/p' | tail -1; }
wait_sink() { # goal, seconds
  local i n
  for ((i = 0; i < $2 * 20; i++)); do
    n=$(sink_count); [[ "${n:-0}" -ge $1 ]] && return 0; sleep 0.05
  done
  log "the sink counted ${n:-0} of $1 within $2 s"; return 1
}
drive() { # messages
  timeout 150 smtp-source -s "$PROF_CONC" -m "$1" -l "$MSG_SIZE" -f customer@example.net -t help@solarmora.com "127.0.0.1:$SMTP_PORT"
}
log "warm-up: 500 messages"
drive 500
wait_sink 500 60
log "profiled load: $PROF_MSGS messages, $PROF_CONC sessions, $MSG_SIZE bytes"
c0=$(sink_count)
t0=$(date +%s.%N)
drive "$PROF_MSGS"
t1=$(date +%s.%N)
wait_sink $((c0 + PROF_MSGS)) 120 || true
t2=$(date +%s.%N)
awk -v n="$PROF_MSGS" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "under the profiler: accepted %.0f/s, delivered %.0f/s, drain %.2f s (profiling slows the gateway; compare runs of this script only)\n", n/(b-a), n/(c-a), c-b }' | tee "$OUT/rates.txt"

log "stopping relaydesk (TERM) so that V8 and the SQL timer write their files"
stop_pid "$GW_PID" relaydesk 30
if [[ "${PROF_CPU:-1}" == 1 ]]; then
  PROFILE_FILE="$(ls -t "$OUT"/prof/*.cpuprofile 2>/dev/null | head -1)"
  [[ -n "$PROFILE_FILE" ]] || die "no .cpuprofile was written (did the gateway exit cleanly on TERM? see $OUT/gateway.log)"
  node bench/cpuprofile-top.mjs "$PROFILE_FILE" --top "${PROF_TOP:-30}" | tee "$OUT/profile-top.txt"
  echo
  echo "profile: $PROFILE_FILE (open in Chrome DevTools > Performance, or speedscope); summary: $OUT/profile-top.txt"
fi
if [[ "${PROF_SQL:-1}" == 1 ]]; then
  echo
  echo "SQLite statements (event loop blocked), $((PROF_MSGS + 500)) messages incl. warm-up; all of them in $OUT/sql-stats.txt:"
  head -25 "$OUT/sql-stats.txt" 2>/dev/null || log "no SQL stats were written"
fi

#!/usr/bin/env bash
# Relaydesk side by side with Postfix on the gateway job (`npm run bench`).
#
# Starts one Relaydesk gateway (inbound + queue roles, embedded SQLite store in a
# temp dir) configured for the job "help@solarmora.com -> support@crm.test, relayed
# to smtp-sink on 127.0.0.1:2526", then runs the peers' rig
# ($(dirname repo)/shared/bench/peers/run.sh) with EXTERNAL="relaydesk=PORT=PID", so
# the sink, Postfix and Relaydesk are measured in the same run by the same driver.
# Afterwards it measures one-session accept latency (bench/accept-latency.mjs),
# stops the gateway by PID, removes the temp dir and prints the figures and the
# ratio Relaydesk ÷ Postfix. Loopback only; counts and times are bounded (the rig
# bounds every load run; the latency probe is capped in count and seconds).
#
# Env knobs (passed to the rig; defaults in brackets):
#   TARGETS ["sink postfix"]   CONCURRENCY ["20 100"]   REPS [rig: 3]
#   TARGET_SECONDS [rig: 20]   LATENCY_REPS [rig: 15]   MSG_SIZE [rig: 4096]
#   QUICK=1 -> smoke run (rig: 1 rep, ~3 s runs; here: 50 latency samples)
# Our own:
#   SMTP_PORT [first free from 2610]   LAT_COUNT [300] accept-latency samples per target
#   BENCH_OUT [/tmp/relaydesk-bench/out-<time>] where the report and logs are kept
# Needs root (the rig runs apt-get and a private Postfix instance) and the ports
# 2526, 2601, 2602, 2603 free. See bench/README.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $(id -u) == 0 ]] || die "run as root: the peers' rig installs packages and runs a private Postfix instance"
[[ -f "$RIG" ]] || die "the peers' rig is not at $RIG (expected shared/ beside the repo)"
command -v node >/dev/null || die "node (20) is required"
for p in 2526 2601 2602 2603; do port_busy "$p" && die "port 127.0.0.1:$p is busy; the rig needs it (not touching it)"; done

export TARGETS="${TARGETS:-sink postfix}"
export CONCURRENCY="${CONCURRENCY:-20 100}"
for k in REPS TARGET_SECONDS LATENCY_REPS MSG_SIZE QUICK; do
  if [[ -n "${!k:-}" ]]; then export "${k?}"; fi
done
if [[ "${QUICK:-0}" == 1 ]]; then : "${LAT_COUNT:=50}"; fi
LAT_COUNT="${LAT_COUNT:-300}"
SMTP_PORT="${SMTP_PORT:-$(pick_port 2610)}"
port_busy "$SMTP_PORT" && die "SMTP_PORT $SMTP_PORT is busy"
OUT="${BENCH_OUT:-/tmp/relaydesk-bench/out-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
DATA="$(mktemp -d /tmp/relaydesk-bench-data.XXXXXX)"
SINK_PID=""

cleanup() {
  set +e
  stop_pid "$GW_PID" relaydesk 15
  stop_pid "$SINK_PID" smtp-sink 5
  rm -rf "$DATA"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ gateway
cd "$REPO"
start_gateway "$DATA" "$SMTP_PORT" "$OUT/gateway.log"
{
  echo "relaydesk: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO" diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted src changes')"
  echo "gateway: node $(node --version) pid $GW_PID port $SMTP_PORT roles inbound,queue store sqlite in $DATA"
  echo "knobs: TARGETS='$TARGETS' CONCURRENCY='$CONCURRENCY' REPS=${REPS:-rig default} QUICK=${QUICK:-0} LAT_COUNT=$LAT_COUNT"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/env.txt" >&2

# ------------------------------------------------------------ the rig
log "running the peers' rig: $RIG"
set +e
EXTERNAL="${EXTERNAL:+$EXTERNAL }relaydesk=$SMTP_PORT=$GW_PID" bash "$RIG" \
  2> >(tee "$OUT/rig.log" >&2) | tee "$OUT/rig-summary.txt"
RIG_RC=${PIPESTATUS[0]}
set -e
sleep 0.2 # let the tee on stderr flush
RIG_OUT="$(sed -n 's/.*measuring; results in //p' "$OUT/rig.log" | tail -1)"
[[ $RIG_RC == 0 ]] || die "the rig failed (exit $RIG_RC); its log: $OUT/rig.log"
[[ -n "$RIG_OUT" && -f "$RIG_OUT/results.jsonl" ]] || die "cannot find the rig's results.jsonl (log: $OUT/rig.log)"
kill -0 "$GW_PID" 2>/dev/null || die "relaydesk (pid $GW_PID) died during the run; see $OUT/gateway.log"
echo "relaydesk RSS after the rig: $(($(awk '{print $2}' /proc/"$GW_PID"/statm) * 4 / 1024)) MiB; store on disk: $(du -sh "$DATA/store" | cut -f1)" | tee -a "$OUT/env.txt" >&2

# ------------------------------------------------------------ accept latency
# The rig has stopped its sink; start our own (counter mode) for the probe.
port_busy 2526 && die "port 2526 is busy after the rig; cannot run the latency probe"
smtp-sink -c -u nobody 127.0.0.1:2526 1000 >"$OUT/latency-sink.out" 2>&1 &
SINK_PID=$!
for _ in $(seq 50); do port_busy 2526 && break; sleep 0.1; done
log "accept latency: $LAT_COUNT messages, one at a time, to the sink and to relaydesk"
: >"$OUT/latency.jsonl"
node bench/accept-latency.mjs --name sink --port 2526 --count "$LAT_COUNT" --size "${MSG_SIZE:-4096}" >>"$OUT/latency.jsonl"
node bench/accept-latency.mjs --name relaydesk --port "$SMTP_PORT" --count "$LAT_COUNT" --size "${MSG_SIZE:-4096}" >>"$OUT/latency.jsonl"
# let relaydesk hand the probe's messages to the sink before both stop (bounded)
for _ in $(seq 100); do
  n=$(tr '\r' '\n' <"$OUT/latency-sink.out" | sed -n 's/.*mesg=\([0-9]*\)$/\1/p' | tail -1)
  [[ "${n:-0}" -ge $((LAT_COUNT * 2)) ]] && break
  sleep 0.1
done

# ------------------------------------------------------------ report
echo
node bench/report.mjs "$RIG_OUT" "$OUT/latency.jsonl" --gateway relaydesk --reference postfix | tee "$OUT/report.md"
echo
echo "rig output: $RIG_OUT   our report and logs: $OUT"

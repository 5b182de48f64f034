#!/usr/bin/env bash
# The next hop is dead, then comes back: Relaydesk beside Postfix (part of `npm run bench`).
#
# For each gateway in turn (Relaydesk, then Postfix; never both at once):
#  1. start it with the benchmark job, its crm.test next hop on a closed loopback port
#     (nothing listens there: every connection attempt is refused at once);
#  2. accept: smtp-source sends DEAD_COUNT messages of DEAD_SIZE bytes over DEAD_CONC
#     sessions (stopped after DEAD_ACCEPT_S); accepted/s = the messages the gateway then
#     holds / smtp-source's wall time;
#  3. drain: a counting smtp-sink starts on that port; drained/s = messages / the time from
#     the sink's start until it has counted them all (bounded by DEAD_DRAIN_S);
#  4. stop it by PID.
# Both retry on the same short schedule, so the drain does not measure a default retry
# timer (Relaydesk: 60 s, doubling; Postfix: queue_run_delay 300 s): Relaydesk
# `queue.retry: {firstRetry: 10s, maxInterval: 20s}`, Postfix `minimal_backoff_time = 10s`,
# `maximal_backoff_time = 20s`, `queue_run_delay = 10s`.
# Connection attempts to the dead port are counted two ways: the gateway's own record
# (Relaydesk: the sum of `deliveries.attempts` in its store; Postfix: the smtp client's
# "connect to …: Connection refused" lines in its maillog, one per connection) and the kernel's TcpAttemptFails counter (nstat), which counts
# refused connects on the whole machine, so it is an upper bound.
#
# usage: bash bench/dead-hop.sh OUT_DIR    (writes OUT_DIR/deadhop.jsonl and logs)
# Env: DEAD_COUNT [20000; QUICK 500]  DEAD_CONC [20]  DEAD_SIZE [4096]
#      DEAD_DRAIN_S [180; QUICK 45]  DEAD_ACCEPT_S [180; QUICK 60]  RELAYDESK_FLAGS
# Needs root (a private Postfix instance) and the rig's Postfix conf beside the repo.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OUT=${1:?usage: bash bench/dead-hop.sh OUT_DIR}
mkdir -p "$OUT"
if [[ "${QUICK:-0}" == 1 ]]; then : "${DEAD_COUNT:=500}" "${DEAD_DRAIN_S:=45}" "${DEAD_ACCEPT_S:=60}"; fi
DEAD_COUNT="${DEAD_COUNT:-20000}" DEAD_CONC="${DEAD_CONC:-20}" DEAD_SIZE="${DEAD_SIZE:-4096}"
DEAD_DRAIN_S="${DEAD_DRAIN_S:-180}" DEAD_ACCEPT_S="${DEAD_ACCEPT_S:-180}"

WORK="$(mktemp -d /tmp/relaydesk-bench-dead.XXXXXX)"
chmod 755 "$WORK" # Postfix's daemons run as the postfix user below it
PF="$WORK/postfix"
SINK_PID=""
cleanup() {
  set +e
  stop_pid "$GW_PID" relaydesk 15
  stop_postfix "$PF"
  stop_pid "$SINK_PID" smtp-sink 5
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
attempt_fails() { nstat -az TcpAttemptFails | awk '$1 == "TcpAttemptFails" {print $2}'; }
# CPU seconds (user+system, children waited for included) of PID's process tree.
tree_cpu() {
  local p t=0
  for p in $(tree_pids "$1" | tr ',' ' '); do
    t=$((t + $(awk '{s=$0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12] + f[13] + f[14] + f[15]}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  awk -v t="$t" 'BEGIN {printf "%.2f", t / 100}'
}
tree_pss_mib() {
  local p k=0 v
  for p in $(tree_pids "$1" | tr ',' ' '); do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    k=$((k + ${v:-0}))
  done
  echo $((k / 1024))
}

# measure NAME PORT PID DEAD_PORT ATTEMPTS_CMD QUEUED_CMD: one gateway, accept then drain; one
# JSON line. QUEUED_CMD prints how many messages the gateway holds: what it accepted, since
# nothing leaves while the next hop is dead (smtp-source may stop at DEAD_ACCEPT_S).
measure() {
  local name=$1 port=$2 pid=$3 dead=$4 attempts_cmd=$5 queued_cmd=$6 queued
  port_busy "$dead" && die "the dead port $dead has a listener; it must be closed"
  local f0 c0 t0 t1 rc f1 c1 attempts pss t2 n=0 tfirst="" tall="" sinkout="$WORK/sink-$name.out"
  f0=$(attempt_fails) c0=$(tree_cpu "$pid") t0=$(now)
  log "dead hop, $name: $DEAD_COUNT × $DEAD_SIZE B at c=$DEAD_CONC to 127.0.0.1:$port (next hop 127.0.0.1:$dead, closed)"
  set +e
  timeout "$DEAD_ACCEPT_S" smtp-source -s "$DEAD_CONC" -m "$DEAD_COUNT" -l "$DEAD_SIZE" -f customer@example.net \
    -t help@solarmora.com "127.0.0.1:$port" 2>"$WORK/source-$name.err"
  rc=$?
  set -e
  t1=$(now) c1=$(tree_cpu "$pid") pss=$(tree_pss_mib "$pid")
  # The backlog waits at least one retry interval with the next hop still dead.
  sleep 5
  f1=$(attempt_fails) attempts=$(eval "$attempts_cmd") queued=$(eval "$queued_cmd")
  log "dead hop, $name: $queued accepted in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s (smtp-source rc $rc); attempts to the dead port: $attempts (kernel: $((f1 - f0)))"
  # ---- drain: the next hop comes back
  : >"$sinkout"
  smtp-sink -c -u nobody "127.0.0.1:$dead" 1000 >"$sinkout" 2>"$WORK/sink-$name.err" &
  SINK_PID=$!
  t2=$(now)
  local deadline=$(($(date +%s) + DEAD_DRAIN_S))
  while (($(date +%s) < deadline)); do
    n=$(sink_count "$sinkout")
    n=${n:-0}
    [[ -z "$tfirst" && $n -gt 0 ]] && tfirst=$(now)
    if ((n >= queued)); then tall=$(now); break; fi
    sleep 0.1
  done
  [[ -n "$tall" ]] || tall=$(now)
  stop_pid "$SINK_PID" smtp-sink 5
  SINK_PID=""
  log "dead hop, $name: the sink counted $n of $queued in $(awk -v a="$t2" -v b="$tall" 'BEGIN{printf "%.1f", b-a}') s"
  node -e '
    const [name, count, conc, size, t0, t1, rc, err, c0, c1, pss, attempts, kernel, t2, tfirst, tall, n, drainLimit, queued] = process.argv.slice(1);
    const s = (a, b) => +(Number(b) - Number(a)).toFixed(3);
    console.log(JSON.stringify({
      tag: "deadhop", target: name, msgs: +count, accepted: +queued, conc: +conc, size: +size,
      accept_s: s(t0, t1), accept_rate: +(queued / s(t0, t1)).toFixed(1), src_rc: +rc, src_err: err.trim().split("\n").slice(-2).join(" | "),
      accept_cpu_s: s(c0, c1), accept_cpu_ms_per_msg: +((1000 * s(c0, c1)) / Math.max(1, queued)).toFixed(3), backlog_pss_mib: +pss,
      dead_attempts: attempts === "" ? null : +attempts, dead_attempt_fails_kernel: +kernel,
      drain_first_s: tfirst ? s(t2, tfirst) : null, drain_s: s(t2, tall), drained: +n, drain_complete: +n >= +queued,
      drain_rate: +(n / s(t2, tall)).toFixed(1), drain_limit_s: +drainLimit,
    }));
  ' "$name" "$DEAD_COUNT" "$DEAD_CONC" "$DEAD_SIZE" "$t0" "$t1" "$rc" "$(cat "$WORK/source-$name.err")" "$c0" "$c1" "$pss" \
    "$attempts" "$((f1 - f0))" "$t2" "$tfirst" "$tall" "$n" "$DEAD_DRAIN_S" "$queued" >>"$OUT/deadhop.jsonl"
}

# ------------------------------------------------------------ Relaydesk
rd_sql() { (cd "$REPO" && node -e 'const db = new (require("better-sqlite3"))(process.argv[1], { readonly: true }); console.log(db.prepare(process.argv[2]).get().n)' "$WORK/gw/store/relaydesk.sqlite" "$1"); }
RD_DEAD=$(pick_port 2540)
PF_DEAD=$(pick_port $((RD_DEAD + 1)))
RD_PORT=$(pick_port 2610)
PF_PORT=$(pick_port 2570)
mkdir -p "$WORK/gw"
SINK_PORT=$RD_DEAD GW_YAML_EXTRA=$'queue:\n  retry: { firstRetry: 10s, maxInterval: 20s }' \
  start_gateway "$WORK/gw" "$RD_PORT" "$OUT/deadhop-gateway.log"
measure relaydesk "$RD_PORT" "$GW_PID" "$RD_DEAD" \
  "rd_sql 'select coalesce(sum(attempts), 0) n from deliveries'" "rd_sql 'select count(*) n from messages'"
stop_pid "$GW_PID" relaydesk 15
GW_PID=""

# ------------------------------------------------------------ Postfix
start_postfix "$PF" "$PF_PORT" "$PF_DEAD" $'# dead-hop benchmark: the same short retry schedule as the Relaydesk side\nminimal_backoff_time = 10s\nmaximal_backoff_time = 20s\nqueue_run_delay = 10s'
# Postfix's smtp client logs each refused connection on a line of its own; a message deferred
# while the destination is held for dead ("delivery temporarily suspended") made none.
measure postfix "$PF_PORT" "$PF_PID" "$PF_DEAD" "grep -cE '\\]: connect to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:$PF_DEAD: Connection refused\$' '$PF/maillog' || true" \
  "find '$PF/spool/maildrop' '$PF/spool/incoming' '$PF/spool/active' '$PF/spool/deferred' -type f | wc -l"
cp "$PF/maillog" "$OUT/deadhop-postfix-maillog" 2>/dev/null || true
stop_postfix "$PF"

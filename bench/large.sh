#!/usr/bin/env bash
# Large messages: Relaydesk next to Postfix in the same run (`npm run bench:large`).
#
# The job is the one of `npm run bench` (help@solarmora.com -> support@crm.test, relayed
# to smtp-sink), with big bodies: first BIG_COUNT messages of BIG_SIZE (30 MiB) from
# BIG_CONC (20) concurrent sessions, then SMALL_COUNT messages of SMALL_SIZE (1 MiB) from
# SMALL_CONC (100). For each target it prints the peak RSS and PSS of its process tree
# and the delivered MiB/s and msgs/s, and the ratio Relaydesk ÷ Postfix.
#
# It does not use the peers' rig: the rig sizes its runs by time, with a probe of at least
# 200 messages and at least 500 per measured run, which at 30 MiB is 6-15 GB per run and
# target. It sets up the same private Postfix instance from the rig's files
# ($(dirname repo)/shared/bench/peers/conf/postfix, read, never changed), on ports of its
# own and with message_size_limit raised to 40 MiB (Postfix's default is 10,240,000
# bytes), then hands fixed counts to bench/large-bench.mjs.
#
# Steps: sink (smtp-sink, dumping), Postfix, Relaydesk (roles inbound,queue, SQLite store
# in a temp dir, --no-dns; its default smtp.maxMessageSize of 35MB holds 30 MiB and the
# headers). One BIG_SIZE message through each target must reach the sink with the
# recipient rewritten and the body intact (hash compared with the message sent straight
# to the sink). Then the sink restarts in counter mode and the driver measures, targets
# interleaved. Afterwards: the gateway's delivery states (from its store), its warnings,
# Postfix's warnings, the load average. Everything it started is stopped by PID (Postfix
# by `postfix -c DIR stop`, then by PID if it lingers) and the temp dir is removed.
#
# Env knobs (defaults in brackets):
#   REPS [2]  BIG_COUNT [60]  BIG_SIZE [31457280]  BIG_CONC [20]
#   SMALL_COUNT [2000]  SMALL_SIZE [1048576]  SMALL_CONC [100]
#   TARGETS ["sink postfix relaydesk"]  RUN_TIMEOUT_S [600] per smtp-source  DRAIN_TIMEOUT_S [600]
#   QUICK=1 -> REPS=1 BIG_COUNT=20 SMALL_COUNT=300 (a few minutes)
#   SINK_PORT [first free from 2530]  PF_PORT [from 2570]  SMTP_PORT [from 2610]
#   BENCH_OUT [/tmp/relaydesk-bench/large-<time>] where the report and logs are kept
# Loopback only. Needs root (a private Postfix instance) and Postfix installed
# (smtp-source, smtp-sink); `npm run bench` installs it on its first run.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PF_CONF="$(dirname "$REPO")/shared/bench/peers/conf/postfix"
[[ $(id -u) == 0 ]] || die "run as root: the benchmark runs a private Postfix instance"
for c in smtp-source smtp-sink postfix postconf node ss; do
  command -v "$c" >/dev/null || die "$c is missing; install Postfix ('No configuration') and iproute2, or run 'npm run bench' once: the peers' rig installs them"
done
[[ -f "$PF_CONF/main.cf.in" ]] || die "the peers' Postfix config is not at $PF_CONF (expected shared/ beside the repo)"

if [[ "${QUICK:-0}" == 1 ]]; then : "${REPS:=1}" "${BIG_COUNT:=20}" "${SMALL_COUNT:=300}"; fi
REPS="${REPS:-2}"
BIG_COUNT="${BIG_COUNT:-60}" BIG_SIZE="${BIG_SIZE:-31457280}" BIG_CONC="${BIG_CONC:-20}"
SMALL_COUNT="${SMALL_COUNT:-2000}" SMALL_SIZE="${SMALL_SIZE:-1048576}" SMALL_CONC="${SMALL_CONC:-100}"
TARGETS="${TARGETS:-sink postfix relaydesk}"
RUN_TIMEOUT_S="${RUN_TIMEOUT_S:-600}" DRAIN_TIMEOUT_S="${DRAIN_TIMEOUT_S:-600}"
RSS_GOAL_MIB=300
GW_LIMIT=36700160 # Relaydesk's default smtp.maxMessageSize, 35MB
PF_LIMIT=41943040 # 40 MiB for Postfix
((BIG_SIZE + 65536 <= GW_LIMIT)) ||
  die "BIG_SIZE $BIG_SIZE does not fit under Relaydesk's default maxMessageSize (35MB = $GW_LIMIT bytes) with room for headers; use a smaller size"
want() { [[ " $TARGETS " == *" $1 "* ]]; }

# Relaydesk keeps every body it relayed (retention is not this benchmark's business), so
# its store grows by everything sent to it; Postfix holds one run at most.
need=$(((REPS * (BIG_COUNT * BIG_SIZE + SMALL_COUNT * SMALL_SIZE) * 12 / 10 + BIG_COUNT * BIG_SIZE) / 1048576))
avail=$(($(df --output=avail -B1 /tmp | tail -1) / 1048576))
((avail > need)) || die "/tmp has $avail MiB free; this run needs about $need MiB (lower the counts or REPS)"

SINK_PORT="${SINK_PORT:-$(pick_port 2530)}"
PF_PORT="${PF_PORT:-$(pick_port 2570)}"
SMTP_PORT="${SMTP_PORT:-$(pick_port 2610)}"
for p in "$SINK_PORT" "$PF_PORT" "$SMTP_PORT"; do port_busy "$p" && die "port 127.0.0.1:$p is busy (not touching it)"; done
[[ $SINK_PORT != "$PF_PORT" && $PF_PORT != "$SMTP_PORT" && $SINK_PORT != "$SMTP_PORT" ]] ||
  die "SINK_PORT, PF_PORT and SMTP_PORT must differ ($SINK_PORT $PF_PORT $SMTP_PORT)"
export SINK_PORT # start_gateway points the crm host at it

OUT="${BENCH_OUT:-/tmp/relaydesk-bench/large-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
WORK="$(mktemp -d /tmp/relaydesk-bench-large.XXXXXX)"
chmod 755 "$WORK" # Postfix's daemons run as the postfix user below it
PF="$WORK/postfix"
SINK_PID="" PF_PID="" PF_STARTED=0

cleanup() {
  set +e
  stop_pid "$GW_PID" relaydesk 15
  if [[ $PF_STARTED == 1 ]]; then
    postfix -c "$PF/etc" stop >/dev/null 2>&1
    stop_pid "$PF_PID" postfix-master 15
  fi
  stop_pid "$SINK_PID" smtp-sink 5
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sink_count() { tr '\r' '\n' <"$WORK/sink.out" | sed -n 's/.*mesg=\([0-9]*\)$/\1/p' | tail -1; }

# start_sink [DUMP_DIR]: smtp-sink on SINK_PORT, counting (-c) and, with a dir, dumping.
start_sink() {
  stop_pid "$SINK_PID" smtp-sink 5
  : >"$WORK/sink.out"
  if [[ -n "${1:-}" ]]; then
    mkdir -p "$1" && chown nobody "$1"
    smtp-sink -c -u nobody -d "$1/%H%M%S." "127.0.0.1:$SINK_PORT" 1000 >"$WORK/sink.out" 2>"$WORK/sink.err" &
  else
    smtp-sink -c -u nobody "127.0.0.1:$SINK_PORT" 1000 >"$WORK/sink.out" 2>"$WORK/sink.err" &
  fi
  SINK_PID=$!
  for _ in $(seq 50); do port_busy "$SINK_PORT" && return 0; sleep 0.1; done
  die "smtp-sink did not start on 127.0.0.1:$SINK_PORT ($(cat "$WORK/sink.err"))"
}

# ------------------------------------------------------------ sink, Postfix, Relaydesk
start_sink "$WORK/dump"
log "smtp-sink pid $SINK_PID on 127.0.0.1:$SINK_PORT"

if want postfix; then
  mkdir -p "$PF/etc" "$PF/spool" "$PF/data"
  sed "s#@BASE@#$PF#g" "$PF_CONF/main.cf.in" >"$PF/etc/main.cf"
  printf '\n# large-message benchmark: 30 MiB messages must pass (the default is 10240000)\nmessage_size_limit = %s\n' "$PF_LIMIT" >>"$PF/etc/main.cf"
  sed "s#^127\.0\.0\.1:2601 #127.0.0.1:$PF_PORT #" "$PF_CONF/master.cf" >"$PF/etc/master.cf"
  sed "s#\[127\.0\.0\.1\]:2526#[127.0.0.1]:$SINK_PORT#" "$PF_CONF/transport" >"$PF/etc/transport"
  cp "$PF_CONF/virtual" "$PF/etc/"
  grep -q "^127.0.0.1:$PF_PORT " "$PF/etc/master.cf" && grep -q "\]:$SINK_PORT\$" "$PF/etc/transport" ||
    die "could not set the ports in the rig's master.cf/transport (has their format changed?)"
  chown postfix "$PF/data"
  postfix -c "$PF/etc" check
  postfix -c "$PF/etc" start >/dev/null 2>&1 || die "postfix start failed (see $PF/maillog)"
  PF_STARTED=1
  for _ in $(seq 50); do port_busy "$PF_PORT" && break; sleep 0.1; done
  PF_PID=$(tr -d ' ' <"$PF/spool/pid/master.pid")
  log "postfix master pid $PF_PID on 127.0.0.1:$PF_PORT (postfix $(postconf -d -h mail_version), message_size_limit $PF_LIMIT)"
fi

if want relaydesk; then
  mkdir -p "$WORK/gw"
  start_gateway "$WORK/gw" "$SMTP_PORT" "$OUT/gateway.log"
fi

{
  echo "date: $(date -u +%FT%TZ)"
  echo "machine: $(nproc) CPUs, $(free -m | awk '/^Mem:/{print $2}') MiB RAM, kernel $(uname -r); /tmp: $avail MiB free"
  echo "relaydesk: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO" diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted src changes'), node $(node --version), pid ${GW_PID:--} port $SMTP_PORT, store sqlite in $WORK/gw"
  [[ -z "$GW_PID" ]] || echo "relaydesk RSS after start, before any mail: $(($(awk '{print $2}' /proc/"$GW_PID"/statm) * 4 / 1024)) MiB"
  echo "postfix: $(postconf -d -h mail_version) pid ${PF_PID:--} port $PF_PORT; sink pid $SINK_PID port $SINK_PORT"
  echo "knobs: TARGETS='$TARGETS' REPS=$REPS BIG=${BIG_COUNT}x${BIG_SIZE}@c$BIG_CONC SMALL=${SMALL_COUNT}x${SMALL_SIZE}@c$SMALL_CONC QUICK=${QUICK:-0}"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/env.txt" >&2

# ------------------------------------------------------------ verify: one big message each
declare -A PORT=([sink]=$SINK_PORT [postfix]=$PF_PORT [relaydesk]=$SMTP_PORT)
body_hash() { sed '1,/^$/d' "$1" | tail -n +2 | sha256sum | cut -d' ' -f1; } # smtp-source numbers the first line
ref_hash=""
for t in $TARGETS; do
  [[ -n "${PORT[$t]:-}" ]] || die "unknown target $t (known: sink postfix relaydesk)"
  n0=$(sink_count)
  before=$(find "$WORK/dump" -type f | sort)
  smtp-source -m 1 -l "$BIG_SIZE" -f customer@example.net -t help@solarmora.com "127.0.0.1:${PORT[$t]}" 2>"$OUT/verify-$t.err" ||
    die "smtp-source could not send one $BIG_SIZE-byte message to $t: $(cat "$OUT/verify-$t.err")"
  for _ in $(seq 1200); do [[ "$(sink_count)" -gt "${n0:-0}" ]] && break; sleep 0.1; done
  [[ "$(sink_count)" -gt "${n0:-0}" ]] || die "verify: the $BIG_SIZE-byte message sent to $t did not reach the sink within 120 s"
  f=$(comm -13 <(echo "$before") <(find "$WORK/dump" -type f | sort) | head -1)
  [[ -n "$f" ]] || die "verify: no dump file for $t"
  want_rcpt='help@solarmora.com'
  [[ $t == sink ]] || want_rcpt='support@crm.test'
  grep -q "^X-Rcpt-Args: <$want_rcpt>" "$f" || die "verify: $t's message reached the sink without the recipient <$want_rcpt>: $(grep -m1 '^X-Rcpt-Args' "$f")"
  h=$(body_hash "$f")
  ref_hash=${ref_hash:-$h}
  [[ $h == "$ref_hash" ]] || die "verify: the body $t relayed differs from the one sent (sha256 $h, expected $ref_hash)"
  echo "verify $t: one $BIG_SIZE-byte message reached the sink as <$want_rcpt>, body intact; $(stat -c %s "$f") bytes in the dump with LF line ends, header block $(sed '/^$/q' "$f" | wc -c) bytes" | tee -a "$OUT/env.txt" >&2
  rm -f "$f"
done
start_sink # counter only for the load runs
log "smtp-sink (counter mode) pid $SINK_PID"

# ------------------------------------------------------------ measure
{
  echo "{\"sinkOut\": \"$WORK/sink.out\", \"outDir\": \"$OUT\", \"smtpSource\": \"$(command -v smtp-source)\","
  echo " \"reps\": $REPS, \"runTimeoutS\": $RUN_TIMEOUT_S, \"drainTimeoutS\": $DRAIN_TIMEOUT_S, \"rssGoalMiB\": $RSS_GOAL_MIB,"
  echo " \"gateway\": \"relaydesk\", \"reference\": \"postfix\","
  echo " \"phases\": [{\"name\": \"$((BIG_SIZE / 1048576)) MiB\", \"conc\": $BIG_CONC, \"count\": $BIG_COUNT, \"size\": $BIG_SIZE},"
  echo "            {\"name\": \"$((SMALL_SIZE / 1048576)) MiB\", \"conc\": $SMALL_CONC, \"count\": $SMALL_COUNT, \"size\": $SMALL_SIZE}],"
  echo " \"targets\": ["
  sep=""
  for t in $TARGETS; do
    case $t in
      sink) echo "$sep{\"name\": \"sink\", \"port\": $SINK_PORT, \"pids\": [$SINK_PID]}" ;;
      postfix) echo "$sep{\"name\": \"postfix\", \"port\": $PF_PORT, \"pids\": [$PF_PID], \"queueDirs\": [\"$PF/spool/maildrop\", \"$PF/spool/incoming\", \"$PF/spool/active\", \"$PF/spool/deferred\"]}" ;;
      relaydesk) echo "$sep{\"name\": \"relaydesk\", \"port\": $SMTP_PORT, \"pids\": [$GW_PID]}" ;;
    esac
    sep=","
  done
  echo "]}"
} >"$OUT/plan.json"
log "measuring; results in $OUT"
set +e
node "$REPO/bench/large-bench.mjs" "$OUT/plan.json" 2> >(tee "$OUT/driver.log" >&2) >"$OUT/summary.txt"
DRIVER_RC=$?
set -e
sleep 0.2 # let the tee on stderr flush
[[ $DRIVER_RC == 0 ]] || die "the driver failed (exit $DRIVER_RC); its log: $OUT/driver.log"

# ------------------------------------------------------------ after the runs
{
  set +e # what follows only describes the run; a failing look must not lose the report
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  if want relaydesk; then
    if kill -0 "$GW_PID" 2>/dev/null; then
      echo "relaydesk RSS now: $(($(awk '{print $2}' /proc/"$GW_PID"/statm) * 4 / 1024)) MiB; store on disk: $(du -sh "$WORK/gw/store" | cut -f1)"
    else
      echo "relaydesk (pid $GW_PID) is not running any more; see $OUT/gateway.log"
    fi
    echo "relaydesk deliveries by status: $(cd "$REPO" && node -e '
      const db = new (require("better-sqlite3"))(process.argv[1], { readonly: true });
      const rows = db.prepare("select status, count(*) n from deliveries group by status").all();
      const msgs = db.prepare("select count(*) n from messages").get().n;
      console.log(rows.map((r) => `${r.status} ${r.n}`).join(", ") + `; messages ${msgs}`);
    ' "$WORK/gw/store/relaydesk.sqlite" 2>&1)"
    echo "relaydesk log lines at warn or above: $(grep -c '^{' "$OUT/gateway.log") (log: $OUT/gateway.log)"
    node -e '
      const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter((l) => l.startsWith("{"));
      const by = new Map();
      for (const l of lines) { try { const j = JSON.parse(l); const k = `${j.level} ${j.msg ?? j.event ?? ""}`; by.set(k, (by.get(k) ?? 0) + 1); } catch {} }
      for (const [k, n] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`  ${n} x level ${k}`);
    ' "$OUT/gateway.log"
  fi
  if want postfix; then
    cp "$PF/maillog" "$OUT/postfix-maillog" 2>/dev/null || true
    echo "postfix maillog warnings/errors: $(grep -Ec 'warning:|error:|fatal:|panic:' "$OUT/postfix-maillog" 2>/dev/null) (log: $OUT/postfix-maillog)"
    { grep -E 'warning:|error:|fatal:|panic:' "$OUT/postfix-maillog" 2>/dev/null || true; } | sed -E 's/^.*(warning|error|fatal|panic):/\1:/' | sort | uniq -c | sort -rn | head -5 | sed 's/^/  /'
  fi
} | tee -a "$OUT/env.txt" >&2

{
  echo "# Large messages: $(date -u +%F)"
  echo
  echo "Command: bash bench/large.sh (REPS=$REPS, ${BIG_COUNT} × $BIG_SIZE B at c=$BIG_CONC, ${SMALL_COUNT} × $SMALL_SIZE B at c=$SMALL_CONC)"
  echo
  sed 's/^/    /' "$OUT/env.txt"
  echo
  cat "$OUT/summary.txt"
} >"$OUT/report.md"
echo
cat "$OUT/report.md"
echo
echo "report, results and logs: $OUT"

#!/usr/bin/env bash
# The desk benchmark (issue 3): through the gateway, help@solarmora.com → the Support
# channel's inbound address → a case.
#   (a) mail → case latency p50/p99 at a steady RATE msgs/s (COUNT messages),
#   (b) intake throughput (msgs/s into cases) with SEED_CASES cases already in the store
#       (BURST messages, CONC clients, as fast as the gateway takes them),
#   (c) thread lookup time at that size (LOOKUPS lookups of random existing Message-IDs).
# One `relaydesk start` on 127.0.0.1 with its SQLite store in a temp dir; stopped by PID and
# removed at the end. Needs nothing but the repo (no root, no apt, no network).
#
#   bash bench/desk.sh
#   QUICK=1 bash bench/desk.sh                 # 200 msgs at 50/s, 10,000 seeded, 500 in the burst
#   RATE=50 COUNT=1000 SEED_CASES=100000 BURST=2000 CONC=20 LOOKUPS=10000 SMTP_PORT=2660 bash bench/desk.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ -n "${QUICK:-}" ]]; then
  : "${COUNT:=200}" "${SEED_CASES:=10000}" "${BURST:=500}" "${LOOKUPS:=2000}"
fi
RATE=${RATE:-50} COUNT=${COUNT:-1000} SEED_CASES=${SEED_CASES:-100000} BURST=${BURST:-2000} CONC=${CONC:-20} LOOKUPS=${LOOKUPS:-10000}

OUT="/tmp/relaydesk-bench/desk-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/relaydesk-desk-bench.XXXXXX)"
GW_PID=""
cleanup() {
  stop_pid "$GW_PID" relaydesk
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$(pick_port "${SMTP_PORT:-2660}")
STORE="$TMP/store"
CHANNELS='
domains: [solarmora.com]
desk:
  domain: case.relaydesk.test
  channels:
    # No acknowledgements: the figure is mail → case, not the outbound queue.
    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: false }
# The clients all run on loopback; CONC may be more than one client may open.
smtp:
  connectionLimitExceptions: [127.0.0.0/8, "::1"]
'
cd "$REPO"
printf '%s' "$CHANNELS" >"$TMP/channels.yaml"
node scripts/build-server.mjs || die "building the server failed"
node bin/relaydesk.js apply -f "$TMP/channels.yaml" --data "$STORE" >"$OUT/apply.log" 2>&1 || { cat "$OUT/apply.log" >&2; die "relaydesk apply failed"; }
INBOUND=$(node bin/relaydesk.js desk channels --json --data "$STORE" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).find(c=>c.name==="Support").inboundAddress))')
[[ "$INBOUND" == support@*.case.relaydesk.test ]] || die "no inbound address for Support: '$INBOUND'"
cat >"$TMP/relaydesk.yaml" <<YAML
$CHANNELS
defaultRouting:
  - description: Forward help to the desk
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: $INBOUND }
      addXOriginalToHeader: true
YAML
node bin/relaydesk.js apply -f "$TMP/relaydesk.yaml" --data "$STORE" >>"$OUT/apply.log" 2>&1 || { cat "$OUT/apply.log" >&2; die "relaydesk apply failed"; }

node bin/relaydesk.js start --data "$STORE" --smtp-port "$PORT" --http-port 0 --no-dns --log-level warn >"$OUT/relaydesk.log" 2>&1 &
GW_PID=$!
for ((i = 0; i < 600; i++)); do
  grep -q 'Relaydesk is running' "$OUT/relaydesk.log" 2>/dev/null && break
  kill -0 "$GW_PID" 2>/dev/null || { cat "$OUT/relaydesk.log" >&2; die "relaydesk exited during start-up"; }
  sleep 0.1
done
grep -q 'Relaydesk is running' "$OUT/relaydesk.log" || die "relaydesk did not start within 60 s"
ss -Hltnp "sport = :$PORT" | grep -q "pid=$GW_PID," || die "pid $GW_PID does not own 127.0.0.1:$PORT"
log "relaydesk pid $GW_PID on 127.0.0.1:$PORT, rule help@solarmora.com → $INBOUND"

{
  echo "date: $(date -Is)"
  echo "host: $(nproc) cores, $(uname -r), node $(node --version)"
  echo "uptime before: $(uptime)"
} | tee "$OUT/env.txt"
node bench/desk-bench.mjs --port "$PORT" --db "$STORE/relaydesk.sqlite" --rate "$RATE" --count "$COUNT" --seed "$SEED_CASES" \
  --burst "$BURST" --conc "$CONC" --lookups "$LOOKUPS" --json "$OUT/desk.json" | tee "$OUT/report.md"
echo "uptime after: $(uptime)" | tee -a "$OUT/env.txt"
kill -0 "$GW_PID" 2>/dev/null || die "relaydesk died during the run (log: $OUT/relaydesk.log)"
if grep -q '"level":[56]0' "$OUT/relaydesk.log"; then log "errors in the server log: $OUT/relaydesk.log"; fi
log "report, env and the server's log: $OUT/"

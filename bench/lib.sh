# Shared by bench/gateway.sh and bench/profile.sh (sourced, not run).
# Starts one Relaydesk gateway configured for the benchmark job and stops it by PID.
#
# The job (the same one ../shared/bench/peers/ gives Postfix and Haraka): accept
# SMTP for solarmora.com, rewrite help@solarmora.com -> support@crm.test, relay
# to the "CRM", smtp-sink on 127.0.0.1:2526. Loopback only.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RIG="$(dirname "$REPO")/shared/bench/peers/run.sh"

log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

port_busy() { ss -Hltn "sport = :$1" | grep -q .; }

# First free loopback port from $1 (default 2610) upwards, at most 90 tries.
pick_port() {
  local p=${1:-2610} i
  for ((i = 0; i < 90; i++, p++)); do port_busy "$p" || { echo "$p"; return 0; }; done
  die "no free port in ${1:-2610}..$p"
}

# write_config FILE [SINK_PORT]: the help@ rule of the seed, relayed to the sink
# (127.0.0.1:2526 unless said otherwise: the rig's sink is there).
write_config() {
  cat >"$1" <<YAML
# Relaydesk benchmark job: the same one the peers' rig gives Postfix and Haraka.
domains: [solarmora.com]
hosts:
  - name: crm
    host: 127.0.0.1
    port: ${2:-2526}
    tls: none
    domains: [crm.test]
defaultRouting:
  - description: Forward help to the CRM
    enabled: true
    match: { single: help@solarmora.com }
    action: modify
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
# Every load generator runs on loopback, with more sessions than one client may open.
smtp:
  connectionLimitExceptions: [127.0.0.0/8, "::1"]
YAML
}

GW_PID=""
# start_gateway DATA_DIR PORT LOGFILE [extra node flags...]   (env SINK_PORT, default 2526)
# Applies the config, starts `relaydesk start` in the background and waits
# (bounded) for "Relaydesk is running". Sets GW_PID to the node process itself.
start_gateway() {
  local data=$1 port=$2 logf=$3 i
  shift 3
  write_config "$data/relaydesk.yaml" "${SINK_PORT:-2526}"
  # The node runs dist/server: built from these sources, so a run measures them.
  (cd "$REPO" && node scripts/build-server.mjs) || die "building the server failed"
  (cd "$REPO" && exec node bin/relaydesk.js apply -f "$data/relaydesk.yaml" --data "$data/store") >"$data/apply.log" 2>&1 ||
    { cat "$data/apply.log" >&2; die "relaydesk apply failed"; }
  # `node` is started directly by this shell (no subshell, no wrapper), so $! is
  # the node PID; bin/relaydesk.js imports dist/server in-process, it forks nothing.
  cd "$REPO"
  node "$@" bin/relaydesk.js start --data "$data/store" --smtp-port "$port" --http-port 0 \
    --no-dns --log-level warn --roles inbound,queue >"$logf" 2>&1 &
  GW_PID=$!
  cd - >/dev/null
  for ((i = 0; i < 600; i++)); do
    grep -q 'Relaydesk is running' "$logf" 2>/dev/null && break
    kill -0 "$GW_PID" 2>/dev/null || { cat "$logf" >&2; die "relaydesk exited during start-up"; }
    sleep 0.1
  done
  grep -q 'Relaydesk is running' "$logf" || { cat "$logf" >&2; die "relaydesk did not start within 60 s"; }
  [[ "$(ps -o comm= -p "$GW_PID")" == node ]] || die "pid $GW_PID is not a node process: $(ps -o args= -p "$GW_PID")"
  ss -Hltnp "sport = :$port" | grep -q "pid=$GW_PID," ||
    die "pid $GW_PID does not own 127.0.0.1:$port: $(ss -Hltnp "sport = :$port")"
  log "relaydesk pid $GW_PID ($(ps -o args= -p "$GW_PID")) listening on 127.0.0.1:$port"
}

# stop_pid PID NAME [GRACE_S]: TERM, then KILL after the grace period.
stop_pid() {
  local pid=$1 name=$2 grace=${3:-15} i
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  log "$name ($pid) still running ${grace}s after TERM; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
}

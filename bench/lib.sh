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
${GW_YAML_EXTRA:-}
YAML
}

GW_PID=""
GW_BUILT=0
# Extra flags for `relaydesk start`, word-split (e.g. RELAYDESK_FLAGS="--workers 2").
RELAYDESK_FLAGS="${RELAYDESK_FLAGS:-}"

# tree_pids PID: PID and every descendant, comma-separated (a gateway with workers is a
# primary and its children; the rig sums the tree of each PID it is given as well).
tree_pids() {
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END {
      out = root; want[root] = 1; grew = 1
      while (grew) { grew = 0; for (p in parent) if (!(p in want) && (parent[p] in want)) { want[p] = 1; out = out "," p; grew = 1 } }
      print out
    }'
}

# start_gateway DATA_DIR PORT LOGFILE [extra node flags...]
# Env: SINK_PORT (default 2526) where the crm host points; GW_DATABASE, a postgres:// URL to
# use instead of the embedded store in DATA_DIR/store; GW_YAML_EXTRA, YAML appended to the
# config; RELAYDESK_FLAGS, extra flags for `relaydesk start`.
# Applies the config, starts `relaydesk start` in the background and waits
# (bounded) for "Relaydesk is running". Sets GW_PID to the node process itself.
start_gateway() {
  local data=$1 port=$2 logf=$3 i owner
  shift 3
  local store=(--data "$data/store")
  [[ -n "${GW_DATABASE:-}" ]] && store=(--database "$GW_DATABASE")
  write_config "$data/relaydesk.yaml" "${SINK_PORT:-2526}"
  # The node runs dist/server: built from these sources, so a run measures them.
  if [[ $GW_BUILT == 0 ]]; then
    (cd "$REPO" && node scripts/build-server.mjs) || die "building the server failed"
    GW_BUILT=1
  fi
  (cd "$REPO" && exec node bin/relaydesk.js apply -f "$data/relaydesk.yaml" "${store[@]}") >"$data/apply.log" 2>&1 ||
    { cat "$data/apply.log" >&2; die "relaydesk apply failed"; }
  # `node` is started directly by this shell (no subshell, no wrapper), so $! is
  # the node PID (with --workers, the primary: its children are found by tree_pids).
  cd "$REPO"
  # shellcheck disable=SC2086 # RELAYDESK_FLAGS is a list of flags
  node "$@" bin/relaydesk.js start "${store[@]}" --smtp-port "$port" --http-port 0 \
    --no-dns --log-level warn --roles inbound,queue $RELAYDESK_FLAGS >"$logf" 2>&1 &
  GW_PID=$!
  cd - >/dev/null
  for ((i = 0; i < 600; i++)); do
    grep -q 'Relaydesk is running' "$logf" 2>/dev/null && break
    kill -0 "$GW_PID" 2>/dev/null || { cat "$logf" >&2; die "relaydesk exited during start-up"; }
    sleep 0.1
  done
  grep -q 'Relaydesk is running' "$logf" || { cat "$logf" >&2; die "relaydesk did not start within 60 s"; }
  [[ "$(ps -o comm= -p "$GW_PID")" == node ]] || die "pid $GW_PID is not a node process: $(ps -o args= -p "$GW_PID")"
  owner=$(ss -Hltnp "sport = :$port" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
  [[ ",$(tree_pids "$GW_PID")," == *",$owner,"* ]] ||
    die "127.0.0.1:$port is not owned by pid $GW_PID or its children: $(ss -Hltnp "sport = :$port")"
  log "relaydesk pid $GW_PID ($(ps -o args= -p "$GW_PID")) listening on 127.0.0.1:$port; tree: $(tree_pids "$GW_PID")"
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

sink_count() { tail -c 300 "$1" 2>/dev/null | tr '\r' '\n' | sed -n 's/.*mesg=\([0-9]*\)$/\1/p' | tail -1; }

# A private PostgreSQL cluster for one run: initdb in its own temp dir, a server on
# 127.0.0.1:PORT with fsync and synchronous commit on (the defaults), trusting local
# connections. PostgreSQL refuses to run as root, so the server runs as `postgres`.
PG_BIN="${PG_BIN:-$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)}"
PG_PID="" PG_DIR=""
# start_pg PORT: sets PG_DIR, PG_PID and PG_URL (database "relaydesk"); the server logs to
# $PG_DIR/server.log.
start_pg() {
  local port=$1
  [[ -x "$PG_BIN/initdb" ]] || die "PostgreSQL's server binaries are missing (no initdb under /usr/lib/postgresql/*/bin): apt-get install -y postgresql, or set PG_BIN"
  PG_DIR="$(mktemp -d /tmp/relaydesk-bench-pg.XXXXXX)"
  chown postgres "$PG_DIR"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C --no-sync --no-instructions >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
  # Statements of PG_SLOW_MS or more are logged with their time, in UTC whatever the machine's
  # zone, so the report can say which commits were slow while the latency was measured
  # (bench/report.mjs reads the log).
  printf "\n# relaydesk benchmark cluster\nlisten_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nmax_connections = 200\nlog_min_duration_statement = %s\nlog_line_prefix = '%%m [%%p] '\nlog_timezone = 'UTC'\n" \
    "$port" "$PG_DIR" "${PG_SLOW_MS:-8}" >>"$PG_DIR/data/postgresql.conf"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 start >/dev/null ||
    { cat "$PG_DIR/server.log" >&2; die "PostgreSQL did not start on 127.0.0.1:$port"; }
  PG_PID=$(head -1 "$PG_DIR/data/postmaster.pid")
  runuser -u postgres -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres relaydesk || die "createdb failed"
  PG_URL="postgres://postgres@127.0.0.1:$port/relaydesk"
  log "postgresql $("$PG_BIN/postgres" --version | awk '{print $3}') postmaster pid $PG_PID on 127.0.0.1:$port (data in $PG_DIR)"
}
# stop_pg: a fast shutdown (SIGINT to the postmaster), KILL after 30 s; removes its dir.
stop_pg() {
  [[ -n "$PG_PID" ]] || return 0
  if kill -0 "$PG_PID" 2>/dev/null; then
    kill -INT "$PG_PID" 2>/dev/null || true
    stop_pid "$PG_PID" postgresql 30
  fi
  PG_PID=""
  [[ -n "$PG_DIR" ]] && rm -rf "$PG_DIR"
  PG_DIR=""
}

# A private Postfix instance made like the rig's, from shared/bench/peers/conf/postfix/ (read,
# never changed): the same main.cf, master.cf, virtual and transport, with its own ports.
PF_CONF="$(dirname "$RIG")/conf/postfix"
PF_PID=""
# start_postfix DIR SMTP_PORT NEXT_HOP_PORT [MAIN_CF_LINES]: sets PF_PID (its master).
# DIR must be reachable by the postfix user. Stop it with stop_postfix DIR.
start_postfix() {
  local pf=$1 port=$2 hop=$3 extra=${4:-}
  [[ -f "$PF_CONF/main.cf.in" ]] || die "the rig's Postfix conf is not at $PF_CONF"
  mkdir -p "$pf/etc" "$pf/spool" "$pf/data"
  sed "s#@BASE@#$pf#g" "$PF_CONF/main.cf.in" >"$pf/etc/main.cf"
  [[ -n "$extra" ]] && printf '\n%s\n' "$extra" >>"$pf/etc/main.cf"
  sed "s#^127\.0\.0\.1:2601 #127.0.0.1:$port #" "$PF_CONF/master.cf" >"$pf/etc/master.cf"
  sed "s#\[127\.0\.0\.1\]:2526#[127.0.0.1]:$hop#" "$PF_CONF/transport" >"$pf/etc/transport"
  cp "$PF_CONF/virtual" "$pf/etc/"
  grep -q "^127.0.0.1:$port " "$pf/etc/master.cf" && grep -q "\]:$hop\$" "$pf/etc/transport" ||
    die "could not set the ports in the rig's master.cf/transport (has their format changed?)"
  chown postfix "$pf/data"
  postfix -c "$pf/etc" check
  postfix -c "$pf/etc" start >/dev/null 2>&1 || die "postfix start failed (see $pf/maillog)"
  for _ in $(seq 50); do port_busy "$port" && break; sleep 0.1; done
  PF_PID=$(tr -d ' ' <"$pf/spool/pid/master.pid")
  log "postfix $(postconf -d -h mail_version) master pid $PF_PID on 127.0.0.1:$port, next hop 127.0.0.1:$hop"
}
stop_postfix() {
  [[ -n "$PF_PID" ]] || return 0
  postfix -c "$1/etc" stop >/dev/null 2>&1 || true
  stop_pid "$PF_PID" postfix-master 15
  PF_PID=""
}

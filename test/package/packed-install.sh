#!/usr/bin/env bash
# The package as an admin installs it: `npm pack`, the tarball installed into an empty folder
# (dependencies from the registry, no dev dependencies: no TypeScript, no tsx), then
# `npx relaydesk start` runs, serves the console and /healthz, takes a mail over SMTP into a
# mailbox that `npx relaydesk mailbox list` shows, and stops on SIGTERM.
#
#   bash test/package/packed-install.sh                    # about 5 minutes: the native modules build from source
#   bash test/package/packed-install.sh --tarball FILE     # a tarball `npm pack` made already
#
# Prints "packed install: passed" and exits 0, or names the step that failed and exits 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD

# As in .ci/run: the native modules build here from source, against Node's own headers.
export DOWNLOAD_FORCE_BUILD=1 RE2_DOWNLOAD_FORCE_BUILD=1
headers=$(dirname "$(dirname "$(command -v node)")")
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$headers/include/node/node_api.h" ]; then export npm_config_nodedir="$headers"; fi

work=$(mktemp -d)
node_pgid=
cleanup() {
  if [ -n "$node_pgid" ]; then kill -KILL -- "-$node_pgid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '[packed install %s] %s\n' "$(date +%T)" "$*"; }
fail() {
  printf '[packed install] FAILED: %s\n' "$*" >&2
  [ -f "$work/app/start.log" ] && sed 's/^/  start.log: /' "$work/app/start.log" >&2
  exit 1
}

if [ "${1:-}" = --tarball ]; then
  [ -f "${2:-}" ] || fail "--tarball needs the path of a file made by npm pack"
  cp "$2" "$work/"
  tgz=$(basename "$2")
else
  step "npm pack"
  tgz=$(npm pack --silent --pack-destination "$work" | tail -1)
fi
listing=$(tar -tzf "$work/$tgz")
for f in package/bin/relaydesk.js package/dist/server/main.js package/dist/ui/index.html package/README.md; do
  grep -qx "$f" <<<"$listing" || fail "the tarball has no $f"
done
! grep -q '^package/src/' <<<"$listing" || fail "the tarball carries the TypeScript sources"
! grep -q '^package/test/' <<<"$listing" || fail "the tarball carries the tests"
step "$tgz: $(wc -l <<<"$listing") files, $(du -k "$work/$tgz" | cut -f1) KiB"

step "npm install the tarball into an empty folder"
mkdir "$work/app"
cd "$work/app"
printf '{ "name": "relaydesk-install-check", "version": "1.0.0", "private": true }\n' >package.json
npm_config_build_from_source=true npm install --no-audit --no-fund --omit=dev "$work/$tgz" >install.log 2>&1 || { tail -40 install.log >&2; fail "npm install of the tarball failed"; }
for dev in tsx typescript vite vitest esbuild; do
  [ ! -e "node_modules/$dev" ] || fail "a development package was installed: $dev"
done

step "npx relaydesk --version"
want=$(node -p "require('$REPO/package.json').version")
got=$(npx --no-install relaydesk --version) || fail "relaydesk --version failed"
[ "$got" = "$want" ] || fail "relaydesk --version printed '$got', not $want"

step "npx relaydesk apply"
printf 'domains: [solarmora.com]\nusers:\n  - address: alice@solarmora.com\n' >relaydesk.yaml
npx --no-install relaydesk apply -f relaydesk.yaml --data ./data >apply.log 2>&1 || { cat apply.log >&2; fail "relaydesk apply failed"; }

step "npx relaydesk start"
# A session of its own, so the whole tree (npx and the node it runs) is stopped by its group.
setsid npx --no-install relaydesk start --data ./data --smtp-port 0 --http-port 0 --no-dns >start.log 2>&1 &
node_pgid=$!
for ((i = 0; i < 120; i++)); do
  grep -q 'Relaydesk is running' start.log && break
  kill -0 "$node_pgid" 2>/dev/null || fail "relaydesk start exited"
  sleep 0.5
done
grep -q 'Relaydesk is running' start.log || fail "relaydesk start did not say it was running within 60 s"
smtp=$(sed -n 's/^ *SMTP *\(127\.0\.0\.1:[0-9]*\).*/\1/p' start.log | head -1)
web=$(sed -n 's|^ *Web *\(http://127\.0\.0\.1:[0-9]*\)/.*|\1|p' start.log | head -1)
[ -n "$smtp" ] && [ -n "$web" ] || fail "no SMTP or web address in the start banner"
grep -q '/setup#token=' start.log || fail "no first-start setup link in the banner"

step "GET $web/healthz and the console"
node --input-type=module -e '
  const base = process.argv[1];
  const health = await fetch(`${base}/healthz`);
  const body = await health.json();
  if (health.status !== 200 || body.ok !== true) throw new Error(`/healthz: ${health.status} ${JSON.stringify(body)}`);
  const page = await (await fetch(`${base}/`)).text();
  if (!page.includes("<div id=\"root\">")) throw new Error("the console page is not served");
' "$web" || fail "the web side does not answer as it should"

step "a mail over SMTP to $smtp"
swaks --server "${smtp%:*}" --port "${smtp#*:}" --from customer@example.net --to alice@solarmora.com \
  --header 'Subject: packed install check' --body 'hello' >swaks.log 2>&1 || { cat swaks.log >&2; fail "the SMTP session failed"; }
listed=$(npx --no-install relaydesk mailbox list alice@solarmora.com --json --data ./data) || fail "relaydesk mailbox list failed"
grep -q 'packed install check' <<<"$listed" || fail "the mail is not in alice's mailbox: $listed"

step "SIGTERM"
kill -TERM -- "-$node_pgid"
for ((i = 0; i < 120; i++)); do
  kill -0 "$node_pgid" 2>/dev/null || break
  sleep 0.5
done
! kill -0 "$node_pgid" 2>/dev/null || fail "relaydesk start did not stop within 60 s of SIGTERM"
node_pgid=

echo "packed install: passed"

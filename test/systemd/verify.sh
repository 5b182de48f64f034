#!/usr/bin/env bash
# Checks examples/relaydesk.service with systemd's own tools: `systemd-analyze verify` (syntax,
# directives, the ExecStart binary) must pass without a single warning, and the offline
# security review must rate its exposure 2.0 or better. Needs systemd-analyze (Debian:
# apt-get install systemd); without it, says so and exits 77 ("skipped").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
unit="$here/../../examples/relaydesk.service"
if ! command -v systemd-analyze >/dev/null; then
  echo "skipped: systemd-analyze is not installed (Debian: apt-get install systemd)" >&2
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$unit" "$work/relaydesk.service"
# verify checks that ExecStart's program exists: where node lives elsewhere, check the unit
# as it would be installed on this machine.
node=$(command -v node || true)
if [ ! -x /usr/bin/node ] && [ -n "$node" ]; then
  echo "note: no /usr/bin/node here; checking the unit with ExecStart=$node" >&2
  sed -i "s#^ExecStart=/usr/bin/node #ExecStart=$node #" "$work/relaydesk.service"
fi
# Unknown or misspelt directives are only warnings to systemd: any output fails the check.
out=$(systemd-analyze verify "$work/relaydesk.service" 2>&1) || { echo "$out" >&2; exit 1; }
if [ -n "$out" ]; then
  echo "systemd-analyze verify warned:" >&2
  echo "$out" >&2
  exit 1
fi
exposure=$(systemd-analyze security --offline=yes "$work/relaydesk.service" 2>&1 | sed -n 's/.*Overall exposure level for relaydesk.service: \([0-9.]*\).*/\1/p')
echo "systemd-analyze verify: ok; exposure level ${exposure:-unknown} (systemd-analyze security --offline)"
systemd-analyze security --offline=yes --threshold=20 "$work/relaydesk.service" >/dev/null 2>&1 || { echo "exposure ${exposure} is above 2.0" >&2; exit 1; }

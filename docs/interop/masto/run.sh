#!/usr/bin/env bash
# Checks a live copse node through masto.js, the client library the Elk and
# Phanpy apps use: builds copse, starts `copse serve` on a temporary data
# directory on a free loopback port over plain http, creates two members,
# and runs check.mjs against it. Exits non-zero if any step fails.
#
#   bash docs/interop/masto/run.sh
#
# Needs Go, Node 20 or later and npm (for `npm ci`, which fetches the
# pinned masto package into docs/interop/masto/node_modules).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d)
pid=

cleanup() {
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "building copse"
(cd "$root" && go build -o "$tmp/copse" ./cmd/copse)

port=$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
host="127.0.0.1:$port"
base="http://$host"
data="$tmp/data"
log="$tmp/copse.log"

echo "starting copse on $base (log $log)"
# A loopback host gets plain http by default; --protocol says so anyway.
"$tmp/copse" serve --host "$host" --listen "$host" --data-dir "$data" --protocol http \
	--log-level warn >"$log" 2>&1 &
pid=$!

for _ in $(seq 1 100); do
	if curl -fsS -o /dev/null "$base/api/v1/instance" 2>/dev/null; then
		break
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "copse exited during start-up:" >&2
		cat "$log" >&2
		exit 1
	fi
	sleep 0.1
done
curl -fsS -o /dev/null "$base/api/v1/instance"

pass_a='masto check passphrase A'
pass_b='masto check passphrase B'
"$tmp/copse" admin account create --data-dir "$data" --host "$host" \
	--username alice --email alice@example.test --password "$pass_a" --display-name 'Alice Check'
"$tmp/copse" admin account create --data-dir "$data" --host "$host" \
	--username bob --email bob@example.test --password "$pass_b" --display-name 'Bob Check'

(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

# masto 8 uses the global WebSocket, which Node 22 has and Node 20 has
# behind a flag.
node_flags=()
if ! node -e 'process.exit(typeof WebSocket === "function" ? 0 : 1)'; then
	node_flags+=(--experimental-websocket)
fi

status=0
node "${node_flags[@]}" "$here/check.mjs" "$base" alice "$pass_a" bob "$pass_b" || status=$?
if [[ $status -ne 0 ]]; then
	echo "--- copse log (warnings and errors) ---" >&2
	cat "$log" >&2
fi
exit "$status"

#!/usr/bin/env bash
# Start `make run` exactly as a new user would (fresh database, demo loaded once), then log
# in as every demo account in Debian's chromium and run the other tests marked `demo`, and stop.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PANGTING_DEMO_PORT:-8765}
var_dir=$(mktemp -d /tmp/pangting-demo.XXXXXX)
log="$var_dir/run.log"
setsid make run PORT="$port" PANGTING_VAR_DIR="$var_dir" >"$log" 2>&1 &
server=$!
cleanup() {
  kill -- -"$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$var_dir"
}
trap cleanup EXIT
for _ in $(seq 1 600); do
  if curl -fs -o /dev/null "http://127.0.0.1:$port/accounts/login/"; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then echo "make run stopped:"; cat "$log"; exit 1; fi
  sleep 1
done
grep -q "pangting-demo-2026" "$log" || { echo "make run did not print the demo logins:"; cat "$log"; exit 1; }
# Every test marked `demo` runs against this server (and may read its database through the var dir).
PANGTING_DEMO_URL="http://127.0.0.1:$port" PANGTING_DEMO_VAR_DIR="$var_dir" .venv/bin/pytest -q -m demo pangting

#!/usr/bin/env bash
# make demo: the gate end to end on this machine, against the local emulator.
# Registers (entitled), shows the result file and exit code, verifies it offline, then
# shows a refused start (not entitled, exit 3). Leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."

GATE=(node dist/metering-gate.mjs)
work=$(mktemp -d "${TMPDIR:-/tmp}/metering-gate-demo.XXXXXX")
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

start_emulator() {
  local scenario=$1
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  "${GATE[@]}" emulator --port 0 --scenario "$scenario" --task-region us-east-1 --key-out "$work/key.pem" >"$work/emulator.out" 2>"$work/emulator.log" &
  emulator_pid=$!
  for _ in $(seq 1 100); do
    [ -s "$work/emulator.out" ] && break
    sleep 0.05
  done
  url=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").split("\n")[0]).url)' "$work/emulator.out")
  echo "emulator ($scenario) listening on $url; its public key is in $work/key.pem"
}

# The demo's credentials are placeholders the emulator accepts; real runs use IRSA or the ECS task role.
export AWS_ACCESS_KEY_ID=AKIDMETERINGGATEDEMO AWS_SECRET_ACCESS_KEY=demo-secret AWS_SESSION_TOKEN=demo-session
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE="$work/none" AWS_SHARED_CREDENTIALS_FILE="$work/none"
export METERING_GATE_LOG_FORMAT=pretty

say "1. Start the local Metering emulator"
start_emulator entitled

say "2. Register, as the init container would"
echo "\$ metering-gate --product-code demo-product-1 --public-key-file key.pem --endpoint-url $url --output-dir $work/out"
set +e
"${GATE[@]}" --product-code demo-product-1 --public-key-file "$work/key.pem" --endpoint-url "$url" --output-dir "$work/out" >"$work/stdout.json"
code=$?
set -e
echo "exit code: $code"

say "3. The result file on the shared volume ($work/out/entitlement.json)"
cat "$work/out/entitlement.json"
say "   and entitlement.env, for shell entrypoints"
cat "$work/out/entitlement.env"

say "4. The main container re-verifies the token itself"
set +e
"${GATE[@]}" verify --output-dir "$work/out" --public-key-file "$work/key.pem" --product-code demo-product-1 >/dev/null
echo "verify exit code: $?"
set -e

say "5. A customer without a subscription: the start is refused"
start_emulator not-entitled
set +e
"${GATE[@]}" --product-code demo-product-1 --public-key-file "$work/key.pem" --endpoint-url "$url" --output-dir "$work/refused" >/dev/null
refused=$?
set -e
echo "exit code: $refused"
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`status=${r.status} errorCode=${r.errorCode}\nmessage: ${r.message}\nhint: ${r.hint}`)' "$work/refused/entitlement.json"
if [ "$refused" -ne 0 ]; then
  echo "=> Kubernetes/ECS would not start the main container (init container / SUCCESS dependency exited $refused)."
fi

[ "$code" -eq 0 ] && [ "$refused" -eq 3 ] || { echo "demo: unexpected exit codes ($code, $refused)" >&2; exit 1; }
say "Done: entitled run exited 0, not-entitled run exited 3; the emulator is stopped."

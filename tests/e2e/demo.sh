#!/bin/sh
# `make demo`: a deployment is running on a local mock CodeArts Deploy
# server; show its state, stop it with deploystop, show the state again.
# Loopback only; the mock is killed on every exit path.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${DEPLOYSTOP_BIN:-$ROOT/build/deploystop}
WORK=${DEMO_WORK:-$ROOT/build/demo}
PYTHON=${PYTHON:-python3}
TASK=e700f15965694253940502911220d76b
RECORD=2c82ffe8d00d4968a4e5f7a36d87ae17
MOCK_PID=

cleanup() {
    if [ -n "$MOCK_PID" ] && kill -0 "$MOCK_PID" 2>/dev/null; then
        kill "$MOCK_PID" 2>/dev/null || true
        wait "$MOCK_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$WORK"
mkdir -p "$WORK"
umask 077

say() { printf '\n== %s\n' "$*"; }

say "generating a test CA and a server certificate for 127.0.0.1 (keys stay in $WORK)"
"$PYTHON" "$ROOT/tests/mock/make_certs.py" "$WORK/certs" >/dev/null
CA="$WORK/certs/ca.pem"

# A random token for this run, in a mode-600 file: the way a real one is kept.
printf 'demo-%s\n' "$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')" > "$WORK/token"
printf 'X-Auth-Token: %s\n' "$(cat "$WORK/token")" > "$WORK/auth.header"

say "starting the mock CodeArts Deploy server with one running deployment (a stop takes effect two state polls later)"
"$PYTHON" "$ROOT/tests/mock/mock_deploy.py" --certs "$WORK/certs" --port 0 \
    --bind 127.0.0.1 --ready-file "$WORK/ready" --token-file "$WORK/token" \
    --log "$WORK/mock.log" --max-seconds 120 --stop-polls 2 2>"$WORK/mock.err" &
MOCK_PID=$!
i=0
while [ ! -s "$WORK/ready" ]; do
    i=$((i + 1))
    if [ "$i" -gt 200 ] || ! kill -0 "$MOCK_PID" 2>/dev/null; then
        echo "demo: the mock server did not start:" >&2
        cat "$WORK/mock.err" >&2
        exit 1
    fi
    sleep 0.05
done
PORT=$(cat "$WORK/ready")
URL="https://127.0.0.1:$PORT"
echo "mock listening on $URL"

PROJECT=8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a
COMMON="--endpoint $URL --task $TASK --project $PROJECT --token-file $WORK/token --ca-file $CA"

say "what runs on task $TASK now (deploystop status finds it in the history)"
echo "\$ deploystop status --endpoint $URL --task $TASK --project $PROJECT --token-file token --ca-file ca.pem"
# shellcheck disable=SC2086
"$BIN" status $COMMON

say "stopping whatever runs on the task, and waiting until it has ended"
echo "\$ deploystop stop --endpoint $URL --task $TASK --project $PROJECT --wait 30 --token-file token --ca-file ca.pem"
status=0
# shellcheck disable=SC2086
"$BIN" stop $COMMON --wait 30 > "$WORK/stop.out" || status=$?
cat "$WORK/stop.out"
echo "(exit status $status)"
if [ "$status" -ne 0 ] || ! grep -q "^stopped record $RECORD of task $TASK .*, ended (state " "$WORK/stop.out"; then
    echo "demo: deploystop did not stop and confirm the deployment (exit status $status)" >&2
    exit 1
fi

say "pressing stop again: nothing is left running"
echo "\$ deploystop stop --endpoint $URL --task $TASK --project $PROJECT --wait 30 --token-file token --ca-file ca.pem"
status=0
# shellcheck disable=SC2086
"$BIN" stop $COMMON --wait 30 > "$WORK/stop2.out" || status=$?
cat "$WORK/stop2.out"
echo "(exit status $status)"
if [ "$status" -ne 0 ] || ! grep -qx "nothing running on task $TASK" "$WORK/stop2.out"; then
    echo "demo: the second run should report nothing running (exit status $status)" >&2
    exit 1
fi
say "demo finished: the deployment was stopped, confirmed ended, and nothing runs any more"

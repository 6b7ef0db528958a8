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

say "starting the mock CodeArts Deploy server with one running deployment"
"$PYTHON" "$ROOT/tests/mock/mock_deploy.py" --certs "$WORK/certs" --port 0 \
    --bind 127.0.0.1 --ready-file "$WORK/ready" --token-file "$WORK/token" \
    --log "$WORK/mock.log" --max-seconds 120 2>"$WORK/mock.err" &
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

show_state() {
    echo "\$ curl --cacert ca.pem -H @auth.header '$URL/v2/tasks/$TASK/state?record_id=$RECORD'"
    curl -sS --max-time 10 --cacert "$CA" -H @"$WORK/auth.header" \
        "$URL/v2/tasks/$TASK/state?record_id=$RECORD" > "$WORK/state.json"
    "$PYTHON" -c 'import json,sys; r=json.load(open(sys.argv[1]))["result"]; print("record %s of task %s: status=%s step=%s" % (r.get("record_id"), r.get("task_id"), r.get("status"), r.get("step")))' "$WORK/state.json"
}

say "state before"
show_state

say "stopping it with deploystop"
echo "\$ deploystop stop --endpoint $URL --task $TASK --record $RECORD --token-file token --ca-file ca.pem"
status=0
"$BIN" stop --endpoint "$URL" --task "$TASK" --record "$RECORD" \
    --token-file "$WORK/token" --ca-file "$CA" || status=$?
echo "(exit status $status)"

say "state after"
show_state

if [ "$status" -ne 0 ]; then
    echo "demo: deploystop failed with exit status $status" >&2
    exit 1
fi
grep -q '"status": *"running"' "$WORK/state.json" && {
    echo "demo: the record is still running" >&2
    exit 1
}
say "demo finished: the deployment was stopped"

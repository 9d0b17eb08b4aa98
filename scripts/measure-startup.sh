#!/bin/bash
# Issue 6's start-up figure: time from spawning `wren run` (the embedded config/ datastore, node
# master1.k8s.com, in a scratch network namespace) to the first successful `wren status` on its
# control socket, five times. Needs root and a build (dist/). Removes its namespace, socket and
# datastore copy; stops each wren it started by PID.
#   bash scripts/measure-startup.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
wren=("node" "$root/dist/cli/main.js")
ns=wrstart$$
sock=/tmp/$ns.sock
ds=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$ds" "$sock" "/tmp/$ns.log"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
cp -r "$root/config/." "$ds/"
for i in 1 2 3 4 5; do
  t0=$(date +%s%N)
  ip netns exec "$ns" "${wren[@]}" run --datastore "$ds" --node master1.k8s.com --control "$sock" \
    --http none >"/tmp/$ns.log" 2>&1 &
  pid=$!
  tries=0
  until "${wren[@]}" status --control "$sock" --json >/dev/null 2>&1; do
    sleep 0.02
    tries=$((tries + 1))
    if [ "$tries" -gt 1000 ]; then
      echo "run $i: no answer within ~20 s" >&2
      exit 1
    fi
  done
  t1=$(date +%s%N)
  echo "run $i: wren status answered $(((t1 - t0) / 1000000)) ms after spawn (aim: 5000 ms)"
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
done

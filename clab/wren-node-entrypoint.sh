#!/bin/sh
# Entry point of the wren node image. containerlab runs a node's `exec` lines (the fabric
# address, the default route toward the leaf) only after the container started, so `wren run`
# waits until an interface other than lo and eth0 (the management network) has an IPv4 address,
# up to WREN_WAIT_FOR_ADDRESS seconds (default 120; 0 = do not wait), then execs wren.
set -eu
limit="${WREN_WAIT_FOR_ADDRESS:-120}"
if [ "$1" = "run" ] && [ "$limit" -gt 0 ]; then
  i=0
  while ! ip -o -4 addr show | awk '$2 != "lo" && $2 != "eth0" { found = 1 } END { exit !found }'; do
    i=$((i + 1))
    if [ "$i" -gt "$limit" ]; then
      echo "wren-node-entrypoint: no fabric address after ${limit}s; starting wren anyway" >&2
      break
    fi
    sleep 1
  done
fi
exec node /opt/wren/dist/cli/main.js "$@"

#!/usr/bin/env bash
# Installs the Debian packages wren's tests, labs and benchmarks use (idempotent, non-interactive):
# FRR, BIRD 2, GoBGP, ExaBGP, tcpdump/tshark, iproute2, ping, a C compiler for the netlink
# benchmark, and BIRD 1.6 (Calico's BIRD line). Debian's `bird` (1.6) package conflicts with
# `bird2`, so its .deb is downloaded and unpacked into $WREN_BIRD1_DIR (default /opt/wren/bird1)
# without registering it with dpkg. Package maintainer scripts are kept from starting daemons.
set -euo pipefail
BIRD1_DIR="${WREN_BIRD1_DIR:-/opt/wren/bird1}"
PKGS=(frr bird2 gobgpd exabgp tcpdump tshark iproute2 iputils-ping jq gcc libc6-dev procps)
log() { printf '[install-debs] %s\n' "$*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
  log "not root: cannot install Debian packages (${PKGS[*]}); tests that need them will skip"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing: ${missing[*]}"
  made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  trap '[[ $made_policy == 1 ]] && rm -f /usr/sbin/policy-rc.d' EXIT
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/wren-apt.log 2>&1 ||
    { tail -30 /tmp/wren-apt.log >&2; exit 1; }
fi
if [[ ! -x "$BIRD1_DIR/usr/sbin/bird" ]]; then
  log "unpacking BIRD 1.6 into $BIRD1_DIR"
  tmp=$(mktemp -d)
  chmod 755 "$tmp"
  (cd "$tmp" && apt-get download bird >/dev/null 2>&1) || { apt-get update -qq; (cd "$tmp" && apt-get download bird); }
  mkdir -p "$BIRD1_DIR"
  dpkg-deb -x "$tmp"/bird_*.deb "$BIRD1_DIR"
  rm -rf "$tmp"
fi

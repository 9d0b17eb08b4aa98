#!/usr/bin/env bash
# capture-wire-fixtures.sh - records golden BGP messages sent by real implementations (FRR 8.4,
# BIRD 2, GoBGP 3) and writes them as test fixtures for the wren wire codec.
#
# Usage: sudo scripts/capture-wire-fixtures.sh [OUT_DIR]     (default test/fixtures/wire)
# Env:   KEEP=1  keep the pcap and daemon logs in the run directory (printed at the end)
#
# What it does:
#   1. creates namespaces <P>-sw (bridge), <P>-frr, <P>-bird, <P>-gobgp, P = wcap<pid>, on one
#      segment 10.91.0.0/24 + fd00:91::/64; everything is removed on exit by recorded name and pid;
#   2. runs FRR (AS 4200000001), BIRD 2 (AS 65002) and GoBGP (AS 65002) peering with each other:
#      FRR-BIRD eBGP with ADD-PATH FRR->BIRD and extended messages, FRR-GoBGP eBGP, BIRD-GoBGP
#      iBGP (LOCAL_PREF) on a 2-octet-AS session (BIRD `enable as4 off`, so FRR's AS 4200000001
#      travels as AS_TRANS + AS4_PATH / AS4_AGGREGATOR), IPv4 + IPv6 unicast everywhere,
#      graceful restart (End-of-RIB), communities incl. well-known, large and extended
#      communities, MED, aggregates with AS_SET / ATOMIC_AGGREGATE / AGGREGATOR;
#   3. drives route refresh, withdrawals, shutdown communications and a Bad Peer AS OPEN error;
#   4. captures everything on the bridge with tcpdump, and hands the pcap to
#      scripts/capture/tshark-to-fixtures.mjs, which uses tshark's dissection (not wren's decoder)
#      to write test/fixtures/wire/<peer>-<what>.json = {source, context, hex, expected}.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(realpath -m "${1:-$ROOT/test/fixtures/wire}")"
P="wcap$$"
RUN="/tmp/$P"
NS_SW="$P-sw" NS_FRR="$P-frr" NS_BIRD="$P-bird" NS_GOBGP="$P-gobgp"
FRR_BIN=/usr/lib/frr
GOBGP_PORT=50077

log() { printf '[%s capture] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces)"
for b in "$FRR_BIN/bgpd" "$FRR_BIN/zebra" /usr/sbin/bird /usr/sbin/birdc /usr/bin/gobgpd /usr/bin/gobgp tcpdump tshark node; do
  command -v "$b" >/dev/null || die "$b is missing (scripts/install-debs.sh installs it)"
done

mkdir -p "$RUN"
chmod 755 "$RUN"
: > "$RUN/namespaces"
: > "$RUN/pids"

# ---------------------------------------------------------------------------------------------
# Cleanup: only what this run recorded (namespaces by name, processes by pid inside them).

ns_inode() { stat -L -c %i "/run/netns/$1" 2>/dev/null || true; }
pid_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local s; s="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  s="${s##*) }"; [[ "${s%% *}" != Z ]]
}
stop_recorded() {
  local pid ns i
  while read -r pid ns; do
    [[ -n "$pid" ]] || continue
    pid_alive "$pid" || continue
    if [[ -e "/run/netns/$ns" && "$(stat -L -c %i "/proc/$pid/ns/net" 2>/dev/null)" != "$(ns_inode "$ns")" ]]; then
      log "pid $pid is not in $ns any more; not signalling it"; continue
    fi
    kill -TERM "$pid" 2>/dev/null || true
  done < "$RUN/pids"
  for ((i = 0; i < 30; i++)); do
    local alive=0
    while read -r pid ns; do [[ -n "$pid" ]] && pid_alive "$pid" && alive=1; done < "$RUN/pids"
    [[ $alive -eq 0 ]] && return 0
    sleep 0.1
  done
  while read -r pid ns; do [[ -n "$pid" ]] && pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null; done < "$RUN/pids" || true
}
cleanup() {
  local rc=$?
  set +e
  stop_recorded
  # Anything still running inside our namespaces was started by us (daemons fork themselves).
  local ns pid
  while read -r ns; do
    [[ -n "$ns" && -e "/run/netns/$ns" ]] || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done < "$RUN/namespaces"
  if [[ "${KEEP:-0}" == 1 ]]; then log "kept $RUN"; else rm -rf "$RUN"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

record_pid() { echo "$1 $2" >> "$RUN/pids"; }

# ---------------------------------------------------------------------------------------------
# Network: one bridge segment with the three routers.

add_ns() {
  ip netns add "$1"
  echo "$1" >> "$RUN/namespaces"
  ip -n "$1" link set lo up
}
attach() {   # NS V4/24 V6/64 port
  local ns="$1" v4="$2" v6="$3" port="$4"
  ip link add eth0 netns "$ns" type veth peer name "$port" netns "$NS_SW"
  ip -n "$NS_SW" link set "$port" master br0 up
  ip -n "$ns" addr add "$v4" dev eth0
  ip -n "$ns" addr add "$v6" dev eth0 nodad
  ip -n "$ns" link set eth0 up
}

log "namespaces with prefix $P"
add_ns "$NS_SW"
ip -n "$NS_SW" link add br0 type bridge stp_state 0 forward_delay 0
ip -n "$NS_SW" link set br0 up
add_ns "$NS_FRR"; add_ns "$NS_BIRD"; add_ns "$NS_GOBGP"
attach "$NS_FRR" 10.91.0.1/24 fd00:91::1/64 p1
attach "$NS_BIRD" 10.91.0.2/24 fd00:91::2/64 p2
attach "$NS_GOBGP" 10.91.0.3/24 fd00:91::3/64 p3
# A second FRR address for the Bad Peer AS session with GoBGP.
ip -n "$NS_FRR" addr add 10.91.0.11/24 dev eth0
# Link-local addresses need DAD to finish before daemons bind them.
sleep 2

# ---------------------------------------------------------------------------------------------
# Capture everything crossing the bridge.

ip netns exec "$NS_SW" tcpdump -i br0 -U -Z root -w "$RUN/bgp.pcap" -s 0 'tcp port 179' 2>"$RUN/tcpdump.log" &
TCPDUMP_PID=$!   # ip netns exec execs tcpdump: same pid
record_pid "$TCPDUMP_PID" "$NS_SW"
for _ in $(seq 50); do grep -q "listening on" "$RUN/tcpdump.log" 2>/dev/null && break; sleep 0.1; done

# ---------------------------------------------------------------------------------------------
# FRR (AS 4200000001): zebra + bgpd with their own sockets in $RUN/frr.

FRR_DIR="$RUN/frr"
mkdir -p "$FRR_DIR"
cat > "$FRR_DIR/frr.conf" <<'EOF'
frr defaults traditional
hostname wcap-frr
service integrated-vtysh-config
!
bgp community-list standard KEEP permit 65001:100
!
route-map SETATTR permit 10
 set community 65001:100 65535:65284 65535:0 additive
 set large-community 4200000001:1:2 4200000001:3:4
 set extcommunity rt 65001:77 4200000001:9
 set metric 50
!
router bgp 4200000001
 bgp router-id 10.91.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp graceful-restart
 neighbor 10.91.0.2 remote-as 65002
 neighbor 10.91.0.2 timers connect 1
 neighbor 10.91.0.2 capability extended-nexthop
 neighbor 10.91.0.3 remote-as 65002
 neighbor 10.91.0.3 timers connect 1
 neighbor 10.91.0.13 remote-as 65077
 neighbor 10.91.0.13 update-source 10.91.0.11
 neighbor 10.91.0.13 timers connect 1
 !
 address-family ipv4 unicast
  network 10.91.10.0/24 route-map SETATTR
  network 10.91.11.1/32
  network 10.91.12.0/22
  aggregate-address 10.93.0.0/16 as-set summary-only
  aggregate-address 10.94.0.0/16 summary-only
  neighbor 10.91.0.2 addpath-tx-all-paths
 exit-address-family
 !
 address-family ipv6 unicast
  network fd00:9a::/48 route-map SETATTR
  network fd00:9b:1::/64
  neighbor 10.91.0.2 activate
  neighbor 10.91.0.3 activate
 exit-address-family
!
EOF
printf 'service integrated-vtysh-config\n' > "$FRR_DIR/vtysh.conf"
: > "$FRR_DIR/empty.conf"
chown -R frr:frr "$FRR_DIR"
frr_vty() { ip netns exec "$NS_FRR" vtysh --vty_socket "$FRR_DIR" --config_dir "$FRR_DIR" "$@"; }
for d in zebra bgpd; do
  ip netns exec "$NS_FRR" "$FRR_BIN/$d" -d -u frr -g frr -P 0 -f "$FRR_DIR/empty.conf" \
    -i "$FRR_DIR/$d.pid" -z "$FRR_DIR/zserv.api" --vty_socket "$FRR_DIR" \
    --log "file:$FRR_DIR/$d.log" >>"$FRR_DIR/start.log" 2>&1 || die "FRR $d failed to start"
  for _ in $(seq 100); do [[ -S "$FRR_DIR/$d.vty" ]] && break; sleep 0.1; done
  record_pid "$(cat "$FRR_DIR/$d.pid")" "$NS_FRR"
done
frr_vty -b >"$FRR_DIR/apply.log" 2>&1 || { cat "$FRR_DIR/apply.log" >&2; die "FRR config failed"; }
if grep -qiE 'unknown command|^% |line [0-9]+:' "$FRR_DIR/apply.log"; then
  cat "$FRR_DIR/apply.log" >&2; die "FRR config errors"
fi
log "FRR up"

# ---------------------------------------------------------------------------------------------
# BIRD 2 (AS 65002).

BIRD_DIR="$RUN/bird"
mkdir -p "$BIRD_DIR"
cat > "$BIRD_DIR/bird.conf" <<EOF
log "$BIRD_DIR/bird.log" all;
router id 10.91.0.2;
protocol device {}
protocol static s4 { ipv4; route 10.92.0.0/24 blackhole; route 10.92.1.1/32 blackhole; route 10.92.64.0/18 blackhole; }
protocol static s6 { ipv6; route fd00:92::/48 blackhole; route fd00:92:1::/64 blackhole; }
filter setattr {
  if net = 10.92.0.0/24 || net = fd00:92::/48 then {
    bgp_community.add((65002,200));
    bgp_community.add((65535,65281));
    bgp_community.add((65535,65282));
    bgp_large_community.add((65002,3,4));
    bgp_ext_community.add((rt,65002,88));
    bgp_ext_community.add((ro,65002,99));
    bgp_med = 20;
  }
  accept;
}
protocol bgp frr {
  local 10.91.0.2 as 65002;
  neighbor 10.91.0.1 as 4200000001;
  graceful restart on;
  enable extended messages on;
  connect delay time 1; connect retry time 2; error wait time 1, 2;
  ipv4 { import all; export filter setattr; add paths rx; };
  ipv6 { import all; export filter setattr; next hop address fd00:91::2; };
}
protocol bgp gobgp {
  local 10.91.0.2 as 65002;
  neighbor 10.91.0.3 as 65002;
  # A 2-octet-AS session (RFC 6793 §4.2): FRR's AS 4200000001 travels as AS_TRANS + AS4_PATH.
  enable as4 off;
  graceful restart on;
  connect delay time 1; connect retry time 2; error wait time 1, 2;
  ipv4 { import all; export all; next hop self; };
  ipv6 { import all; export all; next hop address fd00:91::2; };
}
EOF
ip netns exec "$NS_BIRD" /usr/sbin/bird -c "$BIRD_DIR/bird.conf" -s "$BIRD_DIR/bird.ctl" -P "$BIRD_DIR/bird.pid" \
  >"$BIRD_DIR/start.log" 2>&1 || { cat "$BIRD_DIR/start.log" >&2; die "BIRD failed to start"; }
for _ in $(seq 50); do [[ -s "$BIRD_DIR/bird.pid" ]] && break; sleep 0.1; done
record_pid "$(cat "$BIRD_DIR/bird.pid")" "$NS_BIRD"
birdc_() { /usr/sbin/birdc -s "$BIRD_DIR/bird.ctl" "$@"; }
log "BIRD up"

# ---------------------------------------------------------------------------------------------
# GoBGP (AS 65002): iBGP with BIRD, eBGP with FRR, and a session expecting the wrong AS.

GOBGP_DIR="$RUN/gobgp"
mkdir -p "$GOBGP_DIR"
cat > "$GOBGP_DIR/gobgpd.toml" <<'EOF'
[global.config]
  as = 65002
  router-id = "10.91.0.3"
  local-address-list = ["10.91.0.3"]
  port = 179

[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.91.0.1"
    peer-as = 4200000001
  [neighbors.timers.config]
    connect-retry = 1
  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = 120
  [neighbors.add-paths.config]
    receive = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true

[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.91.0.2"
    peer-as = 65002
  [neighbors.timers.config]
    connect-retry = 1
  [neighbors.graceful-restart.config]
    enabled = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true

[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.91.0.11"
    peer-as = 65066
  [neighbors.transport.config]
    local-address = "10.91.0.13"
  [neighbors.timers.config]
    connect-retry = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
EOF
ip -n "$NS_GOBGP" addr add 10.91.0.13/24 dev eth0
/usr/bin/gobgpd -d -t toml -f "$GOBGP_DIR/gobgpd.toml" >"$GOBGP_DIR/check.log" 2>&1 || { cat "$GOBGP_DIR/check.log" >&2; die "GoBGP config check failed"; }
ip netns exec "$NS_GOBGP" /usr/bin/gobgpd -t toml -f "$GOBGP_DIR/gobgpd.toml" --api-hosts "127.0.0.1:$GOBGP_PORT" \
  --pprof-disable -p >"$GOBGP_DIR/gobgpd.log" 2>&1 </dev/null &
GOBGP_PID=$!
record_pid "$GOBGP_PID" "$NS_GOBGP"
gobgp_() { ip netns exec "$NS_GOBGP" /usr/bin/gobgp -u 127.0.0.1 -p "$GOBGP_PORT" "$@"; }
for _ in $(seq 100); do gobgp_ global >/dev/null 2>&1 && break; sleep 0.1; done
gobgp_ global >/dev/null 2>&1 || { cat "$GOBGP_DIR/gobgpd.log" >&2; die "GoBGP API not answering"; }
log "GoBGP up"

# GoBGP originates routes (contributors of FRR's aggregates, communities, MED, LOCAL_PREF to BIRD).
gobgp_add() { gobgp_ global rib add "$@" >"$GOBGP_DIR/add.log" 2>&1 || die "gobgp rejected: $* ($(cat "$GOBGP_DIR/add.log"))"; }
gobgp_add -a ipv4 10.93.1.0/24 origin igp community 65002:300,no-advertise large-community 65002:5:6 med 30 local-pref 150
gobgp_add -a ipv4 10.93.2.0/24 origin incomplete community 65002:301
gobgp_add -a ipv4 10.94.7.0/24 origin egp
gobgp_add -a ipv4 10.95.0.0/25 rt 65002:555
gobgp_add -a ipv4 10.96.0.0/24 aspath "65010 {65020,65021}" aggregator 65010:10.9.9.9
gobgp_add -a ipv4 10.96.1.0/24 aspath 65010,4200000099 community blackhole,no-peer
gobgp_add -a ipv6 fd00:93::/48 nexthop fd00:91::3 community 65002:600 large-community 65002:7:8 med 60
gobgp_add -a ipv6 fd00:93:1::/64 nexthop fd00:91::3

# ---------------------------------------------------------------------------------------------
# Drive the sessions through their life.

frr_state() { frr_vty -c "show bgp neighbors $1 json" 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);console.log(Object.values(j)[0]?.bgpState??"")}catch{console.log("")}})'; }
wait_established() {   # FRR neighbor address
  local i
  for ((i = 0; i < 150; i++)); do
    [[ "$(frr_state "$1")" == Established ]] && return 0
    sleep 0.2
  done
  log "FRR session to $1 did not come up: $(frr_state "$1")"; return 1
}
bird_established() { birdc_ show protocols "$1" 2>/dev/null | grep -q Established; }
wait_bird() {
  local i
  for ((i = 0; i < 150; i++)); do bird_established "$1" && return 0; sleep 0.2; done
  log "BIRD protocol $1 did not come up"; birdc_ show protocols all "$1" >&2 || true; return 1
}

wait_established 10.91.0.2 || die "FRR-BIRD session failed (see $FRR_DIR/bgpd.log, $BIRD_DIR/bird.log)"
wait_established 10.91.0.3 || die "FRR-GoBGP session failed"
wait_bird gobgp || die "BIRD-GoBGP session failed"
log "sessions established; letting the initial UPDATEs and End-of-RIBs flow"
sleep 6

log "route refresh requests"
frr_vty -c "clear bgp ipv4 unicast 10.91.0.2 soft in" -c "clear bgp ipv6 unicast 10.91.0.3 soft in" >/dev/null
birdc_ reload in frr >/dev/null
gobgp_ neighbor 10.91.0.1 softresetin -a ipv4 >/dev/null
sleep 3

log "withdrawals"
frr_vty -c "configure terminal" -c "router bgp 4200000001" -c "address-family ipv4 unicast" -c "no network 10.91.11.1/32" \
  -c "exit-address-family" -c "address-family ipv6 unicast" -c "no network fd00:9b:1::/64" >/dev/null
gobgp_ global rib del -a ipv4 10.95.0.0/25 >/dev/null
gobgp_ global rib del -a ipv6 fd00:93:1::/64 >/dev/null
sed -i 's| route 10.92.1.1/32 blackhole;||; s| route fd00:92:1::/64 blackhole;||' "$BIRD_DIR/bird.conf"
birdc_ configure >/dev/null
sleep 3

log "administrative shutdowns with shutdown communications"
frr_vty -c "configure terminal" -c "router bgp 4200000001" \
  -c "neighbor 10.91.0.2 shutdown message wren capture: FRR maintenance, back in 5 min" >/dev/null
birdc_ 'disable gobgp "wren capture: BIRD shutting down the iBGP session"' >/dev/null
gobgp_ neighbor 10.91.0.1 shutdown --reason "wren capture: GoBGP going down" >/dev/null
sleep 3

log "Bad Peer AS: FRR expects AS 65077 from GoBGP at 10.91.0.13, GoBGP expects 65066 from 10.91.0.11"
sleep 4

kill -TERM "$TCPDUMP_PID" 2>/dev/null || true
for _ in $(seq 50); do pid_alive "$TCPDUMP_PID" || break; sleep 0.1; done
log "captured $(stat -c %s "$RUN/bgp.pcap") octets"

VERSIONS="$(printf '{"frr":"%s","bird":"%s","gobgp":"%s","tshark":"%s"}' \
  "$("$FRR_BIN/bgpd" --version | head -1 | awk '{print $3}')" \
  "$(/usr/sbin/bird --version 2>&1 | awk '{print $3}')" \
  "$(/usr/bin/gobgpd --version 2>/dev/null | awk '{print $3}')" \
  "$(tshark --version 2>/dev/null | head -1 | awk '{print $2}')")"
mkdir -p "$OUT"
node "$ROOT/scripts/capture/tshark-to-fixtures.mjs" --pcap "$RUN/bgp.pcap" --out "$OUT" \
  --peers "10.91.0.1=frr,10.91.0.11=frr,10.91.0.2=bird,10.91.0.3=gobgp,10.91.0.13=gobgp" \
  --versions "$VERSIONS"
[[ "${KEEP:-0}" == 1 ]] && cp "$RUN/bgp.pcap" "$RUN/keep.pcap"
log "done: fixtures in $OUT"

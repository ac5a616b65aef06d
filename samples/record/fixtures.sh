#!/usr/bin/env bash
# Records the small parser fixtures in samples/fixtures/.
# NEEDS ROOT.  Not run by CI.
# usage: fixtures.sh [NAME ...]   (default: all)
# NAMEs: client-closes-first server-closes-first simultaneous-close refused
#        port-reuse nano sll sll2 vlan ipv6
# Namespaces tpmsfc (client, 10.231.8.1, fd00:231::1) / tpmsfs (server,
# 10.231.8.2, fd00:231::2); the VLAN fixture adds 10.231.9.1/10.231.9.2 and
# tags every frame on the veth with VID 42 (see fx_vlan: emulated with tc BPF
# because the recording kernel lacks 802.1Q support).
source "$(dirname "$0")/lib.sh"
need_root
mkdir -p "$FIXTURES_DIR"
PEER="$REC_DIR/fixture-peer.py"
two_hosts tpmsf 10.231.8

# peer_pair MODE PORT [server-count] [client-extra-arg]: run server + client
peer_pair() {
  local mode=$1 port=$2 count=${3:-1} extra=${4:-}
  start_bg "srv-$mode" "$SNS" python3 "$PEER" server "$mode" "$SIP" "$port" "$count"
  local sp=$BG_PID
  wait_port "$SNS" "$port"
  nsx "$CNS" python3 "$PEER" client "$mode" "$SIP" "$port" $extra
  wait "$sp" || true
}

# http_exchange [HOST]: one GET (Connection: close) to the Node server on :8080
http_exchange() { nsx "$CNS" python3 "$PEER" http-get "${1:-$SIP}" 8080 /fixture; }

start_http_server() {
  start_bg "http-$1" "$SNS" node "$REC_DIR/http-server.js" "${2:-$SIP}" 8080 5000
  HTTP_PID=$BG_PID
  wait_port "$SNS" 8080
}
stop_http_server() { kill "$HTTP_PID" 2>/dev/null || true; wait "$HTTP_PID" 2>/dev/null || true; }

# crossed_fins FILE: true if the second FIN does not acknowledge the first one
crossed_fins() {
  tshark -n -r "$1" -Y 'tcp.flags.fin==1' -T fields -e ip.src -e tcp.seq_raw -e tcp.ack_raw -e tcp.len 2>/dev/null |
    python3 -c '
import sys
rows=[l.split() for l in sys.stdin if l.strip()]
if len(rows) < 2 or rows[0][0] == rows[1][0]: sys.exit(1)
a, b = rows[0], rows[1]
fin_a_seq = int(a[1]) + int(a[3])
sys.exit(0 if int(b[2]) == fin_a_seq else 1)'
}

fx_client-closes-first() {
  start_capture "$CNS" "$FIXTURES_DIR/client-closes-first.pcap" -i vc -s 0 tcp
  peer_pair client-closes 7001
  stop_capture
}
fx_server-closes-first() {
  start_capture "$CNS" "$FIXTURES_DIR/server-closes-first.pcap" -i vc -s 0 tcp
  peer_pair server-closes 7002
  stop_capture
}
fx_simultaneous-close() {
  local out="$FIXTURES_DIR/simultaneous-close.pcap" i
  for i in $(seq 1 20); do
    start_capture "$CNS" "$out" -i vc -s 0 tcp
    peer_pair simultaneous 7003
    stop_capture
    if crossed_fins "$out"; then log "simultaneous close: crossed FINs on attempt $i"; return 0; fi
    log "simultaneous close attempt $i: FINs did not cross, retrying"
  done
  log "WARNING: no crossed FINs after 20 attempts"; return 1
}
fx_refused() {
  start_capture "$CNS" "$FIXTURES_DIR/refused.pcap" -i vc -s 0 tcp
  nsx "$CNS" python3 "$PEER" client refused "$SIP" 7009
  stop_capture
}
fx_port-reuse() {
  start_capture "$CNS" "$FIXTURES_DIR/port-reuse.pcap" -i vc -s 0 tcp
  peer_pair port-reuse 7004 2 40404
  stop_capture
}
fx_nano() {
  start_http_server nano
  start_capture "$CNS" "$FIXTURES_DIR/nano.pcap" -i vc -s 0 --time-stamp-precision=nano tcp
  http_exchange
  stop_capture; stop_http_server
}
fx_sll() {
  start_http_server sll
  start_capture "$CNS" "$FIXTURES_DIR/sll.pcap" -i any -y LINUX_SLL -s 0 tcp
  http_exchange
  stop_capture; stop_http_server
}
fx_sll2() {
  start_http_server sll2
  start_capture "$CNS" "$FIXTURES_DIR/sll2.pcap" -i any -s 0 tcp
  http_exchange
  stop_capture; stop_http_server
}
fx_vlan() {
  # The recording kernel has no CONFIG_VLAN_8021Q ("ip link add ... type vlan"
  # fails with "Unknown device type"), so the 802.1Q trunk is emulated with two
  # tiny tc BPF programs (bpf-vlan.py): push VID 42 on egress, pop on ingress,
  # on both veth ends.  tcpdump on the parent veth sees tagged frames.
  ip -n "$CNS" addr add 10.231.9.1/24 dev vc
  ip -n "$SNS" addr add 10.231.9.2/24 dev vs
  mkdir -p "$TPMS_TMP/bpffs"
  unshare -m --propagation private bash -euc '
    mount -t bpf bpf "$1"
    python3 "$2" "$1"
    for pair in "$3 vc" "$4 vs"; do
      read -r ns dev <<<"$pair"
      ip netns exec "$ns" tc qdisc add dev "$dev" clsact
      ip netns exec "$ns" tc filter add dev "$dev" egress bpf da pinned "$1/push"
      ip netns exec "$ns" tc filter add dev "$dev" ingress bpf da pinned "$1/pop"
    done' vlan "$TPMS_TMP/bpffs" "$REC_DIR/bpf-vlan.py" "$CNS" "$SNS"
  start_http_server vlan 10.231.9.2
  start_capture "$CNS" "$FIXTURES_DIR/vlan.pcap" -i vc -s 0 vlan and tcp
  http_exchange 10.231.9.2
  stop_capture; stop_http_server
  nsx "$CNS" tc qdisc del dev vc clsact; nsx "$SNS" tc qdisc del dev vs clsact
  ip -n "$CNS" addr del 10.231.9.1/24 dev vc; ip -n "$SNS" addr del 10.231.9.2/24 dev vs
}
fx_ipv6() {
  for ns in "$CNS" "$SNS"; do
    nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
      net.ipv6.conf.vc.disable_ipv6=0 2>/dev/null || nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.vs.disable_ipv6=0
  done
  ip -n "$CNS" addr add fd00:231::1/64 dev vc nodad
  ip -n "$SNS" addr add fd00:231::2/64 dev vs nodad
  start_http_server ipv6 fd00:231::2
  start_capture "$CNS" "$FIXTURES_DIR/ipv6.pcap" -i vc -s 0 ip6 and tcp
  http_exchange fd00:231::2
  stop_capture; stop_http_server
}

ALL=(client-closes-first server-closes-first simultaneous-close refused port-reuse nano sll sll2 vlan ipv6)
for name in "${@:-${ALL[@]}}"; do
  log "fixture $name"
  "fx_$name"
done
show_logs

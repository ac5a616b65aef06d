# Shared helpers for the recording scripts in samples/record/.
#
# NEEDS ROOT (creates network namespaces, veth pairs, iptables rules inside
# those namespaces, runs tcpdump).  Not run by CI.  Every script that sources
# this file installs an EXIT trap that deletes the namespaces it created and
# kills the processes it started, even when it fails half-way.
#
# Conventions: namespace names start with "tpms", addresses are inside
# 10.231.0.0/16 (each scenario uses its own /24 so that captures can be merged
# without colliding conversations).
set -euo pipefail

REC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SAMPLES_DIR="$(cd "$REC_DIR/.." && pwd)"
FIXTURES_DIR="$SAMPLES_DIR/fixtures"

_TPMS_NS=()
_TPMS_PIDS=()
TPMS_TMP="$(mktemp -d /tmp/tpms.XXXXXX)"

log() { printf '[%s %(%H:%M:%S)T] %s\n' "$(basename "$0")" -1 "$*" >&2; }

need_root() {
  if [[ $(id -u) -ne 0 ]]; then echo "must run as root" >&2; exit 1; fi
  for t in ip tcpdump ethtool tshark; do
    command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }
  done
}

tpms_cleanup() {
  local rc=$?
  set +e
  local i
  for (( i=${#_TPMS_PIDS[@]}-1; i>=0; i-- )); do
    local p=${_TPMS_PIDS[$i]}
    if kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null
      for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$p" 2>/dev/null
    fi
  done
  for ns in "${_TPMS_NS[@]}"; do
    # kill anything still living in the namespace (only our own namespaces)
    local pids
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  rm -rf "$TPMS_TMP"
  exit $rc
}
trap tpms_cleanup EXIT
trap 'exit 130' INT TERM

# track a background pid for cleanup
track() { _TPMS_PIDS+=("$1"); }

# ns_add NAME: create a namespace with lo up and IPv6 disabled (no ND/MLD noise).
ns_add() {
  local ns=$1
  case "$ns" in tpms*) ;; *) echo "namespace must start with tpms" >&2; exit 1;; esac
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  _TPMS_NS+=("$ns")
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# nsx NS cmd...: run in namespace
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# veth_link NS1 DEV1 ADDR1/PLEN NS2 DEV2 ADDR2/PLEN [MAC1 MAC2]
# Creates a veth pair, moves the ends into the namespaces, assigns addresses,
# turns off TSO/GSO/GRO so captured frames are wire-sized.
veth_link() {
  local ns1=$1 d1=$2 a1=$3 ns2=$4 d2=$5 a2=$6 m1=${7:-} m2=${8:-}
  ip link add "$d1" netns "$ns1" type veth peer name "$d2" netns "$ns2"
  [[ -n "$m1" ]] && ip -n "$ns1" link set "$d1" address "$m1"
  [[ -n "$m2" ]] && ip -n "$ns2" link set "$d2" address "$m2"
  [[ "$a1" != - ]] && ip -n "$ns1" addr add "$a1" dev "$d1"
  [[ "$a2" != - ]] && ip -n "$ns2" addr add "$a2" dev "$d2"
  ip -n "$ns1" link set "$d1" up
  ip -n "$ns2" link set "$d2" up
  nsx "$ns1" ethtool -K "$d1" tso off gso off gro off >/dev/null 2>&1 || true
  nsx "$ns2" ethtool -K "$d2" tso off gso off gro off >/dev/null 2>&1 || true
}

# two_hosts PREFIX NET: namespaces ${PREFIX}c (client, NET.1) and ${PREFIX}s
# (server, NET.2), devices vc / vs.  NET like 10.231.1
two_hosts() {
  local p=$1 net=$2
  CNS=${p}c; SNS=${p}s; CIP=$net.1; SIP=$net.2
  ns_add "$CNS"; ns_add "$SNS"
  veth_link "$CNS" vc "$CIP/24" "$SNS" vs "$SIP/24" 02:00:0a:e7:00:01 02:00:0a:e7:00:02
}

# start_bg NAME NS cmd... : start a background process in NS, output to $TPMS_TMP/NAME.log
# sets BG_PID
start_bg() {
  local name=$1 ns=$2; shift 2
  ip netns exec "$ns" "$@" >"$TPMS_TMP/$name.log" 2>&1 &
  BG_PID=$!
  track "$BG_PID"
}

# wait_port NS PORT [IP]: wait until something listens on TCP PORT in NS
wait_port() {
  local ns=$1 port=$2
  for _ in $(seq 1 100); do
    if nsx "$ns" ss -Htln "sport = :$port" | grep -q .; then return 0; fi
    sleep 0.05
  done
  echo "nothing listening on $port in $ns" >&2; return 1
}

# start_capture NS OUTFILE tcpdump-args... : start tcpdump, wait until it listens
# sets CAP_PID
start_capture() {
  local ns=$1 out=$2; shift 2
  rm -f "$out"
  ip netns exec "$ns" tcpdump -Z root --immediate-mode -U -n -w "$out" "$@" 2>"$TPMS_TMP/tcpdump.$$.$RANDOM.log" &
  CAP_PID=$!
  track "$CAP_PID"
  for _ in $(seq 1 100); do
    [[ -s "$out" ]] && break
    sleep 0.05
  done
  sleep 0.3
}

stop_capture() {
  local pid=${1:-$CAP_PID}
  # give libpcap time to hand over its last ring block before SIGINT
  sleep 1.2
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

show_logs() { for f in "$TPMS_TMP"/*.log; do [[ -e $f ]] || continue; echo "--- $(basename "$f")"; cat "$f"; done >&2; }

#!/usr/bin/env bash
# Records samples/keepalive-persist-blackhole.pcap
# NEEDS ROOT.  Not run by CI.  tpmskbc 10.231.19.1 (client) / tpmskbs 10.231.19.2
# (server), both blackhole-peer.py.  Captured on the client's veth.
#   t=0     A: a line to :7000, answered, then idle with TCP keep-alive
#           (TCP_KEEPIDLE 3 s, TCP_KEEPINTVL 1 s, TCP_KEEPCNT 3): a probe at ~3 s, answered;
#           B: 256 KiB to :7001, whose reader never reads (4 KiB receive buffer):
#           zero window, persist probes answered with a zero window
#   t=4.5   server host cut off: iptables DROP INPUT+OUTPUT in tpmskbs (no ICMP)
#   then    A: the next probe (~6 s) and 3 more 1 s apart go unanswered, the
#           client's kernel gives up and sends RST (dropped); B: persist probes
#           unanswered, still backing off when the capture ends (~15 s)
source "$(dirname "$0")/lib.sh"
need_root
command -v iptables >/dev/null || { echo "need iptables" >&2; exit 1; }
OUT="$SAMPLES_DIR/keepalive-persist-blackhole.pcap"
two_hosts tpmskb 10.231.19
start_bg server "$SNS" python3 "$REC_DIR/blackhole-peer.py" server "$SIP"
wait_port "$SNS" 7001
start_capture "$CNS" "$OUT" -i vc -s 0
start_bg client "$CNS" python3 "$REC_DIR/blackhole-peer.py" client "$SIP" 3 1 3 14
CLI=$BG_PID
sleep 4.5
log "blackhole on"
nsx "$SNS" iptables -A INPUT -j DROP
nsx "$SNS" iptables -A OUTPUT -j DROP
wait "$CLI" || true
stop_capture
show_logs
log "wrote $OUT"

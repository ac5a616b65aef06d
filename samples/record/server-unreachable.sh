#!/usr/bin/env bash
# Records samples/server-unreachable.pcap
# NEEDS ROOT.  Not run by CI.  tpmsunc 10.231.18.1 (Node client, client-blackhole.js,
# net.ipv4.tcp_syn_retries = 2) / tpmsuns 10.231.18.2 (Node http server,
# keepAliveTimeout 5000, so idle sockets close after ~6 s).  The server host is
# blackholed (iptables DROP INPUT+OUTPUT in tpmsuns, no ICMP) from ~1 s to ~17 s:
#   - request c (t=4) on a pooled connection is retransmitted with backoff;
#   - request d (t=5) on a new connection: SYNs at 5, 6, 8 s, connect gives up at ~12 s;
#   - meanwhile the server's idle timer closes both pooled connections (~6 s); its FINs
#     are dropped, the orphans stay in FIN_WAIT_1;
#   - after the path returns, c's next retransmission reaches the orphan, which
#     answers RST (data on a closed socket); request e (t=20) opens a new connection.
source "$(dirname "$0")/lib.sh"
need_root
command -v iptables >/dev/null || { echo "need iptables" >&2; exit 1; }
OUT="$SAMPLES_DIR/server-unreachable.pcap"
two_hosts tpmsun 10.231.18
nsx "$CNS" sysctl -qw net.ipv4.tcp_syn_retries=2
start_bg server "$SNS" node "$REC_DIR/http-server.js" "$SIP" 8080 5000
wait_port "$SNS" 8080
start_capture "$CNS" "$OUT" -i vc -s 0
start_bg client "$CNS" node "$REC_DIR/client-blackhole.js" "$SIP" 8080
CLI=$BG_PID
sleep 1.0
log "blackhole on"
nsx "$SNS" iptables -A INPUT -j DROP
nsx "$SNS" iptables -A OUTPUT -j DROP
sleep 6
log "server namespace during the blackhole:"; nsx "$SNS" ss -tano >&2
sleep 10
log "blackhole off"
nsx "$SNS" iptables -F
wait "$CLI" || true
stop_capture
show_logs
log "wrote $OUT"

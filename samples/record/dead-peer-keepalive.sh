#!/usr/bin/env bash
# Records samples/dead-peer-keepalive.pcap
# NEEDS ROOT.  Not run by CI.  tpms3c 10.231.4.1 (client) / tpms3s 10.231.4.2 (server).
# Timeline (t = client start, capture on the client's interface):
#   t=0     request 1 on a new keep-alive connection, answered
#   t=1.0   server host cut off: iptables DROP INPUT+OUTPUT in tpms3s
#   t=1.5   server process aborts its connections (resetAndDestroy; the RST is
#           dropped by OUTPUT, so the client never hears it) and is restarted
#   t=2.0   client reuses the pooled socket for request 2 -> retransmissions
#           with RTO 0.2, 0.4, 0.8, 1.6, 3.2, 6.4 s
#   t=10    client's application timeout (8 s) fires; it only logs
#   t=12.5  DROP rules removed
#   t~14.6  next retransmission reaches the server kernel, which has no socket
#           for it -> RST
source "$(dirname "$0")/lib.sh"
need_root
OUT="$SAMPLES_DIR/dead-peer-keepalive.pcap"
two_hosts tpms3 10.231.4
export RESET_ON_SIGUSR2=1
start_bg server1 "$SNS" node "$REC_DIR/http-server.js" "$SIP" 8080 30000
SRV1=$BG_PID
wait_port "$SNS" 8080
start_capture "$CNS" "$OUT" -i vc -s 0
start_bg client "$CNS" node "$REC_DIR/client-dead-peer.js" "$SIP" 8080 2000 8000
CLI=$BG_PID
sleep 1.0
log "cutting off the server host"
nsx "$SNS" iptables -A INPUT -j DROP
nsx "$SNS" iptables -A OUTPUT -j DROP
sleep 0.5
log "server aborts its connections and restarts"
kill -USR2 "$SRV1"; wait "$SRV1" || true
start_bg server2 "$SNS" node "$REC_DIR/http-server.js" "$SIP" 8080 30000
wait_port "$SNS" 8080
nsx "$SNS" ss -tan >&2
sleep 11
log "path restored"
nsx "$SNS" iptables -F
wait "$CLI" || true
stop_capture
show_logs
log "wrote $OUT"

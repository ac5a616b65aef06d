#!/usr/bin/env bash
# Records samples/fin-after-fin-timeout.pcap
# NEEDS ROOT.  Not run by CI.  tpmsftc 10.231.17.1 (python client that closes
# late) / tpmsfts 10.231.17.2 (Node http server, keepAliveTimeout 1000 ms, which
# Node 20.20 turns into a ~2 s idle close).  The server namespace has
# net.ipv4.tcp_fin_timeout = 3 (per netns): an orphaned FIN_WAIT_2 socket lives
# 3 s.  Holds of 1 and 2 s close normally; holds of 4, 5 and 6 s send a FIN to a
# server that has forgotten the connection, which answers RST.
source "$(dirname "$0")/lib.sh"
need_root
OUT="$SAMPLES_DIR/fin-after-fin-timeout.pcap"
two_hosts tpmsft 10.231.17
nsx "$SNS" sysctl -qw net.ipv4.tcp_fin_timeout=3
start_bg server "$SNS" node "$REC_DIR/http-server.js" "$SIP" 8080 1000
wait_port "$SNS" 8080
start_capture "$CNS" "$OUT" -i vc -s 0
nsx "$CNS" python3 "$REC_DIR/client-late-close.py" "$SIP" 8080 0.5 1 2 4 5 6
stop_capture
show_logs
log "wrote $OUT"

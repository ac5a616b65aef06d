#!/usr/bin/env bash
# Records samples/http10-keepalive.pcap
# NEEDS ROOT.  Not run by CI.  tpmsh0c 10.231.12.1 (python HTTP/1.0 client) /
# tpmsh0s 10.231.12.2 (Node http server, keepAliveTimeout 5 s).  Three HTTP/1.0
# requests with "Connection: keep-alive" on one connection (client closes it),
# then one HTTP/1.0 request without keep-alive (the server closes).
source "$(dirname "$0")/lib.sh"
need_root
OUT="$SAMPLES_DIR/http10-keepalive.pcap"
two_hosts tpmsh0 10.231.12
start_bg server "$SNS" node "$REC_DIR/http-server.js" "$SIP" 8080 5000
wait_port "$SNS" 8080
start_capture "$CNS" "$OUT" -i vc -s 0
nsx "$CNS" python3 "$REC_DIR/client-http10.py" "$SIP" 8080 3
stop_capture
show_logs
log "wrote $OUT"

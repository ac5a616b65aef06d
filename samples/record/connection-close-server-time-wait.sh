#!/usr/bin/env bash
# Records samples/connection-close-server-time-wait.pcap
# NEEDS ROOT.  Not run by CI.  Creates namespaces tpms1c/tpms1s (10.231.1.0/24).
# Node http server (keepAliveTimeout 5 s) on 10.231.1.2:8080; Node client on
# 10.231.1.1 makes 5 requests with "Connection: close" (server closes first ->
# TIME_WAIT on the server) then 5 requests on one keep-alive connection.
source "$(dirname "$0")/lib.sh"
need_root
OUT="$SAMPLES_DIR/connection-close-server-time-wait.pcap"
two_hosts tpms1 10.231.1
start_bg server "$SNS" node "$REC_DIR/http-server.js" "$SIP" 8080 5000
wait_port "$SNS" 8080
start_capture "$CNS" "$OUT" -i vc -s 0
nsx "$CNS" node "$REC_DIR/client-close-vs-keepalive.js" "$SIP" 8080
log "server-side TIME_WAIT sockets right after the run:"; nsx "$SNS" ss -tan | grep -E "^State|TIME-WAIT" >&2 || true
stop_capture
show_logs
log "wrote $OUT"

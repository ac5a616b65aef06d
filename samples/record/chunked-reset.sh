#!/usr/bin/env bash
# Records samples/chunked-reset.pcap
# NEEDS ROOT.  Not run by CI.  tpmsckc 10.231.11.1 (curl) / tpmscks 10.231.11.2
# (chunked-server.js).  curl fetches /full then /cut on one keep-alive
# connection: the first chunked response completes (with a trailer), the second
# is cut by an RST from the server after 3 chunks.
source "$(dirname "$0")/lib.sh"
need_root
command -v curl >/dev/null || { echo "need curl" >&2; exit 1; }
OUT="$SAMPLES_DIR/chunked-reset.pcap"
two_hosts tpmsck 10.231.11
start_bg server "$SNS" node "$REC_DIR/chunked-server.js" "$SIP" 8080
wait_port "$SNS" 8080
start_capture "$CNS" "$OUT" -i vc -s 0
# curl exits 56 (Recv failure: Connection reset by peer) on the second URL
nsx "$CNS" curl -sS -v --raw "http://$SIP:8080/full" "http://$SIP:8080/cut" -o /dev/null -o /dev/null 2>"$TPMS_TMP/curl.log" || log "curl exit $?"
stop_capture
show_logs
log "wrote $OUT"

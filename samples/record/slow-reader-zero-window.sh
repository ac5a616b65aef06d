#!/usr/bin/env bash
# Records samples/slow-reader-zero-window.pcap
# NEEDS ROOT.  Not run by CI.  tpms5c 10.231.6.1 (python slow reader, SO_RCVBUF
# 4096) / tpms5s 10.231.6.2 (nginx, send_timeout 30s, reset_timedout_connection
# on, 256 MiB sparse file, small tcp_wmem in the server namespace).
# Capture on the client interface, full frames (the transfer stops after ~100 KB).
source "$(dirname "$0")/lib.sh"
need_root
OUT="$SAMPLES_DIR/slow-reader-zero-window.pcap"
two_hosts tpms5 10.231.6
nsx "$SNS" sysctl -qw net.ipv4.tcp_wmem="4096 16384 65536"
mkdir -p "$TPMS_TMP/www"
truncate -s 256M "$TPMS_TMP/www/big.bin"
sed -e "s#@TMP@#$TPMS_TMP#g" -e "s#@ADDR@#$SIP#g" "$REC_DIR/nginx-slow-reader.conf" >"$TPMS_TMP/nginx.conf"
start_bg nginx "$SNS" nginx -p "$TPMS_TMP" -c "$TPMS_TMP/nginx.conf"
wait_port "$SNS" 8080
start_capture "$CNS" "$OUT" -i vc -s 0
nsx "$CNS" python3 "$REC_DIR/client-slow-reader.py" "$SIP" 8080 /big.bin 65536 34
stop_capture
grep -i 'timed out' "$TPMS_TMP/nginx-error.log" >&2 || true
show_logs
log "wrote $OUT"

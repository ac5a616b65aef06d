#!/usr/bin/env bash
# Records samples/keepalive-timeout-mismatch.pcap
# NEEDS ROOT.  Not run by CI.  tpmskac 10.231.14.1 (python pool, 2 workers) /
# tpmskas 10.231.14.2 (nginx, keepalive_timeout 1s, advertised "Keep-Alive:
# timeout=1").  The pool idles 2.0, 2.5, 3.0 and 2.2 s between rounds, always
# longer than the server's 1 s: every pooled connection is closed by the server
# while idle, the next request on it is answered by RST and retried on a new one.
source "$(dirname "$0")/lib.sh"
need_root
command -v nginx >/dev/null || { echo "need nginx" >&2; exit 1; }
OUT="$SAMPLES_DIR/keepalive-timeout-mismatch.pcap"
two_hosts tpmska 10.231.14
sed -e "s#@TMP@#$TPMS_TMP#g" -e "s#@ADDR@#$SIP#g" "$REC_DIR/nginx-mismatch.conf" >"$TPMS_TMP/nginx.conf"
start_bg nginx "$SNS" nginx -p "$TPMS_TMP" -c "$TPMS_TMP/nginx.conf"
wait_port "$SNS" 8080
start_capture "$CNS" "$OUT" -i vc -s 0
nsx "$CNS" python3 "$REC_DIR/client-stale-pool.py" "$SIP" 8080 2 2.0 2.5 3.0 2.2
stop_capture
show_logs
log "wrote $OUT"

#!/usr/bin/env bash
# Records samples/keepalive-idle-race.pcap
# NEEDS ROOT.  Not run by CI.  tpms4c 10.231.5.1 (python client) /
# tpms4s 10.231.5.2 (nginx, keepalive_timeout 1s).  The client reuses each
# connection after 0.5 s (safe) and after 1.0-1.2 s (straddling the idle close).
source "$(dirname "$0")/lib.sh"
need_root
command -v nginx >/dev/null || { echo "need nginx" >&2; exit 1; }
OUT="$SAMPLES_DIR/keepalive-idle-race.pcap"
two_hosts tpms4 10.231.5
sed -e "s#@TMP@#$TPMS_TMP#g" -e "s#@ADDR@#$SIP#g" "$REC_DIR/nginx-race.conf" >"$TPMS_TMP/nginx.conf"
start_bg nginx "$SNS" nginx -p "$TPMS_TMP" -c "$TPMS_TMP/nginx.conf"
wait_port "$SNS" 8080
start_capture "$CNS" "$OUT" -i vc -s 0
nsx "$CNS" python3 "$REC_DIR/client-idle-race.py" "$SIP" 8080 0.5 1.0 1.01 1.03 1.1 1.2
stop_capture
show_logs
log "wrote $OUT"

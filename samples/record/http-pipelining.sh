#!/usr/bin/env bash
# Records samples/http-pipelining.pcap
# NEEDS ROOT.  Not run by CI.  tpmsplc 10.231.10.1 (python pipelining client) /
# tpmspls 10.231.10.2 (nginx, static files).  Four requests (GET, HEAD, GET, GET)
# leave in one segment; nginx answers them in order on the same connection.
source "$(dirname "$0")/lib.sh"
need_root
command -v nginx >/dev/null || { echo "need nginx" >&2; exit 1; }
OUT="$SAMPLES_DIR/http-pipelining.pcap"
two_hosts tpmspl 10.231.10
mkdir -p "$TPMS_TMP/www"
printf 'one: the first pipelined response\n' >"$TPMS_TMP/www/one.txt"
# 4000 bytes: spans three segments
python3 -c 'import sys; sys.stdout.write(("two " * 1000)[:3999] + "\n")' >"$TPMS_TMP/www/two.txt"
printf 'three\n' >"$TPMS_TMP/www/three.txt"
sed -e "s#@TMP@#$TPMS_TMP#g" -e "s#@ADDR@#$SIP#g" "$REC_DIR/nginx-pipelining.conf" >"$TPMS_TMP/nginx.conf"
start_bg nginx "$SNS" nginx -p "$TPMS_TMP" -c "$TPMS_TMP/nginx.conf"
wait_port "$SNS" 8080
start_capture "$CNS" "$OUT" -i vc -s 0
nsx "$CNS" python3 "$REC_DIR/client-pipelining.py" "$SIP" 8080
stop_capture
show_logs
log "wrote $OUT"

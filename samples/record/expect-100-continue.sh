#!/usr/bin/env bash
# Records samples/expect-100-continue.pcap
# NEEDS ROOT.  Not run by CI.  tpmsexc 10.231.13.1 (curl) / tpmsexs 10.231.13.2
# (upload-server.js, limit 65536 bytes).  One curl run, one connection:
#   POST /upload 20000 bytes, Expect: 100-continue -> 100 Continue, body, 200
#   PUT /upload/small 3000 bytes, Expect: 100-continue -> 100 Continue, body, 200
#   PUT /upload/big 200000 bytes, Expect: 100-continue -> 413 at once, body never sent,
#   server closes
source "$(dirname "$0")/lib.sh"
need_root
command -v curl >/dev/null || { echo "need curl" >&2; exit 1; }
OUT="$SAMPLES_DIR/expect-100-continue.pcap"
two_hosts tpmsex 10.231.13
head -c 20000 /dev/zero | tr '\0' 'p' >"$TPMS_TMP/post.bin"
head -c 3000 /dev/zero | tr '\0' 's' >"$TPMS_TMP/small.bin"
head -c 200000 /dev/zero | tr '\0' 'b' >"$TPMS_TMP/big.bin"
start_bg server "$SNS" node "$REC_DIR/upload-server.js" "$SIP" 8080 65536
wait_port "$SNS" 8080
start_capture "$CNS" "$OUT" -i vc -s 0
U="http://$SIP:8080"
# -H 'Expect: 100-continue': curl 7.88 adds it by itself only above 1 MiB... and
# for -T uploads; setting it keeps the three requests alike.
nsx "$CNS" curl -sS -v -H 'Expect: 100-continue' --data-binary @"$TPMS_TMP/post.bin" "$U/upload" -o /dev/null \
  --next -sS -v -H 'Expect: 100-continue' -T "$TPMS_TMP/small.bin" "$U/upload/small" -o /dev/null \
  --next -sS -v -H 'Expect: 100-continue' -T "$TPMS_TMP/big.bin" "$U/upload/big" -o /dev/null \
  2>"$TPMS_TMP/curl.log" || log "curl exit $?"
stop_capture
show_logs
log "wrote $OUT"

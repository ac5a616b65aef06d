#!/usr/bin/env bash
# Records samples/dumb-proxy-hop-by-hop.pcap
# NEEDS ROOT.  Not run by CI.  Three hosts:
#   tpms2c 10.231.2.1  (Node keep-alive client)
#   tpms2r 10.231.2.2 / 10.231.3.1  (naive-relay.py on :8080, capture here with -i any -> SLL2)
#   tpms2s 10.231.3.2  (Node http server, keepAliveTimeout 5 s)
source "$(dirname "$0")/lib.sh"
need_root
OUT="$SAMPLES_DIR/dumb-proxy-hop-by-hop.pcap"
ns_add tpms2c; ns_add tpms2r; ns_add tpms2s
veth_link tpms2c vc 10.231.2.1/24 tpms2r vrc 10.231.2.2/24 02:00:0a:e7:02:01 02:00:0a:e7:02:02
veth_link tpms2r vrs 10.231.3.1/24 tpms2s vs 10.231.3.2/24 02:00:0a:e7:03:01 02:00:0a:e7:03:02
start_bg server tpms2s node "$REC_DIR/http-server.js" 10.231.3.2 8080 5000
start_bg relay tpms2r python3 "$REC_DIR/naive-relay.py" 10.231.2.2 8080 10.231.3.2 8080
wait_port tpms2s 8080; wait_port tpms2r 8080
start_capture tpms2r "$OUT" -i any -s 0
nsx tpms2c node "$REC_DIR/client-keepalive-sequence.js" 10.231.2.2 8080 3
stop_capture
show_logs
capinfos -E "$OUT" >&2
log "wrote $OUT"

#!/usr/bin/env bash
# Records samples/correct-proxy.pcap
# NEEDS ROOT.  Not run by CI.  Three hosts:
#   tpmscpc 10.231.15.1  (python keep-alive client sending hop-by-hop headers)
#   tpmscpr 10.231.15.2 / 10.231.16.1  (stripping-proxy.py on :8080, capture here with -i any -> SLL2)
#   tpmscps 10.231.16.2  (Node http server, keepAliveTimeout 5 s)
# The proxy removes Connection, Keep-Alive and the headers named in Connection
# before forwarding, and keeps one upstream connection alive per client
# connection: the counter-example to dumb-proxy-hop-by-hop.
source "$(dirname "$0")/lib.sh"
need_root
OUT="$SAMPLES_DIR/correct-proxy.pcap"
ns_add tpmscpc; ns_add tpmscpr; ns_add tpmscps
veth_link tpmscpc vc 10.231.15.1/24 tpmscpr vrc 10.231.15.2/24 02:00:0a:e7:0f:01 02:00:0a:e7:0f:02
veth_link tpmscpr vrs 10.231.16.1/24 tpmscps vs 10.231.16.2/24 02:00:0a:e7:10:01 02:00:0a:e7:10:02
start_bg server tpmscps node "$REC_DIR/http-server.js" 10.231.16.2 8080 5000
start_bg proxy tpmscpr python3 "$REC_DIR/stripping-proxy.py" 10.231.15.2 8080 10.231.16.2 8080
wait_port tpmscps 8080; wait_port tpmscpr 8080
start_capture tpmscpr "$OUT" -i any -s 0
nsx tpmscpc python3 "$REC_DIR/client-hop-headers.py" 10.231.15.2 8080 4
# let the proxy's upstream close and the server's FIN arrive before stopping
sleep 0.3
stop_capture
show_logs
capinfos -E "$OUT" >&2
log "wrote $OUT"

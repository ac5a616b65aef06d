#!/usr/bin/env bash
# Records samples/close-wait-leak.pcap
# NEEDS ROOT.  Not run by CI.  tpms6c 10.231.7.1 (leaky python client) /
# tpms6s 10.231.7.2 (Node http server, keepAliveTimeout 1000 ms; Node 20.20
# adds a 1 s buffer, so idle sockets are closed ~2 s after the response).
# The capture is stopped ~8 s after the last server FIN, while the client
# sockets are still in CLOSE_WAIT and the server's in FIN_WAIT_2 (ss output is
# printed just before stopping); the client is killed only after that.
# The last two frames are an ICMP echo request/reply used as a time marker.
source "$(dirname "$0")/lib.sh"
need_root
OUT="$SAMPLES_DIR/close-wait-leak.pcap"
two_hosts tpms6 10.231.7
start_bg server "$SNS" node "$REC_DIR/http-server.js" "$SIP" 8080 1000
wait_port "$SNS" 8080
start_capture "$CNS" "$OUT" -i vc -s 0
start_bg client "$CNS" python3 "$REC_DIR/client-close-wait-leak.py" "$SIP" 8080 3 0.5 120
# last request at ~t=1.0, its server FIN at ~t=3.0; hold until ~t=11.
sleep 11.3
# One ICMP echo as an end-of-observation marker, so the capture itself shows
# that ~8 s passed after the last FIN with the connections still half-closed.
nsx "$CNS" ping -c 1 -W 1 "$SIP" >&2
log "client namespace:"; nsx "$CNS" ss -tan >&2
log "server namespace:"; nsx "$SNS" ss -tano >&2
# stop_capture sleeps 1.2 s first -> capture ends ~12 s, still CLOSE_WAIT/FIN_WAIT_2
stop_capture
nsx "$CNS" ss -Htan state close-wait | wc -l | xargs -I{} echo "CLOSE_WAIT sockets at capture end: {}" >&2
show_logs
log "wrote $OUT"

#!/usr/bin/env bash
# Builds samples/mixed.pcapng from already recorded captures (no root needed).
# Two Ethernet captures + the SLL2 capture -> a pcapng with 3 interfaces
# (2 x EN10MB/ether, 1 x LINUX_SLL2).  mergecap merges chronologically by
# timestamp; since the inputs were recorded one after another, the result is
# effectively the three captures back to back (in recording order).
set -euo pipefail
S="$(cd "$(dirname "$0")/.." && pwd)"
mergecap -F pcapng -w "$S/mixed.pcapng" \
  "$S/connection-close-server-time-wait.pcap" \
  "$S/dumb-proxy-hop-by-hop.pcap" \
  "$S/keepalive-idle-race.pcap"
capinfos -I "$S/mixed.pcapng" | grep -E 'Interface #|Encapsulation =' >&2

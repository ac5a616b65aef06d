#!/usr/bin/env bash
# Re-records every capture in samples/ and regenerates samples/facts.json.
# NEEDS ROOT (network namespaces, veths, iptables, tcpdump).  Not run by CI.
# Takes about 2.5 minutes.  Frame numbers in samples/README.md refer to the
# committed captures; after re-recording, compare with the regenerated
# facts.json (python3 samples/record/facts.py --md prints a summary).
set -euo pipefail
cd "$(dirname "$0")"
for s in connection-close-server-time-wait dumb-proxy-hop-by-hop dead-peer-keepalive \
         keepalive-idle-race slow-reader-zero-window close-wait-leak \
         http-pipelining chunked-reset http10-keepalive expect-100-continue \
         keepalive-timeout-mismatch correct-proxy fin-after-fin-timeout server-unreachable \
         keepalive-persist-blackhole; do
  echo "=== $s" >&2
  ./"$s".sh
done
echo "=== fixtures" >&2
./fixtures.sh
echo "=== mixed" >&2
./mixed.sh
python3 ./facts.py --md

#!/usr/bin/env bash
# Hashes analyze --json, analyze text and info --json for every sample and corpus capture, so a
# pure refactor can be checked byte-identical: run before (save) and after (compare).
# usage: bench/check-identical.sh <out-file> [cli.js]
set -u
out=$1; cli=${2:-dist/src/cli/main.js}
corpus=${TCP_POSTMORTEM_CORPUS:-../shared/corpus}
: > "$out"
for f in samples/*.pcap* samples/fixtures/*.pcap* "$corpus"/captures/*; do
  [ -f "$f" ] || continue
  j=$(node "$cli" analyze "$f" --json - 2>&1; echo "rc=$?")
  t=$(node "$cli" analyze "$f" 2>&1; echo "rc=$?")
  i=$(node "$cli" info "$f" --json 2>&1; echo "rc=$?")
  t2=$(node "$cli" analyze "$f" --threads 2 --json - 2>&1; echo "rc=$?")
  printf '%s json %s\n%s text %s\n%s info %s\n%s json-t2 %s\n' \
    "$(basename "$f")" "$(printf %s "$j" | sha256sum | cut -c1-16)" \
    "$(basename "$f")" "$(printf %s "$t" | sha256sum | cut -c1-16)" \
    "$(basename "$f")" "$(printf %s "$i" | sha256sum | cut -c1-16)" \
    "$(basename "$f")" "$(printf %s "$t2" | sha256sum | cut -c1-16)" >> "$out"
done
wc -l < "$out"

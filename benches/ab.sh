#!/usr/bin/env bash
# Interleaved A/B of ikrar binaries under the load bench: this machine's speed drifts by up to a
# third within a session, so binaries are run in turn (A, B, A, B, …), never one after the other.
#
#   benches/ab.sh old=/tmp/ikrar-old new=target/release/ikrar
#
# Each argument is LABEL=BINARY; the load bench's settings come from the environment
# (IKRAR_LOAD_CLIENTS, IKRAR_LOAD_ARGON2, IKRAR_LOAD_DATABASE_URL, …) and AB_ROUNDS (default 2).
# The bench runs target/release/ikrar: each binary is copied there for its run, and the one that
# was there is put back at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=$(cargo bench --bench load --no-run 2>&1 | grep -o 'target/release/deps/load-[0-9a-f]*' | tail -1)
work=$(mktemp -d)
cp target/release/ikrar "$work/saved"
trap 'cp "$work/saved" target/release/ikrar; rm -rf "$work"' EXIT
binaries=()
for pair in "$@"; do
  cp "${pair#*=}" "$work/${pair%%=*}"
  binaries+=("${pair%%=*}=$work/${pair%%=*}")
done
for round in $(seq 1 "${AB_ROUNDS:-2}"); do
  for pair in "${binaries[@]}"; do
    cp "${pair#*=}" target/release/ikrar
    echo "## ${pair%%=*}, round $round, $(date +%T)"
    "$bench" | grep -E '^\| (aktivasi|tanda-tangan) |^Raw'
  done
done

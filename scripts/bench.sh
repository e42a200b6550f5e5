#!/usr/bin/env bash
#
# scripts/bench.sh: the pipeline's throughput against the broker's own ceiling.
#
#   scripts/bench.sh [--count N] [--runs R] [--json FILE]
#
# Installs missing packages, builds in release mode, starts a private mosquitto and
# PostgreSQL on free loopback ports, then for each run (default 3) measures, with N messages
# (default 200000, QoS 1, 20 machines of both types):
#   publisher    cnc-emulator with no subscriber: the publisher's own rate
#   broker-only  the same messages to mosquitto_sub -C N (a C subscriber that only counts)
#   pipeline     sink, router, 2 workers per type and ingest: first publish to last COMMIT
# and prints the medians, the ratio of the pipeline to the broker-only rate, and each stage's
# peak RSS and CPU seconds; the same figures go to FILE as JSON (default run/bench.json).

set -euo pipefail

CNC_SCRIPT_NAME=bench.sh
REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/services.sh
source "$REPO_ROOT/scripts/lib/services.sh"

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_private_servers
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_packages
cd "$REPO_ROOT"
log_info "swift build -c release"
swift build -c release
BIN_DIR=$(swift build -c release --show-bin-path)

start_private_servers cncb

mkdir -p "$REPO_ROOT/run"
python3 "$REPO_ROOT/scripts/bench.py" --bin-dir "$BIN_DIR" --work-dir "$PRIVATE_DIR" --json "$REPO_ROOT/run/bench.json" "$@"

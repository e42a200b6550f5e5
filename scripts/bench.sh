#!/usr/bin/env bash
#
# scripts/bench.sh: the pipeline's throughput against the broker's own ceiling.
#
#   scripts/bench.sh [--count N] [--runs R] [--json FILE] [--no-fsync] [--status-every N] [--plant-topics]
#   scripts/bench.sh --growth [--count N] [--runs R] [--status-every N] [--plant-topics] [--variant LABEL]...
#   scripts/bench.sh --soak-seconds S [--plant-topics]
#   scripts/bench.sh --board [--board-machines M] [--board-streams S] [--count N] [--runs R] [--status-every N]
#   scripts/bench.sh --sparkplug [--count N] [--runs R]
#   scripts/bench.sh --mtconnect [--count N] [--runs R]
#
# Installs missing packages, builds in release mode, starts a private mosquitto and
# PostgreSQL on free loopback ports (PostgreSQL with its default durability, fsync and
# synchronous_commit on; --no-fsync turns them off), then for each run (default 3) measures, with N messages
# (default 200000, QoS 1, 20 machines of both types; the samples of sample_data/ change a
# machine's status with nearly every message, the costliest case for the status intervals, and
# --status-every N keeps each machine in a status for N messages instead):
#   publisher    cnc-emulator with no subscriber: the publisher's own rate
#   broker-only  the same messages to mosquitto_sub -C N (a C subscriber that only counts)
#   naive        the design this project replaces: a Python paho-mqtt subscriber that INSERTs and
#                COMMITs each message (--naive-count, default 20000, since it is slow)
#   pipeline     sink, router, 2 workers per type and ingest: first publish to the last row's stored_at
#   latency      then, at half that rate for --latency-seconds (default 10): p50/p95/p99/max from
#                each message's timestamp to its row's stored_at
# and prints the medians, the ratios of the pipeline to the broker-only and naive rates, each stage's
# peak RSS and CPU seconds, and the CPU time per message of the publisher, mosquitto, PostgreSQL and
# the stages while the messages flowed, and the database space a million messages take; the same
# figures go to FILE as JSON (default run/bench.json).
# --growth measures instead, for 20, 200 and 2,000 machines, messages of the samples' size, 1 KB
# and 8 KB, and 1, 2 and 4 workers per type, the broker-only rate and the pipeline's rate, CPU and
# database space and the largest stage's peak RSS (default one run each; run/growth.json);
# --variant "8 KB messages" (repeatable) measures only the variants named.
# --board measures instead the shop-floor board's cost (docs/board.md): the pipeline's rate on M
# machines (default 500) alone and with the board and S clients (default 50) reading its event
# stream, and the board's own figures: GET /api/machines's time, and the time to every tile in
# headless Chromium when selenium is installed (run/board.json).
# --sparkplug measures instead what a Sparkplug B message costs ingest (docs/sparkplug.md): N DDATA
# messages of 20 metrics sent by alias from one edge node's 20 devices, and N flat JSON messages
# of the same names and values through a source, both at QoS 0, in alternating order over the
# runs; it prints ingest's CPU microseconds per message of each and their difference (run/sparkplug.json).
# --mtconnect measures instead the mtconnect stage (docs/mtconnect.md): N observations (5 at each
# time) that the test agent serves in samples of 1,000, through a worker to the sink; it prints the
# stage's observations per CPU second, one core's worth, and the rate stored (run/mtconnect.json).
# --plant-topics publishes, in every phase but the naive reference's, as a topic-per-machine plant
# does (cnc-emulator --topic bench/.../{cnc_id}/data --flat: each machine on its own topic, flat
# messages with no cnc_id); ingest reads them through a source (MES_SOURCES_DIR, payload: rest)
# and the broker-only reference subscribes to bench/ref.../+/data.

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

# PostgreSQL as a plant runs it: fsync and synchronous_commit on (--no-fsync turns both off,
# which flatters the naive reference most, since it commits every message).
durable=--durable soak=0
for argument in "$@"; do
    case $argument in
    --no-fsync) durable="" ;;
    --soak-seconds | --soak-seconds=*) soak=1 ;;
    esac
done
args=()
for argument in "$@"; do [[ $argument == --no-fsync ]] || args+=("$argument"); done
start_private_servers $durable cncb

# The naive reference is Python, like the service this project replaces; the driver watches the
# database through psycopg in every mode.
python_path=$PRIVATE_DIR/python
if ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null
fi
log_info "installing paho-mqtt (for the naive reference) and psycopg"
python3 -m pip install -q --disable-pip-version-check --target "$python_path" 'paho-mqtt>=2,<3' 'psycopg[binary]>=3,<4'

mkdir -p "$REPO_ROOT/run"
python3 "$REPO_ROOT/scripts/bench.py" --bin-dir "$BIN_DIR" --work-dir "$PRIVATE_DIR" --python-path "$python_path" \
    --json "$REPO_ROOT/run/bench.json" ${durable:+--durable} "${args[@]}"

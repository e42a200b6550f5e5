#!/usr/bin/env bash
#
# scripts/test.sh: THE test command (CI runs it through .ci/run).
#
#   scripts/test.sh [swift test arguments...]     e.g. scripts/test.sh --filter IntegrationTests
#
# Installs missing system packages, starts a throwaway PostgreSQL and mosquitto on free
# loopback ports in a temp dir, checks the code against .swift-format, builds the package
# (debug), then runs `swift test` with:
#
#   TEST_MQTT_URL       mqtt://127.0.0.1:PORT of the private broker
#   TEST_DATABASE_URL   postgresql://postgres@127.0.0.1:PORT/cnc (superuser: tests may CREATE DATABASE)
#   CNC_BIN_DIR         output of `swift build --show-bin-path` (the executables)
#   CNC_PACKAGE_DIR     the repository root
#   TEST_RUNTIME_DIR    a short, private, empty directory for ipc:// sockets (under /tmp)
#   CNC_SPARKPLUG_PYTHON   python of a throwaway venv with pysparkplug (SparkplugTests' edge nodes)
#   CNC_SPBWRAPPER_PYTHON  python of a throwaway venv with mqtt-spb-wrapper (SparkplugTests' second peer)
#
# The two venvs are made in the temp dir with pip from PyPI, each library at a pinned version
# (they need different protobuf and paho-mqtt versions); set either variable beforehand to use a
# venv of your own instead.
#
# MQTT_URL and DATABASE_URL are deliberately NOT passed to the tests, so settings-resolution
# tests see a clean environment. Servers are always stopped and the temp dir removed, and any
# process left behind by the tests is terminated.
#
# Without arguments (the whole suite, as CI runs it) it first runs scripts/compose-test.sh: the
# docker compose deployment for real, under podman, on the debug build that swift test then
# uses (the package is compiled once; compose-test.sh's build step takes the compile time).
# CNC_COMPOSE_TEST=0 leaves it out, CNC_COMPOSE_TEST=1 runs it also with arguments. Exits with
# swift test's exit code, or else compose-test.sh's.

set -euo pipefail

CNC_SCRIPT_NAME=test.sh
REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/services.sh
source "$REPO_ROOT/scripts/lib/services.sh"

TMP_DIR=""

# Terminate processes the tests may have left behind (e.g. a stage a crashed test spawned):
# those whose command line or environment mentions our private temp dir. Runs after the
# servers are stopped; never touches this script itself.
# shellcheck disable=SC2317 # called from the EXIT trap
reap_leftovers() {
    [[ -n $TMP_DIR ]] || return 0
    local pid pids=() self=$$ round
    for round in TERM KILL; do
        pids=()
        for pid in /proc/[0-9]*; do
            pid=${pid#/proc/}
            [[ $pid == "$self" || $pid == "$BASHPID" ]] && continue
            if grep -qzF -- "$TMP_DIR" "/proc/$pid/cmdline" 2>/dev/null ||
                grep -qzF -- "CNC_TEST_SESSION=$TMP_DIR" "/proc/$pid/environ" 2>/dev/null; then
                pids+=("$pid")
            fi
        done
        ((${#pids[@]} == 0)) && return 0
        if [[ $round == TERM ]]; then
            log_warn "terminating processes left behind by the tests: ${pids[*]}"
            kill -TERM "${pids[@]}" 2>/dev/null || true
            local i
            for ((i = 0; i < 50; i++)); do
                local alive=0 p
                for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
                ((alive)) || return 0
                sleep 0.1
            done
        else
            log_warn "killing processes that ignored SIGTERM: ${pids[*]}"
            kill -KILL "${pids[@]}" 2>/dev/null || true
        fi
    done
}

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_private_servers
    reap_leftovers || true
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The monitoring test runs a real Prometheus over deploy/prometheus.yml and the dashboard; the
# source tests publish with paho-mqtt, as plants' Python gateways do; the board's tests drive
# headless Chromium with selenium; the power-cut test mounts a FUSE file system of its own
# (fusepy, over libfuse 2).
# The Sparkplug tests' edge nodes need venvs (python3-venv).
CNC_REQUIRED_PACKAGES+=(prometheus python3-paho-mqtt chromium chromium-driver python3-selenium python3-fusepy python3-venv)
ensure_packages

start_private_servers cnct
TMP_DIR=$PRIVATE_DIR
mkdir -m 0700 "$TMP_DIR/rt"

# A venv in the temp dir with exactly these pip requirements; prints its python.
make_venv() {
    local directory=$TMP_DIR/$1
    shift
    log_info "venv $directory: $*"
    /usr/bin/python3 -m venv "$directory" >&2 &&
        "$directory/bin/pip" install --quiet --disable-pip-version-check --no-input "$@" >&2 &&
        printf '%s\n' "$directory/bin/python"
}
# The Sparkplug edge nodes' libraries, each with the protobuf and paho-mqtt it was tested with
# (pysparkplug needs protobuf >= 5.28 and paho-mqtt < 2, mqtt-spb-wrapper exactly protobuf
# 3.20.3 and paho-mqtt 1.6.1). Without them (no PyPI) the other tests still run; those that
# need them fail, saying what is missing.
if [[ -z ${CNC_SPARKPLUG_PYTHON:-} ]]; then
    CNC_SPARKPLUG_PYTHON=$(make_venv venv-pysparkplug pysparkplug==0.6.1 protobuf==7.36.2 paho-mqtt==1.6.1) ||
        log_warn "no venv with pysparkplug: the Sparkplug tests will fail"
fi
if [[ -z ${CNC_SPBWRAPPER_PYTHON:-} ]]; then
    CNC_SPBWRAPPER_PYTHON=$(make_venv venv-spbwrapper mqtt-spb-wrapper==2.1.2 protobuf==3.20.3 paho-mqtt==1.6.1) ||
        log_warn "no venv with mqtt-spb-wrapper: the Sparkplug tests will fail"
fi

test_database_url=$DATABASE_URL
test_mqtt_url=$MQTT_URL
unset DATABASE_URL MQTT_URL CNC_PG_PORT CNC_MQTT_PORT

cd -- "$REPO_ROOT"
log_info "swift format lint: the code follows .swift-format"
swift format lint --strict --parallel --recursive Sources Tests Package.swift ||
    die "the code does not follow .swift-format: run swift format format --in-place --recursive Sources Tests Package.swift"
# swift-format leaves a long string literal as it is: the limit holds for those lines too.
# The protobuf code generated from the Sparkplug schema is left as its generator wrote it.
if long_lines=$(grep -rn --include='*.swift' --exclude='*.pb.swift' '.\{151,\}' Sources Tests Package.swift); then
    die "lines longer than 150 characters (.swift-format's lineLength):"$'\n'"$long_lines"
fi
compose_rc=0
if [[ ${CNC_COMPOSE_TEST:-$(($# == 0))} == 1 ]]; then
    log_info "scripts/compose-test.sh: the docker compose deployment"
    bash scripts/compose-test.sh || compose_rc=$?
    ((compose_rc == 0)) || log_warn "compose-test.sh FAILED (exit code $compose_rc); the swift tests run all the same"
fi

log_info "swift build (debug)"
swift build
bin_dir=$(swift build --show-bin-path)

log_info "swift test $*"
log_info "  TEST_MQTT_URL=$test_mqtt_url"
log_info "  TEST_DATABASE_URL=$test_database_url"
log_info "  CNC_BIN_DIR=$bin_dir"
log_info "  CNC_SPARKPLUG_PYTHON=${CNC_SPARKPLUG_PYTHON:-}"
log_info "  CNC_SPBWRAPPER_PYTHON=${CNC_SPBWRAPPER_PYTHON:-}"
rc=0
TEST_MQTT_URL=$test_mqtt_url \
    TEST_DATABASE_URL=$test_database_url \
    CNC_BIN_DIR=$bin_dir \
    CNC_PACKAGE_DIR=$REPO_ROOT \
    TEST_RUNTIME_DIR=$TMP_DIR/rt \
    CNC_TEST_SESSION=$TMP_DIR \
    CNC_SPARKPLUG_PYTHON=${CNC_SPARKPLUG_PYTHON:-} \
    CNC_SPBWRAPPER_PYTHON=${CNC_SPBWRAPPER_PYTHON:-} \
    swift test "$@" || rc=$?

if ((rc == 0 && compose_rc == 0)); then
    log_info "tests passed"
elif ((rc == 0)); then
    log_info "tests FAILED (compose-test.sh exit code $compose_rc)"
    rc=$compose_rc
else
    log_info "tests FAILED (swift test exit code $rc)"
fi
exit "$rc"

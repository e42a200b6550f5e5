#!/usr/bin/env bash
#
# scripts/faults.sh: the fault-injection suite at sizes too large for CI.
#
#   scripts/faults.sh [--messages N] [--outage-seconds S]
#
# Runs Tests/IntegrationTests/FaultTests.swift through the test command (which installs what
# is missing and starts a private mosquitto and PostgreSQL) with N numbered messages per test
# (default 40000; the test command's own run uses 4000) and a database outage of S seconds
# (default 60; 5 in the test command). Each test kills, stops or restarts stages, PostgreSQL or
# the broker while the messages flow and then checks that every number is stored exactly once.

set -euo pipefail

REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
messages=40000
outage=60
while (($# > 0)); do
    case $1 in
    --messages) messages=$2; shift 2 ;;
    --outage-seconds) outage=$2; shift 2 ;;
    -h | --help) sed -n '3,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "faults.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ $messages =~ ^[0-9]+$ && $outage =~ ^[0-9]+$ ]] || { echo "faults.sh: sizes must be whole numbers" >&2; exit 2; }

FAULT_MESSAGES=$messages FAULT_OUTAGE_SECONDS=$outage exec "$REPO_ROOT/scripts/test.sh" --filter "FaultTests"

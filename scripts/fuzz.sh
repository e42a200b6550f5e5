#!/usr/bin/env bash
#
# scripts/fuzz.sh: the fuzz tests (the JSON validator, the Sparkplug host, the MTConnect reader) at full size, in a release build.
#
#   scripts/fuzz.sh [--inputs N] [--seed S]
#
# Installs missing packages, builds the package and its tests in release mode (with testing
# enabled, which the tests' @testable imports need), then runs the test "MessageValidator fuzz"
# (Tests/CollectorCoreTests/ValidatorFuzzTests.swift) over N mutated messages (default
# 1000000) from seed S (default 1): each goes through the validator and, when accepted, through
# both plugins as a worker runs them. No broker or database is needed. The test prints the
# inputs per second, the accepted and rejected counts, the rejection reasons seen and the
# slowest input (the validator must stay linear: a slow input names itself, by number and
# seed, so it can be made again). It then runs "Sparkplug fuzz" (Tests/SparkplugTests/
# SparkplugFuzzTests.swift) over N damaged Sparkplug B messages through the Sparkplug host, and
# "MTConnect fuzz" (Tests/MTConnectTests/MTConnectFuzzTests.swift) over N damaged agent documents.
# Exits with swift test's exit code. `scripts/test.sh` runs the same tests with a smaller
# default (CNC_FUZZ_INPUTS).

set -euo pipefail

CNC_SCRIPT_NAME=fuzz.sh
REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/services.sh
source "$REPO_ROOT/scripts/lib/services.sh"

inputs=1000000
seed=1
while (($# > 0)); do
    case $1 in
    --inputs) inputs=${2:?--inputs needs a number}; shift 2 ;;
    --seed) seed=${2:?--seed needs a number}; shift 2 ;;
    -h | --help) sed -n '3,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
done
[[ $inputs =~ ^[0-9]+$ && $seed =~ ^[0-9]+$ ]] || die "--inputs and --seed take whole numbers"

ensure_packages
cd -- "$REPO_ROOT"
# The unit tests use @testable imports, which a release build allows only with -enable-testing
# (so a later plain release build, as scripts/bench.sh makes, compiles everything again).
build=(-c release -Xswiftc -enable-testing)
log_info "swift build ${build[*]} --build-tests"
swift build "${build[@]}" --build-tests
log_info "fuzzing the validator, the Sparkplug host and the MTConnect reader: $inputs inputs each, seed $seed"
CNC_FUZZ_INPUTS=$inputs CNC_FUZZ_SEED=$seed swift test "${build[@]}" --skip-build --filter 'ValidatorFuzzTests|SparkplugFuzzTests|MTConnectFuzzTests'

#!/usr/bin/env bash
#
# scripts/compose-test.sh: runs the docker compose deployment for real and checks what it stores.
#
#   scripts/compose-test.sh [--keep-images]
#
# The project's machines have no Docker engine and reach no image registry: Debian's podman
# runs the containers and docker-compose 1.29 drives it over podman's API socket. What runs is
# deploy/docker-compose.yml with deploy/Dockerfile, as users run them, plus
# deploy/compose-test/override.yml, which swaps only the images no registry here gives:
#
#   - swift:X.Y-bookworm (deploy/Dockerfile's builder stage): the executables are built on the
#     host and put in an image of their own (deploy/compose-test/executables); the stages'
#     image is built from a copy of deploy/Dockerfile, made in the temp dir, whose one change
#     is the runtime stage's COPY --from=builder, which names that image instead. The runtime
#     stage, the build context (.dockerignore) and the build arguments stay the users'.
#     The host's build is the debug `swift build` that scripts/test.sh then tests, so CI
#     compiles the package once: the executables go in stripped, with the Swift toolchain's
#     shared libraries they load beside them (found through $ORIGIN in their RUNPATH). The
#     users' image still builds release with a static Swift standard library; what this test
#     checks of it is the runtime stage, the compose file and the executables' behaviour.
#   - postgres:15, eclipse-mosquitto:2, prom/prometheus: stand-ins from Debian's packages
#     (deploy/compose-test/*/Dockerfile), on a debian:bookworm-slim made with debootstrap.
#   - grafana/grafana: no stand-in; the monitoring profile is started without it.
#
# docker-compose 1.29 rejects the top-level `name:` (Compose v2 only): it runs a copy of the
# compose file without that line, with -p and --project-directory deploy. Everything podman
# needs here stays in this script: runc and the ulimits (a private CONTAINERS_CONF), the API
# service, and a poller that runs the containers' health checks (podman without systemd never
# runs them by itself). The host ports (MQTT_HOST_PORT, PG_HOST_PORT, BOARD_HOST_PORT,
# PROMETHEUS_HOST_PORT, GRAFANA_HOST_PORT) are free loopback ports.
#
# Checks, in order; the first that fails ends the run:
#   1. image     up -d --build; every service healthy (the board's /health too); the stages'
#                image runs as a non-root user, holds no build tools, and ldd finds every
#                library its executables (and the Swift libraries beside them) need
#   2. demo      the demo profile's emulator (run --rm, as the gateway cnc-demo over TLS) stores
#                the three sample messages in cnc_data and machine_state; a message published
#                as cnc-demo through the host port MQTT_HOST_PORT is rejected into
#                rejected_messages (read through PG_HOST_PORT)
#   3. broker    through the host port MQTT_HOST_PORT (TLS, the CA broker-setup made): a client
#                without a user is refused; a machine's user added with broker-setup's
#                broker-user.sh (and SIGHUP) stores a message on its own topic, and one it
#                publishes on another machine's topic is not delivered
#   3b. board    GET /api/machines on the host port BOARD_HOST_PORT lists the demo's machines;
#                the board is connected as cnc_board (the postgres service's init file made
#                it), a role that reads machine_current but may not delete from it; the sink is
#                connected as cnc_sink, which may not drop a table
#   4. scale     --scale worker-a=3: the router knows the three worker-a containers and gives
#                type A's machines to more than one of them
#   5. monitor   the monitoring profile's Prometheus scrapes every stage (every worker too) and
#                the board
#   6. restart   stop and start the deployment while the emulator publishes at a steady rate:
#                every message stored once (the broker's and the journal's volumes)
#   7. kill      SIGKILL to the sink's and then ingest's process while the emulator publishes:
#                each container comes back by its restart policy, and every message is stored once
#   8. down      down leaves no container of the project
#
# Installs what is missing with apt-get (podman, runc, debootstrap, docker-compose and the
# build's packages). Everything it starts (containers, volumes, network, the API service, the
# poller) is removed on exit, also on failure; so are the images it built, unless
# --keep-images (the next run then reuses them). Ends with "compose-test: N passed, M failed".

set -euo pipefail

CNC_SCRIPT_NAME=compose-test.sh
REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/services.sh
source "$REPO_ROOT/scripts/lib/services.sh"

keep_images=0
while (($# > 0)); do
    case $1 in
    --keep-images) keep_images=1; shift ;;
    -h | --help) sed -n '3,56p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
done

# Names the test gives its images; the stages' image is the compose file's own.
BASE_IMAGE=docker.io/library/debian:bookworm-slim
STANDINS=(mosquitto postgres prometheus)
STANDIN_PREFIX=localhost/cnc-compose-test
EXECUTABLES_IMAGE=$STANDIN_PREFIX/executables:latest
STAGE_IMAGE=cnc-collector:latest
BROKER_SETUP_IMAGE=cnc-collector-broker-setup:latest
# Services that run once and end: the broker's certificates and users, the migrations.
ONE_SHOT_SERVICES=(broker-setup migrate)
EXECUTABLES=(ingest router worker sink mtconnect board cnc-emulator mesctl)
STEPS=(image demo broker board scale monitor restart kill down)

WORK_DIR=""
PROJECT=""
API_PID=""
POLLER_PID=""
COMPOSE_STARTED=0
BUILT_IMAGES=()
passed=0
started_at=$SECONDS

# ---------------------------------------------------------------------------------------------
# cleanup

# The volumes of the project's containers, kept in WORK_DIR/volumes: under podman, down -v
# leaves the images' anonymous volumes (a VOLUME the compose file does not name) behind.
note_volumes() {
    podman ps -a -q --filter "label=com.docker.compose.project=$PROJECT" 2>/dev/null |
        xargs -r podman inspect --format '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}}{{"\n"}}{{end}}{{end}}' \
            >>"$WORK_DIR/volumes" 2>/dev/null || true
}

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    if ((COMPOSE_STARTED)); then
        if ((rc != 0)); then
            log_info "state at failure:"
            podman ps -a --filter "label=com.docker.compose.project=$PROJECT" \
                --format '    {{.Names}}  {{.Status}}' >&2
            local c
            for c in $(podman ps -a -q --filter "label=com.docker.compose.project=$PROJECT" 2>/dev/null); do
                printf '%s: --- last 30 log lines of %s ---\n' "$CNC_SCRIPT_NAME" "$(podman inspect -f '{{.Name}}' "$c" 2>/dev/null)" >&2
                podman logs "$c" 2>&1 | grep -v 'without CURVE' | tail -n 30 | sed 's/^/    /' >&2
            done
        fi
        note_volumes
        log_info "removing the deployment (down -v)"
        compose --profile demo --profile monitoring down -v --remove-orphans -t 10 >/dev/null 2>&1
        # Whatever down left (a container compose no longer knew of): by the project's label.
        local left v
        left=$(podman ps -a -q --filter "label=com.docker.compose.project=$PROJECT" 2>/dev/null)
        [[ -n $left ]] && podman rm -f -t 5 $left >/dev/null 2>&1
        left=$(podman volume ls -q --filter "label=com.docker.compose.project=$PROJECT" 2>/dev/null)
        for v in $left $(cat "$WORK_DIR/volumes" 2>/dev/null); do
            podman volume exists "$v" 2>/dev/null && podman volume rm -f "$v" >/dev/null 2>&1
        done
        podman network rm -f "${PROJECT}_default" >/dev/null 2>&1
    fi
    if [[ -n $POLLER_PID ]]; then
        kill "$POLLER_PID" 2>/dev/null
        wait "$POLLER_PID" 2>/dev/null
    fi
    if [[ -n $API_PID ]]; then
        kill "$API_PID" 2>/dev/null
        wait "$API_PID" 2>/dev/null
    fi
    if ((!keep_images && ${#BUILT_IMAGES[@]} > 0)); then
        log_info "removing the images this run built (--keep-images keeps them)"
        podman rmi -f "${BUILT_IMAGES[@]}" >/dev/null 2>&1
    fi
    [[ -n $WORK_DIR ]] && rm -rf -- "$WORK_DIR"
    local failed=0
    ((rc != 0)) && failed=1
    log_info "$((SECONDS - started_at)) s"
    printf 'compose-test: %d passed, %d failed\n' "$passed" "$failed"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass() {
    passed=$((passed + 1))
    log_info "ok: $1 ($((SECONDS - started_at)) s)"
}

# ---------------------------------------------------------------------------------------------
# packages

CNC_REQUIRED_PACKAGES+=(podman runc netavark aardvark-dns iptables catatonit debootstrap docker-compose postgresql-client)
# Without recommends: docker-compose recommends docker.io, an engine this test does not want.
# What podman needs of its recommends is named: netavark and aardvark-dns (else apt takes the
# CNI plugins, without service-name DNS), iptables (netavark 1.4 sets up a network's NAT with
# it and fails with "netavark: No such file or directory" without it), catatonit (compose's
# init: true).
ensure_packages --no-install-recommends

# Short: the API socket's path must stay well under 107 bytes.
WORK_DIR=$(mktemp -d /tmp/cncc.XXXXXX)
PROJECT=cncct$(basename -- "$WORK_DIR" | tr -dc 'a-z0-9' | tail -c 6)

# ---------------------------------------------------------------------------------------------
# the executables

# The debug build scripts/test.sh builds and tests next (its swift build is then a no-op): CI
# compiles the package once. SwiftPM plans the build again, and may recompile, when the
# environment differs from the last build's, so this build runs before anything below is
# exported, and with the SHLVL of the shell that started this script (bash raised it by one).
# Debug executables link the Swift libraries dynamically (a debug build with
# --static-swift-stdlib does not link: ICU's symbols), and their RUNPATH ends in $ORIGIN, so
# the toolchain's libraries they load go beside them: the runtime stage copies the directory
# whole into /usr/local/bin.
log_info "swift build (debug, the build scripts/test.sh then tests)"
build_started=$SECONDS
(cd -- "$REPO_ROOT" && SHLVL=$((SHLVL - 1)) swift build >"$WORK_DIR/swift-build.log" 2>&1) || {
    _svc_tail_log "$WORK_DIR/swift-build.log" 40
    die "swift build failed"
}
log_info "  built in $((SECONDS - build_started)) s"
bin_dir=$(cd -- "$REPO_ROOT" && swift build --show-bin-path)
mkdir "$WORK_DIR/executables"
for exe in "${EXECUTABLES[@]}"; do
    install -s -m 0755 "$bin_dir/$exe" "$WORK_DIR/executables/"
done
# The toolchain's library directory, wherever this machine has it: where ldd finds libswiftCore.
swift_lib_dir=$(ldd "$bin_dir/${EXECUTABLES[0]}" | awk '$1 == "libswiftCore.so" && $3 ~ /^\// { print $3; exit }')
[[ -n $swift_lib_dir ]] || die "ldd does not find libswiftCore.so for $bin_dir/${EXECUTABLES[0]}"
swift_lib_dir=$(dirname -- "$swift_lib_dir")
mapfile -t swift_libs < <(for exe in "${EXECUTABLES[@]}"; do ldd "$bin_dir/$exe"; done |
    awk -v dir="$swift_lib_dir/" '$2 == "=>" && index($3, dir) == 1 { print $3 }' | sort -u)
for lib in "${swift_libs[@]}"; do
    install -m 0644 "$lib" "$WORK_DIR/executables/"
done
log_info "  ${#EXECUTABLES[@]} executables and ${#swift_libs[@]} libraries of $swift_lib_dir"

# ---------------------------------------------------------------------------------------------
# podman and docker-compose

# crun fails here on setrlimit and on hybrid cgroups: runc, with ulimits the sandbox allows.
hard_nofile=$(ulimit -Hn)
cat >"$WORK_DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$hard_nofile:$hard_nofile", "nproc=32768:32768"]
[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF=$WORK_DIR/containers.conf

podman system service --time=0 "unix://$WORK_DIR/podman.sock" >"$WORK_DIR/podman-service.log" 2>&1 &
API_PID=$!
for ((i = 0; i < 100; i++)); do
    [[ -S $WORK_DIR/podman.sock ]] && break
    sleep 0.1
done
[[ -S $WORK_DIR/podman.sock ]] || die "podman system service did not open its socket"
export DOCKER_HOST=unix://$WORK_DIR/podman.sock
export COMPOSE_HTTP_TIMEOUT=300

# The compose file as users have it, less the top-level name: that docker-compose 1.29 rejects.
grep -qx 'name: cnc-collector' "$REPO_ROOT/deploy/docker-compose.yml" ||
    die "deploy/docker-compose.yml has no line 'name: cnc-collector' to leave out for docker-compose 1.29"
grep -vx 'name: cnc-collector' "$REPO_ROOT/deploy/docker-compose.yml" >"$WORK_DIR/docker-compose.yml"

compose() {
    docker-compose -p "$PROJECT" --project-directory "$REPO_ROOT/deploy" \
        -f "$WORK_DIR/docker-compose.yml" -f "$REPO_ROOT/deploy/compose-test/override.yml" "$@"
}

export MQTT_HOST_PORT PG_HOST_PORT BOARD_HOST_PORT PROMETHEUS_HOST_PORT GRAFANA_HOST_PORT
MQTT_HOST_PORT=$(free_port)
PG_HOST_PORT=$(free_port)
BOARD_HOST_PORT=$(free_port)
PROMETHEUS_HOST_PORT=$(free_port)
GRAFANA_HOST_PORT=$(free_port)
export CNC_COMPOSE_TEST_DOCKERFILE=$WORK_DIR/Dockerfile

# Podman without systemd never runs health checks by itself: run them for the project's
# running containers every 2 s (a container without one answers with an error, ignored).
health_poller() {
    local c
    while :; do
        for c in $(podman ps -q --filter "label=com.docker.compose.project=$PROJECT" 2>/dev/null); do
            podman healthcheck run "$c" >/dev/null 2>&1 || true
        done
        sleep 2
    done
}

# ---------------------------------------------------------------------------------------------
# images

build_image() { # TAG CONTEXT [podman build options...]
    local tag=$1 context=$2
    shift 2
    if ((keep_images)) && podman image exists "$tag"; then
        log_info "reusing image $tag"
        return 0
    fi
    log_info "building image $tag"
    BUILT_IMAGES+=("$tag")
    podman build --layers=false -q -t "$tag" "$@" "$context" >"$WORK_DIR/build.log" 2>&1 || {
        _svc_tail_log "$WORK_DIR/build.log" 40
        die "podman build of $tag failed"
    }
}

# The Debian mirror apt uses on this machine: deb822 sources first (debian.sources before the
# others), then one-line sources; empty when there is none. No mirror of our own choosing: a
# machine may reach only its own.
apt_mirror() {
    local file files=() lists=()
    for file in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/*.sources; do [[ -r $file ]] && files+=("$file"); done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do [[ -r $file ]] && lists+=("$file"); done
    local mirror=""
    ((${#files[@]} > 0)) && mirror=$(awk '/^URIs:/{print $2; exit}' "${files[@]}")
    if [[ -z $mirror ]] && ((${#lists[@]} > 0)); then
        mirror=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' "${lists[@]}")
    fi
    printf '%s' "$mirror"
}

# debian:bookworm-slim from Debian's own packages, under the name deploy/Dockerfile uses.
if ((keep_images)) && podman image exists "$BASE_IMAGE"; then
    log_info "reusing image $BASE_IMAGE"
else
    mirror=$(apt_mirror)
    [[ -n $mirror ]] ||
        die "apt has no Debian mirror configured (no URIs: in /etc/apt/sources.list.d/*.sources, no deb line in /etc/apt/sources.list): debootstrap needs one"
    log_info "debootstrap: $BASE_IMAGE from $mirror"
    debootstrap --variant=minbase bookworm "$WORK_DIR/rootfs" "$mirror" >"$WORK_DIR/debootstrap.log" 2>&1 || {
        _svc_tail_log "$WORK_DIR/debootstrap.log"
        die "debootstrap failed"
    }
    rm -rf "$WORK_DIR"/rootfs/var/cache/apt/archives/*.deb "$WORK_DIR"/rootfs/var/lib/apt/lists/*
    if [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
        cp /etc/apt/sources.list.d/debian.sources "$WORK_DIR/rootfs/etc/apt/sources.list.d/"
        rm -f "$WORK_DIR/rootfs/etc/apt/sources.list"
    fi
    BUILT_IMAGES+=("$BASE_IMAGE")
    tar -C "$WORK_DIR/rootfs" -c . | podman import - "$BASE_IMAGE" >/dev/null
    rm -rf "$WORK_DIR/rootfs"
fi

for s in "${STANDINS[@]}"; do
    build_image "$STANDIN_PREFIX/$s:latest" "$REPO_ROOT/deploy/compose-test/$s"
done

cp "$REPO_ROOT/deploy/compose-test/executables/Dockerfile" "$WORK_DIR/executables.Dockerfile"
keep_images=0 build_image "$EXECUTABLES_IMAGE" "$WORK_DIR/executables" -f "$WORK_DIR/executables.Dockerfile"

# deploy/Dockerfile with its runtime stage's executables from that image: the one line changed.
copy_line='COPY --from=builder /out/ /usr/local/bin/'
[[ $(grep -cxF -- "$copy_line" "$REPO_ROOT/deploy/Dockerfile") == 1 ]] ||
    die "deploy/Dockerfile has no single line '$copy_line' to take the executables from the host's build"
sed "s#^COPY --from=builder /out/ /usr/local/bin/\$#COPY --from=$EXECUTABLES_IMAGE /out/ /usr/local/bin/#" \
    "$REPO_ROOT/deploy/Dockerfile" >"$CNC_COMPOSE_TEST_DOCKERFILE"
if grep -q -- '--from=builder' "$CNC_COMPOSE_TEST_DOCKERFILE"; then
    die "deploy/Dockerfile copies from its builder stage more than once"
fi
BUILT_IMAGES+=("$STAGE_IMAGE" "$BROKER_SETUP_IMAGE")

# ---------------------------------------------------------------------------------------------
# helpers over the running deployment

# SQL through the published port, as a client on the host would: one value a line.
sql() {
    PGPASSWORD=cnc PGCONNECT_TIMEOUT=5 psql -X -q -t -A -v ON_ERROR_STOP=1 \
        -h 127.0.0.1 -p "$PG_HOST_PORT" -U cnc -d cnc -c "$1"
}

# The project's containers of SERVICE (one a line), running or not; one-off ones excluded.
containers_of() {
    podman ps -a -q --filter "label=com.docker.compose.project=$PROJECT" \
        --filter "label=com.docker.compose.service=$1" --filter "label=com.docker.compose.oneoff=False"
}

# Waits until every container of the project's services runs and, where it has a health
# check, is healthy; fails after SECONDS (default 240).
wait_healthy() {
    local timeout=${1:-240} deadline line name state health service code bad
    deadline=$((SECONDS + timeout))
    while :; do
        bad=""
        while read -r name state health service code; do
            [[ -z $name ]] && continue
            if [[ $health == - ]]; then health=""; fi
            if [[ " ${ONE_SHOT_SERVICES[*]} " == *" $service "* ]]; then
                # Done when it has ended well; ended badly, it fails the run at once.
                [[ $state == exited && $code != 0 ]] && die "the one-shot service $service exited with $code"
                [[ $state == exited ]] || bad+=" $name($state)"
            elif [[ $state != running ]]; then
                bad+=" $name($state)"
            elif [[ -n $health && $health != healthy ]]; then
                bad+=" $name($health)"
            fi
        done < <(podman ps -a -q --filter "label=com.docker.compose.project=$PROJECT" \
            --filter "label=com.docker.compose.oneoff=False" |
            xargs -r podman inspect --format '{{.Name}} {{.State.Status}} {{if .State.Health.Status}}{{.State.Health.Status}}{{else}}-{{end}} {{index .Config.Labels "com.docker.compose.service"}} {{.State.ExitCode}}')
        [[ -z $bad ]] && return 0
        if ((SECONDS >= deadline)); then
            die "not healthy after ${timeout} s:$bad"
        fi
        sleep 2
    done
}

# Waits until `sql QUERY` prints EXPECTED; fails after SECONDS.
wait_for_value() {
    local query=$1 expected=$2 timeout=$3 value="" deadline
    deadline=$((SECONDS + timeout))
    while ((SECONDS < deadline)); do
        value=$(sql "$query" 2>/dev/null || true)
        [[ $value == "$expected" ]] && return 0
        sleep 1
    done
    die "after ${timeout} s, $query gives '$value', not '$expected'"
}

# A file of one of the project's named volumes (broker-setup's), read on the host.
volume_file() {
    local mountpoint
    mountpoint=$(podman volume inspect --format '{{.Mountpoint}}' "${PROJECT}_$1") || die "no volume ${PROJECT}_$1"
    cat -- "$mountpoint/$2"
}

# mosquitto_pub through the host port, over TLS with the CA broker-setup made; more options follow.
publish() {
    mosquitto_pub -h 127.0.0.1 -p "$MQTT_HOST_PORT" --cafile "$WORK_DIR/broker-ca.crt" -q 1 "$@"
}

# One stage container's metric value (sum over its label sets), from its /metrics.
metric_of() {
    podman exec "$1" bash -c 'exec 3<>/dev/tcp/127.0.0.1/9100 && printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && cat <&3' |
        awk -v m="$2" '$1 == m || index($1, m "{") == 1 { s += $NF } END { printf "%d\n", s }'
}

# Starts the emulator of the demo profile, detached, publishing COUNT messages at RATE a second
# over 20 machines; prints its container's id.
start_emulator() {
    local count=$1 rate=$2 name
    name=${PROJECT}_emulator_$RANDOM
    compose --profile demo run -d --name "$name" emulator \
        cnc-emulator --count "$count" --rate "$rate" --machines 20 >/dev/null 2>"$WORK_DIR/run.log" ||
        { _svc_tail_log "$WORK_DIR/run.log"; die "run emulator failed"; }
    podman inspect --format '{{.Id}}' "$name"
}

# Waits for the emulator container to end, checks that the broker acknowledged all COUNT
# messages, prints the emulator's log lines that match PATTERN.
finish_emulator() {
    local id=$1 count=$2 pattern=$3 code summary
    code=$(timeout 300 podman wait "$id") || die "the emulator did not finish within 300 s"
    podman logs "$id" >"$WORK_DIR/emulator.log" 2>&1 || true
    summary=$(grep -m1 '^published ' "$WORK_DIR/emulator.log" || true)
    log_info "  emulator: ${summary:-no summary}"
    [[ $code == 0 ]] || { _svc_tail_log "$WORK_DIR/emulator.log"; die "the emulator exited with $code"; }
    [[ $summary == "published $count messages (0 invalid), $count acknowledged by the broker in "* ]] ||
        { _svc_tail_log "$WORK_DIR/emulator.log"; die "the broker did not acknowledge all $count messages"; }
    grep -c -- "$pattern" "$WORK_DIR/emulator.log" || true
}

# Rows stored, as one line: cnc_data machine_state rejected_messages.
counts() {
    sql "SELECT (SELECT count(*) FROM cnc_data) || ' ' || (SELECT count(*) FROM machine_state) || ' ' || (SELECT count(*) FROM rejected_messages)"
}

# Waits until COUNT more messages than BEFORE (a `counts` line) are stored as rows in both
# tables and none rejected, then checks for 3 s that no more arrive.
expect_stored() {
    local before=$1 count=$2 timeout=${3:-180} data state rejected
    read -r data state rejected <<<"$before"
    wait_for_value "SELECT count(*) FROM cnc_data" "$((data + count))" "$timeout"
    wait_for_value "SELECT count(*) FROM machine_state" "$((state + count))" 60
    sleep 3
    [[ $(counts) == "$((data + count)) $((state + count)) $rejected" ]] ||
        die "expected $((data + count)) $((state + count)) $rejected rows, found $(counts)"
    [[ $(sql "SELECT count(*) - count(DISTINCT (message_id, ts)) FROM cnc_data") == 0 ]] ||
        die "a message is stored twice in cnc_data"
}

# ---------------------------------------------------------------------------------------------
# 1. image: up, healthy; the stages' image

health_poller &
POLLER_PID=$!

log_info "project $PROJECT: up -d --build (broker on 127.0.0.1:$MQTT_HOST_PORT, database on 127.0.0.1:$PG_HOST_PORT," \
    "board on 127.0.0.1:$BOARD_HOST_PORT)"
COMPOSE_STARTED=1
compose up -d --build >"$WORK_DIR/up.log" 2>&1 || { _svc_tail_log "$WORK_DIR/up.log" 40; die "up -d --build failed"; }
wait_healthy 300
for service in mosquitto postgres sink router worker-a worker-b worker-mtconnect ingest mtconnect board; do
    [[ $(containers_of "$service" | wc -l) == 1 ]] || die "service $service has no container"
done

user=$(podman image inspect --format '{{.Config.User}}' "$STAGE_IMAGE")
[[ -n $user && $user != root && $user != 0 ]] || die "the stages' image runs as '${user:-root}'"
uid=$(podman run --rm "$STAGE_IMAGE" id -u)
[[ $uid != 0 ]] || die "the stages' image runs as root"
for c in $(containers_of ingest) $(containers_of sink); do
    [[ $(podman exec "$c" id -u) == "$uid" ]] || die "a stage container does not run as uid $uid"
done
tools=$(podman run --rm "$STAGE_IMAGE" bash -c \
    'for t in swift swiftc clang gcc cc c++ ld as make pkg-config; do command -v "$t"; done; dpkg-query -W -f="\${db:Status-Abbrev} \${Package}\n" "*-dev" 2>/dev/null | awk "\$1 == \"ii\" { print \$2 }"' || true)
[[ -z $tools ]] || die "the stages' image holds build tools: $tools"
missing=$(podman run --rm "$STAGE_IMAGE" bash -c 'ldd /usr/local/bin/* | grep "not found"' || true)
[[ -z $missing ]] || die "libraries missing in the stages' image: $missing"
size=$(podman image inspect --format '{{.Size}}' "$STAGE_IMAGE")
base_size=$(podman image inspect --format '{{.Size}}' "$BASE_IMAGE")
log_info "  stages' image: user $user (uid $uid), $((size / 1000000)) MB ($(((size - base_size) / 1000000)) MB over the $((base_size / 1000000)) MB base made here)"
pass "image: every service healthy; the stages' image runs as $user, no build tools"

# ---------------------------------------------------------------------------------------------
# 2. demo: the sample messages; a rejection through the host ports

compose --profile demo run -T --rm emulator >"$WORK_DIR/demo.log" 2>&1 || { _svc_tail_log "$WORK_DIR/demo.log"; die "the demo emulator failed"; }
grep -q '^published 3 messages (0 invalid), 3 acknowledged' "$WORK_DIR/demo.log" || { _svc_tail_log "$WORK_DIR/demo.log"; die "the demo emulator did not publish the 3 samples"; }
wait_for_value "SELECT count(*) FROM machine_state" 3 120
samples=$(sql "SELECT string_agg(d.cnc_id || '/' || d.part_program || '/' || extract(epoch FROM d.ts)::bigint || '/' || s.status || '/' || (d.payload->>'spin'), ' ' ORDER BY d.ts)
               FROM cnc_data d JOIN machine_state s USING (message_id)")
expected='CNC001/program_01/1747379028/running/200 CNC002/program_02/1747379030/idle/0 CNC001/program_03/1747379035/error/100'
[[ $samples == "$expected" ]] || die "sample rows: '$samples', expected '$expected'"
volume_file broker-demo ca.crt >"$WORK_DIR/broker-ca.crt"
publish -u cnc-demo -P "$(volume_file broker-demo password)" -t sensor/CNC -m '{"cnc_id": "CNC001", "note": "no payload"}'
wait_for_value "SELECT count(*) FROM rejected_messages WHERE stage = 'ingest' AND cnc_id = 'CNC001'" 1 60
pass "demo: the 3 sample rows stored; a message published on the host port rejected"

# ---------------------------------------------------------------------------------------------
# 3. broker: no anonymous client; a machine publishes only on its own topic

if refused=$(publish -t sensor/CNC -m '{"cnc_id": "CNC001"}' 2>&1); then
    die "the broker let a client without a user publish on the host port"
fi
[[ $refused == *"not authorised"* ]] || die "a client without a user failed, but not for want of authorisation: $refused"
machine_password=$(compose run --rm -T broker-setup broker-user.sh --dir /broker add CNC001 2>"$WORK_DIR/add.log" | tail -n 1) ||
    { _svc_tail_log "$WORK_DIR/add.log"; die "broker-user.sh add CNC001 failed"; }
[[ ${#machine_password} == 32 ]] || { _svc_tail_log "$WORK_DIR/add.log"; die "broker-user.sh add printed no password"; }
compose kill -s SIGHUP mosquitto >/dev/null 2>&1 || die "SIGHUP to mosquitto failed"
sleep 1
flat='"timestamp": "1747379100", "status": "running", "spin": 150, "X-Axis": 10, "Y-Axis": 20'
# As CNC001 on CNC002's topic: the broker drops it. Then on its own: stored, after the other.
publish -u CNC001 -P "$machine_password" -t machines/CNC002/data -m "{\"part_program\": \"acl_other\", $flat}" ||
    die "CNC001 could not connect to publish"
publish -u CNC001 -P "$machine_password" -t machines/CNC001/data -m "{\"part_program\": \"acl_own\", $flat}"
wait_for_value "SELECT string_agg(cnc_id, ',') FROM cnc_data WHERE part_program = 'acl_own'" CNC001 60
sleep 2
[[ $(sql "SELECT (SELECT count(*) FROM cnc_data WHERE part_program = 'acl_other')
               + (SELECT count(*) FROM rejected_messages WHERE convert_from(raw, 'UTF8') LIKE '%acl_other%')") == 0 ]] ||
    die "a message CNC001 published on CNC002's topic reached the collector"
pass "broker: no client without a user; CNC001 (added by broker-setup) stores on machines/CNC001/data, not on CNC002's topic"

# ---------------------------------------------------------------------------------------------
# 3b. board: the demo's machines on the host port; a role that reads and may not write

# The board takes the sink's commits at once (NOTIFY); 60 s leaves room for a slow machine.
if ! python3 - "$BOARD_HOST_PORT" "$(sql "SELECT string_agg(cnc_id, ',' ORDER BY cnc_id) FROM machine_current")" <<'PY'; then
import json, sys, time, urllib.request
url, want = f"http://127.0.0.1:{sys.argv[1]}/api/machines", sys.argv[2]
deadline, seen = time.time() + 60, None
while time.time() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            seen = ",".join(sorted(m["cnc_id"] for m in json.load(r)["machines"]))
    except Exception as e:  # not ready yet
        seen = str(e)
    if seen == want:
        print(f"compose-test.sh:   GET {url}: {seen}", file=sys.stderr)
        sys.exit(0)
    time.sleep(1)
print(f"compose-test.sh: GET {url} after 60 s: {seen}, machine_current: {want}", file=sys.stderr)
sys.exit(1)
PY
    die "the board on the host port does not list the demo's machines"
fi
# The board's connections, by the application_name it gives them.
board_roles=$(sql "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity WHERE application_name = 'cnc-collector board'")
[[ $board_roles == cnc_board ]] || die "the board connects as '$board_roles', not as cnc_board"
board_sql() {
    PGPASSWORD=cnc_board PGCONNECT_TIMEOUT=5 psql -X -q -t -A -v ON_ERROR_STOP=1 \
        -h 127.0.0.1 -p "$PG_HOST_PORT" -U cnc_board -d cnc -c "$1"
}
[[ $(board_sql "SELECT count(*) FROM machine_current" 2>&1) == 2 ]] || die "cnc_board cannot read machine_current"
if denied=$(board_sql "DELETE FROM machine_current" 2>&1); then
    die "cnc_board deleted from machine_current"
fi
[[ $denied == *"permission denied"* ]] || die "DELETE as cnc_board failed, but not for want of permission: $denied"
[[ $(sql "SELECT count(*) FROM machine_current") == 2 ]] || die "machine_current lost rows"
# The owner cnc ran the migrations and left; only this query connects as it now over the network
# (the health check's pg_isready, inside the container, uses its socket).
[[ $(sql "SELECT count(*) > 0 FROM pg_stat_activity WHERE usename = 'cnc_sink'") == t ]] || die "nothing connects as cnc_sink"
owner=$(sql "SELECT string_agg(coalesce(nullif(application_name, ''), '?') || '@' || coalesce(client_addr::text, 'socket'), ', ')
             FROM pg_stat_activity WHERE usename = 'cnc' AND pid <> pg_backend_pid() AND client_addr IS NOT NULL")
[[ -z $owner ]] || die "connections as the owner cnc besides this check's: $owner"
if denied=$(PGPASSWORD=cnc_sink PGCONNECT_TIMEOUT=5 psql -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_HOST_PORT" -U cnc_sink -d cnc \
    -c "DROP TABLE part_program_cycle_times" 2>&1); then
    die "cnc_sink dropped a table"
fi
[[ $denied == *"must be owner"* ]] || die "DROP TABLE as cnc_sink failed, but not for want of ownership: $denied"
pass "board: GET /api/machines on the host port lists the demo's machines; cnc_board reads and may not delete; the sink writes as cnc_sink, which may not drop a table"

# ---------------------------------------------------------------------------------------------
# 4. scale: three worker-a containers, the router spreads type A's machines over them

compose up -d --scale worker-a=3 >"$WORK_DIR/scale.log" 2>&1 || { _svc_tail_log "$WORK_DIR/scale.log"; die "up --scale worker-a=3 failed"; }
wait_healthy 240
mapfile -t workers_a < <(containers_of worker-a)
((${#workers_a[@]} == 3)) || die "worker-a has ${#workers_a[@]} containers, not 3"
# The router gives each machine one worker of its type, so the emulator's 10 machines of type A
# are spread over the workers the router knows when they first speak: all three, first.
router=$(containers_of router)
for ((i = 0; i < 30; i++)); do
    known=$(metric_of "$router" 'cnc_router_workers{cnc_type="CNCTypeA"}')
    ((known == 3)) && break
    sleep 1
done
((known == 3)) || die "the router knows $known workers of CNCTypeA, not 3"
before=$(counts)
before_a=$(sql "SELECT count(*) FROM cnc_data WHERE cnc_type = 'CNCTypeA'")
id=$(start_emulator 600 0)
finish_emulator "$id" 600 x >/dev/null
expect_stored "$before" 600
stored_a=$(($(sql "SELECT count(*) FROM cnc_data WHERE cnc_type = 'CNCTypeA'") - before_a))
total=0
busy=0
for c in "${workers_a[@]}"; do
    stored=$(metric_of "$c" cnc_worker_stored_total)
    log_info "  $(podman inspect -f '{{.Name}}' "$c"): $stored rows"
    total=$((total + stored))
    ((stored > 0)) && busy=$((busy + 1))
done
# Ten machines over three workers by hashing: all on one worker has odds of 3 in 59,049; one
# worker without a machine, about 1 in 19, and that is no fault.
((busy >= 2)) || die "the router sent all of type A's machines to one worker of 3"
# The first worker-a also stored the demo's rows of type A.
((total == before_a + stored_a)) ||
    die "the worker-a containers stored $total rows in all; cnc_data holds $((before_a + stored_a)) of type A"
pass "scale: 600 messages stored; the router knows the 3 worker-a containers and $busy of them took machines"

# ---------------------------------------------------------------------------------------------
# 5. monitor: Prometheus scrapes every stage and the board

compose --profile monitoring up -d prometheus >"$WORK_DIR/prometheus.log" 2>&1 || { _svc_tail_log "$WORK_DIR/prometheus.log"; die "up prometheus failed"; }
wait_for_port "$PROMETHEUS_HOST_PORT" 60 || die "Prometheus does not listen on 127.0.0.1:$PROMETHEUS_HOST_PORT"
# Every stage container: ingest, mtconnect, router, sink, 3 worker-a, 1 worker-b and 1 worker-mtconnect; and the board.
if ! python3 - "$PROMETHEUS_HOST_PORT" <<'PY'; then
import json, sys, time, urllib.request
want = {"cnc-ingest": 1, "cnc-mtconnect": 1, "cnc-router": 1, "cnc-sink": 1, "cnc-worker": 5, "cnc-board": 1}
deadline = time.time() + 120
seen = {}
while time.time() < deadline:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/targets", timeout=5) as r:
            targets = json.load(r)["data"]["activeTargets"]
    except Exception as e:  # not ready yet
        seen = {"error": str(e)}
        time.sleep(2)
        continue
    seen = {}
    for t in targets:
        job = t["labels"]["job"]
        if job in want:
            seen.setdefault(job, []).append((t["labels"]["instance"], t["health"]))
    if all(len([h for _, h in seen.get(j, []) if h == "up"]) == n and len(seen.get(j, [])) == n for j, n in want.items()):
        for j in sorted(seen):
            print(f"compose-test.sh:   {j}: " + ", ".join(i for i, _ in seen[j]), file=sys.stderr)
        sys.exit(0)
    time.sleep(2)
print(f"compose-test.sh: Prometheus targets after 120 s: {seen}", file=sys.stderr)
sys.exit(1)
PY
    die "Prometheus does not scrape every stage and the board"
fi
pass "monitor: Prometheus scrapes ingest, mtconnect, router, sink, the 5 workers and the board (Grafana: no image here)"

# ---------------------------------------------------------------------------------------------
# 6. restart: stop and start the deployment while the emulator publishes (the monitoring
# profile's Prometheus is part of it by now)

before=$(counts)
id=$(start_emulator 3000 100)
sleep 8
log_info "  stop, while the emulator publishes 100 msg/s"
compose --profile monitoring stop >"$WORK_DIR/stop.log" 2>&1 || { _svc_tail_log "$WORK_DIR/stop.log"; die "stop failed"; }
for service in mosquitto postgres sink router worker-a worker-b worker-mtconnect ingest mtconnect board; do
    for c in $(containers_of "$service"); do
        [[ $(podman inspect -f '{{.State.Status}}' "$c") != running ]] || die "$service still runs after stop"
    done
done
sleep 5
log_info "  start"
compose --profile monitoring start >"$WORK_DIR/start.log" 2>&1 || { _svc_tail_log "$WORK_DIR/start.log"; die "start failed"; }
wait_healthy 240
reconnects=$(finish_emulator "$id" 3000 'reconnected to the broker')
((reconnects > 0)) || die "the emulator never lost the broker: the stop did not happen while it published"
expect_stored "$before" 3000 240
pass "restart: 3000 messages published across a stop and start, every one stored once"

# ---------------------------------------------------------------------------------------------
# 7. kill: SIGKILL to the sink's and ingest's processes

# The stage's own process: the child of the container's init (compose's init: true).
kill_stage() {
    local service=$1 c init pid restarts
    c=$(containers_of "$service")
    init=$(podman inspect -f '{{.State.Pid}}' "$c")
    pid=$(pgrep -P "$init" | head -n 1)
    [[ -n $pid ]] || die "no stage process under $service's init ($init)"
    restarts=$(podman inspect -f '{{.RestartCount}}' "$c")
    log_info "  SIGKILL to $service (pid $pid)"
    kill -KILL "$pid"
    local deadline=$((SECONDS + 60))
    until [[ $(podman inspect -f '{{.RestartCount}}' "$c") -gt $restarts ]]; do
        ((SECONDS < deadline)) || die "$service was not restarted by its restart policy within 60 s"
        sleep 1
    done
}

before=$(counts)
id=$(start_emulator 2000 100)
sleep 5
kill_stage sink
sleep 5
kill_stage ingest
wait_healthy 240
finish_emulator "$id" 2000 x >/dev/null
expect_stored "$before" 2000 240
pass "kill: sink and ingest killed with SIGKILL came back by their restart policy; 2000 messages stored once"

# ---------------------------------------------------------------------------------------------
# 8. down

note_volumes
compose --profile demo --profile monitoring down >"$WORK_DIR/down.log" 2>&1 || { _svc_tail_log "$WORK_DIR/down.log"; die "down failed"; }
left=$(podman ps -a --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Names}}')
[[ -z $left ]] || die "containers left after down: $left"
pass "down: no container left"

((passed == ${#STEPS[@]})) || die "only $passed of ${#STEPS[@]} checks ran"
log_info "all checks passed"

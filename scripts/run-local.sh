#!/usr/bin/env bash
#
# scripts/run-local.sh: run the whole cnc-collector pipeline on this machine, end to end.
#
#   scripts/run-local.sh [start] [--debug] [--state-dir DIR] [--timeout SECONDS] [--rows N] [--stop-after]
#   scripts/run-local.sh stop    [--state-dir DIR]
#   scripts/run-local.sh status  [--state-dir DIR]
#   scripts/run-local.sh clean   [--state-dir DIR]     stop, then delete the state (database included)
#
# start (the default):
#   1. installs missing system packages (apt), builds the package (release; --debug for debug);
#   2. starts a private mosquitto and a kept PostgreSQL cluster (database "cnc") on 127.0.0.1,
#      with all their files under the state dir (default: REPO/run, or $CNC_STATE_DIR);
#   3. fills in deploy/supervisord.conf and starts supervisord (its own socket, pid and logs)
#      running sink, router, 2 x worker CNCTypeA, 2 x worker CNCTypeB, a worker MTConnectMill,
#      ingest, mtconnect (waiting for a source that names an agent) and the board
#      (as the login role cnc_board, which may only read; on 127.0.0.1:8080, or a free port
#      when 8080 is taken), and waits for the board's /health;
#   4. runs cnc-emulator once (every line of sample_data/*.json), waits for the rows and prints
#      cnc_data, machine_state and rejected_messages;
#   5. publishes one invalid message (no "payload") with mosquitto_pub and prints its rejection.
#   The pipeline is left running (unless --stop-after); `scripts/run-local.sh stop` stops it.
#   Running start again restarts everything cleanly; the database and broker state are kept.

set -euo pipefail

CNC_SCRIPT_NAME=run-local.sh
REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/services.sh
source "$REPO_ROOT/scripts/lib/services.sh"

PROGRAM_COUNT=10 # sink, router, worker-a x2, worker-b x2, worker-mtconnect, ingest, mtconnect, board (deploy/supervisord.conf)
BOARD_DEFAULT_PORT=8080

usage() {
    sed -n '3,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# ---------------------------------------------------------------------------------------------
# arguments

COMMAND=start
CONFIGURATION=release
STATE_DIR=${CNC_STATE_DIR:-$REPO_ROOT/run}
TIMEOUT=60
ROWS=20
STOP_AFTER=0

if (($# > 0)) && [[ $1 != -* ]]; then
    COMMAND=$1
    shift
fi
while (($# > 0)); do
    case $1 in
    --debug) CONFIGURATION=debug ;;
    --release) CONFIGURATION=release ;;
    --state-dir)
        (($# >= 2)) || die "--state-dir needs a directory"
        STATE_DIR=$2
        shift
        ;;
    --state-dir=*) STATE_DIR=${1#*=} ;;
    --timeout)
        (($# >= 2)) || die "--timeout needs a number of seconds"
        TIMEOUT=$2
        shift
        ;;
    --rows)
        (($# >= 2)) || die "--rows needs a number"
        ROWS=$2
        shift
        ;;
    --stop-after) STOP_AFTER=1 ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        usage >&2
        die "unknown argument: $1"
        ;;
    esac
    shift
done
case $COMMAND in
start | stop | status | clean) ;;
help)
    usage
    exit 0
    ;;
*)
    usage >&2
    die "unknown command: $COMMAND"
    ;;
esac
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "--timeout must be a whole number of seconds"
[[ $ROWS =~ ^[0-9]+$ ]] || die "--rows must be a whole number"

mkdir -p -- "$STATE_DIR"
STATE_DIR=$(cd -- "$STATE_DIR" && pwd)
STATE_FILE=$STATE_DIR/run-local.env
SUPERVISOR_CONF=$STATE_DIR/supervisord.conf
LOG_DIR=$STATE_DIR/logs
MQ_DIR=$STATE_DIR/mosquitto
MQ_AUTH_DIR=$MQ_DIR/auth

# A short, stable per-state-dir suffix for directories that cannot live in the state dir.
state_key() {
    printf '%s' "$STATE_DIR" | cksum | cut -d' ' -f1
}

# ---------------------------------------------------------------------------------------------
# helpers

# Value for deploy/supervisord.conf: doubled "%" for supervisord, escaped for a sed replacement.
sed_value() {
    local value=$1
    [[ $value != *$'\n'* && $value != *'"'* ]] || die "cannot put a value containing a newline or a double quote in supervisord.conf: $value"
    value=${value//%/%%}
    value=${value//\\/\\\\}
    value=${value//&/\\&}
    value=${value//|/\\|}
    printf '%s' "$value"
}

render_supervisor_conf() {
    local template=$REPO_ROOT/deploy/supervisord.conf
    [[ -r $template ]] || die "template $template not found"
    sed -e "s|@BIN_DIR@|$(sed_value "$BIN_DIR")|g" \
        -e "s|@REPO_DIR@|$(sed_value "$REPO_ROOT")|g" \
        -e "s|@STATE_DIR@|$(sed_value "$STATE_DIR")|g" \
        -e "s|@RUNTIME_DIR@|$(sed_value "$RUNTIME_DIR")|g" \
        -e "s|@MQTT_URL@|$(sed_value "$INGEST_MQTT_URL")|g" \
        -e "s|@MQTT_AUTH_DIR@|$(sed_value "$MQ_AUTH_DIR")|g" \
        -e "s|@BOARD_DATABASE_URL@|$(sed_value "$BOARD_DATABASE_URL")|g" \
        -e "s|@SINK_DATABASE_URL@|$(sed_value "$SINK_DATABASE_URL")|g" \
        -e "s|@BOARD_LISTEN@|$(sed_value "127.0.0.1:$BOARD_PORT")|g" \
        -e "s|@PLANT_TIME_ZONE@|$(sed_value "$(host_time_zone)")|g" \
        "$template" >"$SUPERVISOR_CONF.tmp"
    if grep -nE '@[A-Z_]+@' "$SUPERVISOR_CONF.tmp" | grep -v '^[0-9]*:;' >&2; then
        die "unsubstituted placeholders left in $SUPERVISOR_CONF.tmp (see above)"
    fi
    mv -f -- "$SUPERVISOR_CONF.tmp" "$SUPERVISOR_CONF"
}

# This host's IANA time zone (Europe/Berlin), for the board's MES_PLANT_TIME_ZONE; empty when
# it cannot be told (the board then takes the host's zone itself).
host_time_zone() {
    local zone=${TZ:-}
    zone=${zone#:}
    if [[ -z $zone || ! -f /usr/share/zoneinfo/$zone ]]; then
        zone=""
        if [[ -r /etc/timezone ]]; then
            zone=$(head -n 1 /etc/timezone)
        elif [[ -L /etc/localtime ]]; then
            zone=$(readlink -f /etc/localtime)
            zone=${zone#*/zoneinfo/}
        fi
    fi
    if [[ $zone =~ ^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$ && -f /usr/share/zoneinfo/$zone ]]; then
        printf '%s' "$zone"
    fi
}

# The login roles of the board (cnc_board, a member of cnc_reader, which may only read) and of
# the sink (cnc_sink, a member of cnc_writer, which may write rows but not change the schema),
# by deploy/roles.sql (the compose deployment's too); then the
# migrations, as the owner (the cluster's superuser here), before the sink starts: the sink
# cannot apply them. The local cluster trusts loopback, so the URLs have no password. Running
# it again changes nothing.
ensure_roles_and_schema() {
    pg -q -f "$REPO_ROOT/deploy/roles.sql" >/dev/null || die "cannot create the roles cnc_board and cnc_sink"
    BOARD_DATABASE_URL="postgresql://cnc_board@127.0.0.1:$PG_PORT/cnc"
    SINK_DATABASE_URL="postgresql://cnc_sink@127.0.0.1:$PG_PORT/cnc"
    log_info "mesctl migrate (as the owner)"
    DATABASE_URL=$DATABASE_URL MES_MIGRATIONS_DIR=$REPO_ROOT/migrations "$BIN_DIR/mesctl" migrate >&2 ||
        die "the migrations failed"
}

# The HTTP status of GET http://127.0.0.1:PORT/health (the board's), 000 when nothing answers.
board_health() {
    python3 - "$1" <<'PY'
import sys, urllib.error, urllib.request
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health", timeout=3) as response:
        print(response.status)
except urllib.error.HTTPError as error:
    print(error.code)
except Exception:
    print("000")
PY
}

# Waits until the board's /health answers 200: it has read the database.
wait_for_board() {
    local deadline=$((SECONDS + 60)) status
    while :; do
        status=$(board_health "$BOARD_PORT")
        [[ $status == 200 ]] && return 0
        if ((SECONDS >= deadline)); then
            log_warn "after 60 s the board's http://127.0.0.1:$BOARD_PORT/health answers ${status/#000/nothing}, not 200"
            return 1
        fi
        sleep 0.5
    done
}

ctl() {
    supervisorctl -c "$SUPERVISOR_CONF" "$@"
}

# The pid of this state dir's supervisord, when it runs.
supervisord_pid() {
    local pidfile=$STATE_DIR/supervisord.pid pid
    [[ -r $pidfile ]] || return 1
    pid=$(<"$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    grep -qzF supervisord "/proc/$pid/cmdline" 2>/dev/null || return 1
    printf '%s\n' "$pid"
}

# psql against the pipeline's database; extra arguments are passed on.
pg() {
    PGCONNECT_TIMEOUT=5 psql -X -v ON_ERROR_STOP=1 -P pager=off -d "$DATABASE_URL" "$@"
}

# One value from a query; empty on error.
pg_value() {
    pg -q -t -A -c "$1" 2>/dev/null || true
}

tables_exist() {
    [[ $(pg_value "SELECT to_regclass('public.cnc_data') IS NOT NULL AND to_regclass('public.machine_state') IS NOT NULL AND to_regclass('public.rejected_messages') IS NOT NULL") == t ]]
}

show_logs() {
    local file
    for file in "$LOG_DIR"/*.log; do
        [[ -e $file ]] || continue
        _svc_tail_log "$file" 15
    done
}

print_state() {
    cat <<EOF

  ===> board        http://127.0.0.1:$BOARD_PORT/   (open it in a browser: every machine, live)

  MQTT broker      mqtts://127.0.0.1:$MQ_TLS_PORT (CA: $MQ_AUTH_DIR/ca.crt), and $MQTT_URL on loopback;
                   users and passwords only (deploy/mosquitto.acl); the collector reads as cnc-ingest:
                   mosquitto_sub -p $MQ_PORT -u cnc-ingest -P "\$(cat $MQ_AUTH_DIR/clients/cnc-ingest/password)" -t 'machines/#' -t sensor/CNC -v
  a machine        scripts/broker-user.sh --dir $MQ_AUTH_DIR add CNC001 && kill -HUP \$(cat $MQ_DIR/mosquitto.pid)
                   (prints its password; it publishes on machines/CNC001/data, deploy/sources/)
  database         $DATABASE_URL   (psql '$DATABASE_URL')
  supervisor       supervisorctl -c $SUPERVISOR_CONF status
  logs             $LOG_DIR/
  state            $STATE_DIR/   (PostgreSQL data: $PG_DIR)

EOF
}

# ---------------------------------------------------------------------------------------------
# stop

load_state() {
    # Defaults for a state dir without a state file; the file, when present, overrides them.
    PG_DIR=$STATE_DIR/postgres
    RUNTIME_DIR=$STATE_DIR/rt
    if [[ -r $STATE_FILE ]]; then
        # shellcheck source=/dev/null
        source "$STATE_FILE"
    fi
}

save_state() {
    {
        echo "# written by scripts/run-local.sh; read by 'scripts/run-local.sh stop'"
        printf 'PG_DIR=%q\n' "$PG_DIR"
        printf 'RUNTIME_DIR=%q\n' "$RUNTIME_DIR"
        printf 'PG_PORT=%q\n' "$PG_PORT"
        printf 'MQ_PORT=%q\n' "$MQ_PORT"
        printf 'BOARD_PORT=%q\n' "$BOARD_PORT"
        printf 'BIN_DIR=%q\n' "$BIN_DIR"
        printf 'DATABASE_URL=%q\n' "$DATABASE_URL"
        printf 'BOARD_DATABASE_URL=%q\n' "$BOARD_DATABASE_URL"
        printf 'SINK_DATABASE_URL=%q\n' "$SINK_DATABASE_URL"
        printf 'MQTT_URL=%q\n' "$MQTT_URL"
        printf 'MQ_TLS_PORT=%q\n' "$MQ_TLS_PORT"
        printf 'INGEST_MQTT_URL=%q\n' "$INGEST_MQTT_URL"
    } >"$STATE_FILE"
}

# Stop the board, then the stages tier by tier (ingest and mtconnect, router, workers, sink) so each drains
# into a running next stage, then supervisord itself, then mosquitto, then PostgreSQL.
stop_all() {
    local pid
    if pid=$(supervisord_pid); then
        log_info "stopping the pipeline (supervisord pid $pid)"
        local names tier
        names=$(ctl status 2>/dev/null | awk '{print $1}' || true)
        for tier in 'cnc:board' 'cnc:ingest cnc:mtconnect' 'cnc:router' 'cnc:worker-' 'cnc:sink'; do
            local selected=() name
            for name in $names; do
                local prefix
                for prefix in $tier; do
                    [[ $name == "$prefix"* ]] && selected+=("$name")
                done
            done
            # One supervisorctl per process: a tier's processes stop (and drain) in parallel.
            local pids=()
            for name in "${selected[@]}"; do
                ctl stop "$name" >/dev/null 2>&1 &
                pids+=($!)
            done
            local i
            for i in "${!pids[@]}"; do
                wait "${pids[$i]}" || log_warn "supervisorctl stop ${selected[$i]} failed"
            done
        done
        ctl shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
        local waited=0
        while kill -0 "$pid" 2>/dev/null; do
            if ((waited >= 900)); then
                log_warn "supervisord (pid $pid) still running after 90 s: sending SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
                break
            fi
            sleep 0.1
            waited=$((waited + 1))
        done
    fi
    (stop_mosquitto "$MQ_DIR") || log_warn "could not stop mosquitto"
    (stop_postgres "$PG_DIR") || log_warn "could not stop PostgreSQL"
}

# ---------------------------------------------------------------------------------------------
# start

choose_port() {
    local previous=${1:-}
    if [[ -n $previous ]] && port_is_free "$previous"; then
        printf '%s\n' "$previous"
    else
        free_port
    fi
}

# PostgreSQL runs as user postgres, which must be able to reach its data dir. When the state
# dir is under a private directory (e.g. /root), the cluster lives in /var/tmp instead.
choose_pg_dir() {
    local wanted=$STATE_DIR/postgres
    if [[ $(id -u) -ne 0 ]] || runuser -u postgres -- test -x "$STATE_DIR" 2>/dev/null; then
        printf '%s\n' "$wanted"
        return 0
    fi
    local fallback
    fallback=/var/tmp/cnc-collector-pg.$(state_key)
    log_warn "user postgres cannot reach $STATE_DIR (a parent directory is private): keeping the PostgreSQL cluster in $fallback"
    printf '%s\n' "$fallback"
}

# ZeroMQ ipc:// paths (and supervisord's socket) must stay under ~107 bytes.
choose_runtime_dir() {
    local wanted=$STATE_DIR/rt suffix=/worker-CNCTypeB.ipc
    if ((${#wanted} + ${#suffix} <= 100)); then
        printf '%s\n' "$wanted"
    else
        printf '/tmp/cnc-collector-rt.%s\n' "$(state_key)"
    fi
}

wait_until_running() {
    local deadline=$((SECONDS + 60)) out running total
    while :; do
        out=$(ctl status 2>&1 || true)
        running=$(grep -c ' RUNNING ' <<<"$out" || true)
        total=$(grep -c '^cnc:' <<<"$out" || true)
        if ((total >= PROGRAM_COUNT && running == total)); then
            return 0
        fi
        if grep -qE ' (FATAL|EXITED|BACKOFF) ' <<<"$out" && ((SECONDS > deadline - 50)); then
            # Give a crash loop a few seconds to show itself, then report it.
            printf '%s\n' "$out" >&2
            return 1
        fi
        if ((SECONDS >= deadline)); then
            printf '%s\n' "$out" >&2
            return 1
        fi
        sleep 0.5
    done
}

# Wait until mosquitto's log, past byte OFFSET, shows ingest ready: a subscription to FILTER
# ("CLIENT_ID QOS FILTER" lines), or a client resuming a persistent session ("c0"), which may
# not subscribe again; then a second's grace for its SUBSCRIBE to land.
wait_for_subscription() {
    local offset=$1 filter=$2 deadline=$((SECONDS + 30))
    while ((SECONDS < deadline)); do
        if tail -c +$((offset + 1)) -- "$MQ_DIR/mosquitto.log" 2>/dev/null |
            awk -v filter="$filter" '
                ($NF == filter && $(NF - 1) ~ /^[0-2]$/) || (/New client connected/ && /, c0, /) { found = 1 }
                END { exit !found }'; then
            sleep 1
            return 0
        fi
        sleep 0.3
    done
    return 1
}

# The message_id of every non-blank line of FILES published on TOPIC, one per line: SHA-256 of
# the topic, a zero byte and the line's bytes (docs/wire-format.md#message-identity).
message_ids() {
    python3 - "$@" <<'PY'
import hashlib, sys, uuid
topic = sys.argv[1].encode()
for path in sys.argv[2:]:
    with open(path, "rb") as source:
        for line in source.read().split(b"\n"):
            if not line.strip(b" \r\t"):
                continue
            digest = bytearray(hashlib.sha256(topic + b"\0" + line).digest()[:16])
            digest[6] = digest[6] & 0x0F | 0x80
            digest[8] = digest[8] & 0x3F | 0x80
            print(uuid.UUID(bytes=bytes(digest)))
PY
}

# Wait until every line of FILES published on TOPIC is stored, as a row or a rejection. Lines
# stored by an earlier run count: the same bytes are the same message, stored once.
wait_for_messages() {
    local topic=$1 deadline=$((SECONDS + TIMEOUT)) ids expected found
    shift
    ids=$(message_ids "$topic" "$@" | sort -u)
    expected=$(wc -l <<<"$ids")
    ids=$(sed "s/.*/'&'/" <<<"$ids" | paste -sd, -)
    while :; do
        found=0
        if tables_exist; then
            found=$(pg_value "SELECT count(DISTINCT message_id) FROM (SELECT message_id FROM cnc_data UNION ALL SELECT message_id FROM rejected_messages) AS stored WHERE message_id IN ($ids)")
        fi
        ((found >= expected)) && return 0
        if ((SECONDS >= deadline)); then
            log_warn "after ${TIMEOUT}s: $found of $expected messages stored"
            return 1
        fi
        sleep 0.5
    done
}

print_tables() {
    echo
    echo "=== cnc_data (latest $ROWS)"
    pg -v rows="$ROWS" <<'SQL'
SELECT cnc_id, cnc_type, part_program, ts, payload
FROM (SELECT * FROM cnc_data ORDER BY received_at DESC, ts DESC LIMIT :rows) AS latest
ORDER BY received_at, ts;
SQL
    echo "=== machine_state (latest $ROWS)"
    pg -v rows="$ROWS" <<'SQL'
SELECT cnc_id, ts, status, spindle_speed_rpm, axis_x_mm, axis_y_mm
FROM (SELECT * FROM machine_state ORDER BY ts DESC LIMIT :rows) AS latest
ORDER BY ts;
SQL
    print_rejections "$ROWS"
}

# The latest ROWS rejections, or with a message_id as second argument, that message's.
print_rejections() {
    local rows=$1 id=${2:-}
    if [[ -n $id ]]; then
        echo "=== rejected_messages (message_id $id)"
    else
        echo "=== rejected_messages (latest $rows)"
    fi
    pg -q -v rows="$rows" -v id="$id" <<'SQL'
-- raw is bytea and need not be UTF-8: show it as text when it is, escaped otherwise.
CREATE FUNCTION pg_temp.raw_text(b bytea) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN convert_from(b, 'UTF8');
EXCEPTION WHEN others THEN
    RETURN encode(b, 'escape');
END $$;
SELECT rejected_at, stage, reason, cnc_id, left(pg_temp.raw_text(raw), 160) AS raw
FROM (SELECT * FROM rejected_messages WHERE :'id' = '' OR message_id::text = :'id'
      ORDER BY rejected_at DESC LIMIT :rows) AS latest
ORDER BY rejected_at;
SQL
}

START_COMPLETE=0
on_start_exit() {
    local rc=$?
    trap - EXIT INT TERM
    if ((rc != 0 && START_COMPLETE == 0)); then
        log_warn "start failed (exit $rc): stopping what was started"
        show_logs
        stop_all || true
        log_info "logs are kept in $LOG_DIR"
    fi
    exit "$rc"
}

do_start() {
    ensure_packages
    load_state
    local previous_pg_port=${PG_PORT:-} previous_mq_port=${MQ_PORT:-} previous_mq_tls_port=${MQ_TLS_PORT:-} previous_board_port=${BOARD_PORT:-$BOARD_DEFAULT_PORT}

    cd -- "$REPO_ROOT"
    log_info "swift build -c $CONFIGURATION"
    swift build -c "$CONFIGURATION"
    BIN_DIR=$(swift build -c "$CONFIGURATION" --show-bin-path)
    local exe
    for exe in sink router worker ingest mtconnect board cnc-emulator mesctl; do
        [[ -x $BIN_DIR/$exe ]] || die "$BIN_DIR/$exe was not built"
    done

    if supervisord_pid >/dev/null || [[ -f $PG_DIR/data/postmaster.pid || -f $MQ_DIR/mosquitto.pid ]]; then
        log_info "already running: restarting"
        stop_all
    fi

    trap on_start_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    chmod 0711 "$STATE_DIR" # the postgres user may need to reach $STATE_DIR/postgres
    mkdir -p -- "$LOG_DIR" "$MQ_DIR"
    PG_DIR=$(choose_pg_dir)
    RUNTIME_DIR=$(choose_runtime_dir)
    mkdir -p -- "$RUNTIME_DIR"
    chmod 0700 -- "$RUNTIME_DIR"

    PG_PORT=$(choose_port "$previous_pg_port")
    MQ_PORT=$(choose_port "$previous_mq_port")
    MQ_TLS_PORT=$(choose_port "$previous_mq_tls_port")
    while [[ $MQ_TLS_PORT == "$MQ_PORT" ]]; do MQ_TLS_PORT=$(free_port); done
    BOARD_PORT=$(choose_port "$previous_board_port")
    start_postgres "$PG_DIR" "$PG_PORT" cnc
    ensure_roles_and_schema
    # The broker's CA, certificate and users are made once and kept with its state.
    bash "$REPO_ROOT/scripts/broker-user.sh" --dir "$MQ_AUTH_DIR" init || die "cannot make the broker's certificates and users"
    start_mosquitto --auth "$MQ_AUTH_DIR" "$MQ_TLS_PORT" "$MQ_DIR" "$MQ_PORT"
    INGEST_MQTT_URL="mqtts://cnc-ingest@127.0.0.1:$MQ_TLS_PORT"
    DEMO_MQTT_URL="mqtts://cnc-demo@127.0.0.1:$MQ_TLS_PORT"
    save_state

    render_supervisor_conf
    local mq_log_offset=0
    [[ -f $MQ_DIR/mosquitto.log ]] && mq_log_offset=$(wc -c <"$MQ_DIR/mosquitto.log")
    log_info "starting supervisord ($SUPERVISOR_CONF)"
    if ! supervisord -c "$SUPERVISOR_CONF" >"$LOG_DIR/supervisord.start.log" 2>&1; then
        cat "$LOG_DIR/supervisord.start.log" >&2 || true
        die "supervisord did not start"
    fi
    if ! wait_until_running; then
        die "not every program reached RUNNING (supervisorctl status above)"
    fi
    sleep 2 # a stage that crashes right after startsecs shows up now
    wait_until_running || die "a program stopped right after starting"
    log_info "pipeline running: $(ctl status | awk '{print $1}' | tr '\n' ' ')"
    wait_for_board || die "the board did not come up (its log: $LOG_DIR/board.log)"
    log_info "board ready: http://127.0.0.1:$BOARD_PORT/"
    START_COMPLETE=1

    # Publish only once ingest has subscribed: before its first subscription the broker would
    # drop the messages.
    local topic=${MQTT_TOPIC:-sensor/CNC}
    if ! wait_for_subscription "$mq_log_offset" "$topic"; then
        log_warn "no subscription to $topic seen in $MQ_DIR/mosquitto.log within 30 s; publishing anyway"
    fi

    # --- demo: the sample data, once
    local files=() expected rc=0
    shopt -s nullglob
    files=("$REPO_ROOT"/sample_data/*.json)
    shopt -u nullglob
    ((${#files[@]} > 0)) || die "no sample_data/*.json files"
    expected=$(awk 'NF' "${files[@]}" | wc -l)

    # As the demo's gateway cnc-demo, over TLS: the broker lets no one in without a user.
    log_info "cnc-emulator: publishing $expected sample messages to $DEMO_MQTT_URL"
    if ! MES_CNC_TYPES=$REPO_ROOT/deploy/cnc_types.json MES_RUNTIME_DIR=$RUNTIME_DIR \
        MQTT_PASSWORD_FILE=$MQ_AUTH_DIR/clients/cnc-demo/password MQTT_CA_FILE=$MQ_AUTH_DIR/ca.crt \
        timeout 120 "$BIN_DIR/cnc-emulator" --mqtt-url "$DEMO_MQTT_URL"; then
        log_warn "cnc-emulator failed"
        rc=1
    fi
    log_info "waiting up to ${TIMEOUT}s for the rows"
    wait_for_messages "$topic" "${files[@]}" || rc=1
    print_tables || rc=1

    # --- one invalid message: all four fields are required, here "payload" is missing
    local invalid='{"cnc_id": "CNC001", "part_program": "program_99", "timestamp": "1747379099"}'
    printf '%s\n' "$invalid" >"$STATE_DIR/invalid-message.json"
    log_info "publishing one invalid message (no \"payload\") to $topic: $invalid"
    mosquitto_pub -h 127.0.0.1 -p "$MQ_PORT" -u cnc-demo -P "$(<"$MQ_AUTH_DIR/clients/cnc-demo/password")" -q 1 -t "$topic" -m "$invalid" || {
        log_warn "mosquitto_pub failed"
        rc=1
    }
    # The same bytes make the same message_id: a second run finds the first run's rejection.
    if wait_for_messages "$topic" "$STATE_DIR/invalid-message.json"; then
        print_rejections 1 "$(message_ids "$topic" "$STATE_DIR/invalid-message.json")" || rc=1
    else
        rc=1
    fi

    if ((rc != 0)); then
        log_warn "the demo did not complete; the stages' logs:"
        show_logs
    fi
    print_state
    if ((STOP_AFTER)); then
        stop_all
        log_info "stopped (--stop-after)"
    else
        log_info "the pipeline keeps running; stop it with: scripts/run-local.sh stop${STATE_DIR_ARG}"
    fi
    return "$rc"
}

do_status() {
    load_state
    local rc=0 pid
    if pid=$(supervisord_pid); then
        log_info "supervisord running (pid $pid)"
        ctl status || rc=1
    else
        log_info "supervisord not running"
        rc=1
    fi
    if [[ -n ${PG_PORT:-} ]] && pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; then
        log_info "PostgreSQL accepting connections on 127.0.0.1:$PG_PORT (${DATABASE_URL:-})"
    else
        log_info "PostgreSQL not running"
        rc=1
    fi
    if _svc_mosquitto_pid "$MQ_DIR" >/dev/null; then
        log_info "mosquitto running (${MQTT_URL:-})"
    else
        log_info "mosquitto not running"
        rc=1
    fi
    local health
    if [[ -n ${BOARD_PORT:-} ]] && health=$(board_health "$BOARD_PORT") && [[ $health == 200 ]]; then
        log_info "board ready: http://127.0.0.1:$BOARD_PORT/"
    elif [[ -n ${BOARD_PORT:-} && ${health:-000} != 000 ]]; then
        log_info "board starting (/health answers $health): http://127.0.0.1:$BOARD_PORT/"
        rc=1
    else
        log_info "board not running"
        rc=1
    fi
    return "$rc"
}

STATE_DIR_ARG=""
if [[ $STATE_DIR != "$REPO_ROOT/run" ]]; then
    STATE_DIR_ARG=" --state-dir $(printf '%q' "$STATE_DIR")"
fi

case $COMMAND in
start)
    do_start
    ;;
stop)
    load_state
    stop_all
    log_info "stopped"
    ;;
status)
    do_status
    ;;
clean)
    load_state
    stop_all
    log_info "deleting $STATE_DIR${PG_DIR:+ and $PG_DIR}"
    rm -rf -- "$PG_DIR" "$STATE_DIR"
    if [[ $RUNTIME_DIR != "$STATE_DIR"/* ]]; then
        rm -rf -- "$RUNTIME_DIR"
    fi
    ;;
esac

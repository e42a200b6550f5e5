# shellcheck shell=bash
#
# scripts/lib/services.sh: helpers shared by scripts/test.sh and scripts/run-local.sh.
# Source it from bash; it defines functions only and changes no shell options.
#
#   ensure_packages [--no-install-recommends]
#                                    install the system packages the project needs (apt), if missing;
#                                    the option keeps apt from adding the packages they recommend
#   free_port                        print a free TCP port on 127.0.0.1
#   port_is_free PORT                succeed when nothing listens on 127.0.0.1:PORT
#   wait_for_port PORT [SECONDS]     wait until 127.0.0.1:PORT accepts connections
#   start_postgres [--no-fsync] DIR PORT [DBNAME]
#                                    initdb (first time) and start a private PostgreSQL cluster
#                                    in DIR on 127.0.0.1:PORT, create DBNAME (default cnc),
#                                    export DATABASE_URL=postgresql://postgres@127.0.0.1:PORT/DBNAME
#   stop_postgres DIR                stop it (pg_ctl -m fast); does nothing when not running
#   start_mosquitto [--auth AUTH_DIR TLS_PORT] DIR PORT
#                                    write DIR/mosquitto.conf and start a private broker on
#                                    127.0.0.1:PORT, export MQTT_URL=mqtt://127.0.0.1:PORT; with
#                                    --auth, as the deployments run it: no anonymous client, the
#                                    users of AUTH_DIR/passwd and deploy/mosquitto.acl on both
#                                    listeners, and TLS on 127.0.0.1:TLS_PORT with AUTH_DIR's
#                                    certificate (scripts/broker-user.sh init makes AUTH_DIR)
#   stop_mosquitto DIR               stop it; does nothing when not running
#   start_private_servers [--durable] PREFIX
#                                    a new short temp dir /tmp/PREFIX.XXXXXX (PRIVATE_DIR) with a
#                                    PostgreSQL (fsync off unless --durable, database cnc) and a
#                                    mosquitto in it, on free ports; exports DATABASE_URL, MQTT_URL
#   stop_private_servers             stop both and remove PRIVATE_DIR; safe to call twice
#   log_info / log_warn / die MSG    messages prefixed with the calling script's name
#
# Every server binds 127.0.0.1 only and keeps all its files (data, socket, log, pid) in DIR.
# The caller is responsible for stopping what it started (trap ... EXIT).
#
# Environment knobs:
#   CNC_SCRIPT_NAME     prefix of messages (default: the calling script's file name)
#   PG_BINDIR           directory of initdb/pg_ctl/postgres (default: newest /usr/lib/postgresql/*/bin)
#   CNC_APT_START_SERVICES=1
#                       let apt start the distribution's own mosquitto/postgresql/supervisor
#                       services when it installs them (by default they are kept stopped: the
#                       scripts run private instances and must not collide with ports 1883/5432)

# The broker's access list, the deployments' own.
_SVC_ACL_FILE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../../deploy" && pwd)/mosquitto.acl

CNC_REQUIRED_PACKAGES=(python3 openssl mosquitto mosquitto-clients libmosquitto-dev libzmq3-dev libpq-dev supervisor postgresql pkg-config iproute2)

# ---------------------------------------------------------------------------------------------
# messages

_svc_name() {
    printf '%s' "${CNC_SCRIPT_NAME:-$(basename -- "${0:-services.sh}")}"
}

log_info() {
    printf '%s: %s\n' "$(_svc_name)" "$*" >&2
}

log_warn() {
    printf '%s: warning: %s\n' "$(_svc_name)" "$*" >&2
}

die() {
    printf '%s: error: %s\n' "$(_svc_name)" "$*" >&2
    exit 1
}

# Print the last lines of a log file to stderr, indented, when it exists.
_svc_tail_log() {
    local file=$1 lines=${2:-30}
    if [[ -r $file ]]; then
        printf '%s: --- last %s lines of %s ---\n' "$(_svc_name)" "$lines" "$file" >&2
        tail -n "$lines" -- "$file" | sed 's/^/    /' >&2 || true
    fi
}

# ---------------------------------------------------------------------------------------------
# packages

# Succeeds when the Debian package is installed (not merely known or removed with config-files).
# dpkg-query prints the status alone: a `dpkg -s | grep -q` pipeline fails under pipefail when
# grep exits before dpkg has written all of a long description (SIGPIPE).
_svc_pkg_installed() {
    [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

ensure_packages() {
    local missing=() pkg apt_options=()
    if [[ ${1:-} == --no-install-recommends ]]; then
        apt_options+=(--no-install-recommends)
        shift
    fi
    if ! command -v dpkg >/dev/null 2>&1; then
        log_warn "dpkg not found: cannot check packages; make sure these are installed: ${CNC_REQUIRED_PACKAGES[*]}"
        return 0
    fi
    for pkg in "${CNC_REQUIRED_PACKAGES[@]}"; do
        _svc_pkg_installed "$pkg" || missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    if [[ $(id -u) -ne 0 ]]; then
        die "missing packages: ${missing[*]} (run as root, or: apt-get install ${missing[*]})"
    fi
    log_info "installing missing packages: ${missing[*]}"

    # Keep apt from starting the distribution's own daemons (system mosquitto on :1883, the
    # 'main' PostgreSQL cluster on :5432, the system supervisord): we run private instances.
    local policy=/usr/sbin/policy-rc.d policy_marker='# cnc-collector: temporary, keeps daemons stopped during apt-get install'
    local created_policy=0
    if [[ ${CNC_APT_START_SERVICES:-0} != 1 && ! -e $policy ]]; then
        printf '#!/bin/sh\n%s\nexit 101\n' "$policy_marker" >"$policy"
        chmod 0755 "$policy"
        created_policy=1
    fi

    local rc=0
    apt-get update || rc=$?
    if ((rc == 0)); then
        DEBIAN_FRONTEND=noninteractive apt-get install -y "${apt_options[@]}" "${missing[@]}" || rc=$?
    fi
    if ((created_policy)) && grep -qF -- "$policy_marker" "$policy" 2>/dev/null; then
        rm -f -- "$policy"
    fi
    ((rc == 0)) || die "apt-get failed (exit $rc) while installing: ${missing[*]}"

    for pkg in "${missing[@]}"; do
        _svc_pkg_installed "$pkg" || die "package $pkg is still not installed after apt-get install"
    done
    log_info "packages installed"
}

# ---------------------------------------------------------------------------------------------
# ports

free_port() {
    python3 - <<'PY'
import socket
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}

# SO_REUSEADDR as servers set it: a port left in TIME_WAIT counts as free, a listener does not.
port_is_free() {
    python3 - "$1" <<'PY'
import socket, sys
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", int(sys.argv[1])))
    except OSError:
        sys.exit(1)
PY
}

# Succeeds once 127.0.0.1:PORT accepts a TCP connection; fails after SECONDS (default 30).
wait_for_port() {
    local port=$1 timeout=${2:-30} waited=0
    while ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        if ((waited >= timeout * 10)); then
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    return 0
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

# The directory holding initdb, pg_ctl and postgres (Debian keeps them off PATH).
_svc_pg_bindir() {
    if [[ -n ${PG_BINDIR:-} ]]; then
        printf '%s\n' "$PG_BINDIR"
        return 0
    fi
    local version best=""
    version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n $version && -x /usr/lib/postgresql/$version/bin/pg_ctl ]]; then
        best=/usr/lib/postgresql/$version/bin # Debian: the newest installed major version
    elif command -v pg_ctl >/dev/null 2>&1; then
        best=$(dirname -- "$(command -v pg_ctl)")
    fi
    [[ -x $best/pg_ctl ]] || die "PostgreSQL server binaries not found (set PG_BINDIR, or install the postgresql package)"
    printf '%s\n' "$best"
}

# Run a command as the owner of the cluster: initdb and postgres refuse to run as root.
_svc_as_postgres() {
    if [[ $(id -u) -eq 0 ]]; then
        # cd /: postgres may not be allowed into the caller's working directory.
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

_svc_pg_running() {
    local data=$1
    [[ -f $data/postmaster.pid ]] || return 1
    _svc_as_postgres "$(_svc_pg_bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1
}

start_postgres() {
    local fsync=on
    if [[ ${1:-} == --no-fsync ]]; then
        fsync=off
        shift
    fi
    (($# >= 2)) || die "usage: start_postgres [--no-fsync] DIR PORT [DBNAME]"
    local dir=$1 port=$2 db=${3:-cnc}
    local bindir data="$dir/data" logfile="$dir/postgres.log"
    bindir=$(_svc_pg_bindir)

    mkdir -p -- "$dir"
    dir=$(cd -- "$dir" && pwd)
    data="$dir/data"
    logfile="$dir/postgres.log"
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "system user 'postgres' does not exist (is the postgresql package installed?)"
        chown postgres: -- "$dir"
        chmod 0700 -- "$dir"
        if ! runuser -u postgres -- test -w "$dir" 2>/dev/null; then
            die "user postgres cannot reach $dir: a parent directory is not searchable by others (e.g. /root is 0700); use a directory elsewhere (e.g. under /var/tmp) or chmod o+x the parents"
        fi
    fi

    if _svc_pg_running "$data"; then
        log_warn "PostgreSQL is already running in $data: restarting it"
        stop_postgres "$dir"
    fi

    if [[ ! -f $data/PG_VERSION ]]; then
        rm -rf -- "$data" # a half-made cluster from an interrupted initdb
        log_info "initdb: new PostgreSQL cluster in $data"
        local initdb_args=(-D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale)
        [[ $fsync == off ]] && initdb_args+=(--no-sync)
        if ! _svc_as_postgres "$bindir/initdb" "${initdb_args[@]}" >"$dir/initdb.log" 2>&1; then
            _svc_tail_log "$dir/initdb.log"
            die "initdb failed (log: $dir/initdb.log)"
        fi
        # Trust, but only over the private socket and loopback.
        cat >"$data/pg_hba.conf" <<'EOF'
# written by scripts/lib/services.sh: a private cluster reachable from this machine only
local   all   all                 trust
host    all   all   127.0.0.1/32  trust
host    all   all   ::1/128       trust
EOF
        printf "\n# scripts/lib/services.sh rewrites cnc-local.conf at every start\ninclude_if_exists = 'cnc-local.conf'\n" >>"$data/postgresql.conf"
        if [[ $(id -u) -eq 0 ]]; then
            chown postgres: -- "$data/pg_hba.conf"
        fi
    fi

    # Per-start settings: the port may change between runs.
    local socket_dir=$dir
    if ((${#socket_dir} + 20 > 100)); then
        log_warn "$dir is too long for a unix socket path: PostgreSQL will listen on TCP only"
        socket_dir=""
    fi
    {
        echo "# written by scripts/lib/services.sh at $(date -u +%FT%TZ)"
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $port"
        echo "unix_socket_directories = '$socket_dir'"
        echo "max_connections = 200"
        echo "fsync = $fsync"
        if [[ $fsync == off ]]; then
            echo "synchronous_commit = off"
            echo "full_page_writes = off"
        fi
    } >"$data/cnc-local.conf"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres: -- "$data/cnc-local.conf"
    fi

    port_is_free "$port" || die "port 127.0.0.1:$port is already in use (PostgreSQL)"
    log_info "starting PostgreSQL on 127.0.0.1:$port (data: $data, fsync $fsync)"
    if ! _svc_as_postgres "$bindir/pg_ctl" -D "$data" -l "$logfile" -w -t 60 start >"$dir/pg_ctl.log" 2>&1; then
        cat "$dir/pg_ctl.log" >&2 || true
        _svc_tail_log "$logfile"
        die "PostgreSQL did not start (log: $logfile)"
    fi

    local tries=0
    until pg_isready -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; do
        ((++tries > 300)) && {
            _svc_tail_log "$logfile"
            die "PostgreSQL on 127.0.0.1:$port is not ready after 30 s"
        }
        sleep 0.1
    done

    # psql interpolates :'db' only in input it reads, not in -c; hence the pipes.
    local exists
    exists=$(printf '%s\n' "SELECT 1 FROM pg_database WHERE datname = :'db';" |
        psql -X -q -t -A -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -v db="$db") ||
        die "cannot query PostgreSQL on 127.0.0.1:$port"
    if [[ $exists != 1 ]]; then
        printf '%s\n' 'CREATE DATABASE :"db";' |
            psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -v db="$db" >/dev/null ||
            die "cannot create database $db"
        log_info "created database $db"
    fi

    export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/$db"
    export CNC_PG_PORT=$port
    log_info "PostgreSQL ready: $DATABASE_URL"
}

stop_postgres() {
    (($# >= 1)) || die "usage: stop_postgres DIR"
    local dir=$1 data="$1/data"
    [[ -f $data/postmaster.pid ]] || return 0
    local bindir
    bindir=$(_svc_pg_bindir)
    if ! _svc_pg_running "$data"; then
        return 0
    fi
    log_info "stopping PostgreSQL ($data)"
    if ! _svc_as_postgres "$bindir/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1; then
        log_warn "pg_ctl stop -m fast failed; trying -m immediate"
        _svc_as_postgres "$bindir/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
            log_warn "could not stop PostgreSQL in $data"
    fi
}

# ---------------------------------------------------------------------------------------------
# mosquitto

# The pid recorded in DIR/mosquitto.pid, when that process is alive and is mosquitto.
_svc_mosquitto_pid() {
    local pidfile="$1/mosquitto.pid" pid
    [[ -r $pidfile ]] || return 1
    pid=$(<"$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/comm && $(</proc/"$pid"/comm) == mosquitto ]] || return 1
    printf '%s\n' "$pid"
}

start_mosquitto() {
    local auth="" tls_port=""
    if [[ ${1:-} == --auth ]]; then
        (($# >= 3)) || die "usage: start_mosquitto [--auth AUTH_DIR TLS_PORT] DIR PORT"
        auth=$(cd -- "$2" && pwd) || die "no directory $2"
        tls_port=$3
        shift 3
        [[ -r $auth/passwd && -r $auth/server.crt ]] || die "$auth has no passwd or server.crt (scripts/broker-user.sh init makes them)"
    fi
    (($# >= 2)) || die "usage: start_mosquitto [--auth AUTH_DIR TLS_PORT] DIR PORT"
    local dir=$1 port=$2
    command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]] || die "mosquitto not found (install the mosquitto package)"
    local mosquitto_bin
    mosquitto_bin=$(command -v mosquitto 2>/dev/null || echo /usr/sbin/mosquitto)

    mkdir -p -- "$dir"
    dir=$(cd -- "$dir" && pwd)
    if _svc_mosquitto_pid "$dir" >/dev/null; then
        log_warn "mosquitto is already running for $dir: restarting it"
        stop_mosquitto "$dir"
    fi
    rm -f -- "$dir/mosquitto.pid"

    # The listeners share the users and the ACL (per_listener_settings false, the default).
    local access="allow_anonymous true"
    if [[ -n $auth ]]; then
        access="listener $tls_port 127.0.0.1
cafile $auth/ca.crt
certfile $auth/server.crt
keyfile $auth/server.key
tls_version tlsv1.2
allow_anonymous false
password_file $auth/passwd
acl_file $_SVC_ACL_FILE"
    fi
    # As root, mosquitto would switch to the 'mosquitto' user, which may not be able to write
    # DIR; 'user' set to the current user keeps it as is.
    cat >"$dir/mosquitto.conf" <<EOF
# written by scripts/lib/services.sh: a private broker for this machine only
user $(id -un)
pid_file $dir/mosquitto.pid
listener $port 127.0.0.1
$access
persistence true
persistence_location $dir/
persistence_file mosquitto.db
autosave_interval 30
max_queued_messages 100000
max_inflight_messages 100
log_dest file $dir/mosquitto.log
log_type error
log_type warning
log_type notice
log_type information
log_type subscribe
log_type unsubscribe
connection_messages true
log_timestamp_format %Y-%m-%dT%H:%M:%S
EOF

    port_is_free "$port" || die "port 127.0.0.1:$port is already in use (mosquitto)"
    [[ -z $tls_port ]] || port_is_free "$tls_port" || die "port 127.0.0.1:$tls_port is already in use (mosquitto)"
    log_info "starting mosquitto on 127.0.0.1:$port${tls_port:+ and TLS on 127.0.0.1:$tls_port} (dir: $dir)"
    # -d: detach; the pid file tells us which process to stop.
    if ! (cd / && "$mosquitto_bin" -c "$dir/mosquitto.conf" -d) >"$dir/start.log" 2>&1; then
        cat "$dir/start.log" >&2 || true
        _svc_tail_log "$dir/mosquitto.log"
        die "mosquitto did not start"
    fi
    if ! wait_for_port "$port" 30; then
        cat "$dir/start.log" >&2 || true
        _svc_tail_log "$dir/mosquitto.log"
        stop_mosquitto "$dir"
        die "mosquitto is not accepting connections on 127.0.0.1:$port after 30 s"
    fi
    if [[ -n $tls_port ]] && ! wait_for_port "$tls_port" 30; then
        stop_mosquitto "$dir"
        die "mosquitto is not accepting connections on 127.0.0.1:$tls_port after 30 s"
    fi
    export MQTT_URL="mqtt://127.0.0.1:$port"
    export CNC_MQTT_PORT=$port
    log_info "mosquitto ready: $MQTT_URL"
}

stop_mosquitto() {
    (($# >= 1)) || die "usage: stop_mosquitto DIR"
    local dir=$1 pid waited=0
    pid=$(_svc_mosquitto_pid "$dir") || return 0
    log_info "stopping mosquitto (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null; do
        if ((waited >= 100)); then
            log_warn "mosquitto (pid $pid) ignored SIGTERM for 10 s: killing it"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    rm -f -- "$dir/mosquitto.pid"
}

# ---------------------------------------------------------------------------------------------
# throwaway servers for the test and benchmark scripts

start_private_servers() {
    local durability=(--no-fsync)
    if [[ ${1:-} == --durable ]]; then
        durability=()
        shift
    fi
    # Short path: ZeroMQ ipc:// and unix socket paths are limited to ~107 bytes.
    PRIVATE_DIR=$(mktemp -d "/tmp/$1.XXXXXX")
    chmod 0711 "$PRIVATE_DIR" # the postgres user must be able to reach $PRIVATE_DIR/pg
    start_postgres "${durability[@]}" "$PRIVATE_DIR/pg" "$(free_port)" cnc
    start_mosquitto "$PRIVATE_DIR/mq" "$(free_port)"
}

stop_private_servers() {
    [[ -n ${PRIVATE_DIR:-} && -d $PRIVATE_DIR ]] || return 0
    (stop_mosquitto "$PRIVATE_DIR/mq") || true
    (stop_postgres "$PRIVATE_DIR/pg") || true
    rm -rf -- "$PRIVATE_DIR" || true
}

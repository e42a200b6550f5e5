#!/usr/bin/env bash
#
# scripts/broker-user.sh: the broker's users and certificates, for both deployments.
#
#   scripts/broker-user.sh [--dir DIR] init [--host NAME]... [--clients DIR] [--owner UID]
#   scripts/broker-user.sh [--dir DIR] add NAME
#   scripts/broker-user.sh [--dir DIR] remove NAME
#   scripts/broker-user.sh [--dir DIR] list
#
# DIR (default run/mosquitto/auth; the compose deployment's is the volume broker-auth) holds
# what mosquitto reads: passwd (mosquitto_passwd's hashes), ca.crt, server.crt and server.key.
# The ACL is deploy/mosquitto.acl, the same for every deployment: a user may publish only under
# machines/USER/, and only the collector's user may read.
#
# init makes what is missing, and never replaces a file that exists:
#   - a private CA (DIR/ca.crt, and its key DIR/ca-key/ca.key, mode 0600) and the broker's
#     certificate for the host names and addresses given with --host (default localhost and
#     127.0.0.1), valid 10 years, signed by it;
#   - the users cnc-ingest (the collector, which reads) and cnc-demo (the demo's gateway, which
#     may publish the original envelope on sensor/CNC), each with a generated password, written
#     with the CA certificate to CLIENTS/USER/password and CLIENTS/USER/ca.crt (--clients,
#     default DIR/clients; mode 0600, owned by --owner when given: the user of the process that
#     reads them). These are what the collector's MQTT_PASSWORD_FILE and MQTT_CA_FILE name.
# add makes or replaces the user NAME (a machine: its cnc_id) with a generated password, which
# it prints once: give it to the machine, with DIR/ca.crt. remove deletes a user. The broker
# reads passwd again on SIGHUP (run-local: kill -HUP "$(cat run/mosquitto/mosquitto.pid)";
# compose: docker compose -f deploy/docker-compose.yml kill -s SIGHUP mosquitto).
#
# Needs openssl and mosquitto_passwd (Debian packages openssl and mosquitto).

set -euo pipefail

DIR=run/mosquitto/auth
usage() {
    sed -n '3,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}
die() {
    printf 'broker-user.sh: error: %s\n' "$*" >&2
    exit 1
}
info() {
    printf 'broker-user.sh: %s\n' "$*" >&2
}

while (($# > 0)); do
    case $1 in
    --dir)
        (($# >= 2)) || die "--dir needs a directory"
        DIR=$2
        shift 2
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) break ;;
    esac
done
(($# > 0)) || {
    usage >&2
    exit 2
}
COMMAND=$1
shift

command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"
command -v mosquitto_passwd >/dev/null || die "mosquitto_passwd not found (apt-get install mosquitto)"

# 32 characters of letters and digits: safe in a URL and in a file's first line.
new_password() {
    local password=""
    while ((${#password} < 32)); do
        password+=$(openssl rand -base64 48 | tr -dc 'A-Za-z0-9')
    done
    printf '%s' "${password:0:32}"
}

# A cnc_id or a service user: what mosquitto's %u pattern may put in a topic, no wildcards.
check_name() {
    [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$ ]] ||
        die "user name '$1': letters, digits, '_', '.' and '-' only, at most 64, a letter or digit first"
}

# Sets USER's password in DIR/passwd. The password goes through a file, never the command line
# (which others could read in the process list): mosquitto_passwd -U hashes a file in place.
set_password() {
    local user=$1 password=$2 work
    work=$(mktemp -d)
    printf '%s:%s\n' "$user" "$password" >"$work/plain"
    mosquitto_passwd -U "$work/plain" >/dev/null
    touch "$DIR/passwd"
    chmod 0600 "$DIR/passwd"
    { grep -v "^${user//./\\.}:" "$DIR/passwd" || true; cat "$work/plain"; } >"$work/passwd"
    cat "$work/passwd" >"$DIR/passwd"
    rm -rf -- "$work"
}

has_user() {
    [[ -f $DIR/passwd ]] && grep -q "^${1//./\\.}:" "$DIR/passwd"
}

make_certificates() {
    local hosts=("$@") san="" host
    for host in "${hosts[@]}"; do
        if [[ $host =~ ^[0-9.]+$ || $host == *:* ]]; then
            san+="${san:+,}IP:$host"
        else
            san+="${san:+,}DNS:$host"
        fi
    done
    mkdir -p -- "$DIR/ca-key"
    chmod 0700 "$DIR/ca-key"
    if [[ ! -f $DIR/ca.crt ]]; then
        info "making the broker's CA ($DIR/ca.crt)"
        openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/CN=cnc-collector broker CA" \
            -keyout "$DIR/ca-key/ca.key" -out "$DIR/ca.crt" 2>/dev/null
        chmod 0600 "$DIR/ca-key/ca.key"
    fi
    if [[ ! -f $DIR/server.crt ]]; then
        [[ -f $DIR/ca-key/ca.key ]] || die "$DIR/ca-key/ca.key is missing: cannot sign a new server certificate"
        info "making the broker's certificate for $san"
        local work
        work=$(mktemp -d)
        openssl req -newkey rsa:3072 -nodes -subj "/CN=${hosts[0]}" -keyout "$DIR/server.key" -out "$work/server.csr" 2>/dev/null
        printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" >"$work/ext"
        openssl x509 -req -in "$work/server.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca-key/ca.key" -CAcreateserial \
            -days 3650 -extfile "$work/ext" -out "$DIR/server.crt" 2>/dev/null
        chmod 0600 "$DIR/server.key"
        rm -rf -- "$work" "$DIR/ca.srl"
    fi
}

# A service user with its password and the CA certificate in CLIENTS/USER/, made once.
make_client() {
    local user=$1 clients=$2 owner=$3 dir password
    dir=$clients/$user
    mkdir -p -- "$dir"
    chmod 0700 "$dir"
    if [[ ! -s $dir/password ]] || ! has_user "$user"; then
        info "making the user $user ($dir/password)"
        password=$(new_password)
        (umask 077 && printf '%s\n' "$password" >"$dir/password")
        set_password "$user" "$password"
    fi
    cp -- "$DIR/ca.crt" "$dir/ca.crt"
    chmod 0600 "$dir/password"
    chmod 0644 "$dir/ca.crt"
    [[ -z $owner ]] || chown -R -- "$owner" "$dir"
}

case $COMMAND in
init)
    hosts=()
    clients=""
    owner=""
    while (($# > 0)); do
        case $1 in
        --host)
            (($# >= 2)) || die "--host needs a name or address"
            hosts+=("$2")
            shift 2
            ;;
        --clients)
            (($# >= 2)) || die "--clients needs a directory"
            clients=$2
            shift 2
            ;;
        --owner)
            (($# >= 2)) || die "--owner needs a user or uid"
            owner=$2
            shift 2
            ;;
        *) die "init: unknown argument $1" ;;
        esac
    done
    ((${#hosts[@]} > 0)) || hosts=(localhost 127.0.0.1)
    mkdir -p -- "$DIR"
    chmod 0755 "$DIR"
    make_certificates "${hosts[@]}"
    make_client cnc-ingest "${clients:-$DIR/clients}" "$owner"
    make_client cnc-demo "${clients:-$DIR/clients}" "$owner"
    ;;
add)
    (($# == 1)) || die "add takes one user name (a machine's cnc_id)"
    check_name "$1"
    [[ -f $DIR/ca.crt ]] || die "$DIR has no ca.crt: run init first"
    password=$(new_password)
    set_password "$1" "$password"
    info "user $1 added to $DIR/passwd; it may publish under machines/$1/ only. Send the broker SIGHUP."
    printf '%s\n' "$password"
    ;;
remove)
    (($# == 1)) || die "remove takes one user name"
    has_user "$1" || die "no user $1 in $DIR/passwd"
    grep -v "^${1//./\\.}:" "$DIR/passwd" >"$DIR/passwd.new" || true
    cat "$DIR/passwd.new" >"$DIR/passwd"
    rm -f -- "$DIR/passwd.new"
    info "user $1 removed from $DIR/passwd. Send the broker SIGHUP."
    ;;
list)
    [[ -f $DIR/passwd ]] || die "no $DIR/passwd"
    cut -d: -f1 "$DIR/passwd"
    ;;
*)
    usage >&2
    die "unknown command: $COMMAND"
    ;;
esac

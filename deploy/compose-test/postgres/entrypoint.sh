#!/bin/sh
# Entrypoint of the postgres:15 stand-in (deploy/compose-test/postgres/Dockerfile): on an empty
# PGDATA, initdb with POSTGRES_USER as the superuser and POSTGRES_PASSWORD as its password,
# create POSTGRES_DB, and run each /docker-entrypoint-initdb.d/*.sql in name order with psql as
# POSTGRES_USER in POSTGRES_DB, on a server no client can reach yet (no TCP, a private socket);
# then the server, as user postgres, listening on every address.
set -eu

if [ "${1:-}" != postgres ]; then
    exec "$@"
fi

POSTGRES_USER=${POSTGRES_USER:-postgres}
POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "docker-entrypoint.sh: POSTGRES_PASSWORD is not set" >&2
    exit 1
fi

as_postgres() {
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
}

# The official image's *.sh and compressed files are not needed here: anything but *.sql fails.
run_init_files() {
    set -- /docker-entrypoint-initdb.d/*
    [ -e "$1" ] || return 0
    socket=$(mktemp -d)
    chown postgres "$socket"
    as_postgres pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -k $socket" start >/dev/null
    for file in "$@"; do
        case $file in
        *.sql) ;;
        *)
            echo "docker-entrypoint.sh: $file: only *.sql files are run here" >&2
            exit 1
            ;;
        esac
        echo "docker-entrypoint.sh: running $file"
        as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$socket" -U "$POSTGRES_USER" -d "$POSTGRES_DB" -f "$file"
    done
    as_postgres pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    rmdir "$socket"
}

mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 0700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    chown postgres "$pwfile"
    as_postgres initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --no-locale >/dev/null
    rm -f "$pwfile"
    echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
    if [ "$POSTGRES_DB" != postgres ]; then
        printf 'CREATE DATABASE "%s";\n' "$POSTGRES_DB" | as_postgres postgres --single -D "$PGDATA" postgres >/dev/null
    fi
    run_init_files
    echo "docker-entrypoint.sh: initialized $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
fi

shift
exec setpriv --reuid=postgres --regid=postgres --init-groups -- postgres -D "$PGDATA" -c listen_addresses='*' "$@"

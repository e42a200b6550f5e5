#!/usr/bin/env bash
#
# scripts/mes-volume.sh: the queries for an MES of docs/tables.md, timed at a plant's volume.
#
#   scripts/mes-volume.sh [--messages N] [--machines M] [--runs R] [--dir DIR]
#
# Makes a private PostgreSQL in DIR (default /var/tmp/cnc-mes-volume) on a free loopback port,
# applies migrations/, and fills it with N messages (default 50,000,000) from M machines (default
# 500), one every 5 s from each up to now, straight in SQL with generate_series: cnc_data,
# machine_state, machine_current, and the intervals and parts by rebuild_machine_timeline, the
# sink's own definition of them. Statuses change every 3 minutes or so; one machine in 25 falls
# silent for 150 s every 14 hours, which the default 60 s threshold makes offline intervals.
# Then it runs each sql block between the mes-queries marks of docs/tables.md R times (default 7)
# and prints the median and slowest time of each, as psql measures them (round trip, rows
# included), and the tables' sizes. A DIR that already holds the volume asked for is reused;
# remove DIR to start afresh (it takes about 30 GB).

set -euo pipefail

CNC_SCRIPT_NAME=mes-volume.sh
REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/services.sh
source "$REPO_ROOT/scripts/lib/services.sh"

messages=50000000 machines=500 runs=7 dir=/var/tmp/cnc-mes-volume
while (($#)); do
    case $1 in
    --messages) messages=$2 && shift 2 ;;
    --machines) machines=$2 && shift 2 ;;
    --runs) runs=$2 && shift 2 ;;
    --dir) dir=$2 && shift 2 ;;
    *) die "unknown argument $1 (see the head of this script)" ;;
    esac
done
[[ $messages =~ ^[0-9]+$ && $machines =~ ^[0-9]+$ && $runs =~ ^[0-9]+$ ]] || die "--messages, --machines and --runs take whole numbers"

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_postgres "$dir/pg"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_packages
start_postgres --no-fsync "$dir/pg" "$(free_port)" cnc
sql() { psql -X -q -v ON_ERROR_STOP=1 -At "$DATABASE_URL" "$@"; }

stored=$(sql -c "SELECT coalesce((SELECT value FROM volume WHERE name = 'messages'), '') FROM (SELECT 1) one" 2>/dev/null || true)
if [[ $stored != "$messages/$machines" ]]; then
    log_info "filling: $messages messages from $machines machines (the migrations first)"
    sql -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public"
    for migration in "$REPO_ROOT"/migrations/*.sql; do sql -f "$migration" >/dev/null; done
    start=$SECONDS
    # The primary keys are dropped for the load and made again as the migrations define them.
    sql >/dev/null <<EOF
SET TimeZone = 'UTC';
SET maintenance_work_mem = '1GB';
SET work_mem = '256MB';
SELECT count(*) FROM ensure_day_partitions(ARRAY(
    SELECT generate_series((now() - interval '5 seconds' * ($messages / $machines) - interval '1 day')::date, now()::date, interval '1 day')::date));
ALTER TABLE cnc_data DROP CONSTRAINT cnc_data_pkey;
ALTER TABLE machine_state DROP CONSTRAINT machine_state_pkey;
INSERT INTO machine_state (message_id, cnc_id, cnc_type, ts, part_program, status, spindle_speed_rpm, feed_rate_mm_min, axis_x_mm, axis_y_mm,
                           part_count)
SELECT md5(m || ':' || k)::uuid, 'CNC' || lpad((m + 1)::text, 3, '0'), CASE WHEN m % 2 = 0 THEN 'CNCTypeA' ELSE 'CNCTypeB' END,
       now() - interval '5 seconds' * ($messages / $machines - k) - interval '1 second' * (m % 5),
       'P' || (k / 720 % 40), status,
       CASE WHEN status = 'running' THEN 8000 + k % 4000 ELSE 0 END, CASE WHEN status = 'running' THEN 1200 ELSE 0 END,
       (k % 1000) / 10.0, (k % 700) / 10.0, CASE WHEN m % 2 = 0 THEN k / 24 % 5000 END
FROM generate_series(0, $machines - 1) AS m, generate_series(0, $messages / $machines - 1) AS k,
     LATERAL (SELECT (ARRAY['running', 'running', 'running', 'running', 'running', 'running', 'running', 'running', 'running', 'running',
                            'running', 'running', 'running', 'idle', 'idle', 'idle', 'setup', 'stopped', 'error', 'maintenance'])
                     [1 + abs(hashint4(m * 100003 + k / 36)) % 20] AS status) AS s
WHERE NOT (m % 25 = 0 AND k % 10000 < 30);
INSERT INTO cnc_data (message_id, cnc_id, cnc_type, part_program, ts, payload, topic, received_at, stored_at)
SELECT message_id, cnc_id, cnc_type, part_program, ts,
       jsonb_build_object('status', status, 'spin', spindle_speed_rpm, 'feed', feed_rate_mm_min, 'X-Axis', axis_x_mm, 'Y-Axis', axis_y_mm,
                          'parts', part_count),
       'factory/CNC/' || cnc_id, ts + interval '40 milliseconds', ts + interval '60 milliseconds'
FROM machine_state;
ALTER TABLE cnc_data ADD PRIMARY KEY (cnc_id, ts, message_id);
ALTER TABLE machine_state ADD PRIMARY KEY (cnc_id, ts, message_id);
INSERT INTO machine_current
SELECT s.cnc_id, s.message_id, s.cnc_type, s.ts, s.part_program, s.status, s.spindle_speed_rpm, s.feed_rate_mm_min, s.axis_x_mm, s.axis_y_mm,
       s.axis_z_mm, s.spindle_load_pct, s.feed_override_pct, s.spindle_override_pct, s.part_count, s.tool, s.block, s.alarm_code, s.alarm_text,
       s.extra, s.quality, s.unknown_variables, s.ts + interval '40 milliseconds'
FROM (SELECT DISTINCT cnc_id FROM generate_series(0, $machines - 1) AS m, LATERAL (SELECT 'CNC' || lpad((m + 1)::text, 3, '0') AS cnc_id) c) c
CROSS JOIN LATERAL (SELECT * FROM machine_state s WHERE s.cnc_id = c.cnc_id ORDER BY ts DESC, message_id DESC LIMIT 1) s;
SELECT rebuild_machine_timeline(interval '60 seconds');
VACUUM ANALYZE;
CREATE TABLE volume (name text PRIMARY KEY, value text);
INSERT INTO volume VALUES ('messages', '$messages/$machines');
EOF
    log_info "filled in $((SECONDS - start)) s"
fi

sql -c "SELECT 'messages: ' || (SELECT count(*) FROM cnc_data) || ', machines: ' || (SELECT count(*) FROM machine_current)
    || ', intervals: ' || (SELECT count(*) FROM machine_status_intervals) || ', parts rows: ' || (SELECT count(*) FROM machine_parts_made)
    || ', day partitions: ' || (SELECT count(*) FROM pg_inherits WHERE inhparent = 'cnc_data'::regclass)"
for table in cnc_data machine_state machine_status_intervals machine_parts_made machine_current; do
    sql -c "SELECT rpad('$table', 26) || 'table ' || pg_size_pretty(sum(pg_table_size(c))) || ', indexes ' || pg_size_pretty(sum(pg_indexes_size(c)))
        FROM (SELECT '$table'::regclass AS c UNION ALL SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = '$table'::regclass) t"
done

# The queries of docs/tables.md, verbatim.
mapfile -d $'\x1e' -t queries < <(awk '
    /<!-- mes-queries/ { on = 1 } /<!-- \/mes-queries/ { on = 0 }
    on && /^```sql/ { inside = 1; query = ""; next }
    on && inside && /^```/ { inside = 0; printf "%s\x1e", query; next }
    on && inside { query = query $0 "\n" }' "$REPO_ROOT/docs/tables.md")
((${#queries[@]} > 0)) || die "no sql blocks between the mes-queries marks of docs/tables.md"
for query in "${queries[@]}"; do
    times=()
    for ((run = 0; run < runs; run++)); do
        times+=("$(psql -X -q -At "$DATABASE_URL" -c '\timing on' -c "$query" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)")
    done
    rows=$(sql -c "SELECT count(*) FROM (${query%;*}) q")
    sorted=$(printf '%s\n' "${times[@]}" | sort -n)
    median=$(sed -n "$(((runs + 1) / 2))p" <<<"$sorted")
    echo "median $median ms, slowest $(tail -1 <<<"$sorted") ms, $rows rows: $(head -1 <<<"$query" | cut -c1-100)"
done

#!/usr/bin/env python3
"""Drives the benchmark that scripts/bench.sh sets up: see that script for what it measures.

Reads MQTT_URL and DATABASE_URL from the environment (the private servers bench.sh started).
"""
import argparse
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import time

STAGES = [
    ("sink", ["sink"]),
    ("router", ["router"]),
    ("worker-a1", ["worker", "--type", "CNCTypeA"]),
    ("worker-a2", ["worker", "--type", "CNCTypeA"]),
    ("worker-b1", ["worker", "--type", "CNCTypeB"]),
    ("worker-b2", ["worker", "--type", "CNCTypeB"]),
    ("ingest", ["ingest"]),
]


_connection = None
_watcher_pid = None


def psql(sql):
    """The first row of a query, its columns joined by "|" as psql -Atq prints them. One
    connection serves the whole run: a psql process per poll would cost the pipeline CPU
    (a process, a connection and a backend each time) that the broker-only reference never pays."""
    cursor = connection().execute(sql)
    row = cursor.fetchone() if cursor.description else None
    return "" if row is None else "|".join("" if value is None else str(value) for value in row)


def connection():
    global _connection, _watcher_pid
    if _connection is None:
        import psycopg
        _connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        _watcher_pid = _connection.execute("SELECT pg_backend_pid()").fetchone()[0]
    return _connection


def watcher_pid():
    """The backend serving this script, whose polling is not the pipeline's cost."""
    connection()
    return _watcher_pid


# The emulator's samples: every sample_data/*.json by default, where a machine's status changes
# with nearly every message; --status-every N gives each machine N messages a status.
EMULATOR_FILES = []


def steady_samples(work_dir, every):
    """A sample file in which each of the emulator's 20 machines keeps a status for `every` messages."""
    statuses = ["running", "idle", "running", "setup", "running", "error"]
    path = f"{work_dir}/status-every-{every}.json"
    with open(path, "w") as file:
        # The emulator gives message i to machine i % 20 and sample i % len(samples).
        for index in range(20 * every * len(statuses)):
            status = statuses[index // 20 // every]
            spin = 0 if status != "running" else 1200
            file.write(json.dumps({"cnc_id": "CNC001", "part_program": "p", "timestamp": "1747379028",
                                   "payload": {"status": status, "spin": spin, "X-Axis": 30, "Y-Axis": 80}}) + "\n")
    return ["--file", path]


def emulator(bin_dir, topic, count, env):
    """Publishes count messages; returns (seconds, messages per second) as the emulator reports them."""
    out = subprocess.run(
        [f"{bin_dir}/cnc-emulator", "--count", str(count), "--machines", "20", *EMULATOR_FILES, "--topic", topic],
        check=True, capture_output=True, text=True, env=env,
    )
    match = re.search(r"(\d+) acknowledged by the broker in ([\d.]+) s", out.stdout)
    if not match or int(match.group(1)) != count:
        raise SystemExit(f"emulator did not get every message acknowledged: {out.stdout}{out.stderr}")
    return float(match.group(2))


def proc_stats(pid):
    """Peak RSS in MB and CPU seconds of a running process."""
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return rss, (int(fields[11]) + int(fields[12])) / ticks


def process_cpu(pid):
    """CPU seconds of a process, or 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CPUWatch:
    """What the whole machine spent during one phase: the share of its cores that were busy,
    and the CPU seconds of the broker, of PostgreSQL (the postmaster and every child of it)
    but for the backend this script watches through, and of this script's children that ended
    in the phase (the publisher, and the broker-only reference's subscriber). On a shared machine these say where the cores went."""

    def __init__(self, work_dir):
        self.work_dir = work_dir
        self.start = self.sample()

    def servers(self):
        """CPU seconds of the broker, and of each PostgreSQL process by pid."""
        with open(f"{self.work_dir}/mq/mosquitto.pid") as pidfile:
            broker = process_cpu(int(pidfile.read().strip()))
        with open(f"{self.work_dir}/pg/data/postmaster.pid") as pidfile:
            postmaster = int(pidfile.readline().strip())
        database = {postmaster: process_cpu(postmaster)}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == postmaster and int(entry) != watcher_pid():
                        database[int(entry)] = process_cpu(int(entry))
            except OSError:
                pass
        return broker, database

    def sample(self):
        # user, nice, system, idle, iowait, irq, softirq, steal: guest time is already in user.
        with open("/proc/stat") as stat:
            jiffies = [int(value) for value in stat.readline().split()[1:9]]
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {"busy": sum(jiffies) - jiffies[3] - jiffies[4], "total": sum(jiffies),
                "children": children.ru_utime + children.ru_stime, "servers": self.servers()}

    def stop(self):
        end = self.sample()
        return {
            "machine_busy": (end["busy"] - self.start["busy"]) / max(1, end["total"] - self.start["total"]),
            "broker_s": end["servers"][0] - self.start["servers"][0],
            # A backend that ended during the phase takes its CPU time with it: count each
            # process's growth, and a new one's whole time.
            "postgres_s": sum(max(0.0, seconds - self.start["servers"][1].get(pid, 0.0)) for pid, seconds in end["servers"][1].items()),
            "clients_s": end["children"] - self.start["children"],
        }


def broker_only(bin_dir, work_dir, env, count, run):
    """The broker's ceiling: a plain C subscriber at QoS 1 that only counts. Returns the rate
    and where the machine's CPU went meanwhile."""
    port = env["MQTT_URL"].rsplit(":", 1)[1]
    topic = f"bench/ref{run}/CNC"
    subscriber = subprocess.Popen(
        ["mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-t", topic, "-q", "1", "-C", str(count), "-i", f"bench-ref-{run}"],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    watch = CPUWatch(work_dir)
    start = time.monotonic()
    emulator(bin_dir, topic, count, env)
    subscriber.wait(timeout=600)
    rate = count / (time.monotonic() - start)
    return rate, watch.stop()


def naive(bin_dir, env, count, run, python_path):
    """The seed's design: one INSERT and one COMMIT per message, from Python."""
    port = env["MQTT_URL"].rsplit(":", 1)[1]
    topic = f"bench/naive{run}/CNC"
    subscriber = subprocess.Popen(
        ["python3", os.path.join(os.path.dirname(__file__), "bench_naive.py"), "127.0.0.1", port, topic, str(count), env["DATABASE_URL"]],
        stdout=subprocess.PIPE, text=True, env=dict(env, PYTHONPATH=python_path),
    )
    if subscriber.stdout.readline().strip() != "subscribed":
        raise SystemExit("the naive subscriber did not start")
    start = time.monotonic()
    emulator(bin_dir, topic, count, env)
    subscriber.wait(timeout=1800)
    if subscriber.returncode != 0:
        raise SystemExit("the naive subscriber failed")
    psql("DROP TABLE naive_cnc_data")
    return count / (time.monotonic() - start)


def measure_latency(bin_dir, topic, env, rate, seconds):
    """Publishes at a fixed rate; the time from each message's own timestamp (set by the
    emulator as it publishes) to the row's stored_at (written just before its COMMIT)."""
    rate = max(1, int(rate))
    messages = rate * seconds
    before = int(psql("SELECT count(*) FROM cnc_data"))
    marker = psql("SELECT clock_timestamp()")
    subprocess.run(
        [f"{bin_dir}/cnc-emulator", "--count", str(messages), "--machines", "20", *EMULATOR_FILES, "--topic", topic, "--rate", str(rate)],
        check=True, capture_output=True, env=env,
    )
    deadline = time.monotonic() + 60
    while int(psql("SELECT count(*) FROM cnc_data")) < before + messages and time.monotonic() < deadline:
        time.sleep(0.25)
    row = psql(f"""
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY ms),
               percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), max(ms)
        FROM (SELECT extract(epoch FROM stored_at - ts) * 1000 AS ms FROM cnc_data WHERE received_at > '{marker}') AS latency
    """)
    p50, p95, p99, maximum = (float(value) for value in row.split("|"))
    return {"rate": rate, "messages": messages, "p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "max_ms": maximum}


def start_stages(bin_dir, work_dir, env, run):
    """Starts every stage on a fresh database and topic; returns (topic, processes, logs)."""
    topic = f"bench/pipe{run}/CNC"
    stage_env = dict(env, MQTT_TOPIC=topic, MQTT_CLIENT_ID=f"bench-ingest-{run}", MES_RUNTIME_DIR=f"{work_dir}/rt{run}",
                     MES_JOURNAL_DIR=f"{work_dir}/journal{run}", MES_CNC_TYPES="deploy/cnc_types.json", MES_MIGRATIONS_DIR="migrations")
    psql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    processes = {}
    logs = {}
    for name, command in STAGES:
        logs[name] = open(f"{work_dir}/{name}-{run}.log", "w+")
        processes[name] = subprocess.Popen([f"{bin_dir}/{command[0]}"] + command[1:], env=stage_env, stdout=logs[name], stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        logs["ingest"].seek(0)
        if "connected and subscribed" in logs["ingest"].read():
            return topic, processes, logs
        time.sleep(0.05)
    for process in processes.values():
        process.kill()
    raise SystemExit("ingest did not subscribe")


def stop_stages(processes):
    for process in processes.values():
        process.send_signal(signal.SIGTERM)
    for process in processes.values():
        process.wait(timeout=60)


def wait_for_rows(count, seconds):
    """Waits until cnc_data holds count rows; returns when it does or after seconds. Polls
    four times a second: the measurement takes its end from the rows, not from the poll."""
    start = time.monotonic()
    while int(psql("SELECT count(*) FROM cnc_data")) < count and time.monotonic() - start < seconds:
        time.sleep(0.25)


def seconds_since(marker):
    """From marker (the database's clock_timestamp() before the first publish) to the last
    row's stored_at, set as the sink writes it, just before that batch's COMMIT."""
    return float(psql(f"SELECT extract(epoch FROM max(stored_at) - '{marker}') FROM cnc_data"))


def check_counts(run, expected):
    stored = int(psql("SELECT count(*) FROM cnc_data"))
    rejected = int(psql("SELECT count(*) FROM rejected_messages"))
    if stored != expected or rejected != 0:
        raise SystemExit(f"run {run}: {stored} rows stored and {rejected} rejected for {expected} published")


def pipeline(bin_dir, work_dir, env, count, run, latency_seconds):
    topic, processes, _ = start_stages(bin_dir, work_dir, env, run)
    try:
        stages_before = sum(process_cpu(process.pid) for process in processes.values())
        watch = CPUWatch(work_dir)
        marker = psql("SELECT clock_timestamp()")
        emulator(bin_dir, topic, count, env)
        wait_for_rows(count, 600)
        seconds = seconds_since(marker)
        cpu = dict(watch.stop(), stages_s=sum(process_cpu(process.pid) for process in processes.values()) - stages_before)
        latency = measure_latency(bin_dir, topic, env, count / seconds / 2, latency_seconds)
        resources = {name: proc_stats(process.pid) for name, process in processes.items()}
        stop_stages(processes)
        check_counts(run, count + latency["messages"])
        return count / seconds, latency, resources, cpu
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()


def current_rss(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def soak(bin_dir, work_dir, env, count, seconds, json_path):
    """Measures the pipeline's rate with count messages, then runs it at half that rate for
    seconds, sampling each stage's RSS every 10 s; checks the counts and the logs for errors."""
    topic, processes, logs = start_stages(bin_dir, work_dir, env, "soak")
    try:
        start = time.monotonic()
        emulator(bin_dir, topic, count, env)
        wait_for_rows(count, 600)
        rate = max(1, int(count / (time.monotonic() - start) / 2))
        messages = rate * seconds
        print(f"maximum {2 * rate:,} msg/s; soaking at {rate:,} msg/s for {seconds} s ({messages:,} messages)", flush=True)
        publisher = subprocess.Popen(
            [f"{bin_dir}/cnc-emulator", "--count", str(messages), "--machines", "20", *EMULATOR_FILES, "--topic", topic, "--rate", str(rate), "--seed", "7"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )
        samples = []
        soak_start = time.monotonic()
        while publisher.poll() is None:
            samples.append({"seconds": round(time.monotonic() - soak_start), **{name: current_rss(p.pid) for name, p in processes.items()}})
            print(f"  {samples[-1]['seconds']:>5} s  " + "  ".join(f"{name} {samples[-1][name]:.1f}" for name, _ in STAGES), flush=True)
            time.sleep(10)
        if publisher.returncode != 0:
            raise SystemExit("the soak publisher failed")
        wait_for_rows(count + messages, 120)
        stop_stages(processes)
        check_counts("soak", count + messages)
        errors = []
        for name, log in logs.items():
            log.seek(0)
            errors += [f"{name}: {line.strip()}" for line in log if re.match(r"^\S+ (error|critical) ", line)]
        # Flat: after the first third (warm-up), RSS at the end is no higher than its peak in the first half of the soak.
        third, half = len(samples) // 3, len(samples) // 2
        growth = {name: max(s[name] for s in samples[half:]) - max(s[name] for s in samples[third:half]) for name, _ in STAGES} if half > third else {}
        print()
        print(f"{'stage':<12}{'RSS first MB':>14}{'RSS last MB':>13}{'growth MB':>11}")
        for name, _ in STAGES:
            print(f"{name:<12}{samples[0][name]:>14.1f}{samples[-1][name]:>13.1f}{growth.get(name, 0):>11.1f}")
        print(f"\n{count + messages:,} messages stored once, 0 rejected; {len(errors)} error lines in the logs")
        for line in errors[:20]:
            print("  " + line)
        with open(json_path, "w") as output:
            json.dump({"rate": rate, "seconds": seconds, "messages": count + messages, "samples": samples, "growth_mb": growth, "errors": errors}, output, indent=2)
        print(f"written to {json_path}")
        if errors:
            raise SystemExit("errors were logged during the soak")
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--json", required=True)
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-seconds", type=int, default=10, help="length of the fixed-rate latency run")
    parser.add_argument("--naive-count", type=int, default=20_000, help="messages for the naive reference, which is slow")
    parser.add_argument("--python-path", required=True, help="where paho-mqtt and psycopg are installed")
    parser.add_argument("--durable", action="store_true", help="PostgreSQL runs with fsync and synchronous_commit on (for the table)")
    parser.add_argument("--status-every", type=int, default=0, help="each machine keeps a status this many messages (default: the samples')")
    parser.add_argument("--soak-seconds", type=int, default=0, help="instead of the benchmark, run at half the measured rate this long")
    args = parser.parse_args()
    if args.status_every > 0:
        EMULATOR_FILES.extend(steady_samples(args.work_dir, args.status_every))
    sys.path.insert(0, args.python_path)
    env = dict(os.environ, MES_LOG_LEVEL="info")
    if args.soak_seconds > 0:
        soak(args.bin_dir, args.work_dir, env, min(args.count, 50_000), args.soak_seconds, args.json.replace("bench.json", "soak.json"))
        return

    runs = []
    for run in range(1, args.runs + 1):
        publisher = args.count / emulator(args.bin_dir, f"bench/none{run}/CNC", args.count, env)
        reference, reference_cpu = broker_only(args.bin_dir, args.work_dir, env, args.count, run)
        naive_rate = naive(args.bin_dir, env, args.naive_count, run, args.python_path)
        rate, latency, resources, cpu = pipeline(args.bin_dir, args.work_dir, env, args.count, run, args.latency_seconds)
        runs.append({"publisher": publisher, "broker_only": reference, "naive": naive_rate, "pipeline": rate, "latency": latency, "resources": resources,
                     "cpu": {"broker_only": reference_cpu, "pipeline": cpu}})
        print(f"run {run}: publisher {publisher:,.0f} msg/s, broker-only {reference:,.0f} msg/s, naive {naive_rate:,.0f} msg/s, pipeline {rate:,.0f} msg/s", flush=True)

    median = {key: statistics.median(run[key] for run in runs) for key in ("publisher", "broker_only", "naive", "pipeline")}
    ratio = statistics.median(run["pipeline"] / run["broker_only"] for run in runs)
    naive_ratio = statistics.median(run["pipeline"] / run["naive"] for run in runs)
    print()
    print(f"{'messages per run':<28}{args.count:>12,}   (QoS 1, 20 machines, {args.runs} runs, medians)")
    print(f"{'PostgreSQL':<28}{'fsync on' if args.durable else 'fsync off':>12}")
    print(f"{'publisher alone':<28}{median['publisher']:>12,.0f} msg/s")
    print(f"{'broker-only (mosquitto_sub)':<28}{median['broker_only']:>12,.0f} msg/s")
    print(f"{'naive (INSERT+COMMIT each)':<28}{median['naive']:>12,.0f} msg/s   ({args.naive_count:,} messages)")
    print(f"{'pipeline, publish to stored':<28}{median['pipeline']:>12,.0f} msg/s")
    print(f"{'pipeline / broker-only':<28}{ratio:>12.2f}   (median of each run's ratio)")
    print(f"{'pipeline / naive':<28}{naive_ratio:>12.1f}   (median of each run's ratio)")
    print()
    rate = statistics.median(run["latency"]["rate"] for run in runs)
    print(f"latency at half the pipeline's rate ({rate:,.0f} msg/s, {args.latency_seconds} s), publish to stored, medians:")
    for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms"):
        print(f"  {key[:-3]:<6}{statistics.median(run['latency'][key] for run in runs):>10.1f} ms")
    print()
    print(f"{'stage':<12}{'peak RSS MB':>12}{'CPU s':>8}   (median over runs)")
    for name, _ in STAGES:
        rss = statistics.median(run["resources"][name][0] for run in runs)
        cpu = statistics.median(run["resources"][name][1] for run in runs)
        print(f"{name:<12}{rss:>12.1f}{cpu:>8.2f}")
    print()
    print("where the cores went while the messages flowed, CPU microseconds per message (medians):")
    print(f"{'':<36}{'broker-only':>12}{'pipeline':>10}")
    def per_message(phase, key):
        return statistics.median(run["cpu"][phase].get(key, 0) for run in runs) / args.count * 1e6
    for label, key in (("publisher (+ reference subscriber)", "clients_s"), ("mosquitto", "broker_s"),
                       ("PostgreSQL", "postgres_s"), ("pipeline stages", "stages_s")):
        print(f"{label:<36}{per_message('broker_only', key):>12.1f}{per_message('pipeline', key):>10.1f}")
    for phase in ("broker_only", "pipeline"):
        busy = statistics.median(run["cpu"][phase]["machine_busy"] for run in runs)
        print(f"  {phase.replace('_', '-')}: the machine's {os.cpu_count()} cores were {busy:.0%} busy")
    with open(args.json, "w") as output:
        json.dump({"count": args.count, "naive_count": args.naive_count, "durable": args.durable, "runs": runs, "median": median,
                   "pipeline_to_broker_only": ratio, "pipeline_to_naive": naive_ratio}, output, indent=2)
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()

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

def stages(workers_per_type):
    """The stages a run starts, with this many workers of each type."""
    workers = [(f"worker-{kind.lower()}{index}", ["worker", "--type", f"CNCType{kind}"]) for kind in "AB" for index in range(1, workers_per_type + 1)]
    return [("sink", ["sink"]), ("router", ["router"]), *workers, ("ingest", ["ingest"])]


class Stream:
    """What a run publishes: messages spread over `machines` machines, CNC001 on, which take the
    two types in turn (see sample_file for status_every and size), and how many workers of each
    type take them; with plant_topics, as a topic-per-machine plant publishes them (each machine
    on its own topic, flat messages with no cnc_id), which ingest reads through a source."""

    def __init__(self, work_dir, machines=20, status_every=0, size=0, workers=2, plant_topics=False):
        self.machines, self.workers, self.plant_topics = machines, workers, plant_topics
        # At most MAX_SAMPLE_LINES lines, which the emulator loads before it publishes: with
        # many machines, each keeps its status for fewer messages.
        self.status_every = status_every and max(1, min(status_every, MAX_SAMPLE_LINES // (6 * machines)))
        self.files = [] if self.status_every == 0 and size == 0 else ["--file", sample_file(work_dir, machines, self.status_every, size)]
        self.types_file = f"{work_dir}/cnc_types-{machines}.json"
        with open(self.types_file, "w") as file:
            json.dump([{"cnc_id": machine_id(index), "class_name": "CNCTypeA" if index % 2 else "CNCTypeB"} for index in range(1, machines + 1)], file)

    def emulator_arguments(self):
        return ["--machines", str(self.machines), *self.files]

    def topic(self, prefix):
        """The topic a phase publishes on under prefix (bench/pipe1, ...): prefix/CNC, or with
        plant_topics prefix/{cnc_id}/data, which the emulator makes a topic per machine."""
        return f"{prefix}/{{cnc_id}}/data" if self.plant_topics else f"{prefix}/CNC"

    def shape(self):
        """What the messages look like, for the summaries."""
        return "flat, a topic per machine (a source)" if self.plant_topics else "the envelope on one topic"


def publishing(topic):
    """The emulator's arguments for topic: a topic per machine ({cnc_id} in it) is published flat."""
    return ["--topic", topic, *(["--flat"] if "{cnc_id}" in topic else [])]


def write_source(work_dir, run, topic):
    """A directory for ingest's MES_SOURCES_DIR with one source that reads the flat messages
    published on topic; returns its path."""
    directory = f"{work_dir}/sources{run}"
    os.makedirs(directory, exist_ok=True)
    with open(f"{directory}/plant.yaml", "w") as source:
        source.write(f"name: plant\ntopic: {topic}\npayload: rest\n")
    return directory


def machine_id(number):
    """The emulator's name of its machine `number`: CNC001 ... CNC999, CNC1000 ..."""
    return f"CNC{number:03d}"


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
        # Its counts would otherwise start parallel workers, whose CPU time would count as the pipeline's.
        _connection.execute("SET max_parallel_workers_per_gather = 0")
    return _connection


def watcher_pid():
    """The backend serving this script, whose polling is not the pipeline's cost."""
    connection()
    return _watcher_pid


MAX_SAMPLE_LINES = 120_000


def sample_file(work_dir, machines, status_every, size):
    """A sample file for the emulator, which gives message i to machine i % machines and sample
    i % (samples in the file): the lines of sample_data/, where a machine's status changes with
    nearly every message, or with status_every > 0 lines in which each machine keeps a status
    for that many messages; each line grown to about `size` bytes (0: as it is) with more
    variables, as a controller that reports many sensors sends them (the types keep them, marked).
    The file holds machines * status_every * 6 lines (see Stream)."""
    if status_every > 0:
        statuses = ["running", "idle", "running", "setup", "running", "error"]
        lines = [{"cnc_id": "CNC001", "part_program": "p", "timestamp": "1747379028",
                  "payload": {"status": status, "spin": 1200 if status == "running" else 0, "X-Axis": 30, "Y-Axis": 80}}
                 for index in range(machines * status_every * len(statuses))
                 for status in [statuses[index // machines // status_every]]]
    else:
        sample_dir = os.path.join(os.path.dirname(__file__), "..", "sample_data")
        lines = []
        for name in sorted(name for name in os.listdir(sample_dir) if name.endswith(".json")):
            with open(os.path.join(sample_dir, name)) as samples:
                lines += [json.loads(line) for line in samples if line.strip()]
    path = f"{work_dir}/samples-{machines}-{status_every}-{size}.json"
    with open(path, "w") as output:
        for message in lines:
            while len(json.dumps(message)) < size:
                variable = len(message["payload"])
                message["payload"][f"sensor_{variable:03d}"] = round((variable * 7919) % 99991 / 97.0, 3)
            output.write(json.dumps(message) + "\n")
    return path


def emulator(bin_dir, topic, count, env, stream):
    """Publishes count messages; returns the seconds the emulator reports."""
    out = subprocess.run(
        [f"{bin_dir}/cnc-emulator", "--count", str(count), *stream.emulator_arguments(), *publishing(topic)],
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


def broker_only(bin_dir, work_dir, env, count, run, stream):
    """The broker's ceiling: a plain C subscriber at QoS 1 that only counts. Returns the rate
    and where the machine's CPU went meanwhile."""
    port = env["MQTT_URL"].rsplit(":", 1)[1]
    topic = stream.topic(f"bench/ref{run}")
    # A topic per machine: every machine's, as ingest's source subscribes.
    subscription = topic.replace("{cnc_id}", "+")
    subscriber = subprocess.Popen(
        ["mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-t", subscription, "-q", "1", "-C", str(count), "-i", f"bench-ref-{run}"],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    watch = CPUWatch(work_dir)
    start = time.monotonic()
    emulator(bin_dir, topic, count, env, stream)
    subscriber.wait(timeout=600)
    rate = count / (time.monotonic() - start)
    return rate, watch.stop()


def naive(bin_dir, env, count, run, python_path, stream):
    """The seed's design: one INSERT and one COMMIT per message, from Python. It reads the
    envelope on one topic, whatever the stream's shape."""
    port = env["MQTT_URL"].rsplit(":", 1)[1]
    topic = f"bench/naive{run}/CNC"
    subscriber = subprocess.Popen(
        ["python3", os.path.join(os.path.dirname(__file__), "bench_naive.py"), "127.0.0.1", port, topic, str(count), env["DATABASE_URL"]],
        stdout=subprocess.PIPE, text=True, env=dict(env, PYTHONPATH=python_path),
    )
    if subscriber.stdout.readline().strip() != "subscribed":
        raise SystemExit("the naive subscriber did not start")
    start = time.monotonic()
    emulator(bin_dir, topic, count, env, stream)
    subscriber.wait(timeout=1800)
    if subscriber.returncode != 0:
        raise SystemExit("the naive subscriber failed")
    psql("DROP TABLE naive_cnc_data")
    return count / (time.monotonic() - start)


def stage_seconds(processes):
    """CPU seconds of each stage so far, by name."""
    return {name: process_cpu(process.pid) for name, process in processes.items()}


def pipeline_cpu(watch, stages_before, processes):
    """Where the CPU went since `watch` started, with each stage's share."""
    stage_s = {name: seconds - stages_before[name] for name, seconds in stage_seconds(processes).items()}
    return dict(watch.stop(), stages_s=sum(stage_s.values()), stage_s=stage_s)


def measure_latency(bin_dir, work_dir, topic, env, rate, seconds, stream, processes):
    """Publishes at a fixed rate; the time from each message's own timestamp (set by the
    emulator as it publishes) to the row's stored_at (written just before its COMMIT), and
    where the CPU went meanwhile: at a steady rate that varies less from run to run than at
    full speed, where how the messages happen to fall into frames and batches counts."""
    rate = max(1, int(rate))
    messages = rate * seconds
    before = int(psql("SELECT count(*) FROM cnc_data"))
    marker = psql("SELECT clock_timestamp()")
    stages_before, watch = stage_seconds(processes), CPUWatch(work_dir)
    subprocess.run(
        [f"{bin_dir}/cnc-emulator", "--count", str(messages), *stream.emulator_arguments(), *publishing(topic), "--rate", str(rate)],
        check=True, capture_output=True, env=env,
    )
    deadline = time.monotonic() + 60
    while int(psql("SELECT count(*) FROM cnc_data")) < before + messages and time.monotonic() < deadline:
        time.sleep(0.25)
    cpu = pipeline_cpu(watch, stages_before, processes)
    row = psql(f"""
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY ms),
               percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), max(ms)
        FROM (SELECT extract(epoch FROM stored_at - ts) * 1000 AS ms FROM cnc_data WHERE received_at > '{marker}') AS latency
    """)
    p50, p95, p99, maximum = (float(value) for value in row.split("|"))
    return {"rate": rate, "messages": messages, "p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "max_ms": maximum, "cpu": cpu}


def start_stages(bin_dir, work_dir, env, run, stream):
    """Starts every stage on a fresh database and topic; returns (topic, processes, logs). With
    plant_topics ingest reads the topic of every machine through a source (MES_SOURCES_DIR)."""
    topic = stream.topic(f"bench/pipe{run}")
    stage_env = dict(env, MQTT_TOPIC=f"bench/pipe{run}/CNC", MQTT_CLIENT_ID=f"bench-ingest-{run}", MES_RUNTIME_DIR=f"{work_dir}/rt{run}",
                     MES_JOURNAL_DIR=f"{work_dir}/journal{run}", MES_CNC_TYPES=stream.types_file, MES_MIGRATIONS_DIR="migrations")
    if stream.plant_topics:
        stage_env["MES_SOURCES_DIR"] = write_source(work_dir, run, topic)
    psql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    processes = {}
    logs = {}
    for name, command in stages(stream.workers):
        logs[name] = open(f"{work_dir}/{name}-{run}.log", "w+")
        processes[name] = subprocess.Popen([f"{bin_dir}/{command[0]}"] + command[1:], env=stage_env, stdout=logs[name], stderr=subprocess.STDOUT)
    def logged(name, text):
        logs[name].seek(0)
        return text in logs[name].read()
    # The sink applies the migrations before it says it is connected: the run must not count rows
    # before. After a run of large messages PostgreSQL may still be writing them out.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if logged("ingest", "connected and subscribed") and logged("sink", "connected to PostgreSQL"):
            return topic, processes, logs
        time.sleep(0.05)
    for process in processes.values():
        process.kill()
    for name in ("sink", "ingest"):
        print(f"{name}'s log ends:\n" + log_tail(logs, name, 10), file=sys.stderr)
    raise SystemExit("ingest did not subscribe or the sink did not connect")


def expect_running(processes, logs):
    """A stage that exited during a run spoils it: says which, with the end of its log."""
    for name, process in processes.items():
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with status {process.returncode} during the run; its log ends:\n" + log_tail(logs, name, 20))


def log_tail(logs, name, lines):
    """The last lines of a stage's log."""
    logs[name].seek(0)
    return "".join(logs[name].readlines()[-lines:])


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


def database_megabytes():
    """The tables that hold the messages (cnc_data and machine_state, every partition) and
    those derived for an MES, with their indexes and TOAST, in MB."""
    row = psql("""
        SELECT sum(pg_total_relation_size(relid)) FILTER (WHERE kind = 'messages') / 1e6,
               sum(pg_total_relation_size(relid)) FILTER (WHERE kind = 'mes') / 1e6
        FROM (SELECT relid, 'messages' AS kind FROM pg_partition_tree('cnc_data')
              UNION ALL SELECT relid, 'messages' FROM pg_partition_tree('machine_state')
              UNION ALL SELECT relname::regclass, 'mes' FROM unnest(ARRAY['machine_current', 'machine_status_intervals', 'machine_parts_made']) AS relname
             ) AS tables
    """)
    messages, mes = (float(value) for value in row.split("|"))
    return {"messages_mb": messages, "mes_mb": mes}


def pipeline(bin_dir, work_dir, env, count, run, latency_seconds, stream, board_streams=0):
    """The pipeline's rate with count messages, then (latency_seconds > 0) its latency at half that rate.
    With board_streams > 0 the board runs too, with that many clients on its event stream."""
    topic, processes, logs = start_stages(bin_dir, work_dir, env, run, stream)
    board = None
    try:
        if board_streams > 0:
            board = Board(bin_dir, work_dir, env, run, stream, processes, logs, board_streams)
        stages_before, watch = stage_seconds(processes), CPUWatch(work_dir)
        marker = psql("SELECT clock_timestamp()")
        emulator(bin_dir, topic, count, env, stream)
        wait_for_rows(count, 600)
        seconds = seconds_since(marker)
        cpu = pipeline_cpu(watch, stages_before, processes)
        space = database_megabytes()
        latency = measure_latency(bin_dir, work_dir, topic, env, count / seconds / 2, latency_seconds, stream, processes) if latency_seconds > 0 else None
        expect_running(processes, logs)
        board_figures = board.figures() if board else None
        resources = {name: proc_stats(process.pid) for name, process in processes.items()}
        stop_stages(processes)
        check_counts(run, count + (latency["messages"] if latency else 0))
        return {"rate": count / seconds, "latency": latency, "resources": resources, "cpu": cpu, "space": space, "board": board_figures}
    finally:
        if board:
            board.stop()
        for process in processes.values():
            if process.poll() is None:
                process.kill()


# Reads the board's event stream on N connections with one thread, as many browsers would,
# discarding what it reads; prints the bytes each got when it is told to stop (SIGTERM).
STREAM_READERS = r"""
import json, selectors, signal, socket, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
selector, received, stop = selectors.DefaultSelector(), {}, []
signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
for index in range(count):
    connection = socket.create_connection(("127.0.0.1", port))
    connection.sendall(b"GET /api/events HTTP/1.1\r\nHost: board\r\nAccept: text/event-stream\r\n\r\n")
    connection.setblocking(False)
    selector.register(connection, selectors.EVENT_READ, index)
    received[index] = 0
# The first client reads its events as a browser does and notes when each machine's tile would
# show a newer message: the machine, the message's timestamp and the time the event arrived.
pending, shown, arrivals = b"", {}, []
while not stop:
    for key, _ in selector.select(timeout=0.5):
        try:
            data = key.fileobj.recv(1 << 20)
        except BlockingIOError:
            continue
        received[key.data] += len(data)
        if key.data != 0:
            continue
        now = time.time()
        *events, pending = (pending + data).split(b"\n\n")
        for event in events:
            if b"\nevent: machine\n" not in b"\n" + event:
                continue
            machine = json.loads(event.split(b"\ndata: ", 1)[1])
            if shown.get(machine["cnc_id"]) not in (None, machine["ts"]):
                arrivals.append((machine["cnc_id"], machine["ts"], now))
            shown[machine["cnc_id"]] = machine["ts"]
print(" ".join(str(received[index]) for index in range(count)), flush=True)
print(json.dumps(arrivals), flush=True)
"""


def percentile(ordered, share):
    """The value below which `share` of the sorted values lie (nearest rank)."""
    return ordered[max(0, min(len(ordered) - 1, int(len(ordered) * share + 0.5) - 1))]


class Board:
    """The board over a pipeline's database, read by a role that can only read, with `streams`
    clients on its event stream; the figures the issue asks of it with many machines."""

    def __init__(self, bin_dir, work_dir, env, run, stream, processes, logs, streams):
        psql("DO $$ BEGIN CREATE ROLE cnc_board_bench LOGIN IN ROLE cnc_reader; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        self.port, self.metrics_port = free_port(), free_port()
        board_env = dict(env, MES_BOARD_DATABASE_URL=env["DATABASE_URL"].replace("//postgres@", "//cnc_board_bench@"),
                         MES_BOARD_LISTEN=f"127.0.0.1:{self.port}", MES_CNC_TYPES=stream.types_file, MES_METRICS_LISTEN=f"127.0.0.1:{self.metrics_port}",
                         MES_SHIFTS="early=06:00-14:00,late=14:00-22:00,night=22:00-06:00")
        logs["board"] = open(f"{work_dir}/board-{run}.log", "w+")
        processes["board"] = subprocess.Popen([f"{bin_dir}/board"], env=board_env, stdout=logs["board"], stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.get("/health")[0] != 200:
            time.sleep(0.1)
        self.readers = subprocess.Popen([sys.executable, "-c", STREAM_READERS, str(self.port), str(streams)], stdout=subprocess.PIPE, text=True)
        self.streams, self.backends_before = streams, self.backends_cpu()

    def backends_cpu(self):
        """CPU seconds of the PostgreSQL backends serving the board."""
        pids = psql("SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE application_name = 'cnc-collector board'")
        return sum(process_cpu(int(pid)) for pid in pids.split())

    def get(self, path):
        import urllib.request
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as answer:
                return answer.status, answer.read()
        except OSError:
            return 0, b""

    def figures(self):
        """After the run: what the stream clients got, the time GET /api/machines takes and how
        long the page takes to show every tile."""
        reader_cpu = process_cpu(self.readers.pid)
        backends_cpu = self.backends_cpu() - self.backends_before
        refreshes = self.metric("board_refresh_duration_seconds_count")
        refresh_ms = self.metric("board_refresh_duration_seconds_sum") / max(refreshes, 1) * 1000
        self.readers.send_signal(signal.SIGTERM)
        sizes, arrivals = self.readers.communicate(timeout=30)[0].splitlines()
        received, delays = [int(value) for value in sizes.split()], self.live_delays(json.loads(arrivals))
        timings = []
        for _ in range(100):
            start = time.perf_counter()
            status, body = self.get("/api/machines")
            timings.append((time.perf_counter() - start) * 1000)
        machines = len(json.loads(body)["machines"]) if status == 200 else 0
        timings.sort()
        return {"streams": self.streams, "stream_mb_min": min(received, default=0) / 1e6, "stream_mb_max": max(received, default=0) / 1e6,
                "reader_cpu_s": reader_cpu, "backends_cpu_s": backends_cpu, "machines": machines, "refreshes": refreshes, "refresh_ms": refresh_ms,
                "api_ms_p50": percentile(timings, 0.5), "api_ms_p95": percentile(timings, 0.95),
                "api_bytes": len(body), "first_paint_ms": self.first_paint(machines),
                "machine_current_kb": int(psql("SELECT pg_relation_size('machine_current') / 1024")),
                "live_events": len(delays), "live_ms_p50": percentile(delays, 0.5) * 1000 if delays else None,
                "live_ms_p95": percentile(delays, 0.95) * 1000 if delays else None}

    @staticmethod
    def live_delays(arrivals):
        """Seconds from each shown message's stored_at (written just before its batch's COMMIT)
        to the event that showed it, sorted. Of several messages of a machine with the same
        timestamp, the board shows the greatest message_id's, as machine_current keeps it."""
        import datetime
        stored = {(cnc_id, ts): stored_at for cnc_id, ts, stored_at in
                  connection().execute("SELECT cnc_id, ts, stored_at FROM cnc_data ORDER BY message_id").fetchall()}
        return sorted(arrived - stored[(cnc_id, datetime.datetime.fromisoformat(ts))].timestamp()
                      for cnc_id, ts, arrived in arrivals if (cnc_id, datetime.datetime.fromisoformat(ts)) in stored)

    def metric(self, name):
        """One value of the board's metrics."""
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10) as answer:
            for line in answer.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
        return 0.0

    def first_paint(self, machines):
        """Milliseconds from navigation to every tile on the page, in headless Chromium: the
        median of 5 loads; None without selenium (Debian's python3-selenium, which the test
        command installs, may serve another interpreter than this one)."""
        if "/usr/lib/python3/dist-packages" not in sys.path:
            sys.path.append("/usr/lib/python3/dist-packages")
        try:
            from selenium import webdriver
            from selenium.webdriver.chrome.options import Options
            from selenium.webdriver.chrome.service import Service
        except ImportError:
            return None
        options = Options()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1920,1080"):
            options.add_argument(argument)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            loads = []
            for _ in range(5):
                driver.get(self.url + "/")
                painted = None
                deadline = time.monotonic() + 20
                while painted is None and time.monotonic() < deadline:
                    painted = driver.execute_script(
                        "return document.querySelectorAll('.tile[data-cnc-id]').length >= arguments[0] ? performance.now() : null", machines)
                loads.append(painted)
            return statistics.median(loads) if None not in loads else None
        finally:
            driver.quit()

    def stop(self):
        if self.readers.poll() is None:
            self.readers.kill()


def free_port():
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def board_cost(args, env):
    """--board: the pipeline's rate with the board and --board-streams clients on its event
    stream against the rate without, on --board-machines machines; and the board's own figures."""
    stream = Stream(args.work_dir, machines=args.board_machines, status_every=args.status_every, plant_topics=args.plant_topics)
    runs = []
    for number in range(1, args.runs + 1):
        alone = pipeline(args.bin_dir, args.work_dir, env, args.count, f"b{number}a", 0, stream)
        watched = pipeline(args.bin_dir, args.work_dir, env, args.count, f"b{number}b", 0, stream, board_streams=args.board_streams)
        cpu = watched["cpu"]
        board_cpu = cpu["stage_s"].get("board", 0)
        # The board's share of the CPU the machine spent on the run: itself, its PostgreSQL
        # backends and the stream clients, over everything (the board's part is in stages_s
        # and postgres_s already; the clients are not, as they still run).
        own = board_cpu + watched["board"]["backends_cpu_s"] + watched["board"]["reader_cpu_s"]
        total = cpu["stages_s"] + cpu["postgres_s"] + cpu["broker_s"] + cpu.get("clients_s", 0) + watched["board"]["reader_cpu_s"]
        runs.append({"alone": alone["rate"], "with_board": watched["rate"], "board": watched["board"], "board_cpu_s": board_cpu,
                     "board_share": own / total})
        print(f"run {number}: pipeline alone {alone['rate']:,.0f} msg/s, with the board and {args.board_streams} streams "
              f"{watched['rate']:,.0f} msg/s", flush=True)
    def median(value):
        return statistics.median(value(run) for run in runs)
    print()
    print(f"the board's cost: {args.count:,} messages a run on {args.board_machines} machines, {args.board_streams} clients on the event stream, "
          f"medians of {args.runs} runs")
    print(f"  pipeline alone                {median(lambda run: run['alone']):>10,.0f} msg/s")
    print(f"  with the board                {median(lambda run: run['with_board']):>10,.0f} msg/s")
    print(f"  cost                          {1 - median(lambda run: run['with_board'] / run['alone']):>10.1%}")
    print(f"  board CPU                     {median(lambda run: run['board_cpu_s']):>10.2f} s a run, its PostgreSQL backends "
          f"{median(lambda run: run['board']['backends_cpu_s']):.2f} s, the stream clients {median(lambda run: run['board']['reader_cpu_s']):.2f} s")
    print(f"  their share of the CPU        {median(lambda run: run['board_share']):>10.1%}")
    print(f"  refreshes                     {median(lambda run: run['board']['refreshes']):>10.0f} a run, "
          f"{median(lambda run: run['board']['refresh_ms']):.1f} ms each (median of the runs' means)")
    print(f"  event stream a client         {median(lambda run: run['board']['stream_mb_min']):>10.1f} MB a run (fewest)")
    print(f"  GET /api/machines             {median(lambda run: run['board']['api_ms_p50']):>10.1f} ms p50, "
          f"{median(lambda run: run['board']['api_ms_p95']):.1f} ms p95, {median(lambda run: run['board']['api_bytes']) / 1e3:,.0f} kB, "
          f"{median(lambda run: run['board']['machines']):,.0f} machines")
    print(f"  machine_current after a run   {median(lambda run: run['board']['machine_current_kb']):>10,.0f} kB")
    lives = [run for run in runs if run["board"]["live_ms_p95"] is not None]
    if lives:
        print(f"  live, stored to event stream  {statistics.median(run['board']['live_ms_p50'] for run in lives):>10.0f} ms p50, "
              f"{statistics.median(run['board']['live_ms_p95'] for run in lives):.0f} ms p95 (medians of the runs' "
              f"{statistics.median(run['board']['live_events'] for run in lives):,.0f} machine events)")
    paints = [run["board"]["first_paint_ms"] for run in runs if run["board"]["first_paint_ms"] is not None]
    if paints:
        print(f"  first paint, every tile       {statistics.median(paints):>10.0f} ms (headless Chromium, median of 5 loads a run)")
    path = args.json.replace("bench.json", "board.json")
    with open(path, "w") as output:
        json.dump({"count": args.count, "machines": args.board_machines, "streams": args.board_streams, "runs": runs}, output, indent=2)
    print(f"\nwritten to {path}")


def current_rss(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def soak(bin_dir, work_dir, env, count, seconds, json_path, stream):
    """Measures the pipeline's rate with count messages, then runs it at half that rate for
    seconds, sampling each stage's RSS every 10 s; checks the counts and the logs for errors."""
    topic, processes, logs = start_stages(bin_dir, work_dir, env, "soak", stream)
    names = list(processes)
    try:
        start = time.monotonic()
        emulator(bin_dir, topic, count, env, stream)
        wait_for_rows(count, 600)
        rate = max(1, int(count / (time.monotonic() - start) / 2))
        messages = rate * seconds
        print(f"maximum {2 * rate:,} msg/s; soaking at {rate:,} msg/s for {seconds} s ({messages:,} messages, {stream.shape()})", flush=True)
        publisher = subprocess.Popen(
            [f"{bin_dir}/cnc-emulator", "--count", str(messages), *stream.emulator_arguments(), *publishing(topic), "--rate", str(rate),
             "--seed", "7"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )
        samples = []
        soak_start = time.monotonic()
        while publisher.poll() is None:
            samples.append({"seconds": round(time.monotonic() - soak_start), **{name: current_rss(p.pid) for name, p in processes.items()}})
            print(f"  {samples[-1]['seconds']:>5} s  " + "  ".join(f"{name} {samples[-1][name]:.1f}" for name in names), flush=True)
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
        growth = {name: max(s[name] for s in samples[half:]) - max(s[name] for s in samples[third:half]) for name in names} if half > third else {}
        print()
        print(f"{'stage':<12}{'RSS first MB':>14}{'RSS last MB':>13}{'growth MB':>11}")
        for name in names:
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


GROWTH = [
    # (label, what differs from 20 machines, the samples' size and 2 workers per type)
    ("20 machines", {}),
    ("200 machines", {"machines": 200}),
    ("2,000 machines", {"machines": 2000}),
    ("1 KB messages", {"size": 1024}),
    ("8 KB messages", {"size": 8192}),
    ("1 worker per type", {"workers": 1}),
    ("4 workers per type", {"workers": 4}),
]


def growth(args, env):
    """How cost grows: for each variant of GROWTH, the broker-only reference and the pipeline
    (no latency run), --runs times; prints the medians and the database space a million
    messages take."""
    results = []
    for label, change in GROWTH:
        if args.variant and label not in args.variant:
            continue
        stream = Stream(args.work_dir, **dict({"status_every": args.status_every, "plant_topics": args.plant_topics}, **change))
        runs = []
        for run in (f"g{len(results)}-{number}" for number in range(1, args.runs + 1)):
            reference, reference_cpu = broker_only(args.bin_dir, args.work_dir, env, args.count, run, stream)
            measured = pipeline(args.bin_dir, args.work_dir, env, args.count, run, 0, stream)
            runs.append({"broker_only": reference, "broker_only_cpu": reference_cpu, **measured})
        def median(value):
            return statistics.median(value(run) for run in runs)
        row = {
            "variant": label, "runs": runs, "status_every": stream.status_every,
            "broker_only": median(lambda run: run["broker_only"]), "pipeline": median(lambda run: run["rate"]),
            "ratio": median(lambda run: run["rate"] / run["broker_only"]),
            **{f"{key}_us": median(lambda run: run["cpu"][f"{key}_s"]) / args.count * 1e6 for key in ("stages", "postgres", "broker")},
            **{f"{key}_per_million": median(lambda run: run["space"][key]) / args.count * 1e6 for key in ("messages_mb", "mes_mb")},
            # The largest stage's peak RSS: the target is every stage under 64 MB.
            "peak_rss": max((median(lambda run, name=name: run["resources"][name][0]), name) for name in runs[0]["resources"]),
        }
        results.append(row)
        print(f"{label}: pipeline {row['pipeline']:,.0f} msg/s, broker-only {row['broker_only']:,.0f} msg/s", flush=True)
    print()
    print(f"how cost grows: {args.count:,} messages a run, QoS 1, PostgreSQL {'fsync on' if args.durable else 'fsync off'}, "
          f"medians of {args.runs} run(s); the others: 20 machines, messages of the samples' size (about 150 B), 2 workers per type")
    print(f"messages: {Stream(args.work_dir, plant_topics=args.plant_topics).shape()}")
    print(f"{'':<20}{'status':>7}{'broker-only':>12}{'pipeline':>10}{'ratio':>7}{'stages':>8}{'PostgreSQL':>11}{'mosquitto':>10}{'messages':>10}{'MES':>6}{'peak RSS':>10}")
    print(f"{'':<20}{'every':>7}{'msg/s':>12}{'msg/s':>10}{'':>7}{'µs/msg':>8}{'µs/msg':>11}{'µs/msg':>10}{'MB/M':>10}{'MB/M':>6}{'MB':>10}")
    for row in results:
        every = str(row["status_every"]) if row["status_every"] else "~1"
        print(f"{row['variant']:<20}{every:>7}{row['broker_only']:>12,.0f}{row['pipeline']:>10,.0f}{row['ratio']:>7.2f}{row['stages_us']:>8.1f}"
              f"{row['postgres_us']:>11.1f}{row['broker_us']:>10.1f}{row['messages_mb_per_million']:>10,.0f}{row['mes_mb_per_million']:>6,.0f}"
              f"{row['peak_rss'][0]:>10.1f} {row['peak_rss'][1]}")
    print("status every: messages a machine keeps its status (~1: the samples, which change it with nearly every message)")
    print("peak RSS: the largest stage's, and which stage it is")
    print("MB/M: MB of tables and indexes a million messages take: messages (cnc_data and machine_state), MES (current state, intervals, parts)")
    path = args.json.replace("bench.json", "growth.json")
    with open(path, "w") as output:
        json.dump({"count": args.count, "durable": args.durable, "status_every": args.status_every, "plant_topics": args.plant_topics,
                   "variants": results}, output, indent=2)
    print(f"\nwritten to {path}")


# Sparkplug B against JSON: what ingest spends on a DDATA of 20 metrics sent by alias, and on a
# flat JSON message of the same names and values (docs/sparkplug.md, "Cost").

# The seed types' variables (status, spin, the axes, feed), which they require, and more that a
# controller reports, which the types keep marked as unknown.
SPARKPLUG_METRICS = ([("status", 12), ("spin", 10), ("X-Axis", 10), ("Y-Axis", 10), ("Z-Axis", 10), ("feed", 10)]
                     + [(f"Axis/{axis}", 10) for axis in "ABC"] + [("Spindle/Load", 10), ("Feed/Override", 10), ("Coolant/Temperature", 10),
                     ("Power", 10), ("PartCount", 4), ("Tool", 4), ("Cycle/Seconds", 4), ("Alarms", 4), ("Program", 12), ("Block", 12),
                     ("Mode", 12)])


def varint(number):
    out = bytearray()
    while True:
        low, number = number & 0x7F, number >> 7
        out.append(low | (0x80 if number else 0))
        if not number:
            return bytes(out)


def pb_field(number, wire_type, data):
    return varint(number << 3 | wire_type) + data


def pb_bytes(number, data):
    return pb_field(number, 2, varint(len(data)) + data)


def sparkplug_value(datatype, value):
    """A metric's value field as the datatype's (Double 10, Int64 4, String 12)."""
    import struct
    if datatype == 10:
        return pb_field(13, 1, struct.pack("<d", value))
    if datatype == 4:
        return pb_field(11, 0, varint(value))
    return pb_bytes(15, value.encode())


def sparkplug_payload(seq, timestamp, metrics, birth=False):
    """A Sparkplug B payload's protobuf bytes; metrics are (alias, datatype, value), named in a birth."""
    body = pb_field(1, 0, varint(timestamp))
    for alias, datatype, value in metrics:
        name = pb_bytes(1, SPARKPLUG_METRICS[alias][0].encode()) if birth else b""
        datatype_field = pb_field(4, 0, varint(datatype)) if birth else b""
        body += pb_bytes(2, name + pb_field(2, 0, varint(alias)) + datatype_field + sparkplug_value(datatype, value))
    return body + pb_field(3, 0, varint(seq))


def bench_values(index):
    """Message index's values, (alias, datatype, value) for each of SPARKPLUG_METRICS."""
    values = []
    for alias, (name, datatype) in enumerate(SPARKPLUG_METRICS):
        if name == "status":
            value = ("running", "idle", "stopped")[index % 3]
        elif datatype == 10:
            value = (index % 400) * 1.25 + alias
        else:
            value = index + alias if datatype == 4 else f"{name[:3]}{index % 7}"
        values.append((alias, datatype, value))
    return values


def sparkplug_cost(args, env):
    """Ingest's CPU per message for the same 20 values as a JSON message and as a Sparkplug DDATA
    by alias, both at QoS 0 (Sparkplug DATA's), in alternating order over the runs."""
    import paho.mqtt.client as mqtt
    port = int(env["MQTT_URL"].rsplit(":", 1)[1])
    machines = 20
    stream = Stream(args.work_dir, machines=machines)
    with open(stream.types_file) as file:
        types = json.load(file)
    with open(stream.types_file, "w") as file:
        json.dump(types + [{"cnc_id": "EDGE1", "class_name": "CNCTypeA"}], file)
    results = {"json": [], "sparkplug": []}
    for run in range(1, args.runs + 1):
        sources = f"{args.work_dir}/sparkplug-sources{run}"
        os.makedirs(sources, exist_ok=True)
        with open(f"{sources}/json.yaml", "w") as source:
            source.write(f"name: flat\ntopic: bench/json{run}/{{cnc_id}}/data\ntime: {{field: timestamp, format: unix_ms}}\npayload: rest\n")
        with open(f"{sources}/sparkplug.yaml", "w") as source:
            source.write(f"name: cells\ntopic: spBv1.0/bench{run}/#\nsparkplug: {{part_program: Program}}\n")
        run_env = dict(env, MES_SOURCES_DIR=sources)
        _, processes, logs = start_stages(args.bin_dir, args.work_dir, run_env, run, stream)
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-sparkplug-{run}")
        client.max_queued_messages_set(0)
        client.connect("127.0.0.1", port)
        client.loop_start()
        group, edge = f"bench{run}", "EDGE1"
        now = int(time.time() * 1000)
        seq = 0
        # The edge node is a machine too (EDGE1 in the type map): its birth carries the variables its type requires.
        client.publish(f"spBv1.0/{group}/NBIRTH/{edge}", sparkplug_payload(seq, now, bench_values(0), birth=True), qos=0).wait_for_publish()
        for machine in range(1, machines + 1):
            seq += 1
            client.publish(f"spBv1.0/{group}/DBIRTH/{edge}/{machine_id(machine)}", sparkplug_payload(seq, now, bench_values(0), birth=True), qos=0)
        wait_for_rows(machines + 1, 60)
        stored = int(psql("SELECT count(*) FROM cnc_data"))
        phases = ["json", "sparkplug"] if run % 2 else ["sparkplug", "json"]
        for phase in phases:
            messages = []
            for index in range(args.count):
                machine = machine_id(index % machines + 1)
                values = bench_values(index + 1)
                if phase == "json":
                    flat = {"timestamp": now + index} | {SPARKPLUG_METRICS[alias][0]: value for alias, _, value in values}
                    messages.append((f"bench/json{run}/{machine}/data", json.dumps(flat, separators=(",", ":")).encode()))
                else:
                    seq = (seq + 1) % 256
                    messages.append((f"spBv1.0/{group}/DDATA/{edge}/{machine}", sparkplug_payload(seq, now + index, values)))
            before = process_cpu(processes["ingest"].pid)
            for topic, payload in messages:
                client.publish(topic, payload, qos=0)
            wait_for_rows(stored + args.count, 600)
            spent = process_cpu(processes["ingest"].pid) - before
            now_stored = int(psql("SELECT count(*) FROM cnc_data"))
            if now_stored - stored != args.count:
                raise SystemExit(f"run {run}, {phase}: {now_stored - stored} rows stored for {args.count} published (QoS 0: the broker may drop)")
            stored = now_stored
            results[phase].append(spent / args.count * 1e6)
            print(f"run {run}: {phase:<9} ingest {spent / args.count * 1e6:6.1f} µs/msg", flush=True)
        sample = psql("SELECT length(payload::text) FROM cnc_data WHERE topic LIKE 'spBv1.0/%DDATA%' LIMIT 1")
        json_sample = psql("SELECT length(payload::text) FROM cnc_data WHERE topic LIKE 'bench/json%' LIMIT 1")
        rejected = int(psql("SELECT count(*) FROM rejected_messages"))
        client.loop_stop()
        client.disconnect()
        expect_running(processes, logs)
        stop_stages(processes)
        if rejected:
            raise SystemExit(f"run {run}: {rejected} messages rejected")
    json_us, sparkplug_us = statistics.median(results["json"]), statistics.median(results["sparkplug"])
    extra = statistics.median(s - j for s, j in zip(results["sparkplug"], results["json"]))
    print()
    print(f"ingest CPU per message, {args.count:,} messages a phase, {args.runs} runs, medians (QoS 0, 20 metrics, 20 machines):")
    print(f"  {'JSON, flat (a source)':<34}{json_us:8.1f} µs")
    print(f"  {'Sparkplug B DDATA by alias':<34}{sparkplug_us:8.1f} µs")
    print(f"  {'Sparkplug - JSON':<34}{extra:8.1f} µs   (median of each run's difference; the target is at most 10)")
    print(f"  stored payload: JSON {json_sample} characters, Sparkplug {sample} (values by name, and the names and datatypes of the metrics sent)")
    with open(args.json.replace("bench.json", "sparkplug.json"), "w") as output:
        json.dump({"count": args.count, "runs": results, "json_us": json_us, "sparkplug_us": sparkplug_us, "extra_us": extra}, output, indent=2)


def mtconnect_cost(args, env):
    """The mtconnect stage's observations per CPU second (one core) and per second of wall time,
    following the test agent (Tests/IntegrationTests/MTConnect/agent.py) in samples of 1,000
    observations, five at each time, through the router, a worker and the sink."""
    agent_script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "IntegrationTests", "MTConnect", "agent.py")
    stream = Stream(args.work_dir, machines=2)
    with open(stream.types_file, "w") as file:
        json.dump([{"cnc_id": "Mill01", "class_name": "MTConnectMill"}], file)
    results = []
    for run in range(1, args.runs + 1):
        port_file = f"{args.work_dir}/mtconnect-agent{run}.port"
        agent = subprocess.Popen([sys.executable, agent_script, port_file, "--buffer", str(args.count + 1_000)])
        deadline = time.monotonic() + 20
        while not os.path.exists(port_file) and time.monotonic() < deadline:
            time.sleep(0.05)
        with open(port_file) as file:
            address = f"http://127.0.0.1:{file.read().strip()}"
        sources = f"{args.work_dir}/mtconnect-sources{run}"
        os.makedirs(sources, exist_ok=True)
        with open(f"{sources}/agent.yaml", "w") as source:
            # No heartbeat in the run: the rows counted are the observations' messages.
            source.write(f"name: bench\nmtconnect: {{agent: \"{address}\", count: 1000, interval_ms: 10, heartbeat_ms: 3600000}}\n")
        run_env = dict(env, MES_SOURCES_DIR=sources, MES_STATE_DIR=f"{args.work_dir}/mtconnect-state{run}")
        try:
            results.append(mtconnect_run(args, run, address, run_env, stream))
        finally:
            agent.kill()
            agent.wait()
        result = results[-1]
        print(f"run {run}: mtconnect {result['per_core']:,.0f} observations per CPU second; "
              f"{result['wall']:,.0f} observations/s stored ({1e6 / result['per_core']:.1f} µs each)", flush=True)
    per_core = statistics.median(result["per_core"] for result in results)
    wall = statistics.median(result["wall"] for result in results)
    print()
    print(f"mtconnect, {args.count:,} observations a run in samples of 1,000 (5 at each time: 200 messages), {args.runs} runs, medians:")
    print(f"  {'per core (the stage CPU)':<34}{per_core:>12,.0f} observations/s   ({1e6 / per_core:.1f} µs each)")
    print(f"  {'stored, agent to PostgreSQL':<34}{wall:>12,.0f} observations/s   (the Python test agent, the router, a worker, the sink)")
    with open(args.json.replace("bench.json", "mtconnect.json"), "w") as output:
        json.dump({"count": args.count, "runs": results, "per_core": per_core, "wall": wall}, output, indent=2)


def mtconnect_run(args, run, address, run_env, stream):
    """One run of mtconnect_cost against the agent at address; the stages stop whatever happens."""
    import urllib.request
    _, processes, logs = start_stages(args.bin_dir, args.work_dir, run_env, run, stream)
    try:
        stage_env = dict(run_env, MES_RUNTIME_DIR=f"{args.work_dir}/rt{run}", MES_CNC_TYPES=stream.types_file, MES_MIGRATIONS_DIR="migrations")
        for name, command in (("worker-mtconnect", ["worker", "--type", "MTConnectMill"]), ("mtconnect", ["mtconnect"])):
            logs[name] = open(f"{args.work_dir}/{name}-{run}.log", "w+")
            processes[name] = subprocess.Popen([f"{args.bin_dir}/{command[0]}"] + command[1:], env=stage_env, stdout=logs[name],
                                               stderr=subprocess.STDOUT)
        # The current values first: one message; then the samples follow from the agent's next sequence.
        wait_for_rows(1, 60)
        if int(psql("SELECT count(*) FROM cnc_data")) != 1:
            raise SystemExit(f"run {run}: the current values were not stored; mtconnect's log ends:\n" + log_tail(logs, "mtconnect", 10))
        time.sleep(0.5)
        before = process_cpu(processes["mtconnect"].pid)
        start = time.monotonic()
        urllib.request.urlopen(f"{address}/fill?n={args.count}&group=5", timeout=600).read()
        messages = args.count // 5
        wait_for_rows(1 + messages, 600)
        elapsed = time.monotonic() - start
        spent = process_cpu(processes["mtconnect"].pid) - before
        stored = int(psql("SELECT count(*) FROM cnc_data"))
        if stored != 1 + messages:
            raise SystemExit(f"run {run}: {stored - 1} messages stored of {messages}")
        if int(psql("SELECT count(*) FROM rejected_messages")):
            raise SystemExit(f"run {run}: messages rejected")
        expect_running(processes, logs)
        return {"cpu_s": spent, "elapsed_s": elapsed, "per_core": args.count / spent, "wall": args.count / elapsed}
    finally:
        stop_stages(processes)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--json", required=True)
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--runs", type=int, help="runs of each measurement (default 3; 1 with --growth)")
    parser.add_argument("--latency-seconds", type=int, default=10, help="length of the fixed-rate latency run")
    parser.add_argument("--naive-count", type=int, default=20_000, help="messages for the naive reference, which is slow")
    parser.add_argument("--python-path", required=True, help="where paho-mqtt and psycopg are installed")
    parser.add_argument("--durable", action="store_true", help="PostgreSQL runs with fsync and synchronous_commit on (for the table)")
    parser.add_argument("--status-every", type=int, default=0, help="each machine keeps a status this many messages (default: the samples')")
    parser.add_argument("--soak-seconds", type=int, default=0, help="instead of the benchmark, run at half the measured rate this long")
    parser.add_argument("--growth", action="store_true", help="instead of the benchmark, how cost grows with machines, message size and workers")
    parser.add_argument("--variant", action="append", choices=[label for label, _ in GROWTH], help="with --growth, only this variant (repeatable)")
    parser.add_argument("--plant-topics", action="store_true",
                        help="publish as a topic-per-machine plant (--topic .../{cnc_id}/data --flat), read by ingest through a source")
    parser.add_argument("--board", action="store_true",
                        help="instead of the benchmark, the board's cost to the pipeline with --board-streams clients on its event stream")
    parser.add_argument("--board-machines", type=int, default=500, help="with --board, machines publishing")
    parser.add_argument("--board-streams", type=int, default=50, help="with --board, clients on the event stream")
    parser.add_argument("--sparkplug", action="store_true",
                        help="instead of the benchmark, ingest's CPU per message for 20 values as JSON and as a Sparkplug B DDATA by alias")
    parser.add_argument("--mtconnect", action="store_true",
                        help="instead of the benchmark, the mtconnect stage's observations per CPU second in samples of 1,000")
    args = parser.parse_args()
    args.runs = args.runs or (1 if args.growth else 3)
    sys.path.insert(0, args.python_path)
    env = dict(os.environ, MES_LOG_LEVEL="info")
    stream = Stream(args.work_dir, status_every=args.status_every, plant_topics=args.plant_topics)
    if args.soak_seconds > 0:
        soak(args.bin_dir, args.work_dir, env, min(args.count, 50_000), args.soak_seconds, args.json.replace("bench.json", "soak.json"), stream)
        return
    if args.growth:
        growth(args, env)
        return
    if args.board:
        board_cost(args, env)
        return
    if args.sparkplug:
        sparkplug_cost(args, env)
        return
    if args.mtconnect:
        mtconnect_cost(args, env)
        return

    runs = []
    for run in range(1, args.runs + 1):
        publisher = args.count / emulator(args.bin_dir, stream.topic(f"bench/none{run}"), args.count, env, stream)
        reference, reference_cpu = broker_only(args.bin_dir, args.work_dir, env, args.count, run, stream)
        naive_rate = naive(args.bin_dir, env, args.naive_count, run, args.python_path, stream)
        measured = pipeline(args.bin_dir, args.work_dir, env, args.count, run, args.latency_seconds, stream)
        runs.append({"publisher": publisher, "broker_only": reference, "naive": naive_rate, "pipeline": measured["rate"], "latency": measured["latency"],
                     "resources": measured["resources"], "space": measured["space"], "cpu": {"broker_only": reference_cpu, "pipeline": measured["cpu"]}})
        print(f"run {run}: publisher {publisher:,.0f} msg/s, broker-only {reference:,.0f} msg/s, naive {naive_rate:,.0f} msg/s, "
              f"pipeline {measured['rate']:,.0f} msg/s", flush=True)

    median = {key: statistics.median(run[key] for run in runs) for key in ("publisher", "broker_only", "naive", "pipeline")}
    ratio = statistics.median(run["pipeline"] / run["broker_only"] for run in runs)
    naive_ratio = statistics.median(run["pipeline"] / run["naive"] for run in runs)
    print()
    print(f"{'messages per run':<28}{args.count:>12,}   (QoS 1, 20 machines, {args.runs} runs, medians)")
    print(f"{'messages':<28}{stream.shape()}")
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
    for name in runs[0]["resources"]:
        rss = statistics.median(run["resources"][name][0] for run in runs)
        cpu = statistics.median(run["resources"][name][1] for run in runs)
        print(f"{name:<12}{rss:>12.1f}{cpu:>8.2f}")
    print()
    print("where the cores went while the messages flowed, CPU microseconds per message (medians):")
    print(f"{'':<36}{'broker-only':>12}{'pipeline':>10}{'at half rate':>14}")
    def phase(run, name):
        """Where the CPU went in one phase of a run, and the messages that phase carried."""
        return (run["latency"]["cpu"], run["latency"]["messages"]) if name == "half_rate" else (run["cpu"][name], args.count)
    def per_message(name, value):
        return statistics.median(value(cpu) / messages for cpu, messages in (phase(run, name) for run in runs)) * 1e6
    rows = [(label, lambda cpu, key=key: cpu.get(key, 0)) for label, key in (
        ("publisher (+ reference subscriber)", "clients_s"), ("mosquitto", "broker_s"), ("PostgreSQL", "postgres_s"), ("pipeline stages", "stages_s"))]
    rows += [(f"  {group}", lambda cpu, group=group: sum(seconds for name, seconds in cpu["stage_s"].items() if name.startswith(group)))
             for group in ("ingest", "router", "worker", "sink")]
    for label, value in rows:
        reference = f"{per_message('broker_only', value):>12.1f}" if not label.startswith("  ") else f"{'':>12}"
        print(f"{label:<36}{reference}{per_message('pipeline', value):>10.1f}{per_message('half_rate', value):>14.1f}")
    for phase in ("broker_only", "pipeline"):
        busy = statistics.median(run["cpu"][phase]["machine_busy"] for run in runs)
        print(f"  {phase.replace('_', '-')}: the machine's {os.cpu_count()} cores were {busy:.0%} busy")
    print()
    for key, label in (("messages_mb", "messages (cnc_data, machine_state)"), ("mes_mb", "MES tables (current, intervals, parts)")):
        print(f"database space a million messages take, {label}: {statistics.median(run['space'][key] for run in runs) / args.count * 1e6:,.0f} MB")
    with open(args.json, "w") as output:
        json.dump({"count": args.count, "naive_count": args.naive_count, "durable": args.durable, "plant_topics": args.plant_topics,
                   "runs": runs, "median": median, "pipeline_to_broker_only": ratio, "pipeline_to_naive": naive_ratio}, output, indent=2)
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The reference the benchmark compares against: the design of the Python service this project
replaces (paho-mqtt, each message parsed, checked, INSERTed and COMMITted on its own).

usage: bench_naive.py HOST PORT TOPIC COUNT DATABASE_URL
Subscribes (QoS 1), stores COUNT messages, prints the seconds from its first message to its
last COMMIT, and exits.
"""
import json
import sys
import time

import paho.mqtt.client as mqtt
import psycopg

host, port, topic, count, database_url = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
connection = psycopg.connect(database_url)
connection.execute("""
    CREATE TABLE IF NOT EXISTS naive_cnc_data (
        id bigserial PRIMARY KEY, cnc_id text NOT NULL, part_program text NOT NULL,
        ts timestamptz NOT NULL, payload jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())
""")
connection.commit()
state = {"stored": 0, "first": None}


def on_message(client, userdata, message):
    if state["first"] is None:
        state["first"] = time.monotonic()
    data = json.loads(message.payload)
    if not all(key in data for key in ("cnc_id", "part_program", "timestamp", "payload")):
        raise ValueError("invalid message")
    connection.execute(
        "INSERT INTO naive_cnc_data (cnc_id, part_program, ts, payload) VALUES (%s, %s, to_timestamp(%s), %s)",
        (data["cnc_id"], data["part_program"], float(data["timestamp"]), json.dumps(data["payload"])),
    )
    connection.commit()
    state["stored"] += 1
    if state["stored"] == count:
        client.disconnect()


def on_connect(client, userdata, flags, reason_code, properties):
    client.subscribe(topic, qos=1)
    print("subscribed", flush=True)


client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-naive-{topic}")
client.on_connect = on_connect
client.on_message = on_message
client.connect(host, port)
client.loop_forever()
print(f"{time.monotonic() - state['first']:.3f}", flush=True)

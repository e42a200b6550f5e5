"""A Sparkplug B edge node for SparkplugTests, built on pysparkplug 0.6.1: an edge node (a machine
gateway) with CNC machines as its devices, driven by the test one command at a time.

    edge_node.py edge --broker HOST:PORT --group GROUP --node NODE --devices CNC101[,CNC102...]
    edge_node.py watch-state --broker HOST:PORT

edge: connects with the library's EdgeNode, whose Will is an NDEATH and whose connection publishes
the NBIRTH and a DBIRTH per device; then reads commands from standard input, one a line:

    ddata DEVICE [EXECUTION]    DDATA by alias only: Spindle/Speed, PartCount, Execution (ACTIVE)
    ndata                       NDATA by alias only: Uptime, Gateway/State
    ddeath DEVICE               the library's DDEATH of the device (it deregisters it)
    dbirth DEVICE               registers the device again: the library's DBIRTH, its last values
    skip COUNT                  uses up COUNT sequence numbers: the next message shows a gap
    wrong-datatype DEVICE       DDATA whose Spindle/Speed is a String, where its birth says Double
    raw TOPIC HEX               publishes these bytes as they are
    quit                        the library's NDEATH with the birth's bdSeq, disconnects, exits 0

The Nth DDATA of a device carries Spindle/Speed 1000 + 100 N and PartCount N. An NCMD
"Node Control/Rebirth" = true is answered as Sparkplug asks: the sequence starts again at 0 and
the NBIRTH (with the bdSeq of the connection) and every DBIRTH are published again.

watch-state: subscribes to spBv1.0/STATE/+ as any Sparkplug client does and reports every host
state, until "quit" or the end of standard input.

Each line it writes to standard output is one JSON object with an "event": births, done (a command
published; "command" is its line), ncmd, rebirth, subscribed, state, error.

What pysparkplug does not do by itself, and this program adds: its DATA always carries names (the
library has no alias-only DATA), its NBIRTH lacks "Node Control/Rebirth" and it has no rebirth;
its disconnect() sends the bdSeq of the next connection, not this one's.
"""
import argparse
import dataclasses
import itertools
import json
import sys
import threading
import time

from pysparkplug import (Client, DataType, DBirth, DData, Device, EdgeNode, Message, MessageType, Metric, NBirth,
                         NData, QoS, Topic, get_current_timestamp)

REBIRTH = "Node Control/Rebirth"
SEQUENCE_NUMBERS = 256


def report(event, **members):
    print(json.dumps({"event": event, **members}), flush=True)


def broker_address(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)


class MachineGateway:
    """The edge node NODE of GROUP, its devices the CNC machines DEVICES."""

    def __init__(self, arguments):
        self.group = arguments.group
        self.node_id = arguments.node
        self.started = time.time()
        # One lock for every publication: a rebirth (on paho's thread) and a command (on the
        # main thread) must not interleave their sequence numbers.
        self.lock = threading.RLock()
        now = get_current_timestamp()
        # pysparkplug assigns no aliases: each metric gets one of its own, unique in the edge
        # node as Sparkplug asks (device k: 10 k + 1 ... 10 k + 4).
        node_metrics = [
            Metric(now, REBIRTH, DataType.BOOLEAN, value=False, alias=1),
            Metric(now, "Uptime", DataType.INT64, value=0, alias=2),
            Metric(now, "Gateway/State", DataType.STRING, value="RUNNING", alias=3),
        ]
        self.client = Client(client_id=f"edge-{self.group}-{self.node_id}")
        # A payload the library cannot decode must not end paho's network thread.
        self.client._client.suppress_exceptions = True
        self.node = EdgeNode(self.group, self.node_id, node_metrics, client=self.client, cmd_callback=self.command_received)
        self.data_messages = {}
        # The devices as registered, to register again after a DDEATH.
        self.devices = {}
        for index, device_id in enumerate(arguments.devices.split(",")):
            base = 10 * (index + 1)
            device_metrics = [
                Metric(now, "Spindle/Speed", DataType.DOUBLE, value=1000.0, alias=base + 1),
                Metric(now, "Execution", DataType.STRING, value="READY", alias=base + 2),
                Metric(now, "PartCount", DataType.INT64, value=0, alias=base + 3),
                Metric(now, "Program", DataType.STRING, value="O1234", alias=base + 4),
            ]
            self.devices[device_id] = Device(device_id, device_metrics)
            self.node.register(self.devices[device_id])
            self.data_messages[device_id] = 0
        self.birth_bd_seq_metric = None
        self.births_published = threading.Event()

    def connect(self, host, port):
        """Connects as the library does: Will, NBIRTH and DBIRTHs are its own."""
        prepare_will = self.node._setup_will

        def prepare_will_and_remember_birth():
            # connect() prepares the Will (bdSeq N) and its callback publishes the births with
            # that metric, then prepares N + 1 for a next connection: remember N, and that the
            # births are out.
            prepare_will()
            if not self.node._connected:
                self.birth_bd_seq_metric = self.node._bd_seq_metric
            else:
                self.births_published.set()

        self.node._setup_will = prepare_will_and_remember_birth
        self.node.connect(host, port=port, keepalive=5, blocking=False)
        if not self.births_published.wait(10):
            report("error", reason="not connected after 10 s")
            sys.exit(2)
        report("births", bdSeq=self.birth_bd_seq_metric.value, node=self.node_id, devices=list(self.data_messages))

    def topic(self, message_type, device_id=None):
        return Topic(message_type=message_type, group_id=self.group, edge_node_id=self.node_id, device_id=device_id)

    def next_sequence_number(self):
        return self.node._seq

    def publish(self, topic, payload, include_datatypes):
        """Publishes with the library's encoder and returns once paho has written it."""
        encoded = payload.encode(include_dtypes=include_datatypes)
        self.publish_bytes(str(topic), encoded)
        return payload.seq

    def publish_bytes(self, topic, payload):
        self.client._client.publish(topic, payload, qos=0, retain=False).wait_for_publish(5)

    def rebirth(self):
        """Sparkplug's rebirth: the sequence from 0, the NBIRTH with this connection's bdSeq, every DBIRTH."""
        with self.lock:
            # The cycler is private to EdgeNode (name-mangled).
            self.node._EdgeNode__seq_cycler = itertools.cycle(range(SEQUENCE_NUMBERS))
            now = get_current_timestamp()
            node_birth = NBirth(now, self.next_sequence_number(), (*self.node.metrics.values(), self.birth_bd_seq_metric))
            self.publish(self.topic(MessageType.NBIRTH), node_birth, include_datatypes=True)
            for device in self.node.devices.values():
                device_birth = DBirth(now, self.next_sequence_number(), tuple(device.metrics.values()))
                self.publish(self.topic(MessageType.DBIRTH, device.device_id), device_birth, include_datatypes=True)
        report("rebirth", bdSeq=self.birth_bd_seq_metric.value)

    def command_received(self, _node, message):
        # On paho's network thread. The collector's NCMD names its metric; an alias-only one
        # would name nothing here (the library keeps no birth of its own node).
        metrics = [{"name": metric.name, "value": metric.value} for metric in message.payload.metrics]
        report("ncmd", metrics=metrics)
        if any(metric["name"] == REBIRTH and metric["value"] is True for metric in metrics):
            # Not on paho's thread: publishing waits for paho to write, which that thread does.
            threading.Thread(target=self.rebirth_after_births).start()

    def rebirth_after_births(self):
        self.births_published.wait()
        self.rebirth()

    def alias_only(self, named_metrics):
        return tuple(dataclasses.replace(metric, name=None) for metric in named_metrics)

    def device_data(self, device_id, execution):
        with self.lock:
            device = self.node.devices[device_id]
            self.data_messages[device_id] += 1
            count = self.data_messages[device_id]
            now = get_current_timestamp()
            values = {"Spindle/Speed": 1000.0 + 100 * count, "PartCount": count, "Execution": execution}
            named = [dataclasses.replace(device.metrics[name], value=value, timestamp=now) for name, value in values.items()]
            # The device keeps its current values for the DBIRTH of a rebirth.
            device.update(named)
            data = DData(now, self.next_sequence_number(), self.alias_only(named))
            return self.publish(self.topic(MessageType.DDATA, device_id), data, include_datatypes=False)

    def node_data(self):
        with self.lock:
            now = get_current_timestamp()
            values = {"Uptime": int(time.time() - self.started), "Gateway/State": "RUNNING"}
            named = [dataclasses.replace(self.node.metrics[name], value=value, timestamp=now) for name, value in values.items()]
            for metric in named:
                self.node._metrics[metric.name] = metric  # EdgeNode.update() would publish named DATA
            data = NData(now, self.next_sequence_number(), self.alias_only(named))
            return self.publish(self.topic(MessageType.NDATA), data, include_datatypes=False)

    def wrong_datatype(self, device_id):
        with self.lock:
            now = get_current_timestamp()
            speed = self.node.devices[device_id].metrics["Spindle/Speed"]
            metric = Metric(now, None, DataType.STRING, value="fast", alias=speed.alias)
            data = DData(now, self.next_sequence_number(), (metric,))
            return self.publish(self.topic(MessageType.DDATA, device_id), data, include_datatypes=True)

    def device_death(self, device_id):
        with self.lock:
            self.node.deregister(device_id)

    def device_birth(self, device_id):
        with self.lock:
            self.node.register(self.devices[device_id])

    def skip(self, count):
        with self.lock:
            return [self.next_sequence_number() for _ in range(count)]

    def disconnect(self):
        with self.lock:
            # The library's NDEATH carries its bdSeq metric, which by now is the next connection's.
            self.node._bd_seq_metric = self.birth_bd_seq_metric
            self.node.disconnect()


def run_edge(arguments):
    gateway = MachineGateway(arguments)
    gateway.connect(*broker_address(arguments.broker))
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        command, operands = words[0], words[1:]
        members = {}
        if command == "ddata":
            members["seq"] = gateway.device_data(operands[0], operands[1] if len(operands) > 1 else "ACTIVE")
        elif command == "ndata":
            members["seq"] = gateway.node_data()
        elif command == "ddeath":
            gateway.device_death(operands[0])
        elif command == "dbirth":
            gateway.device_birth(operands[0])
        elif command == "skip":
            members["skipped"] = gateway.skip(int(operands[0]))
        elif command == "wrong-datatype":
            members["seq"] = gateway.wrong_datatype(operands[0])
        elif command == "raw":
            gateway.publish_bytes(operands[0], bytes.fromhex(operands[1]))
        elif command == "quit":
            break
        else:
            report("error", reason=f"unknown command {command!r}")
            continue
        report("done", command=line.strip(), **members)
    # Also at the end of standard input: a test that died leaves no edge node behind.
    gateway.disconnect()
    report("done", command="quit")


def run_state_watcher(arguments):
    host, port = broker_address(arguments.broker)
    client = Client(client_id=f"state-watcher-{time.time_ns()}")
    client._client.suppress_exceptions = True
    subscribed = threading.Event()

    def state_received(_client, message):
        report("state", host_id=message.topic.sparkplug_host_id, online=message.payload.online,
               timestamp=message.payload.timestamp, retained=bool(message.retain))

    client._client.on_subscribe = lambda *_: subscribed.set()
    client.subscribe(Topic(message_type=MessageType.STATE, sparkplug_host_id="+"), QoS.AT_LEAST_ONCE, state_received)
    client.connect(host, port=port, keepalive=5, blocking=False)
    if not subscribed.wait(10):
        report("error", reason="not subscribed after 10 s")
        sys.exit(2)
    report("subscribed")
    for line in sys.stdin:
        if line.strip() == "quit":
            break
    client.disconnect()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    edge = modes.add_parser("edge")
    edge.add_argument("--broker", required=True)
    edge.add_argument("--group", required=True)
    edge.add_argument("--node", required=True)
    edge.add_argument("--devices", required=True)
    watcher = modes.add_parser("watch-state")
    watcher.add_argument("--broker", required=True)
    arguments = parser.parse_args()
    if arguments.mode == "edge":
        run_edge(arguments)
    else:
        run_state_watcher(arguments)


if __name__ == "__main__":
    main()

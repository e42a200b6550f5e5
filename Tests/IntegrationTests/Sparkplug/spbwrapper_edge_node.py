"""A Sparkplug B edge node for SparkplugTests, built on mqtt-spb-wrapper 2.1.2: a second,
independent implementation beside edge_node.py (pysparkplug), driven the same way.

    spbwrapper_edge_node.py --broker HOST:PORT --group GROUP --node NODE --device DEVICE

Connects with the library's edge node entity and describes the device with its device entity;
then reads commands from standard input, one a line:

    ddata DEVICE [EXECUTION]    DDATA by alias only: Spindle/Speed, PartCount, Execution (ACTIVE)
    ndata                       NDATA by alias only: Uptime, Gateway/State
    quit                        NDEATH with the birth's bdSeq, disconnects, exits 0

The Nth DDATA carries Spindle/Speed 1000 + 100 N and PartCount N. An NCMD
"Node Control/Rebirth" = true republishes the births, the sequence from 0. Standard output: one
JSON object a line, as edge_node.py writes them (births, done, rebirth).

The payloads are the library's own (its payload builders and its metric encoder), but it is used
around three of its defects, each of which would break any Sparkplug host:
- its births name every metric with a prefix ("DATA/Spindle/Speed", "CMD/Node Control/Rebirth")
  that its DATA does not carry, so births here are built from its pieces with the plain names;
- its edge node's rebirth command has no handler (the callback it registers is the result of
  calling publish_birth() in the constructor), so one is set;
- its Will carries a bdSeq other than its NBIRTH's, so the paho client and its Will are made here.
"""
import argparse
import json
import sys
import threading
import time

import mqtt_spb_wrapper.spb_protobuf.sparkplug_b as sparkplug_b  # the library's sequence numbers are module globals
import paho.mqtt.client as mqtt
from mqtt_spb_wrapper import MetricDataType, MqttSpbEntityDevice, MqttSpbEntityEdgeNode
from mqtt_spb_wrapper.spb_protobuf import Payload, addMetric, getDdataPayload, getDeviceBirthPayload, getNodeBirthPayload

REBIRTH = "Node Control/Rebirth"
NAMESPACE = "spBv1.0"


def report(event, **members):
    print(json.dumps({"event": event, **members}), flush=True)


def milliseconds():
    return int(time.time() * 1000)


class MachineGateway:
    def __init__(self, arguments):
        self.group, self.node_id, self.device_id = arguments.group, arguments.node, arguments.device
        self.started = time.time()
        self.bd_seq = 0
        self.data_messages = 0
        self.lock = threading.RLock()
        self.births_published = threading.Event()
        self.node = MqttSpbEntityEdgeNode(self.group, self.node_id)
        self.device = MqttSpbEntityDevice(self.group, self.node_id, self.device_id)
        # The library assigns no aliases and picks datatypes from the Python values (str would be
        # Text; the machines' texts are String).
        self.node.commands[REBIRTH].spb_alias_num = 1
        self.node.commands.set_callback(REBIRTH, self.rebirth_requested)
        self.node.data.set_value("Uptime", 0, spb_alias_num=2)
        self.node.data.set_value("Gateway/State", "RUNNING", spb_alias_num=3, spb_data_type=MetricDataType.String)
        self.device.data.set_value("Spindle/Speed", 1000.0, spb_alias_num=11)
        self.device.data.set_value("Execution", "READY", spb_alias_num=12, spb_data_type=MetricDataType.String)
        self.device.data.set_value("PartCount", 0, spb_alias_num=13)
        self.device.data.set_value("Program", "O1234", spb_alias_num=14, spb_data_type=MetricDataType.String)

    def topic(self, message_type, device=False):
        base = f"{NAMESPACE}/{self.group}/{message_type}/{self.node_id}"
        return f"{base}/{self.device_id}" if device else base

    def death_payload(self):
        payload = Payload()
        payload.timestamp = milliseconds()
        addMetric(payload, "bdSeq", None, MetricDataType.Int64, self.bd_seq, timestamp=payload.timestamp)
        return bytearray(payload.SerializeToString())

    def connect(self, host, port):
        client = mqtt.Client(client_id=f"edge-spbw-{self.group}-{self.node_id}", userdata=self.node)
        client.suppress_exceptions = True  # a payload the library cannot read must not end paho's thread
        client.will_set(self.topic("NDEATH"), self.death_payload(), 1, False)
        connect = client.connect
        # The library connects with a keepalive of 60 s; a Will should not wait that long.
        client.connect = lambda host, port=1883, keepalive=60, **options: connect(host, port, 5, **options)
        self.node._mqtt = client
        if not self.node.connect(host, port, skip_death=True):
            report("error", reason="not connected")
            sys.exit(2)
        self.publish_births()
        self.births_published.set()
        report("births", bdSeq=self.bd_seq, node=self.node_id, devices=[self.device_id])

    def publish(self, topic, payload):
        self.node._mqtt.publish(topic, bytearray(payload.SerializeToString()), 0, False).wait_for_publish(5)
        return payload.seq

    def publish_births(self):
        with self.lock:
            # getNodeBirthPayload() starts the sequence at 0 and takes the module's bdSeq.
            sparkplug_b.bdSeq = self.bd_seq
            node_birth = getNodeBirthPayload()
            for group in (self.node.data, self.node.commands):
                for item in group.values():
                    self.node._serialize_payload_metric(node_birth, item.name, item)
            self.publish(self.topic("NBIRTH"), node_birth)
            device_birth = getDeviceBirthPayload()
            for item in self.device.data.values():
                self.device._serialize_payload_metric(device_birth, item.name, item)
            self.publish(self.topic("DBIRTH", device=True), device_birth)

    def rebirth_requested(self, value):
        # On paho's thread, from the library's command handling.
        report("ncmd", metrics=[{"name": REBIRTH, "value": value}])
        if value is True and self.births_published.is_set():
            self.node.commands.set_value(REBIRTH, False, skip_callback=True)
            # Not on paho's thread: publishing waits for paho to write, which that thread does.
            threading.Thread(target=self.rebirth).start()

    def rebirth(self):
        self.publish_births()
        report("rebirth", bdSeq=self.bd_seq)

    def data(self, entity, values, message_type):
        with self.lock:
            now = milliseconds()
            for name, value in values.items():
                entity.data.set_value(name, value, timestamp=now)
            payload = getDdataPayload()  # the time and the next sequence number
            for name in values:
                entity._serialize_payload_metric(payload, None, entity.data[name])  # no name: by alias only
            return self.publish(self.topic(message_type, device=entity is self.device), payload)

    def device_data(self, execution):
        self.data_messages += 1
        count = self.data_messages
        return self.data(self.device, {"Spindle/Speed": 1000.0 + 100 * count, "PartCount": count, "Execution": execution}, "DDATA")

    def node_data(self):
        return self.data(self.node, {"Uptime": int(time.time() - self.started), "Gateway/State": "RUNNING"}, "NDATA")

    def disconnect(self):
        with self.lock:
            self.node._mqtt.publish(self.topic("NDEATH"), self.death_payload(), 0, False).wait_for_publish(5)
            self.node.disconnect(skip_death_publish=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--broker", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--node", required=True)
    parser.add_argument("--device", required=True)
    arguments = parser.parse_args()
    host, port = arguments.broker.rsplit(":", 1)
    gateway = MachineGateway(arguments)
    gateway.connect(host, int(port))
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        members = {}
        if words[0] == "ddata" and words[1:2] == [arguments.device]:
            members["seq"] = gateway.device_data(words[2] if len(words) > 2 else "ACTIVE")
        elif words[0] == "ndata":
            members["seq"] = gateway.node_data()
        elif words[0] == "quit":
            break
        else:
            report("error", reason=f"unknown command {line.strip()!r}")
            continue
        report("done", command=line.strip(), **members)
    gateway.disconnect()
    report("done", command="quit")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A small MTConnect agent for the integration tests: /probe, /current (also ?at=SEQ) and
/sample?from=SEQ&count=N as MTConnect 2.0 XML, with a bounded buffer whose sequence numbers
and instanceId behave as the standard says, so that OUT_OF_RANGE and restarts can be forced.

    agent.py PORT_FILE [--buffer N] [--device NAME]

It listens on 127.0.0.1 on a free port and writes the port to PORT_FILE. Control, by GET:
    /observe?d=DATA_ITEM_ID%20VALUE&d=...   observations, one timestamp for all (VALUE may hold spaces)
    /restart   a new instanceId, the buffer emptied, sequences from 1 again, values UNAVAILABLE
    /slow?s=S  every answer waits S seconds from now on (0 to stop)
    /fill?n=N&group=G   N observations of the spindle, feed, part count and execution, G at each
               time, a millisecond apart (for the benchmark, scripts/bench.sh --mtconnect)
    /misbehave?mode=M&n=N   the next N answers are bad, as M says: malformed (XML cut short),
               html (a web page, text/html), huge (a valid document of 64 KiB of comments),
               error (an MTConnectError INVALID_REQUEST), notmtconnect (well-formed, another root)
"""
import http.server
import socketserver
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

# (id, type, category, component element, component name, subType, element name in streams)
DATA_ITEMS = [
    ("avail", "AVAILABILITY", "EVENT", "Device", "device", None, "Availability"),
    ("exec", "EXECUTION", "EVENT", "Path", "path", None, "Execution"),
    ("mode", "CONTROLLER_MODE", "EVENT", "Path", "path", None, "ControllerMode"),
    ("pgm", "PROGRAM", "EVENT", "Path", "path", None, "Program"),
    ("pc", "PART_COUNT", "EVENT", "Path", "path", None, "PartCount"),
    ("tool", "TOOL_NUMBER", "EVENT", "Path", "path", None, "ToolNumber"),
    ("feed", "PATH_FEEDRATE", "SAMPLE", "Path", "path", "ACTUAL", "PathFeedrate"),
    ("speed", "ROTARY_VELOCITY", "SAMPLE", "Rotary", "C", "ACTUAL", "RotaryVelocity"),
    ("load", "LOAD", "SAMPLE", "Rotary", "C", None, "Load"),
    ("system", "SYSTEM", "CONDITION", "Controller", "controller", None, None),
]
BY_ID = {item[0]: item for item in DATA_ITEMS}
DEVICE = sys.argv[sys.argv.index("--device") + 1] if "--device" in sys.argv else "Mill01"


class Agent:
    def __init__(self, buffer):
        self.lock = threading.Lock()
        self.buffer_size = buffer
        self.delay = 0.0
        self.misbehaviour = None
        self.misbehaving = 0
        self.instance = 1_000
        self.reset()

    def reset(self):
        self.instance += 1
        self.observations = []  # (sequence, timestamp, id, value)
        # Each item's value before the buffer's first observation, as an agent's checkpoint keeps
        # it: /current answers with every item, also those whose last change left the buffer.
        self.checkpoint = {}
        self.next = 1
        self.first = 1
        stamp = now()
        for item in DATA_ITEMS:
            self.add(stamp, item[0], "UNAVAILABLE")

    def add(self, stamp, data_item, value):
        self.observations.append((self.next, stamp, data_item, value))
        self.next += 1
        if len(self.observations) > self.buffer_size:
            evicted = self.observations.pop(0)
            self.checkpoint[evicted[2]] = evicted
        self.first = self.observations[0][0]

    def fill(self, count, group):
        items = ["speed", "load", "feed", "pc", "exec"]
        start = datetime.now(timezone.utc)
        for index in range(count):
            stamp = (start + timedelta(milliseconds=index // group)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            item = items[index % len(items)]
            value = {"speed": str(1000 + index % 500), "load": str(20 + index % 60), "feed": f"{25 + index % 10}.5",
                     "pc": str(index // len(items)), "exec": "ACTIVE" if index % 7 else "FEED_HOLD"}[item]
            self.add(stamp, item, value)

    def header(self, streams, next_sequence=None):
        """For a sample, `next_sequence` is the one after its last observation, as the standard says."""
        common = (f'creationTime="{now()}" sender="test-agent" instanceId="{self.instance}" version="2.0.0.1" '
                  f'bufferSize="{self.buffer_size}"')
        if streams:
            common += f' nextSequence="{next_sequence or self.next}" firstSequence="{self.first}" lastSequence="{self.next - 1}"'
        return f"<Header {common}/>"

    def probe(self):
        components = {}
        for item in DATA_ITEMS[1:]:
            components.setdefault((item[3], item[4]), []).append(item)
        def items(entries):
            out = []
            for (item_id, kind, category, _, _, sub, _) in entries:
                sub_attr = f' subType="{sub}"' if sub else ""
                out.append(f'<DataItem category="{category}" id="{item_id}" type="{kind}"{sub_attr}/>')
            return "<DataItems>" + "".join(out) + "</DataItems>"
        inner = "".join(f'<{kind} id="{name}_c" name="{name}">{items(entries)}</{kind}>' for (kind, name), entries in components.items())
        return (f'<?xml version="1.0" encoding="UTF-8"?><MTConnectDevices xmlns="urn:mtconnect.org:MTConnectDevices:2.0">'
                f'{self.header(False)}<Devices><Agent id="agent" name="Agent" uuid="agent-uuid"><DataItems>'
                f'<DataItem category="EVENT" id="agent_avail" type="AVAILABILITY"/></DataItems></Agent>'
                f'<Device id="d1" name="{DEVICE}" uuid="{DEVICE.lower()}">{items([DATA_ITEMS[0]])}<Components>{inner}</Components></Device>'
                f'</Devices></MTConnectDevices>')

    def streams(self, observations, next_sequence=None):
        by_component = {}
        for sequence, stamp, data_item, value in observations:
            item = BY_ID[data_item]
            by_component.setdefault((item[3], item[4]), []).append((sequence, stamp, item, value))
        parts = []
        for (kind, name), entries in by_component.items():
            samples, events, conditions = [], [], []
            for sequence, stamp, item, value in entries:
                attrs = f'dataItemId="{item[0]}" sequence="{sequence}" timestamp="{stamp}"'
                if item[5]:
                    attrs += f' subType="{item[5]}"'
                if item[2] == "CONDITION":
                    level, _, rest = value.partition(" ")
                    if level == "UNAVAILABLE":
                        conditions.append(f'<Unavailable {attrs} type="{item[1]}"/>')
                    elif level == "NORMAL":
                        conditions.append(f'<Normal {attrs} type="{item[1]}"/>')
                    else:
                        code, _, text = rest.partition(" ")
                        element = "Fault" if level == "FAULT" else "Warning"
                        conditions.append(f'<{element} {attrs} type="{item[1]}" nativeCode="{escape(code)}">{escape(text)}</{element}>')
                else:
                    (samples if item[2] == "SAMPLE" else events).append(f"<{item[6]} {attrs}>{escape(value)}</{item[6]}>")
            body = ""
            if samples:
                body += "<Samples>" + "".join(samples) + "</Samples>"
            if events:
                body += "<Events>" + "".join(events) + "</Events>"
            if conditions:
                body += "<Condition>" + "".join(conditions) + "</Condition>"
            if kind == "Device":
                name, component_id = DEVICE, "d1"
            else:
                component_id = f"{name}_c"
            parts.append(f'<ComponentStream component="{kind}" name="{name}" componentId="{component_id}">{body}</ComponentStream>')
        return (f'<?xml version="1.0" encoding="UTF-8"?><MTConnectStreams xmlns="urn:mtconnect.org:MTConnectStreams:2.0">'
                f'{self.header(True, next_sequence)}<Streams><DeviceStream name="{DEVICE}" uuid="{DEVICE.lower()}">{"".join(parts)}</DeviceStream></Streams>'
                f'</MTConnectStreams>')

    def current(self, at):
        latest = dict(self.checkpoint)
        for observation in self.observations:
            if at is None or observation[0] <= at:
                latest[observation[2]] = observation
        return self.streams(sorted(latest.values()))

    def error(self, code, text):
        return (f'<?xml version="1.0" encoding="UTF-8"?><MTConnectError xmlns="urn:mtconnect.org:MTConnectError:2.0">'
                f'{self.header(False)}<Errors><Error errorCode="{code}">{escape(text)}</Error></Errors></MTConnectError>')


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/xml; charset=utf-8"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        agent = self.server.agent
        url = urlparse(self.path)
        lists = parse_qs(url.query)
        query = {key: values[0] for key, values in lists.items()}
        if url.path in ("/observe", "/restart", "/slow", "/misbehave", "/fill"):
            with agent.lock:
                if url.path == "/observe":
                    stamp = now()
                    for line in lists.get("d", []):
                        data_item, _, value = line.partition(" ")
                        agent.add(stamp, data_item, value)
                elif url.path == "/restart":
                    agent.reset()
                elif url.path == "/fill":
                    agent.fill(int(query["n"]), int(query.get("group", 5)))
                elif url.path == "/misbehave":
                    agent.misbehaviour, agent.misbehaving = query["mode"], int(query.get("n", 1))
                else:
                    agent.delay = float(query.get("s", 0))
            self.send_response(204)
            self.end_headers()
            return
        if agent.delay:
            time.sleep(agent.delay)
        with agent.lock:
            if agent.misbehaving > 0:
                agent.misbehaving -= 1
                return self.misbehave(agent)
            if url.path == "/probe":
                return self.answer(200, agent.probe())
            if url.path == "/current":
                at = int(query["at"]) if "at" in query else None
                if at is not None and not (agent.first - 1 <= at < agent.next):
                    return self.answer(404, agent.error("OUT_OF_RANGE", f"'at' must be between {agent.first} and {agent.next - 1}"))
                return self.answer(200, agent.current(at))
            if url.path == "/sample":
                start, count = int(query.get("from", agent.first)), int(query.get("count", 100))
                if not agent.first <= start <= agent.next:
                    return self.answer(404, agent.error("OUT_OF_RANGE", f"'from' must be between {agent.first} and {agent.next}"))
                # The buffer's sequences are consecutive: the sample is a slice of it.
                offset = start - agent.first
                return self.answer(200, agent.streams(agent.observations[offset:offset + count], min(start + count, agent.next)))
        self.answer(404, agent.error("INVALID_REQUEST", f"no such request {url.path}"))

    def misbehave(self, agent):
        mode = agent.misbehaviour
        if mode == "malformed":
            return self.answer(200, agent.current(None)[:300])
        if mode == "html":
            return self.answer(200, "<html><body>Gateway login</body></html>", "text/html; charset=utf-8")
        if mode == "huge":
            document = agent.current(None)
            cut = document.index("<Streams>")
            return self.answer(200, document[:cut] + "<!--" + "x" * 65536 + "-->" + document[cut:])
        if mode == "error":
            return self.answer(400, agent.error("INVALID_REQUEST", "the agent is being configured"))
        return self.answer(200, '<?xml version="1.0"?><Something><Else/></Something>')


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    buffer = int(sys.argv[sys.argv.index("--buffer") + 1]) if "--buffer" in sys.argv else 1000
    server = Server(("127.0.0.1", 0), Handler)
    server.agent = Agent(buffer)
    with open(sys.argv[1] + ".new", "w") as file:
        file.write(str(server.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".new", sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()

"""The external plugin protocol, version 1 (docs/external-plugins.md), for machine types written
in Python the way the original service's plugins were: one class per type, whose constructor
does the work on one message.

A plugin module defines a subclass of CncPlugin and ends with `run(TheClass)`. The worker starts
it, writes one message per line on its standard input and reads one answer per line from its
standard output. Anything a plugin prints for people goes to standard error.
"""

import json
import math
import re
import sys

PROTOCOL = 1

# A JSON number, the whole of a text: gateways often send numbers as text ("1200").
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


class Reject(Exception):
    """Refuses a message that cannot be mapped at all; the text is the reason stored with it."""


class CncPlugin:
    """One message of one machine type. The constructor gets the message as a dict (id, cnc_id,
    part_program, timestamp, topic, payload) and fills the state through the helpers below."""

    def __init__(self, data):
        self.data = data
        self.payload = data["payload"]
        self.state = {}
        self.extra = {}
        self.quality = []
        self._read = set()

    # Reading variables, with the checks every machine type shares.

    def number(self, name, required=False, plausible=None, whole=False):
        if name not in self.payload:
            return self._value(name, required)
        value = self._value(name, required)
        if isinstance(value, str) and _JSON_NUMBER.fullmatch(value) and math.isfinite(float(value)):
            # A number sent as text is read as that number, and marked.
            self.mark("text:" + name)
            value = float(value)
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return self._wrong_type(name, "a number", value, required)
        if whole and value != int(value):
            self.mark("whole:" + name)
        if plausible is not None and not plausible[0] <= value <= plausible[1]:
            self.mark("range:" + name)
        return value

    def text(self, name, required=False, max_length=64):
        if name not in self.payload:
            return self._value(name, required)
        value = self._value(name, required)
        if not isinstance(value, str):
            return self._wrong_type(name, "a string", value, required)
        if len(value.encode()) > max_length:
            self.mark("length:" + name)
        return value

    def mark(self, check):
        """Marks the message with a check it failed; it is stored all the same."""
        if check not in self.quality:
            self.quality.append(check)

    def answer(self):
        """The state as the protocol carries it."""
        state = {key: value for key, value in self.state.items() if value is not None}
        if self.extra:
            state["extra"] = self.extra
        state["quality"] = self.quality
        state["unknown_variables"] = [name for name in self.payload if name not in self._read]
        return state

    def _value(self, name, required):
        """The variable's value; None when it is absent (and optional). A JSON null is a value
        of the wrong type, as the worker's own reader takes it."""
        self._read.add(name)
        if name not in self.payload:
            if required:
                raise Reject('missing variable "%s"' % name)
            return None
        return self.payload[name]

    def _wrong_type(self, name, expected, value, required):
        if required:
            raise Reject('variable "%s" must be %s, not %s' % (name, expected, _json_type(value)))
        self.mark("type:" + name)
        return None


def _json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def run(plugin_class):
    """Serves one machine type until the worker closes standard input."""
    out = sys.stdout
    out.write(json.dumps({"protocol": PROTOCOL, "type": plugin_class.__name__}) + "\n")
    out.flush()
    for line in sys.stdin:
        data = json.loads(line)
        try:
            answer = {"id": data["id"], "state": plugin_class(data).answer()}
        except Reject as refusal:
            answer = {"id": data["id"], "reject": str(refusal)}
        out.write(json.dumps(answer) + "\n")
        out.flush()

"""Reads the board's event stream (GET /api/events) as any EventSource client does, with the
standard library only, and writes the events it got to FILE as JSON: [[id, event, data], ...].

    board_events.py --url http://127.0.0.1:PORT/ [--last-event-id ID] --until-events N --seconds S [--stop-board] --output FILE

With --stop-board it asks the test to stop the board (STEP stop-board) once the first event has
come, and then reads until the board ends the stream.
"""
import argparse
import http.client
import sys
import json
import time
import urllib.parse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--last-event-id")
    parser.add_argument("--until-events", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--stop-board", action="store_true")
    arguments = parser.parse_args()
    address = urllib.parse.urlparse(arguments.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=arguments.seconds)
    headers = {"Accept": "text/event-stream"}
    if arguments.last_event_id:
        headers["Last-Event-ID"] = arguments.last_event_id
    connection.request("GET", "/api/events", headers=headers)
    response = connection.getresponse()
    events, fields, deadline, ended = [], {}, time.time() + arguments.seconds, False
    try:
        while (len(events) < arguments.until_events or arguments.stop_board) and time.time() < deadline:
            line = response.fp.readline().decode("utf-8")
            if not line:
                ended = True
                break
            line = line.rstrip("\n")
            if line == "":
                if "event" in fields:
                    events.append([fields.get("id"), fields["event"], json.loads(fields.get("data", "null"))])
                    if arguments.stop_board and len(events) == 1:
                        print("STEP stop-board", flush=True)
                        sys.stdin.readline()
                fields = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                fields[name] = value[1:] if value.startswith(" ") else value
    except TimeoutError:
        pass
    with open(arguments.output, "w") as output:
        json.dump({"status": response.status, "content_type": response.getheader("Content-Type"), "events": events, "ended": ended}, output)


if __name__ == "__main__":
    main()

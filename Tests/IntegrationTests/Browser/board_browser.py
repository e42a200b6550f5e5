"""Drives the shop-floor board in headless Chromium (selenium) while publishing to MQTT with
paho-mqtt, and writes what the pages showed as one JSON object for BoardTests to check
against the database.

    board_browser.py --url http://127.0.0.1:PORT/ --mqtt HOST:PORT --topic TOPIC
                     --live-machine CNC001 --rounds 20 --screenshots DIR
                     [--offline-machine CNC004] [--hostile-machine CNC002] --output FILE

Writes what it saw to FILE. Exits 1 with a reason on standard error when a page fails in a way no comparison can show
(a tile that never changes, a script that ran from data).
"""
import argparse
import json
import sys
import time
import urllib.request

import paho.mqtt.client as mqtt
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service


def fail(reason):
    print(reason, file=sys.stderr)
    sys.exit(1)


def browser(width, height):
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},{height}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait_for(driver, script, seconds, *args):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = driver.execute_script(script, *args)
        if value:
            return value
        time.sleep(0.05)
    return None


def step(name):
    """Asks the test to do something (stop or start the board) and waits until it has."""
    print(f"STEP {name}", flush=True)
    answer = sys.stdin.readline().strip()
    if answer != f"DONE {name}":
        fail(f"the test answered {answer!r} to STEP {name}")


def publisher(address):
    host, port = address.rsplit(":", 1)
    try:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    except AttributeError:  # paho-mqtt 1.x
        client = mqtt.Client()
    client.connect(host, int(port))
    client.loop_start()
    return client


def message(cnc_id, status, program, alarm=None, at=None):
    payload = {"status": status, "spin": 1200 if status == "running" else 0, "X-Axis": 10, "Y-Axis": 20}
    if alarm is not None:
        payload["alarm"] = alarm
    return json.dumps({"cnc_id": cnc_id, "part_program": program, "timestamp": f"{at or time.time():.6f}", "payload": payload})


TILES = """
return Array.from(document.querySelectorAll('.tile[data-cnc-id]')).map(t => ({
  cnc_id: t.dataset.cncId, status: t.dataset.status, offline: t.classList.contains('offline'), stale: t.classList.contains('stale'),
  color: getComputedStyle(t).borderTopColor + '|' + getComputedStyle(t).backgroundColor, text: t.innerText}));
"""

# Records when each tile's data-status changes, by the browser's clock (the same host's).
OBSERVE = """
window.__changes = [];
new MutationObserver(records => { for (const r of records) {
  const t = r.target; if (t.dataset && t.dataset.cncId) window.__changes.push([t.dataset.cncId, t.dataset.status, Date.now()]); } })
  .observe(document.body, {subtree: true, attributes: true, attributeFilter: ['data-status']});
return true;
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--mqtt", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--live-machine", required=True)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--offline-machine")
    parser.add_argument("--hostile-machine")
    parser.add_argument("--output", required=True)
    parser.add_argument("--stream-loss", action="store_true",
                        help="ask for the board to be stopped (STEP stop-board) and started again (STEP start-board), and watch the page")
    arguments = parser.parse_args()
    base = arguments.url.rstrip("/")
    result = {}
    client = publisher(arguments.mqtt)
    driver = browser(1600, 1000)
    try:
        driver.get(base + "/")
        if not wait_for(driver, "return document.querySelectorAll('.tile[data-cnc-id]').length > 0", 20):
            fail("the board showed no tile within 20 s")
        wait_for(driver, "return document.getElementById('live') && document.getElementById('live').dataset.state === 'live'", 10)
        result["tiles"] = driver.execute_script(TILES)
        result["counts"] = driver.execute_script(
            "return Object.fromEntries(Array.from(document.querySelectorAll('[data-count-status]')).map(e => [e.dataset.countStatus, Number(e.textContent)]))")

        # Live: flip one machine's status, time how long until its tile shows it, with no reload.
        driver.execute_script(OBSERVE)
        driver.execute_script("window.__loaded = performance.timeOrigin;")
        latencies = []
        statuses = ["running", "idle"]
        for round_number in range(arguments.rounds):
            status = statuses[round_number % 2]
            sent = time.time() * 1000
            client.publish(arguments.topic, message(arguments.live_machine, status, f"live_{round_number}"), qos=1).wait_for_publish()
            seen = wait_for(
                driver, "return window.__changes.find(c => c[0] === arguments[0] && c[1] === arguments[1] && c[2] >= arguments[2])",
                5, arguments.live_machine, status, sent)
            if not seen:
                fail(f"{arguments.live_machine}'s tile did not turn {status} within 5 s of round {round_number}")
            latencies.append(seen[2] - sent)
            time.sleep(0.3)
        result["latencies_ms"] = latencies
        result["reloaded"] = driver.execute_script("return window.__loaded !== performance.timeOrigin")

        # Escaping: an alarm and a program that are markup show as text; no script runs.
        if arguments.hostile_machine:
            alarm = '<img src=x onerror="window.__pwned=1">'
            program = "<script>window.__pwned=2</script>"
            client.publish(arguments.topic, message(arguments.hostile_machine, "error", program, alarm=alarm), qos=1).wait_for_publish()
            text = wait_for(
                driver, "const t = document.querySelector(`.tile[data-cnc-id='${arguments[0]}']`); return t && t.innerText.includes(arguments[1]) && t.innerText",
                10, arguments.hostile_machine, alarm)
            result["hostile"] = {"text": text, "pwned": driver.execute_script("return window.__pwned || null"),
                                 "images": driver.execute_script("return document.querySelectorAll('.tile img').length")}

        # Offline: a machine left silent greys out.
        if arguments.offline_machine:
            offline = wait_for(
                driver, "const t = document.querySelector(`.tile[data-cnc-id='${arguments[0]}']`); return t && t.classList.contains('offline') && t.dataset.status",
                30, arguments.offline_machine)
            result["offline"] = {"status": offline, "tile": next((t for t in driver.execute_script(TILES) if t["cnc_id"] == arguments.offline_machine), None)}
        driver.save_screenshot(f"{arguments.screenshots}/board.png")

        # The stream lost: the page polls, then goes live again by itself and shows what changed.
        if arguments.stream_loss:
            loss = {}
            step("stop-board")
            loss["polled"] = bool(wait_for(driver, "return document.getElementById('live').dataset.state === 'polling'", 30))
            step("start-board")
            loss["live_again"] = bool(wait_for(driver, "return document.getElementById('live').dataset.state === 'live'", 40))
            client.publish(arguments.topic, message(arguments.live_machine, "setup", "after_loss"), qos=1).wait_for_publish()
            loss["shown"] = bool(wait_for(
                driver, "const t = document.querySelector(`.tile[data-cnc-id='${arguments[0]}']`); return t && t.dataset.status === 'setup'",
                10, arguments.live_machine))
            loss["reloaded"] = driver.execute_script("return window.__loaded !== performance.timeOrigin")
            result["stream_loss"] = loss

        # A machine's page: its timeline, segment by segment.
        driver.get(f"{base}/machines/{urllib.request.quote(arguments.live_machine, safe='')}")
        if not wait_for(driver, "return document.querySelectorAll('#gantt .segment').length > 0", 20):
            fail("the machine's page drew no timeline within 20 s")
        time.sleep(1)
        result["segments"] = driver.execute_script(
            "return Array.from(document.querySelectorAll('#gantt .segment')).map(s => [s.dataset.status, s.dataset.from, s.dataset.to])")
        result["messages_shown"] = driver.execute_script("return document.querySelectorAll('#msg-list article.msg').length")
        segment = driver.execute_script("const s = document.querySelectorAll('#gantt .segment'); return s[s.length - 1]")
        segment.click()
        time.sleep(0.3)
        result["segment_detail"] = driver.execute_script("const d = document.getElementById('seg-detail'); return d && d.innerText")
        driver.save_screenshot(f"{arguments.screenshots}/machine.png")

        driver.get(f"{base}/shifts")
        wait_for(driver, "return document.querySelectorAll('#shift-table tbody tr[data-cnc-id]').length > 0", 20)
        result["shift_rows"] = driver.execute_script("return document.querySelectorAll('#shift-table tbody tr[data-cnc-id]').length")
        driver.save_screenshot(f"{arguments.screenshots}/shifts.png")

        result["console_errors"] = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    finally:
        driver.quit()
        client.loop_stop()

    phone = browser(390, 844)
    try:
        phone.get(base + "/")
        wait_for(phone, "return document.querySelectorAll('.tile[data-cnc-id]').length > 0", 20)
        result["phone_overflow"] = phone.execute_script("return document.documentElement.scrollWidth > window.innerWidth")
        phone.save_screenshot(f"{arguments.screenshots}/board-phone.png")
    finally:
        phone.quit()
    with open(arguments.output, "w") as output:
        json.dump(result, output)


if __name__ == "__main__":
    main()

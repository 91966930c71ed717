"""Helpers shared by the metrics tests written in Python (tests/metrics)."""

import re
import signal
import subprocess
import sys
import time
import urllib.request

WAIT_S = 40


def fail(message):
    sys.stderr.write("FAIL: " + message + "\n")
    sys.exit(1)


def http_get(url):
    """(status, Content-Type, body) of a GET of `url` (10 s timeout)."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type"), response.read().decode()


def metrics_port_from_log(log_path, process=None):
    """The port in identityd's "metrics on http://127.0.0.1:PORT/metrics" line of
    `log_path`, waiting for it (bounded; not past `process`' exit)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and (process is None or process.poll() is None):
        with open(log_path, encoding="utf-8", errors="replace") as f:
            m = re.search(r"metrics on http://127\.0\.0\.1:(\d+)/metrics", f.read())
        if m:
            return int(m.group(1))
        time.sleep(0.05)
    with open(log_path, encoding="utf-8", errors="replace") as f:
        fail("identityd did not log its metrics address; its log:\n" + f.read()[-3000:])


def stop(process):
    """SIGTERM, then SIGKILL after 20 s; reaps `process`."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()

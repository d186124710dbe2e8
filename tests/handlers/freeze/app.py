"""A handler that leaves a thread (or a child process) working in the background, to see whether
it runs while its environment is idle. ``event["action"]`` says what to do."""

import os
import subprocess
import threading
import time

TICKS = []


def _count():
    while True:
        TICKS.append(1)
        time.sleep(0.002)


def handler(event, context):
    action = event["action"]
    if action == "start":
        threading.Thread(target=_count, daemon=True).start()
    elif action == "wait":
        # Inside an invoke the environment is busy: the thread runs.
        before = len(TICKS)
        time.sleep(event["seconds"])
        return len(TICKS) - before
    elif action == "child":
        subprocess.Popen(["sh", "-c", "while true; do echo x >> /tmp/ticks; sleep 0.005; done"])
        time.sleep(0.05)
    return len(TICKS)

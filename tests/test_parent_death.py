"""When the test process is SIGKILLed, nothing the simulator started survives it."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import BASIC

SCRIPT = Path(__file__).parent / "scripts" / "busy_simulator.py"


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_sigkilled_test_process_leaves_no_simulator_process_behind():
    root = str(Path(__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), str(BASIC)], stdout=subprocess.PIPE, cwd=root, env=env
    )
    try:
        line = process.stdout.readline()
        pids = json.loads(line)
        assert len(pids) == 4 and all(_alive(pid) for pid in pids)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        process.stdout.close()
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [pid for pid in pids if _alive(pid)] == []

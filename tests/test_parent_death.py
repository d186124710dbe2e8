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


MISBEHAVE = Path(__file__).parent / "handlers" / "misbehave"
SCRIPT_MORE = Path(__file__).parent / "scripts" / "busy_simulators.py"
#: Issue 9: a SIGKILLed test process leaves no simulator process behind after this long.
#: The 1 s bound is checked with LAMBDASIM_STRICT_TIMING=1 on a quiet machine; in the
#: suite (CI runs several test sessions at once on 2 CPUs) the check is that nothing
#: remains, with room for a loaded scheduler.
PARENT_DEATH_BOUND = 1.0 if os.environ.get("LAMBDASIM_STRICT_TIMING") == "1" else 10.0


def test_sigkilled_test_process_leaves_no_process_within_a_second_whatever_its_handlers_do():
    # Busy and idle environments of an owned and of a shared zygote; handlers that ignore
    # signals, spin, left their session or left children behind. Every process below the
    # test process is gone within a second, and the next simulator removes the work
    # directories the dead process could not.
    from lambdasim import LambdaSim

    root = str(Path(__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT_MORE), str(BASIC), str(MISBEHAVE)], stdout=subprocess.PIPE, cwd=root, env=env
    )
    try:
        started = json.loads(process.stdout.readline())
        pids = started["pids"]
        # 2 zygotes, 2 x (idle, its escapee, busy, session and its child, deaf, spin)
        assert len(pids) >= 2 + 2 * 7 and all(_alive(pid) for pid in pids)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        killed = time.monotonic()
        process.wait(timeout=10)
        process.stdout.close()
    while any(_alive(pid) for pid in pids) and time.monotonic() < killed + PARENT_DEATH_BOUND:
        time.sleep(0.005)
    assert [pid for pid in pids if _alive(pid)] == []
    # (Any simulator's start removes them, another test process's too: they may be gone already.)
    LambdaSim().close()
    assert [workdir for workdir in started["workdirs"] if os.path.exists(workdir)] == []

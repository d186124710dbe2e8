"""Churn: creating and closing simulators over and over leaves nothing behind.

After many ``LambdaSim`` create/invoke/close cycles the test process has the same
file descriptors, child processes, threads, temporary directories and mounts as
before. See docs/reliability.md.
"""

import io
import os
import tempfile
import threading
import time
import zipfile

from conftest import BASIC
from lambdasim import LambdaSim
from lambdasim._runtime.linux import descendants

#: Cycles on a shared zygote (the pytest plugin's way), and cycles that own their zygote.
#: LAMBDASIM_HEAVY=1 runs ten times as many.
HEAVY = 10 if os.environ.get("LAMBDASIM_HEAVY") else 1
SHARED_CYCLES = 1000 * HEAVY
OWNED_CYCLES = 20 * HEAVY
#: Every this many cycles, the simulator also runs a function (forks an environment).
INVOKE_EVERY = 10


def _zip_of_basic():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(BASIC / "app.py", "app.py")
    return buffer.getvalue()


def _temporary_entries():
    """This process's lambdasim entries in every directory lambdasim may put files in
    (other test processes on the machine have their own)."""
    found = set()
    prefix = f"lambdasim-{os.getpid()}-"
    for base in {"/dev/shm", "/var/tmp", tempfile.gettempdir()}:
        if os.path.isdir(base):
            found.update(os.path.join(base, name) for name in os.listdir(base) if name.startswith(prefix))
    return found


def _mounts():
    with open("/proc/self/mountinfo") as mountinfo:
        return sorted(line.split()[4] for line in mountinfo)


def _offered_spare_fd(zygote):
    """The fd of the socket to the spare the shared zygote offered (docs/environments.md):
    held between cold starts, a new one after each. Waits for the offer, so that both
    snapshots see one."""
    deadline = time.monotonic() + 10
    while zygote._spare is None:
        assert time.monotonic() < deadline, "the zygote offered no spare"
        time.sleep(0.005)
    return str(zygote._spare[2].fileno())


def _snapshot(zygote):
    spare = _offered_spare_fd(zygote)
    return {
        # How many, not which: fds are reused in whatever order things closed.
        "fds": len([fd for fd in os.listdir("/proc/self/fd") if fd != spare]),
        # How many, not which: the zygote's spare (docs/environments.md) is a new
        # process after every cold start. A leaked process still adds one.
        "processes": len(descendants(os.getpid())),
        "threads": sorted(thread.name for thread in threading.enumerate()),
        "tasks": len(os.listdir("/proc/self/task")),
        "temporary": sorted(_temporary_entries()),
        "mounts": _mounts(),
    }


def _cycle(n, zygote=None, zipped=b""):
    with LambdaSim(zygote=zygote) as sim:
        if n == 0:
            assert sim._workdir in _temporary_entries()  # what the check below looks for
        sim.create_function("echo", handler="app.echo", code=zipped if n % 2 and zipped else str(BASIC))
        if n % INVOKE_EVERY == 0:
            assert sim.invoke("echo", {"n": n}).payload == {"n": n}


def test_create_and_close_cycles_leave_nothing_behind(zygote):
    zipped = _zip_of_basic()
    _cycle(0, zygote, zipped)  # warm-up: lazily opened module-level resources are not leaks
    _cycle(0, None, zipped)
    before = _snapshot(zygote)
    for n in range(SHARED_CYCLES):
        _cycle(n, zygote, zipped)
    for n in range(OWNED_CYCLES):
        _cycle(n * INVOKE_EVERY, None, zipped)
    after = _snapshot(zygote)
    for key in before:
        assert after[key] == before[key], key

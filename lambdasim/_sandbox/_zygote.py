"""The test-process side of the zygote: start it, ask it to fork, learn exit statuses.

``socket``, ``subprocess`` and ``queue`` are imported when a zygote process starts
(and by the calls that need a started one), not with ``import lambdasim``: they
cost milliseconds, and a simulator that is made but never invoked needs none.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sys
import threading
import time
import warnings
from typing import TYPE_CHECKING, Dict, Optional, Sequence

from .. import _clock

if TYPE_CHECKING:
    import queue
    import socket
    import subprocess

RUNTIME_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "_runtime")

# Loads lambdasim/_runtime as the package "_lambdasim_runtime" without putting
# it (or lambdasim) on sys.path, so the handler's modules cannot collide with it.
_BOOT = """\
import importlib.util, sys
sys.path[:] = [p for p in sys.path if p]
spec = importlib.util.spec_from_file_location(
    "_lambdasim_runtime", {init!r}, submodule_search_locations=[{dir!r}])
module = importlib.util.module_from_spec(spec)
sys.modules["_lambdasim_runtime"] = module
spec.loader.exec_module(module)
from _lambdasim_runtime import zygote
zygote.main({fd}, {ppid})
"""

#: Environment variables the zygote (and so every environment) starts with.
#: Coverage's variables pass so that handler code is measured under pytest-cov.
PASSTHROUGH_ENV = (
    "COVERAGE_PROCESS_START",
    "COVERAGE_PROCESS_CONFIG",
    "COV_CORE_SOURCE",
    "COV_CORE_CONFIG",
    "COV_CORE_DATAFILE",
    "COV_CORE_BRANCH",
    "COV_CORE_CONTEXT",
)

START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 10.0
#: A fork not answered this soon may mean a stopped zygote: it is sent SIGCONT.
_CONTINUE_AFTER = 0.2


class ZygoteError(RuntimeError):
    """The zygote could not be started or stopped answering."""


class _ZygoteGone(ZygoteError):
    """The zygote process died (a handler may have killed it): a new one can take over."""


class Zygote:
    """A pre-warmed process that forks execution environments on request.

    Shared infrastructure: one zygote can serve many simulators (the pytest
    plugin keeps one per session). It starts on first use, from a thread of its
    own that lives exactly as long as the zygote, because PR_SET_PDEATHSIG fires
    when the forking *thread* exits.
    """

    def __init__(self, python: Optional[str] = None, passthrough_env: Sequence[str] = PASSTHROUGH_ENV):
        self.python = python or sys.executable
        self._passthrough_env = tuple(passthrough_env)
        self._lock = threading.Lock()
        self._request_lock = threading.Lock()
        #: The zygote process's answers; a new queue for each process (made in start()).
        self._replies: Optional[queue.Queue[dict]] = None
        self._exits: Dict[int, int] = {}
        self._exit_changed = threading.Condition()
        self._ids = itertools.count(1)
        self._sock: Optional[socket.socket] = None
        self._process: Optional[subprocess.Popen] = None
        self._thread: Optional[threading.Thread] = None
        self._closed = False
        #: close() was called: unlike a zygote that died, a closed one is not restarted.
        self._stopped = False
        #: Environments forked by the running zygote process and not reported exited yet.
        self._children: set = set()
        #: The spare the zygote offered: ``(pid, unshared, socket to it)``, or None.
        self._spare: Optional[tuple] = None
        self._spare_lock = threading.Lock()
        self.pid: Optional[int] = None
        #: "" when environments get private namespaces, else why they cannot.
        self.namespace_problem = ""

    # --- lifecycle ----------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            if self._stopped:
                raise ZygoteError("the zygote was closed")
            if self._thread is not None:
                if not self._closed:
                    return
                self._forget_dead_process()
            import queue

            self._replies = queue.Queue()
            started = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(started,), name="lambdasim-zygote", daemon=True
            )
            self._thread.start()
            hello = self._wait_reply(started, START_TIMEOUT)
            if hello.get("op") != "hello":
                raise ZygoteError(f"the zygote did not start: {hello.get('error', hello)}")
            self.pid = hello["pid"]
            self.namespace_problem = hello["namespaces"]

    def _forget_dead_process(self) -> None:
        """The zygote process died (killed from outside): clear the way for a new one."""
        self._thread.join(START_TIMEOUT)
        if self._process is not None:
            _wait_or_kill(self._process, 1.0)
        if self._sock is not None:
            self._sock.close()
        self._drop_spare()
        self._thread = self._process = self._sock = None
        self.pid = None
        with self._exit_changed:
            self._closed = False

    def _wait_reply(self, started: threading.Event, timeout: float) -> dict:
        if not started.wait(timeout):
            raise ZygoteError(f"the zygote did not start within {timeout:.0f} s")
        import queue

        try:
            return self._replies.get(timeout=timeout)
        except queue.Empty:
            raise ZygoteError(f"the zygote did not answer within {timeout:.0f} s") from None

    def _run(self, started: threading.Event) -> None:
        import socket
        import subprocess

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {key: os.environ[key] for key in self._passthrough_env if key in os.environ}
        env["PYTHONUNBUFFERED"] = "1"
        boot = _BOOT.format(
            init=os.path.join(RUNTIME_DIR, "__init__.py"), dir=RUNTIME_DIR,
            fd=theirs.fileno(), ppid=os.getpid(),
        )
        try:
            self._process = subprocess.Popen(
                [self.python, "-u", "-c", boot],
                pass_fds=[theirs.fileno()], env=env, cwd="/",
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            )
        except OSError as error:
            ours.close()
            theirs.close()
            self._replies.put({"op": "failed", "error": str(error)})
            started.set()
            return
        finally:
            if self._process is not None:
                theirs.close()
        self._sock = ours
        started.set()
        try:
            self._read_messages(ours)
        finally:
            with self._exit_changed:
                # Environments die with their zygote (PR_SET_PDEATHSIG, SIGKILL).
                for pid in self._children:
                    self._exits.setdefault(pid, int(signal.SIGKILL))
                self._children = set()
                self._closed = True
                self._exit_changed.notify_all()
            self._replies.put({"op": "gone", "error": "the zygote exited"})

    def _read_messages(self, sock: socket.socket) -> None:
        import socket

        while True:
            try:
                data, fds, _, _ = socket.recv_fds(sock, 1 << 16, 4, socket.MSG_CMSG_CLOEXEC)
            except OSError:
                return
            if not data:
                for fd in fds:
                    os.close(fd)
                return
            message = json.loads(data)
            if message["op"] == "spare":
                channel = socket.socket(fileno=fds[0]) if len(fds) == 1 else None
                self._drop_spare((message["pid"], message["unshared"], channel) if channel else None)
                continue
            for fd in fds:
                os.close(fd)
            if message["op"] == "exited":
                with self._exit_changed:
                    if message["pid"] not in self._children:
                        continue  # an offered spare that died before anyone took it
                    self._children.discard(message["pid"])
                    self._exits[message["pid"]] = message["status"]
                    self._exit_changed.notify_all()
            else:
                if message["op"] == "forked":
                    with self._exit_changed:
                        self._children.add(message["pid"])
                self._replies.put(message)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the zygote (it kills its environments); wait with a bound, then kill."""
        with self._lock:
            self._stopped = True
            if self._thread is None:
                self._closed = True
                return
            self._closed = True
            sock, process, thread = self._sock, self._process, self._thread
        if sock is not None:
            import socket

            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if process is not None:
            _wait_or_kill(process, timeout)
        thread.join(timeout)
        if sock is not None:
            sock.close()
        self._drop_spare()

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._closed

    # --- requests -----------------------------------------------------------

    def fork(self, spec: dict, fds: Sequence[int]) -> int:
        """Fork an environment running ``spec``; ``fds`` are handed to it. Returns its pid.

        A zygote that died (a handler can kill its parent process) is replaced by a new one.
        """
        try:
            return self._fork(spec, fds)
        except _ZygoteGone:
            if self._stopped:
                raise ZygoteError("the zygote was closed") from None
            with self._lock:
                thread = self._thread
            if thread is not None:
                thread.join(START_TIMEOUT)  # the reader sees the end and marks the zygote closed
            return self._fork(spec, fds)

    def _fork(self, spec: dict, fds: Sequence[int]) -> int:
        import socket  # see the module docstring

        self.start()
        pid = self._hand_to_spare(spec, fds)
        if pid is not None:
            return pid
        with self._request_lock:
            request_id = next(self._ids)
            payload = json.dumps({"op": "fork", "id": request_id, "spec": spec}).encode()
            try:
                socket.send_fds(self._sock, [payload], list(fds))
            except OSError as error:
                raise _ZygoteGone(f"the zygote is gone: {error}") from None
            reply = self._await_fork()
        if reply.get("op") == "gone":
            raise _ZygoteGone(f"the zygote is gone: {reply.get('error')}")
        if reply.get("op") != "forked" or reply.get("id") != request_id:
            raise ZygoteError(f"the zygote could not fork: {reply}")
        return reply["pid"]

    def _hand_to_spare(self, spec: dict, fds: Sequence[int]) -> Optional[int]:
        """Send the request to the spare the zygote offered, when there is one that fits;
        return its pid, or None (then the zygote is asked)."""
        import socket  # see the module docstring

        with self._spare_lock:
            spare = self._spare
            if spare is None:
                return None
            pid, unshared, channel = spare
            # One that has made its namespaces serves only a new namespace sandbox
            # (not a reset environment rejoining its old one: the fds after the pipes).
            if unshared and (spec["sandbox"]["mode"] != "namespace" or len(fds) != 3):
                return None
            self._spare = None
        with self._exit_changed:
            self._children.add(pid)
        try:
            payload = json.dumps({"op": "fork", "id": 0, "spec": spec}).encode()
            socket.send_fds(channel, [payload], list(fds))
        except OSError:
            with self._exit_changed:
                self._children.discard(pid)
                self._exits.pop(pid, None)
            return None  # it died: its exit is the zygote's business
        finally:
            channel.close()
        return pid

    def _drop_spare(self, replacement: Optional[tuple] = None) -> None:
        with self._spare_lock:
            spare, self._spare = self._spare, replacement
        if spare is not None:
            spare[2].close()

    def _await_fork(self) -> dict:
        import queue  # see the module docstring

        deadline = _clock.monotonic() + REQUEST_TIMEOUT
        while True:
            try:
                return self._replies.get(timeout=_CONTINUE_AFTER)
            except queue.Empty:
                if _clock.monotonic() >= deadline:
                    raise ZygoteError(f"the zygote did not fork within {REQUEST_TIMEOUT:.0f} s") from None
            # A handler may have stopped its parent (SIGSTOP cannot be ignored): let it go on.
            process = self._process
            if process is not None:
                try:
                    os.kill(process.pid, signal.SIGCONT)
                except OSError:
                    pass

    def kill(self, pid: int, sig: int = signal.SIGKILL) -> None:
        """Signal an environment's whole process group."""
        message = json.dumps({"op": "kill", "pid": pid, "signal": int(sig)}).encode()
        try:
            self._sock.send(message)
        except (OSError, AttributeError):
            pass

    def wait_exit(self, pid: int, timeout: float) -> Optional[int]:
        """Return the raw wait status of environment ``pid``, or None if it did not exit in time."""
        deadline = _clock.monotonic() + timeout
        with self._exit_changed:
            while pid not in self._exits:
                remaining = deadline - _clock.monotonic()
                if remaining <= 0 or self._closed:
                    return None
                self._exit_changed.wait(remaining)
            return self._exits.pop(pid)

    def has_exited(self, pid: int) -> bool:
        """True when environment ``pid`` is known to have exited (its status is waiting to be read)."""
        # One dict lookup is atomic: no lock (this runs before every invoke).
        return pid in self._exits

    def forget(self, pid: int) -> None:
        with self._exit_changed:
            self._exits.pop(pid, None)


def _wait_or_kill(process: subprocess.Popen, timeout: float) -> None:
    # Popen.wait(timeout=) never fires while freezegun holds time still; poll on
    # the real clock instead.
    if _poll_until(process, _clock.monotonic() + timeout):
        return
    process.kill()
    if not _poll_until(process, _clock.monotonic() + timeout):
        warnings.warn(
            f"lambdasim: zygote process {process.pid} did not exit after SIGKILL",
            ResourceWarning, stacklevel=3,
        )


def _poll_until(process: subprocess.Popen, deadline: float) -> bool:
    while process.poll() is None:
        if _clock.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True

"""One execution environment: a sandbox plus the runtime process running in it.

The sandbox (private ``/tmp``, log stream) outlives its runtime process: after
a timeout or crash the process is killed and the next invoke forks a new one
into the *same* sandbox, as Lambda's reset does (spec §3.1). With namespaces,
the sandbox is kept alive by the test process holding its namespace fds.
"""

from __future__ import annotations

import enum
import os
import select
import signal
import threading
from typing import List, Optional, Tuple

import attrs

from .. import _clock
from .._runtime.protocol import FrameReader, PollPause, pack, pack_invoke, write_all
from ._output import READ_SIZE, Captured, drain, enlarge_pipe, read_chunk
from ._polling import spin_seconds
from ._zygote import Zygote

#: How long a dead process's exit status may take to arrive from the zygote.
_EXIT_STATUS_TIMEOUT = 5.0
#: How often a running process's memory is checked against its limit.
_MEMORY_CHECK_SECONDS = 0.005
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
#: The environments the test process is waiting for now: it spins for one only.
_waiting: set = set()


class Outcome(enum.Enum):
    READY = "ready"
    INIT_ERROR = "init_error"
    RESULT = "result"
    ERROR = "error"
    TIMEOUT = "timeout"
    EXIT = "exit"
    OUT_OF_MEMORY = "out_of_memory"


#: Outcome by the "op" of the frame that reports it (a dict lookup costs less than Outcome(op)).
_OUTCOMES = {outcome.value: outcome for outcome in Outcome}


@attrs.define
class Reply:
    """What came back from one init or invoke: the outcome and everything it printed."""

    outcome: Outcome
    header: dict = attrs.Factory(dict)
    body: bytes = b""
    output: bytes = b""
    seconds: float = 0.0
    #: The raw wait status when the process died.
    exit_status: Optional[int] = None


class WholeInvoke:
    """For environments whose ``invoke`` does all of an invoke (in this thread, or through
    the Runtime API): ``send`` keeps the request and ``receive`` runs ``invoke``."""

    def send(self, header: dict, body: bytes) -> None:
        self._request = (header, body)

    def receive(self, deadline: float) -> Reply:
        header, body = self._request
        self._request = None
        return self.invoke(header, body, deadline)


class Sandbox:
    """The parts of an environment that survive a reset: namespaces, ``/tmp``, log stream."""

    def __init__(self, *, mode: str, log_stream_name: str, tmp_size_mb: int, tmp_dir: Optional[str]):
        self.mode = mode
        self.log_stream_name = log_stream_name
        self.tmp_size_mb = tmp_size_mb
        #: In directory mode, the host directory standing in for /tmp.
        self.tmp_dir = tmp_dir
        self.namespace_fds: Tuple[int, ...] = ()

    def close(self) -> None:
        for fd in self.namespace_fds:
            os.close(fd)
        self.namespace_fds = ()
        if self.tmp_dir is not None:
            import shutil  # here: not every sandbox has a directory, and import lambdasim stays cheaper

            shutil.rmtree(self.tmp_dir, ignore_errors=True)
            self.tmp_dir = None


class ExecutionEnvironment:
    """A Lambda execution environment as the test process sees it.

    Not thread-safe by itself: its pool hands it to one invoking thread at a time.
    """

    #: The runtime writes all of a phase's output before its answer, on the reply
    #: pipe registered before the log pipe: when the poll that saw the answer saw no
    #: output, none is left. Not so for custom runtimes, whose answers come from
    #: another writer (the Runtime API's thread).
    _output_precedes_answer = True

    def __init__(
        self, *, zygote: Zygote, spec: dict, sandbox: Sandbox, function_name: str, version: str,
        memory_limit_mb: Optional[int] = None, freeze_idle: bool = True,
    ):
        self.zygote = zygote
        #: A short id for inspection and the invocation records.
        self.id = os.urandom(4).hex()  # secrets.token_hex(4), without importing secrets (and hmac)
        #: Exceeding this resident size kills the process, as the OOM killer would.
        self.memory_limit_kb = memory_limit_mb * 1024 if memory_limit_mb else None
        self.spec = spec
        self.sandbox = sandbox
        self.function_name = function_name
        self.version = version
        self.pid: Optional[int] = None
        self.initialized = False
        #: When this environment was last released, on the simulated clock.
        self.last_used = 0.0
        self.invocations = 0
        #: The highest resident memory seen in this environment, in KiB.
        self.peak_rss_kb = 0
        #: Pipes, not a socket: a pipe round trip costs a quarter of a unix socket's here.
        self._command_fd: Optional[int] = None
        self._reply_fd: Optional[int] = None
        self._log_fd: Optional[int] = None
        self._frames = FrameReader()
        self._closed = False
        #: Whether the runtime was asked to end (``_start_closing``).
        self._exit_asked = False
        self._lock = threading.Lock()
        #: Stop the runtime's process group between invokes, as Lambda freezes an idle
        #: environment (spec §9): a handler's background threads do not run while idle.
        self.freeze_idle = freeze_idle
        self._frozen = False
        #: Poll before sleeping while answers come quickly (see _polling.SPIN_SECONDS); never
        #: on one CPU, where polling would hold the CPU the runtime needs.
        self._spin = spin_seconds()
        self._answered_quickly = False
        #: Invokes that go without polling after polls ran out with no answer (the
        #: runtime was not running beside us: on this CPU, or slow this once).
        self._pause = PollPause()
        #: When the invoke now running was sent, and whether its answer is polled for.
        self._sent = 0.0
        self._sent_spin = False
        #: Whether the command and reply pipes were enlarged for a large event or result:
        #: through a 64 KiB pipe, a 1 MB payload takes 16 hand-overs between the processes.
        self._large_pipes = False

    # --- inspection ---------------------------------------------------------

    @property
    def tmp_path(self) -> Optional[str]:
        """Where the test can see this environment's ``/tmp`` (None when it cannot)."""
        if self.sandbox.mode != "namespace":
            return self.sandbox.tmp_dir
        if self.pid is None:
            return None
        return f"/proc/{self.pid}/root/tmp"

    @property
    def task_root(self) -> str:
        """``LAMBDA_TASK_ROOT`` of this environment: the code directory, or where code that
        lives under the host's ``/tmp`` is bound so the private ``/tmp`` cannot hide it."""
        return self.spec["task_root"]

    @property
    def state(self) -> str:
        """``"ready"`` (initialized, warm), ``"reset"`` (no runtime process: the next invoke
        runs init) or ``"closed"``."""
        if self._closed:
            return "closed"
        return "ready" if self.initialized else "reset"

    def reset_tmp(self) -> None:
        """Empty this environment's ``/tmp`` (as seen from the test)."""
        path = self.tmp_path
        if path is None:
            raise RuntimeError(f"environment {self.id} has no runtime process: its /tmp cannot be reached")
        import shutil

        for entry in os.scandir(path):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)

    def __repr__(self) -> str:
        return (
            f"<ExecutionEnvironment {self.id} {self.function_name}:{self.version} {self.state} "
            f"invocations={self.invocations} pid={self.pid}>"
        )

    @property
    def frozen(self) -> bool:
        """Whether the runtime's processes are stopped (the environment is idle and frozen)."""
        return self._frozen

    @property
    def alive(self) -> bool:
        return self.pid is not None

    @property
    def log_stream_name(self) -> str:
        return self.sandbox.log_stream_name

    # --- lifecycle ----------------------------------------------------------

    def initialize(self, deadline: float, init_failure=None) -> Reply:
        """Fork a runtime process into the sandbox and run the init phase.

        ``init_failure`` (injected by ``sim.faults``) makes the init fail with that error.
        """
        started = _clock.monotonic()
        command_r, command_w = os.pipe()
        reply_r, reply_w = os.pipe()
        log_r, log_w = os.pipe()
        theirs = [command_r, reply_w, log_w]
        try:
            enlarge_pipe(log_w)
            spec = self.spec
            if init_failure is not None:
                spec = {**spec, "inject_init_error": [init_failure.error_type, init_failure.error_message]}
            if self._spin:
                # The invoke follows the init at once: the runtime polls for it.
                spec = {**spec, "spin": self._spin}
            self.pid = self.zygote.fork(spec, [*theirs, *self.sandbox.namespace_fds])
        except BaseException:
            for fd in (command_w, reply_r, log_r):
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        self._command_fd, self._reply_fd, self._log_fd = command_w, reply_r, log_r
        self._large_pipes = False
        self._frames = FrameReader()
        self._poller = select.poll()
        self._poller.register(reply_r, select.POLLIN)
        self._poller.register(log_r, select.POLLIN)
        self._log_poller = select.poll()
        self._log_poller.register(log_r, select.POLLIN)
        reply = self._await(deadline, started)
        if reply.outcome is Outcome.READY:
            self.initialized = True
        elif reply.outcome is Outcome.INIT_ERROR:
            # The runtime exits after reporting an init error, as Lambda's does.
            self._discard_process(wait=True)
        return reply

    def notice_death(self) -> None:
        """Reset a warm environment whose process died while idle (say, with its zygote),
        so the next invoke starts it again instead of failing."""
        if self.initialized and self.pid is not None and self.zygote.has_exited(self.pid):
            self._discard_process(wait=True)

    def send(self, header: dict, body: bytes) -> None:
        """Write one invoke to the runtime; ``receive`` waits for its answer.

        Between the two the runtime runs the handler, and the test process may
        do work of its own that the answer does not need (``_invocation.run``).
        An environment that does a whole invoke in an ``invoke`` of its own takes
        ``WholeInvoke``.
        """
        self._sent = _clock.monotonic()
        self.invocations += 1
        if self._frozen:
            self._thaw()
        spin = self._answered_quickly and not _waiting and not self._pause.skip()
        self._sent_spin = spin
        if len(body) > READ_SIZE and not self._large_pipes:
            self._enlarge_pipes()
        try:
            # With "spin" when invokes come back to back from one thread: the runtime
            # polls for the next one after it answers, as this process polls for the answer.
            write_all(self._command_fd, pack_invoke(header, body, self._spin if spin else None))
        except OSError:
            pass  # The process died; receive reports how.

    def receive(self, deadline: float) -> Reply:
        """Wait until ``deadline`` (real clock) for the answer to what ``send`` wrote."""
        _waiting.add(self)
        try:
            reply = self._await(deadline, self._sent, self._sent_spin and len(_waiting) == 1)
        finally:
            _waiting.discard(self)
        # Twice the window: an answer that was slept for took the wake-ups longer than
        # a polled one would, and must not keep the next invoke from polling.
        self._answered_quickly = reply.seconds < 2 * self._spin
        if self.freeze_idle and reply.outcome in _ANSWERED and reply.header.get("background"):
            # Only when the runtime reports threads or child processes: nothing else
            # could run while idle, and stopping costs ~20 µs per invoke.
            self._freeze()
        return reply

    def _enlarge_pipes(self) -> None:
        self._large_pipes = True
        for fd in (self._command_fd, self._reply_fd):
            if fd is not None:
                enlarge_pipe(fd)

    def _freeze(self) -> None:
        # The whole group: child processes the handler left running stop too. The
        # process cannot die while stopped (SIGKILL aside), so its pid stays ours.
        try:
            os.killpg(self.pid, signal.SIGSTOP)
        except OSError:
            return
        self._frozen = True

    def _thaw(self) -> None:
        self._frozen = False
        try:
            os.killpg(self.pid, signal.SIGCONT)
        except OSError:
            pass  # Gone: the next wait reports how it ended.

    def reset(self) -> None:
        """Kill the runtime process; the sandbox stays for the next init."""
        self._discard_process(kill=True)
        self.initialized = False

    def _start_closing(self) -> None:
        """Ask the runtime process to end, and return: ``close`` waits for it. Closing
        several environments, ask each before closing any, and they end together."""
        with self._lock:
            if not self._closed:
                self._ask_to_end()

    def _ask_to_end(self) -> None:
        # Under the lock.
        if self.pid is None or self._exit_asked:
            return
        if self._frozen:
            self._thaw()  # A stopped runtime could not see the end of file below.
        if self._command_fd is not None and self.initialized:
            # End of file on the command pipe: the runtime returns from its loop and exits
            # normally (coverage saves its data there); close kills it only if it does not.
            os.close(self._command_fd)
            self._command_fd = None
            self._exit_asked = True

    def close(self) -> None:
        """End the runtime process and release the sandbox."""
        with self._lock:
            if self._closed:
                return
            self._ask_to_end()
            self._closed = True
        if self._exit_asked and self.pid is not None:
            status = self.zygote.wait_exit(self.pid, 1.0)
            if status is not None:
                self.pid = None
        self._discard_process(kill=True)
        self.sandbox.close()

    # --- waiting ------------------------------------------------------------

    def _await(self, deadline: float, started: float, spin: bool = False) -> Reply:
        output = Captured()
        log_fd, poller = self._log_fd, self._poller
        log_open = True
        #: Whether the last poll found output waiting. The runtime writes all the
        #: output of a phase before its answer, so when the poll that saw the answer
        #: found none, there is none left to read (and no need to look again).
        log_waiting = False
        limit = self.memory_limit_kb
        next_check = started + _MEMORY_CHECK_SECONDS
        frames = self._frames
        while True:
            frame = frames.take()
            while frame is not None and frame[0]["op"] == "sandbox":
                self._adopt_namespaces()
                frame = frames.take()
            if frame is not None:
                header, body = frame
                outcome = _OUTCOMES[header["op"]]
                seconds = _clock.monotonic() - started
                if log_open and (log_waiting or not self._output_precedes_answer):
                    drain(log_fd, self._log_poller, output)
                return Reply(outcome, header, body, output.text(), seconds)
            now = _clock.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                return self._timed_out(output, started)
            if limit is not None:
                if now >= next_check:
                    next_check = now + _MEMORY_CHECK_SECONDS
                    if _rss_kb(self.pid) > limit:
                        return self._out_of_memory(output, started)
                remaining = min(remaining, next_check - now)
            events = None
            if spin:
                spin = False
                until = now + min(self._spin, remaining)
                while not events and _clock.monotonic() < until:
                    events = poller.poll(0)
                if events:
                    self._pause.answered()
                else:
                    self._pause.missed()
            if not events:
                events = poller.poll(max(1, int(remaining * 1000) + 1) if remaining < 3600 else 3_600_000)
            log_waiting = False
            for fd, event in events:
                if fd == log_fd:
                    log_waiting = True
                    chunk = read_chunk(log_fd)
                    if chunk:
                        output.add(chunk)
                    else:
                        poller.unregister(log_fd)
                        log_open = False
                    continue
                # The reply pipe, or (custom runtimes) the Runtime API's frame pipe.
                wanted = frames.wanted()
                data = os.read(fd, wanted)
                if not data:
                    return self._died(output, started, log_open)
                frames.feed(data)
                if wanted > READ_SIZE and not self._large_pipes:
                    self._enlarge_pipes()  # a large answer is on its way

    def _adopt_namespaces(self) -> None:
        """Hold the new sandbox's namespaces open; the runtime waits for this before it imports the function.

        The runtime keeps setting up while we do this, so it may already have died
        (its own set-up failed, or it was killed): then nothing is held, and the end
        of its reply pipe reports the death as usual.
        """
        for fd in self.sandbox.namespace_fds:
            os.close(fd)
        self.sandbox.namespace_fds = ()
        held = []
        try:
            for kind in ("user", "mnt"):
                held.append(os.open(f"/proc/{self.pid}/ns/{kind}", os.O_RDONLY | os.O_CLOEXEC))
        except OSError:
            for fd in held:
                os.close(fd)
            return
        self.sandbox.namespace_fds = tuple(held)
        try:
            write_all(self._command_fd, pack({"op": "sandbox_held"}))
        except OSError:
            pass  # The process died; _await reports how.

    def _timed_out(self, output: "Captured", started: float) -> Reply:
        self.peak_rss_kb = max(self.peak_rss_kb, _peak_rss_kb(self.pid))
        self.zygote.kill(self.pid, signal.SIGKILL)
        self._discard_process(wait=True, into=output)
        return Reply(Outcome.TIMEOUT, output=output.text(), seconds=_clock.monotonic() - started)

    def _out_of_memory(self, output: "Captured", started: float) -> Reply:
        self.peak_rss_kb = max(self.peak_rss_kb, self.memory_limit_kb)
        self.zygote.kill(self.pid, signal.SIGKILL)
        status = self._discard_process(wait=True, into=output)
        return Reply(
            Outcome.OUT_OF_MEMORY, output=output.text(), seconds=_clock.monotonic() - started,
            exit_status=status,
        )

    def _died(self, output: "Captured", started: float, log_open: bool) -> Reply:
        status = self._discard_process(wait=True, into=output)
        return Reply(
            Outcome.EXIT, output=output.text(), seconds=_clock.monotonic() - started, exit_status=status
        )

    def _discard_process(self, *, kill: bool = False, wait: bool = False, into: Optional["Captured"] = None):
        pid, self.pid = self.pid, None
        self.initialized = False
        self._frozen = False
        status = None
        if pid is not None:
            if kill:
                self.zygote.kill(pid, signal.SIGKILL)
            if wait or kill:
                status = self.zygote.wait_exit(pid, _EXIT_STATUS_TIMEOUT)
            else:
                self.zygote.forget(pid)
        if self._log_fd is not None:
            if into is not None:
                drain(self._log_fd, self._log_poller, into)
            os.close(self._log_fd)
            self._log_fd = None
            self._poller = self._log_poller = None
        for name in ("_command_fd", "_reply_fd"):
            fd = getattr(self, name)
            if fd is not None:
                os.close(fd)
                setattr(self, name, None)
        return status


def close_together(environments: List[ExecutionEnvironment]) -> None:
    """Close ``environments``, every runtime asked to end before the first end is awaited:
    they end together, where one after the other each took an exit's time (2-3 ms here).
    Every one is closed even if closing another fails; the first failure is raised."""
    failure: Optional[BaseException] = None
    for env in environments:
        try:
            env._start_closing()
        except BaseException as error:  # noqa: BLE001 - raised below, once the others are closed
            failure = failure or error
    for env in environments:
        try:
            env.close()
        except BaseException as error:  # noqa: BLE001 - as above
            failure = failure or error
    if failure is not None:
        raise failure


#: Outcomes after which the runtime process is alive and waiting for the next invoke.
_ANSWERED = (Outcome.RESULT, Outcome.ERROR)


def _peak_rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _rss_kb(pid: Optional[int]) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_KB
    except (OSError, ValueError, IndexError):
        return 0

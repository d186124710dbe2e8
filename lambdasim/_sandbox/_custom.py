"""An execution environment whose runtime is a custom ``bootstrap`` (``provided.al2023``, ``provided.al2``).

Same sandbox and lifecycle as a Python environment (forked from the zygote,
private ``/tmp``, process group, memory watch, timeout kill, reset, death
detection); the forked process then ``exec``s the bootstrap, and the invoke
protocol is the Runtime API (``lambdasim/_runtime_api.py``) instead of frames
on pipes. The Runtime API writes the same frames the Python runtime writes, to
a pipe this environment polls next to the reply pipe, so init, invoke and the
outcomes (result, error, init error, exit, timeout, out of memory) are
handled by the shared code in ``ExecutionEnvironment`` and ``_invocation``.
"""

from __future__ import annotations

import json
import os
import select
import signal
from typing import Optional

from .. import _clock
from .._platform_log import Trace
from .._runtime_api import Invocation, RuntimeApiServer
from ._environment import ExecutionEnvironment, Outcome, Reply, WholeInvoke, _peak_rss_kb
from ._output import Captured, drain, read_chunk

#: How long a runtime that posted an init error may take to exit on its own
#: (awslambdaric exits at once); then it is killed, as Lambda ends the init.
INIT_ERROR_EXIT_SECONDS = 1.0


class CustomRuntimeEnvironment(WholeInvoke, ExecutionEnvironment):
    """An environment running a ``bootstrap`` executable against a Runtime API server."""

    #: The bootstrap may print after it posted its answer, and the answer comes from
    #: the Runtime API's thread: the log pipe is always read to its end.
    _output_precedes_answer = False

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._api: Optional[RuntimeApiServer] = None
        self._api_r: Optional[int] = None
        self._api_w: Optional[int] = None
        self._api_polled = False

    @property
    def runtime_api(self) -> Optional[str]:
        """``AWS_LAMBDA_RUNTIME_API`` of the running process (None between a reset and the next init)."""
        return self._api.address if self._api is not None else None

    # --- lifecycle ----------------------------------------------------------

    def initialize(self, deadline: float, init_failure=None) -> Reply:
        # One Runtime API server per runtime process: a reset runtime's leftover
        # connections cannot reach its successor.
        self._api_r, self._api_w = os.pipe()
        self._api = RuntimeApiServer(self._api_w, self._runtime_peak_rss_kb)
        self._api_polled = False
        self.spec = {**self.spec, "env": {**self.spec["env"], "AWS_LAMBDA_RUNTIME_API": self._api.address}}
        if init_failure is not None:
            # sim.faults.init_error: the runtime never starts; the init fails as injected.
            return self._injected_init_error(init_failure)
        return super().initialize(deadline, None)

    def invoke(self, header: dict, body: bytes, deadline: float) -> Reply:
        started = _clock.monotonic()
        self.invocations += 1
        crash = header.get("crash")
        if crash:
            # sim.faults.crash: a signal reaches the bootstrap's process group;
            # an exit code cannot be forced on a foreign program, so it is SIGKILL.
            # The event is not handed over, so the runtime cannot answer before it dies.
            self.zygote.kill(self.pid, crash.get("signal") or signal.SIGKILL)
            return self._await(deadline, started)
        client_context = header.get("client_context")
        self._api.deliver(Invocation(
            request_id=header["request_id"],
            deadline_ms=header["deadline_ms"],
            invoked_function_arn=header["invoked_function_arn"],
            # An empty Invoke payload reaches the function as {} (spec §2.3).
            payload=body or b"{}",
            # Every invoke carries a trace header; unsampled ones are made here,
            # as the Python runtime makes its own.
            trace_id=header.get("trace_id") or Trace.new(False, header.get("now")).header,
            client_context=None if client_context is None else json.dumps(client_context),
            tenant_id=header.get("tenant_id"),
        ))
        return self._await(deadline, started)

    def _ask_to_end(self) -> None:
        # Lambda ends a custom runtime by killing it (SIGTERM only goes to
        # runtimes with extensions); nothing reads an end of file here.
        if self.pid is not None:
            self.zygote.kill(self.pid)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._discard_process(kill=True)
        self.sandbox.close()

    # --- waiting ------------------------------------------------------------

    def _await(self, deadline: float, started: float) -> Reply:
        if not self._api_polled and self._poller is not None:
            self._poller.register(self._api_r, select.POLLIN)
            self._api_polled = True
        reply = super()._await(deadline, started)
        if reply.outcome is Outcome.INIT_ERROR and self.pid is not None:
            reply.output += self._let_exit(_clock.monotonic() + INIT_ERROR_EXIT_SECONDS)
        elif reply.outcome in (Outcome.RESULT, Outcome.ERROR) and self.pid is not None:
            # The invoke phase ends when the runtime asks for its next event
            # (spec §9): what it writes until then is this invoke's log, and
            # Duration runs until then. A runtime that dies or overruns the
            # timeout after answering is reset; its answer stands.
            after = super()._await(deadline, started)
            reply.output += after.output
            reply.seconds = after.seconds
        return reply

    def _died(self, output: Captured, started: float, log_open: bool) -> Reply:
        # The runtime may have posted its answer and exited at once: the
        # answer was written before its HTTP reply, so it is in the pipe now.
        frame = self._frame_in_pipe()
        if frame is None:
            return super()._died(output, started, log_open)
        header, body = frame
        seconds = _clock.monotonic() - started
        self._discard_process(wait=True, into=output)
        return Reply(Outcome(header["op"]), header, body, output.text(), seconds)

    def _frame_in_pipe(self):
        poller = select.poll()
        poller.register(self._api_r, select.POLLIN)
        while poller.poll(0):
            self._frames.feed(os.read(self._api_r, self._frames.wanted()))
        return self._frames.take()

    def _let_exit(self, until: float) -> bytes:
        """Wait (bounded) for the runtime to exit after an init error; kill it if it does not."""
        output = Captured()
        poller = select.poll()
        poller.register(self._reply_fd, select.POLLIN)
        poller.register(self._log_fd, select.POLLIN)
        while True:
            remaining = until - _clock.monotonic()
            if remaining <= 0:
                self.zygote.kill(self.pid, signal.SIGKILL)
                break
            events = dict(poller.poll(int(remaining * 1000) + 1))
            if self._log_fd in events:
                chunk = read_chunk(self._log_fd)
                if chunk:
                    output.add(chunk)
                else:
                    poller.unregister(self._log_fd)
            if self._reply_fd in events and not os.read(self._reply_fd, 1 << 16):
                break
        drain(self._log_fd, self._log_poller, output)
        return output.text()

    def _discard_process(self, *, kill: bool = False, wait: bool = False, into: Optional[Captured] = None):
        status = super()._discard_process(kill=kill, wait=wait, into=into)
        self._stop_api()
        return status

    def _stop_api(self) -> None:
        api, self._api = self._api, None
        if api is not None:
            # The reader goes first: a server thread still writing a frame gets
            # EPIPE instead of blocking on a pipe nobody reads.
            os.close(self._api_r)
            api.close()
            os.close(self._api_w)
            self._api_r = self._api_w = None
            self._api_polled = False

    def _injected_init_error(self, init_failure) -> Reply:
        document = {"errorMessage": init_failure.error_message, "errorType": init_failure.error_type}
        self._stop_api()
        return Reply(
            Outcome.INIT_ERROR, {"op": "init_error", "error_type": init_failure.error_type},
            json.dumps(document).encode(),
        )

    def _runtime_peak_rss_kb(self) -> int:
        pid = self.pid
        if pid is None:
            return self.peak_rss_kb
        self.peak_rss_kb = max(self.peak_rss_kb, _peak_rss_kb(pid))
        return self.peak_rss_kb

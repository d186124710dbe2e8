"""One synchronous invocation on one environment: init if needed, invoke, and the record of it.

Turns what the environment answered (a result, an error document, a timeout,
a dead process) into Lambda's ``InvokeResult`` and log lines.
"""

from __future__ import annotations

import base64
import math
import signal
from typing import Callable, Optional

import attrs

from . import _clock, _platform
from ._faults import Crash, InitFailure, Latency
from ._platform_log import LogLines, LogSettings, Trace
from ._result import InvokeResult, complete, made_ahead
from ._sandbox._environment import ExecutionEnvironment, Outcome, Reply

#: The init phase's own limit (spec §3.2).
INIT_LIMIT_SECONDS = 10.0
#: How much of the log ``log_type="Tail"`` returns.
TAIL_BYTES = 4096

#: The wait status of a process killed by SIGKILL (what the OOM killer sends).
_KILLED = signal.SIGKILL


@attrs.define
class InvokeRequest:
    """Everything one invoke needs besides the environment.

    Built once per invoke and never changed: mutable only because a frozen
    attrs class takes three times as long to build (~2 µs of a warm invoke).
    """

    function_name: str
    version: str
    invoked_function_arn: str
    request_id: str
    body: bytes
    timeout: int
    memory_size: int
    runtime: str
    region: str
    log_type: Optional[str] = None
    client_context: Optional[dict] = None
    init_limit: float = INIT_LIMIT_SECONDS
    #: Injected by ``sim.faults``: time out at once, end the process, fail init, add latency.
    fault_timeout: bool = False
    crash: Optional[Crash] = None
    init_failure: Optional[InitFailure] = None
    latency: Latency = Latency()
    #: The test's simulated wall-clock time, when it is not the real one (frozen or moved).
    simulated_now: Optional[float] = None
    #: The function's LoggingConfig (Text lines or JSON records) and this invoke's X-Ray trace.
    log_settings: LogSettings = LogSettings()
    trace: Optional[Trace] = None


def run(
    env: ExecutionEnvironment, request: InvokeRequest, meanwhile: Optional[Callable[[], None]] = None
) -> InvokeResult:
    """Invoke ``request`` on ``env`` (initializing it first when it is cold); call
    ``meanwhile`` while the runtime runs the handler."""
    init_ms: Optional[float] = None
    env.notice_death()
    cold = not env.initialized
    deadline = None
    lines = None
    if cold:
        lines = _log_lines(env, request)
        init = _initialize(env, request, lines)
        if init.failed is not None:
            return _finish(request, lines, init.failed, cold=True)
        init_ms = init.milliseconds + request.latency.init * 1000
        deadline = init.invoke_deadline
    latency = request.latency.invoke
    now = _clock.monotonic()
    if deadline is None:
        deadline = now + request.timeout
    if request.fault_timeout or latency >= request.timeout:
        deadline = now  # the timeout is due at once
    else:
        deadline -= latency  # simulated latency has used some of the time
    header = {
        "op": "invoke",
        "request_id": request.request_id,
        # The deadline the handler's context counts down to, on the real wall clock.
        "deadline_ms": int((_clock.real_wall() + deadline - now) * 1000),
        "invoked_function_arn": request.invoked_function_arn,
    }
    if request.client_context is not None:
        header["client_context"] = request.client_context
    if request.crash is not None:
        header["crash"] = attrs.asdict(request.crash)
    if request.simulated_now is not None:
        header["now"] = request.simulated_now
    if request.trace is not None:
        header["trace_id"] = request.trace.header
    # In Text, the log's start is written while the runtime runs the handler: a warm
    # invoke waits for no line of it. A JSON record carries the time it was written:
    # that one comes before the handler's.
    text = not request.log_settings.json
    if text:
        env.send(header, request.body)
    if lines is None:
        lines = _log_lines(env, request)
    lines.start(request.request_id)
    if not text:
        env.send(header, request.body)
    if meanwhile is not None:
        meanwhile()
    ahead = made_ahead(request.function_name, request.request_id, request.version, cold, request.memory_size)
    reply = env.receive(deadline)
    if reply.outcome is not Outcome.TIMEOUT:
        reply.seconds += latency
    return _record(env, request, reply, lines, init_ms, cold, ahead)


def _log_lines(env: ExecutionEnvironment, request: InvokeRequest) -> LogLines:
    # Positional arguments here and below, on the warm path: matching keywords costs
    # more than the work of most of these calls.
    return LogLines(
        request.log_settings, request.trace, request.function_name, request.version,
        request.invoked_function_arn, request.memory_size, env.log_stream_name,
    )


@attrs.define
class _InitResult:
    milliseconds: float = 0.0
    failed: Optional["_Failure"] = None
    #: After a suppressed init, the invoke has what is left of the function's timeout.
    invoke_deadline: Optional[float] = None


@attrs.frozen
class _Failure:
    payload: bytes
    error_type: str
    status: str = "error"
    duration_ms: float = 0.0
    max_memory_mb: int = 0


def _initialize(env: ExecutionEnvironment, request: InvokeRequest, lines: LogLines) -> _InitResult:
    lines.init_start(request.runtime, request.region)
    reply = env.initialize(_clock.monotonic() + request.init_limit, request.init_failure)
    phase = "init"
    invoke_deadline = None
    if reply.outcome is Outcome.TIMEOUT:
        # Lambda retries a timed-out init during the invoke, under the
        # function's timeout: the "suppressed init" (spec §3.2).
        lines.output(_output(reply))
        lines.init_report(reply.seconds * 1000, "init", "timeout")
        phase = "invoke"
        invoke_deadline = _clock.monotonic() + request.timeout
        reply = env.initialize(invoke_deadline, request.init_failure)
    lines.output(_output(reply))
    milliseconds = reply.seconds * 1000
    memory = _memory_mb(reply, env)
    if reply.outcome is Outcome.READY:
        lines.init_done()
        return _InitResult(milliseconds, invoke_deadline=invoke_deadline)
    if reply.outcome is Outcome.INIT_ERROR:
        error_type = _platform.runtime_error_type(reply.header.get("error_type", ""))
        payload = reply.body
    elif reply.outcome is Outcome.TIMEOUT:
        error_type = "Sandbox.Timedout"
        payload = _platform.timeout_document(request.request_id, request.timeout)
        milliseconds = request.timeout * 1000.0
    elif reply.outcome is Outcome.OUT_OF_MEMORY:
        error_type = "Runtime.OutOfMemory"
        reason = _platform.exit_reason(_KILLED)
        payload = _platform.exit_document(None, reason, error_type)
        lines.fault(None, reason, error_type)
    else:
        error_type = "Runtime.ExitError"
        reason = _platform.exit_reason(reply.exit_status)
        payload = _platform.exit_document(None, reason)
        lines.fault(None, reason, error_type)
    status = "timeout" if reply.outcome is Outcome.TIMEOUT else "error"
    lines.init_report(milliseconds, phase, status, None if status == "timeout" else error_type)
    lines.start(request.request_id)
    failure = _Failure(payload, error_type, status, milliseconds, memory)
    return _InitResult(milliseconds, failure)


def _record(
    env: ExecutionEnvironment,
    request: InvokeRequest,
    reply: Reply,
    lines: LogLines,
    init_ms: Optional[float],
    cold: bool,
    ahead: Optional[InvokeResult] = None,
) -> InvokeResult:
    """The result of an invoke's answer; ``ahead``, made while it ran, holds a result's
    fields when there is one (a failure of the platform's makes its own)."""
    lines.output(_output(reply))
    memory = _memory_mb(reply, env)
    duration_ms = reply.seconds * 1000
    if reply.outcome is Outcome.RESULT:
        payload = reply.body
        if len(payload) > _platform.RESPONSE_LIMIT:
            failure = _Failure(
                _platform.response_too_large_document(), "Function.ResponseSizeTooLarge", "error",
                duration_ms, memory,
            )
            return _finish(request, lines, failure, cold=cold, init_ms=init_ms)
        content_type = "application/unknown" if reply.header.get("raw") else "application/json"
        return _finish(request, lines, None, cold, init_ms, payload, duration_ms, memory, False, content_type, None, ahead)
    if reply.outcome is Outcome.ERROR:
        return _finish(request, lines, None, cold=cold, init_ms=init_ms, payload=reply.body,
                       duration_ms=duration_ms, memory=memory, function_error=True,
                       exception=reply.header.get("exception"), ahead=ahead)
    if reply.outcome is Outcome.TIMEOUT:
        failure = _Failure(
            _platform.timeout_document(request.request_id, request.timeout), "Sandbox.Timedout",
            "timeout", request.timeout * 1000.0, memory,
        )
    elif reply.outcome is Outcome.OUT_OF_MEMORY:
        reason = _platform.exit_reason(_KILLED)
        lines.fault(request.request_id, reason, "Runtime.OutOfMemory")
        failure = _Failure(
            _platform.exit_document(request.request_id, reason, "Runtime.OutOfMemory"),
            "Runtime.OutOfMemory", "error", duration_ms, request.memory_size,
        )
    else:
        reason = _platform.exit_reason(reply.exit_status)
        lines.fault(request.request_id, reason, "Runtime.ExitError")
        failure = _Failure(
            _platform.exit_document(request.request_id, reason), "Runtime.ExitError", "error",
            duration_ms, memory,
        )
    return _finish(request, lines, failure, cold=cold, init_ms=init_ms)


def _finish(
    request: InvokeRequest,
    lines: LogLines,
    failure: Optional[_Failure],
    cold: bool,
    init_ms: Optional[float] = None,
    payload: bytes = b"",
    duration_ms: float = 0.0,
    memory: int = 0,
    function_error: bool = False,
    content_type: str = "application/json",
    exception: Optional[BaseException] = None,
    ahead: Optional[InvokeResult] = None,
) -> InvokeResult:
    status = error_type = None
    if failure is not None:
        payload, duration_ms, memory = failure.payload, failure.duration_ms, failure.max_memory_mb
        status = failure.status
        error_type = None if failure.status == "timeout" else failure.error_type
        function_error = True
    # The figures as REPORT prints them, so the line adds up on its own.
    duration_ms = round(duration_ms, 2)
    init_ms = None if init_ms is None else round(init_ms, 2)
    billed = _platform.billed_ms(duration_ms, init_ms)
    log_result = None
    if status is None and not lines.settings.json and request.log_type != "Tail" and (
        lines.trace is None or not lines.trace.sampled
    ):
        # END and REPORT in Text, with nothing but the result's own figures: written
        # when the log is first read (_result._Logs), if ever. Until then, bytes.
        logs = "".join(lines).encode("utf-8", "surrogatepass")  # any str, and back exactly
    else:
        lines.end(
            request.request_id, status or ("error" if function_error else "success"), duration_ms, len(payload),
            error_type,
        )
        lines.report(
            request.request_id, duration_ms, billed, memory, init_ms,
            status or ("error" if function_error and lines.settings.json else None), error_type,
        )
        logs = "".join(lines)
        if request.log_type == "Tail":
            log_result = base64.b64encode(logs.encode()[-TAIL_BYTES:]).decode()
    if ahead is None:  # a failure of the platform's: nothing was made while it ran
        ahead = made_ahead(request.function_name, request.request_id, request.version, cold, request.memory_size)
    return complete(
        ahead, payload, "Unhandled" if function_error else None, logs, log_result, init_ms, duration_ms,
        billed, memory, content_type, exception,
    )


def _output(reply: Reply) -> str:
    if not reply.output:
        return ""
    text = reply.output.decode("utf-8", errors="replace")
    return text if text.endswith("\n") else text + "\n"


def _memory_mb(reply: Reply, env: ExecutionEnvironment) -> int:
    kilobytes = reply.header.get("maxrss_kb") or env.peak_rss_kb
    env.peak_rss_kb = max(env.peak_rss_kb, kilobytes)
    return math.ceil(env.peak_rss_kb / 1024)

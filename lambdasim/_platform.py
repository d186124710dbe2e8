"""What the Lambda platform itself writes: log lines and the error documents it builds.

Log formats from ``spec/lambda-dataplane.md`` §5.1 (every line is one log event
ending in a newline; fields are TAB-separated); documents from §2.2, §3.1, §4.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import signal
from typing import Optional

RESPONSE_LIMIT = 6_291_556

# Go's names for signals, as Lambda's "signal: <name>" messages print them.
_SIGNAL_NAMES = {
    signal.SIGHUP: "hangup",
    signal.SIGINT: "interrupt",
    signal.SIGQUIT: "quit",
    signal.SIGILL: "illegal instruction",
    signal.SIGTRAP: "trace/breakpoint trap",
    signal.SIGABRT: "aborted",
    signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating point exception",
    signal.SIGKILL: "killed",
    signal.SIGUSR1: "user defined signal 1",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGUSR2: "user defined signal 2",
    signal.SIGPIPE: "broken pipe",
    signal.SIGALRM: "alarm clock",
    signal.SIGTERM: "terminated",
    signal.SIGXCPU: "CPU time limit exceeded",
    signal.SIGXFSZ: "file size limit exceeded",
    signal.SIGSYS: "bad system call",
}


def _compact(document: dict) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def timeout_document(request_id: str, timeout: int) -> bytes:
    """``Sandbox.Timedout`` with the configured timeout (spec §3.1)."""
    message = f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
    return _compact({"errorType": "Sandbox.Timedout", "errorMessage": message})


def exit_reason(wait_status: Optional[int]) -> str:
    """Lambda's words for how the runtime process ended (spec §4)."""
    if wait_status is None:
        return "Runtime exited without providing a reason"
    if os.WIFSIGNALED(wait_status):
        number = os.WTERMSIG(wait_status)
        name = _SIGNAL_NAMES.get(number, f"signal {number}")
        return f"Runtime exited with error: signal: {name}"
    code = os.WEXITSTATUS(wait_status)
    if code == 0:
        return "Runtime exited without providing a reason"
    return f"Runtime exited with error: exit status {code}"


def exit_document(request_id: Optional[str], reason: str, error_type: str = "Runtime.ExitError") -> bytes:
    prefix = f"RequestId: {request_id} " if request_id else ""
    return _compact({"errorType": error_type, "errorMessage": f"{prefix}Error: {reason}"})


def response_too_large_document() -> bytes:
    message = f"Response payload size exceeded maximum allowed payload size ({RESPONSE_LIMIT} bytes)."
    return json.dumps({"errorMessage": message, "errorType": "Function.ResponseSizeTooLarge"}).encode()

#: The runtime version each Python runtime reports in INIT_START. Lambda's
#: numbers move with its releases; these are fixed so logs are reproducible.
_RUNTIME_RELEASE = "v89"


def runtime_version(runtime: str) -> str:
    if runtime.startswith("provided."):
        # provided.al2023 -> provided:al2023.v89
        return f"provided:{runtime[len('provided.'):]}.{_RUNTIME_RELEASE}"
    return f"{runtime.replace('python', 'python:')}.{_RUNTIME_RELEASE}"


@functools.lru_cache(maxsize=None)
def runtime_version_arn(runtime: str, region: str) -> str:
    import hashlib  # here: loading OpenSSL costs import lambdasim milliseconds; the answer is cached

    digest = hashlib.sha256(runtime_version(runtime).encode()).hexdigest()
    return f"arn:aws:lambda:{region}::runtime:{digest}"


def init_start(runtime: str, region: str) -> str:
    return (
        f"INIT_START Runtime Version: {runtime_version(runtime)}"
        f"\tRuntime Version ARN: {runtime_version_arn(runtime, region)}\n"
    )


def start(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


def init_report(init_ms: float, phase: str, status: str, error_type: Optional[str] = None) -> str:
    line = f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: {phase}\tStatus: {status}"
    if error_type:
        line += f"\tError Type: {error_type}"
    return line + "\n"


def fault(request_id: Optional[str], message: str, error_type: str) -> str:
    """The event Lambda logs when the runtime process dies (one event, two lines)."""
    prefix = f"RequestId: {request_id} " if request_id else ""
    return f"{prefix}Error: {message}\n{error_type}\n"


def billed_ms(duration_ms: float, init_ms: Optional[float]) -> int:
    """Billed Duration: ceil(Duration [+ Init Duration]) in 1 ms steps (since 2025-08-01)."""
    return max(1, math.ceil(round(duration_ms + (init_ms or 0.0), 6)))


def report(
    request_id: str,
    duration_ms: float,
    billed_ms: int,
    memory_size: int,
    max_memory_used: int,
    init_ms: Optional[float] = None,
    status: Optional[str] = None,
    error_type: Optional[str] = None,
) -> str:
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed_ms} ms"
        f"\tMemory Size: {memory_size} MB\tMax Memory Used: {max_memory_used} MB"
    )
    if init_ms is not None:
        line += f"\tInit Duration: {init_ms:.2f} ms"
    if status is None:
        return line + "\t\n"
    line += f"\tStatus: {status}"
    if error_type:
        line += f"\tError Type: {error_type}"
    return line + "\n"


def runtime_error_type(error_type: str) -> str:
    """The error type the platform reports for a runtime-supplied one (spec §1.5)."""
    if re.fullmatch(r"(Runtime|Function)\.[A-Z][a-zA-Z]+", error_type):
        return error_type
    return "Function.Unknown" if error_type.startswith("Function.") else "Runtime.Unknown"

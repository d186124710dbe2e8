"""What an invoke returns: ``InvokeResult``, and ``FunctionError`` for ``raise_for_error()``."""

from __future__ import annotations

import json
from typing import Any, Optional

import attrs

from . import _platform


class FunctionError(Exception):
    """The function failed (raised, timed out, crashed); raised by ``InvokeResult.raise_for_error()``.

    ``error_type``, ``error_message`` and ``stack_trace`` come from the error
    document; ``result`` is the whole ``InvokeResult``.
    """

    def __init__(self, result: "InvokeResult") -> None:
        document = result.payload if isinstance(result.payload, dict) else {}
        self.result = result
        self.error_type = document.get("errorType", "")
        self.error_message = document.get("errorMessage", "")
        self.stack_trace = list(document.get("stackTrace") or [])
        super().__init__(self._describe())

    def _describe(self) -> str:
        head = f"{self.error_type}: {self.error_message}" if self.error_type else self.error_message
        lines = [f"function {self.result.function_name!r} failed (request {self.result.request_id}): {head}"]
        if self.stack_trace:
            lines.append("Remote traceback (most recent call last):")
            lines.extend(frame.rstrip("\n") for frame in self.stack_trace)
        return "\n".join(lines)


@attrs.frozen
class InvokeResult:
    """The answer to one invoke, as Lambda gives it, plus what its REPORT line says."""

    function_name: str
    #: The exact bytes Lambda would return.
    raw_payload: bytes
    status_code: int
    request_id: str
    executed_version: Optional[str] = "$LATEST"
    function_error: Optional[str] = None
    logs: str = ""
    log_result: Optional[str] = None
    cold_start: bool = False
    init_duration_ms: Optional[float] = None
    duration_ms: float = 0.0
    billed_duration_ms: int = 0
    max_memory_used_mb: int = 0
    memory_size_mb: int = 128
    #: ``application/unknown`` when the handler returned bytes (sent unchanged).
    content_type: str = "application/json"
    #: Inline mode only (docs/debugging.md): the handler's own exception, with its traceback.
    exception: Optional[BaseException] = attrs.field(default=None, eq=False, repr=False)

    @property
    def payload(self) -> Any:
        """The decoded JSON payload; ``bytes`` when it is not JSON; None when empty (202/204)."""
        raw = self.raw_payload
        if not raw and self.status_code != 200:
            return None
        if self.content_type != "application/json":
            return raw
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return raw

    @property
    def ok(self) -> bool:
        return self.function_error is None

    def raise_for_error(self) -> "InvokeResult":
        """Raise ``FunctionError`` when the function failed; return self otherwise."""
        if self.function_error is not None:
            # Inline, the handler's exception is the cause: its frames show in the
            # test's report and a post-mortem debugger can reach them.
            raise FunctionError(self) from self.exception
        return self


class _Logs:
    """``InvokeResult.logs``, in front of the attribute's slot.

    In Text format an invoke's ``END`` and ``REPORT`` lines hold nothing but the
    result's own figures (request id, durations, memory), so ``_invocation`` may
    leave them out and put the log so far, up to ``START`` and the runtime's output,
    in the slot as UTF-8 ``bytes``: objects the garbage collector does not track,
    unlike any instance of a class of ours, which would make collections come more
    often. The first read writes the two lines and keeps the text; an invoke whose
    log nobody reads never formats them. Whatever reads ``logs`` (the attribute,
    ``==``, ``hash``, ``repr``, ``attrs.asdict``, copies, pickling) reads the whole
    text: it is a ``str`` once read. One slot, read once per call: threads that read
    at the same time each write the same text.
    """

    def __init__(self, slot: Any) -> None:
        self._slot = slot

    def __get__(self, result: Optional["InvokeResult"], owner: Any = None) -> Any:
        if result is None:
            return self
        text = self._slot.__get__(result, owner)
        if type(text) is bytes:
            request_id = result.request_id
            text = (
                text.decode("utf-8", "surrogatepass") + _platform.end(request_id)
                + _platform.report(
                    request_id, result.duration_ms, result.billed_duration_ms, result.memory_size_mb,
                    result.max_memory_used_mb, result.init_duration_ms,
                )
            )
            self._slot.__set__(result, text)  # the slot itself: the result is frozen to everyone else
        return text

    def __set__(self, result: "InvokeResult", value: str) -> None:
        self._slot.__set__(result, value)

    def __delete__(self, result: "InvokeResult") -> None:
        self._slot.__delete__(result)


InvokeResult.logs = _Logs(InvokeResult.__dict__["logs"])  # type: ignore[assignment]


def made_ahead(function_name: str, request_id: str, version: str, cold_start: bool, memory_size_mb: int) -> InvokeResult:
    """A result made while its invoke runs, for ``complete`` to fill in once the answer is in.

    A frozen attrs class sets each field through ``object.__setattr__``: about 3 µs
    for sixteen, which the test process spends while it waits for the runtime anyway.
    ``complete`` then writes the answer's fields straight into their slots (0.5 µs).
    Nothing else sees the result before it is complete.
    """
    return InvokeResult(function_name, b"", 200, request_id, version, None, "", None, cold_start, None, 0.0, 0, 0, memory_size_mb)


_FIELD = InvokeResult.__dict__


def complete(
    result: InvokeResult,
    raw_payload: bytes,
    function_error: Optional[str],
    logs: Any,
    log_result: Optional[str],
    init_duration_ms: Optional[float],
    duration_ms: float,
    billed_duration_ms: int,
    max_memory_used_mb: int,
    content_type: str,
    exception: Optional[BaseException],
    *,
    _raw_payload=_FIELD["raw_payload"].__set__,
    _logs=_FIELD["logs"]._slot.__set__,
    _duration=_FIELD["duration_ms"].__set__,
    _billed=_FIELD["billed_duration_ms"].__set__,
    _memory=_FIELD["max_memory_used_mb"].__set__,
) -> InvokeResult:
    """Fill in a result from ``made_ahead``: the fields its maker could not know (the
    others keep what ``made_ahead`` gave them unless given here)."""
    _raw_payload(result, raw_payload)
    _logs(result, logs)
    _duration(result, duration_ms)
    _billed(result, billed_duration_ms)
    _memory(result, max_memory_used_mb)
    if function_error is not None:
        _FIELD["function_error"].__set__(result, function_error)
    if log_result is not None:
        _FIELD["log_result"].__set__(result, log_result)
    if init_duration_ms is not None:
        _FIELD["init_duration_ms"].__set__(result, init_duration_ms)
    if content_type != "application/json":
        _FIELD["content_type"].__set__(result, content_type)
    if exception is not None:
        _FIELD["exception"].__set__(result, exception)
    return result


@attrs.frozen
class Invocation:
    """The record of one synchronous invocation: what was sent and what came back."""

    function_name: str
    executed_version: str
    #: The request body as sent.
    raw_event: bytes
    result: InvokeResult
    #: The id of the execution environment that ran it.
    environment_id: str

    @property
    def event(self) -> Any:
        """The event as the handler received it (decoded JSON; ``{}`` for an empty payload)."""
        return json.loads(self.raw_event) if self.raw_event else {}

    @property
    def request_id(self) -> str:
        return self.result.request_id

    @property
    def cold_start(self) -> bool:
        return self.result.cold_start

"""Asynchronous (``Event``) invocation: what an ``Event`` invoke may carry.

The service checks these limits on every ``Event`` invoke; the queue that runs
the events, its retries and where they end live in ``_async_queue``, imported
when a simulator first queues an event (``import lambdasim`` does not pay for it).
"""

from __future__ import annotations

from ._errors import InvalidParameterValueException

__all__ = ["DISPATCH_MODES", "EVENT_REQUEST_LIMIT", "INVOKE_ASYNC_LIMIT", "check_dispatch", "too_large_for_event"]

#: The payload limit of an ``Event`` invoke (1 MB), and of the deprecated InvokeAsync (256 KB).
EVENT_REQUEST_LIMIT = 1_048_576
INVOKE_ASYNC_LIMIT = 262_144
DISPATCH_MODES = ("background", "manual")


def check_dispatch(dispatch: str) -> None:
    """``LambdaSim(async_dispatch=...)`` is checked when the simulator is made, not when its queue is."""
    if dispatch not in DISPATCH_MODES:
        raise InvalidParameterValueException(
            f"'async_dispatch' must be 'background' (a thread runs events as they fall due) or "
            f"'manual' (events run only in sim.drain()) (got {dispatch!r})"
        )


def too_large_for_event(size: int, limit: int = EVENT_REQUEST_LIMIT) -> str:
    return f"{size} byte payload is too large for the Event invocation type (limit {limit} bytes)"

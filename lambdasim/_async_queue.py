"""Asynchronous (``Event``) invocation: Lambda's internal queue, its retries and where events end.

``invoke(..., invocation_type="Event")`` answers 202 at once and hands the event to
the ``AsyncQueue``. Each attempt is an ordinary synchronous invoke through the
simulator (faults, concurrency, logs and ``sim.invocations()`` all apply) that keeps
the event's request id, as Lambda does across retries (spec/lambda-controlplane.md
§5, §6):

- a function error (exception, timeout, crash) is retried ``MaximumRetryAttempts``
  times (2 by default), 60 s before the second attempt and 120 s before the third,
  on the simulated clock; a retry at which the event would be
  ``MaximumEventAgeInSeconds`` old or older (6 h by default) is not made: the event
  is discarded at once with ``EventAgeExceeded``;
- a throttled attempt goes back to the queue with a backoff of 1 s doubling up to
  5 min, until the event is too old;
- reserved concurrency 0 sends the event straight to the failure targets
  (``ZeroReservedConcurrency``, nothing runs).

A finished event goes to its targets (``_destinations``): on success the
``OnSuccess`` destination; on failure the function's dead-letter queue and the
``OnFailure`` destination.

Who runs the queue: with ``async_dispatch="background"`` (the default) a dispatcher
thread, started by the first ``Event`` invoke and ended by ``sim.close()``, runs
events as they fall due on the simulated clock; with ``"manual"`` nothing runs
until the test calls ``sim.drain()``. ``drain()`` runs in the caller's thread.
"""

from __future__ import annotations

import json
import threading
import warnings
from typing import Any, List, Optional, Tuple

import attrs

from . import _clock
from ._async import check_dispatch
from ._destinations import Delivery, Sinks, dead_letter_message, invocation_record, record_delivery, service_of
from ._errors import (
    LambdaSimError,
    ResourceConflictException,
    ResourceNotFoundException,
    TooManyRequestsException,
)
from ._event_config import EventInvokeConfigs
from ._result import InvokeResult

__all__ = ["AsyncInvocation", "AsyncQueue"]

#: Seconds before the second and third attempt after a function error.
RETRY_DELAYS = (60.0, 120.0)
#: Throttled events: the first backoff, and the most it grows to.
THROTTLE_BACKOFF = 1.0
THROTTLE_BACKOFF_LIMIT = 300.0
#: A chain of Lambda destinations stops after this many hops, as Lambda's recursion detection does.
MAXIMUM_CHAIN = 16
#: How long the dispatcher sleeps (real time) before looking at the simulated clock again.
_POLL_SECONDS = 0.05
_IDLE_SECONDS = 1.0
_JOIN_SECONDS = 10.0


@attrs.frozen
class AsyncInvocation:
    """An asynchronous event that has finished, and how.

    ``condition`` is AWS's (``Success``, ``RetriesExhausted``, ``EventAgeExceeded``,
    ``ZeroReservedConcurrency``) or lambdasim's ``Dropped`` for an event whose
    function (or version, or alias) no longer exists. ``results`` holds the result
    of every attempt that ran, oldest first; ``deliveries`` what was sent to the
    dead-letter queue and the destinations.
    """

    function_name: str
    qualifier: Optional[str]
    request_id: str
    raw_event: bytes
    condition: str
    results: Tuple[InvokeResult, ...] = ()
    deliveries: Tuple[Delivery, ...] = ()

    @property
    def event(self) -> Any:
        return json.loads(self.raw_event) if self.raw_event else {}

    @property
    def attempts(self) -> int:
        return len(self.results)


@attrs.define(eq=False)
class _Event:
    """A queued event and its progress."""

    function_name: str
    qualifier: Optional[str]
    body: bytes
    request_id: str
    enqueued_at: float
    due: float
    chain: int = 0
    results: List[InvokeResult] = attrs.Factory(list)
    backoff: float = 0.0


class AsyncQueue:
    """The queue of one simulator's asynchronous events, its dispatcher thread and its targets."""

    def __init__(self, sim: Any, dispatch: str = "background") -> None:
        check_dispatch(dispatch)
        self._sim = sim
        self._background = dispatch == "background"
        self.configs = EventInvokeConfigs(sim)
        self.sinks = Sinks()
        self._events: List[_Event] = []
        self._finished: List[AsyncInvocation] = []
        self._condition = threading.Condition()
        self._in_flight = 0
        self._draining = 0
        self._stopped = False
        self._thread: Optional[threading.Thread] = None
        self._failure: Optional[BaseException] = None
        self._attempts_run = 0

    # --- submitting --------------------------------------------------------------

    def submit(self, function_name: str, qualifier: Optional[str], body: bytes, request_id: str) -> InvokeResult:
        """Queue an event; answer as Lambda does (202, no payload, no executed version)."""
        self._enqueue(function_name, qualifier, body, request_id, _clock.wall(), chain=0)
        return InvokeResult(function_name, b"", 202, request_id, executed_version=None)

    def _enqueue(self, function_name: str, qualifier: Optional[str], body: bytes, request_id: str,
                 now: float, chain: int) -> None:
        event = _Event(function_name, qualifier, body, request_id, enqueued_at=now, due=now, chain=chain)
        with self._condition:
            if self._stopped:
                return
            self._events.append(event)
            if self._background and self._thread is None:
                self._thread = threading.Thread(target=self._dispatch, name="lambdasim-async", daemon=True)
                self._thread.start()
            self._condition.notify_all()

    # --- running -----------------------------------------------------------------

    def drain(self, advance: bool = True) -> int:
        """Run queued events in this thread: those due now, or (``advance``) all, skipping retry delays.

        Waits for an attempt the dispatcher has in flight first. Returns the number
        of attempts (invocations) this drain ran.
        """
        with self._condition:
            self._draining += 1
            while self._in_flight:
                self._condition.wait(_IDLE_SECONDS)
        ran = self._attempts_run
        try:
            virtual = _clock.wall()
            while True:
                with self._condition:
                    if self._stopped or not self._events:
                        break
                    event = min(self._events, key=lambda e: e.due)
                    now = max(_clock.wall(), virtual)
                    if event.due > now:
                        if not advance:
                            break
                        # Fast-forward: the queue's clock jumps to the next retry.
                        virtual = now = event.due
                    self._events.remove(event)
                self._attempt(event, now)
        finally:
            with self._condition:
                self._draining -= 1
                self._condition.notify_all()
                # Counted while no dispatcher attempt runs: all of them are this drain's.
                ran = self._attempts_run - ran
                failure, self._failure = self._failure, None
        if failure is not None:
            raise failure
        return ran

    def finished(self) -> List[AsyncInvocation]:
        """Every event that has finished, in the order they finished."""
        with self._condition:
            return list(self._finished)

    def _dispatch(self) -> None:
        while True:
            with self._condition:
                if self._stopped:
                    return
                event = None
                timeout = _IDLE_SECONDS
                if not self._draining and self._events:
                    now = _clock.wall()
                    first = min(self._events, key=lambda e: e.due)
                    if first.due <= now:
                        event = first
                        self._events.remove(event)
                        self._in_flight += 1
                    else:
                        # The test may move its clock at any moment: look again soon.
                        timeout = min(_POLL_SECONDS, first.due - now)
                if event is None:
                    self._condition.wait(timeout)
                    continue
            try:
                self._attempt(event, now)
            except Exception as error:  # a bug of lambdasim's: drain() raises it in the test
                with self._condition:
                    if self._failure is None and not self._stopped:
                        self._failure = error
            finally:
                with self._condition:
                    self._in_flight -= 1
                    self._condition.notify_all()

    def stop(self) -> None:
        """Forget what is queued and let the dispatcher end after its current attempt."""
        with self._condition:
            self._stopped = True
            self._events.clear()
            self._condition.notify_all()

    def close(self) -> None:
        """Stop the dispatcher and wait (with a bound) for its thread to end."""
        self.stop()
        with self._condition:
            thread = self._thread
        if thread is not None:
            thread.join(_JOIN_SECONDS)
            if thread.is_alive():
                warnings.warn(
                    "lambdasim: the asynchronous dispatcher did not stop within "
                    f"{_JOIN_SECONDS:.0f} s (an attempt is still running)", ResourceWarning,
                )

    # --- one attempt -----------------------------------------------------------------

    def _attempt(self, event: _Event, now: float) -> None:
        sim = self._sim
        try:
            target = sim._lookup(event.function_name, event.qualifier)
        except (ResourceNotFoundException, RuntimeError):
            self._finish(event, "Dropped", now)
            return
        config = self.configs.effective(event.function_name, event.qualifier)
        # Reserved concurrency belongs to the function as a whole (all its versions).
        if target.function.config.reserved_concurrency == 0:
            self._finish(event, "ZeroReservedConcurrency", now)
            return
        if now - event.enqueued_at >= config.maximum_age:
            self._finish(event, "EventAgeExceeded", now)
            return
        try:
            with sim._request_ids.pinned(event.request_id):
                result = sim.invoke(event.function_name, event.body, qualifier=event.qualifier)
        except (ResourceNotFoundException, RuntimeError):
            self._finish(event, "Dropped", now)
            return
        except LambdaSimError as error:
            if not isinstance(error, (TooManyRequestsException, ResourceConflictException)) and error.status_code < 500:
                self._finish(event, "Dropped", now)
                return
            # Throttled (429), not ready (409: Pending) or a service error (5xx): back to
            # the queue with backoff.
            event.backoff = min(event.backoff * 2, THROTTLE_BACKOFF_LIMIT) if event.backoff else THROTTLE_BACKOFF
            self._schedule(event, now + event.backoff, now, config)
            return
        event.results.append(result)
        self._attempts_run += 1
        # The attempt took time: what follows is decided at its end.
        now = max(now, _clock.wall())
        if result.function_error is None:
            self._finish(event, "Success", now)
            return
        made = len(event.results)
        if made > config.retries:
            self._finish(event, "RetriesExhausted", now)
            return
        self._schedule(event, now + RETRY_DELAYS[made - 1], now, config)

    def _schedule(self, event: _Event, due: float, now: float, config: Any) -> None:
        # At the maximum age the event is too old: with MaximumEventAgeInSeconds=60,
        # AWS makes no retry at all (the first one is 60 s away).
        if due - event.enqueued_at >= config.maximum_age:
            self._finish(event, "EventAgeExceeded", now)
            return
        event.due = due
        with self._condition:
            if self._stopped:
                return
            self._events.append(event)
            self._condition.notify_all()

    def _version_config(self, name: str, qualifier: Optional[str]) -> Any:
        """The ``FunctionConfig`` of a function version (``$LATEST``, a number, or an alias's)."""
        return self._sim._lookup(name, qualifier).record.active()[0]

    # --- where a finished event goes ---------------------------------------------------

    def _finish(self, event: _Event, condition: str, now: float) -> None:
        deliveries: List[Delivery] = []
        if condition != "Dropped":
            deliveries = self._deliver(event, condition, now)
        outcome = AsyncInvocation(
            event.function_name, event.qualifier, event.request_id, event.body, condition,
            tuple(event.results), tuple(deliveries),
        )
        with self._condition:
            self._finished.append(outcome)

    def _dead_letter_target(self, event: _Event) -> Optional[str]:
        """The ``DeadLetterConfig.TargetArn`` of the version that ran (or would have run) the event."""
        qualifier = event.results[-1].executed_version if event.results else event.qualifier
        try:
            function_config = self._version_config(event.function_name, qualifier)
        except (ResourceNotFoundException, RuntimeError):
            return None
        return (function_config.dead_letter_config or {}).get("TargetArn") or None

    def _deliver(self, event: _Event, condition: str, now: float) -> List[Delivery]:
        sim = self._sim
        config = self.configs.effective(event.function_name, event.qualifier)
        function_arn = sim._arn(event.function_name, event.qualifier or "$LATEST")
        last = event.results[-1] if event.results else None
        deliveries: List[Delivery] = []
        success = condition == "Success"
        if not success:
            dead_letter = self._dead_letter_target(event)
            if dead_letter:
                code, message = _error_of(last)
                deliveries.append(dead_letter_message(
                    dead_letter, body=event.body, request_id=event.request_id, error_code=code, error_message=message,
                ))
        target = config.on_success if success else config.on_failure
        if target:
            record = invocation_record(
                timestamp=now, request_id=event.request_id, function_arn=function_arn, condition=condition,
                approximate_invoke_count=len(event.results), body=event.body, result=last,
            )
            deliveries.append(record_delivery(
                target, record, region=sim.region, account=sim.account_id, function_arn=function_arn,
            ))
        for delivery in deliveries:
            self.sinks.deliver(delivery)
            if service_of(delivery.arn) == "lambda" and event.chain + 1 < MAXIMUM_CHAIN:
                name, qualifier = sim._parse(delivery.arn, None)
                request_id = sim._request_ids.next()
                self._enqueue(name, qualifier, delivery.body.encode("utf-8"), request_id, now, event.chain + 1)
        return deliveries


def _error_of(result: Optional[InvokeResult]) -> Tuple[str, str]:
    """``ErrorCode`` and ``ErrorMessage`` of a dead-letter message.

    A function error is reported with the status of the invoke, 200, and the error
    document's ``errorMessage``; an event that never ran (throttled, reserved
    concurrency 0) with the throttle's 429 and ``Rate Exceeded.``.
    """
    if result is None:
        return "429", "Rate Exceeded."
    document = result.payload if isinstance(result.payload, dict) else {}
    message = document.get("errorMessage")
    return str(result.status_code), message if isinstance(message, str) else ""

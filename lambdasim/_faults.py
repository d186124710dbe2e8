"""Faults a test injects into one simulator: ``sim.faults``.

Each fault is consumed by the invokes it applies to and then goes away. A fault
for a named function wins over one for every function (``name=None``).
Injected faults go through the same machinery as real ones: a timeout kills
the runtime process, a crash makes it exit, an init error fails the init phase.
"""

from __future__ import annotations

import signal as _signal
import threading
from typing import Dict, Optional, Tuple

import attrs

from . import _errors
from ._concurrency import FUNCTION_REASON
from ._errors import KMS_EXCEPTIONS, InvalidParameterValueException, LambdaSimError

_THROTTLE_REASONS = (
    "ConcurrentInvocationLimitExceeded",
    "FunctionInvocationRateLimitExceeded",
    "ReservedFunctionConcurrentInvocationLimitExceeded",
    "ReservedFunctionInvocationRateLimitExceeded",
    "CallerRateLimitExceeded",
    "ConcurrentSnapshotCreateLimitExceeded",
)


@attrs.frozen
class Crash:
    """How an injected crash ends the runtime process: an exit code or a signal."""

    exit_code: Optional[int] = None
    signal: Optional[int] = None


_INIT_ERROR_TYPE = "Runtime.ImportModuleError"
_INIT_ERROR_MESSAGE = "Unable to import module 'lambda_function': injected by sim.faults.init_error"


@attrs.frozen
class InitFailure:
    """The init error document an injected init failure produces."""

    error_type: str = _INIT_ERROR_TYPE
    error_message: str = _INIT_ERROR_MESSAGE


@attrs.frozen
class KmsFailure:
    """An injected KMS failure: the exception's code and the KMS message it quotes."""

    code: str
    kms_message: Optional[str] = None

    def exception(self, key_arn: Optional[str], region: str, account_id: str) -> LambdaSimError:
        key = key_arn or f"arn:aws:kms:{region}:{account_id}:alias/aws/lambda"
        message = self.kms_message
        if message is None:
            message = _DEFAULT_KMS_MESSAGES[self.code].format(key=key)
        return KMS_EXCEPTIONS[self.code](_errors.kms_decrypt_failed(self.code, message))


# What KMS itself says, quoted after "KMS Message:"; lambdasim's choice (docs/faults.md).
_DEFAULT_KMS_MESSAGES = {
    "KMSAccessDeniedException": (
        "The ciphertext refers to a customer master key that does not exist, does not exist in this "
        "region, or you are not allowed to access."
    ),
    "KMSDisabledException": "{key} is disabled.",
    "KMSInvalidStateException": "{key} is pending deletion.",
    "KMSNotFoundException": "Key '{key}' does not exist",
}


@attrs.frozen
class Latency:
    """Simulated seconds added to the init phase and to each invoke."""

    init: float = 0.0
    invoke: float = 0.0


class Faults:
    """The faults pending in one simulator (``sim.faults``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counted: Dict[Tuple[str, Optional[str]], list] = {}
        self._always_cold: set = set()
        self._latency: Dict[Optional[str], Latency] = {}
        self._cold_generation = 0
        self._cold_seen: Dict[str, int] = {}

    # --- what a test asks for ----------------------------------------------

    def cold_start(self, name: Optional[str] = None, *, always: bool = False) -> None:
        """The next invoke of ``name`` (of every function when None) starts in a new environment.

        With ``always=True`` every invoke does, until ``clear()``.
        """
        with self._lock:
            if always:
                self._always_cold.add(name)
            elif name is None:
                # Every function's next invoke: each function consumes its own share.
                self._cold_generation += 1
            else:
                self._counted.setdefault(("cold_start", name), []).append(True)

    def throttle(self, name: Optional[str] = None, times: int = 1, *, reason: str = FUNCTION_REASON) -> None:
        """The next ``times`` invokes raise ``TooManyRequestsException`` with ``reason``."""
        if reason not in _THROTTLE_REASONS:
            raise InvalidParameterValueException(
                f"'reason' must be one of {', '.join(_THROTTLE_REASONS)} (got {reason!r})"
            )
        self._add("throttle", name, times, reason)

    def timeout(self, name: Optional[str] = None, times: int = 1) -> None:
        """The next ``times`` invokes time out as a real timeout does, without the wait."""
        self._add("timeout", name, times, True)

    def crash(
        self, name: Optional[str] = None, times: int = 1, *, exit_code: Optional[int] = None,
        signal: Optional[int] = None,
    ) -> None:
        """The runtime process dies during the next ``times`` invokes.

        Give ``exit_code`` (0-255) or ``signal`` (e.g. ``signal.SIGSEGV``); the
        default is ``signal.SIGKILL``.
        """
        if exit_code is not None and signal is not None:
            raise InvalidParameterValueException("give 'exit_code' or 'signal', not both")
        if exit_code is not None and not (isinstance(exit_code, int) and 0 <= exit_code <= 255):
            raise InvalidParameterValueException(f"'exit_code' must be an int from 0 to 255 (got {exit_code!r})")
        if exit_code is None:
            try:
                signal = int(_signal.SIGKILL if signal is None else _signal.Signals(signal))
            except ValueError:
                raise InvalidParameterValueException(
                    f"'signal' must be a signal number such as signal.SIGSEGV (got {signal!r})"
                ) from None
        self._add("crash", name, times, Crash(exit_code, signal))

    def init_error(
        self, name: Optional[str] = None, times: int = 1, *,
        error_type: str = _INIT_ERROR_TYPE, error_message: str = _INIT_ERROR_MESSAGE,
    ) -> None:
        """The next ``times`` init phases fail with this error document (``requestId`` ``""``)."""
        self._add("init_error", name, times, InitFailure(error_type, error_message))

    def kms(
        self, name: Optional[str] = None, error: str = "KMSAccessDeniedException", times: int = 1, *,
        kms_message: Optional[str] = None,
    ) -> None:
        """The next ``times`` invokes fail with HTTP 502 ``error``, as when Lambda cannot decrypt the
        function's environment variables: ``KMSAccessDeniedException``, ``KMSDisabledException``,
        ``KMSInvalidStateException`` or ``KMSNotFoundException``. ``kms_message`` replaces what KMS
        is quoted as saying. Nothing runs: the invoke raises before an environment is used.
        """
        if error not in KMS_EXCEPTIONS:
            raise InvalidParameterValueException(
                f"'error' must be one of {', '.join(sorted(KMS_EXCEPTIONS))} (got {error!r})"
            )
        self._add("kms", name, times, KmsFailure(error, kms_message))

    def latency(self, name: Optional[str] = None, *, init: float = 0.0, invoke: float = 0.0) -> None:
        """Add simulated seconds to init and to every invoke, until ``clear()``.

        They show in the durations and in ``get_remaining_time_in_millis()``;
        an invoke whose latency reaches the timeout times out.
        """
        for label, value in (("init", init), ("invoke", invoke)):
            if not isinstance(value, (int, float)) or value < 0:
                raise InvalidParameterValueException(f"'{label}' must be seconds >= 0 (got {value!r})")
        with self._lock:
            self._latency[name] = Latency(float(init), float(invoke))

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._counted.clear()
            self._always_cold.clear()
            self._latency.clear()
            self._cold_seen = {}
            self._cold_generation = 0

    # --- what the simulator takes ------------------------------------------

    def _add(self, kind: str, name: Optional[str], times: int, value: object) -> None:
        if not isinstance(times, int) or isinstance(times, bool) or times < 1:
            raise InvalidParameterValueException(f"'times' must be an int >= 1 (got {times!r})")
        with self._lock:
            self._counted.setdefault((kind, name), []).extend([value] * times)

    @property
    def armed(self) -> bool:
        """Whether any fault is pending or set: when none is, an invoke looks none up."""
        return bool(self._counted or self._always_cold or self._latency or self._cold_generation)

    def take(self, kind: str, name: str) -> Optional[object]:
        """Consume and return the next pending fault of ``kind`` for ``name``, if any."""
        if kind == "cold_start" and self._cold_generation:
            with self._lock:
                if self._cold_seen.get(name, 0) < self._cold_generation:
                    self._cold_seen[name] = self._cold_generation
                    return True
        if not self._counted:
            return None
        with self._lock:
            for key in ((kind, name), (kind, None)):
                pending = self._counted.get(key)
                if pending:
                    value = pending.pop(0)
                    if not pending:
                        del self._counted[key]
                    return value
        return None

    def always_cold(self, name: str) -> bool:
        return bool(self._always_cold) and (name in self._always_cold or None in self._always_cold)

    def latency_for(self, name: str) -> Latency:
        if not self._latency:
            return NO_LATENCY
        with self._lock:
            return self._latency.get(name) or self._latency.get(None) or NO_LATENCY


NO_LATENCY = Latency()

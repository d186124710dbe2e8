"""Concurrency accounting: reserved concurrency per function and the account's limit (spec §5).

An invoke takes a slot before it may start or reuse an environment and gives it
back when it ends; with no slot free it is throttled at once, as Lambda does.
"""

from __future__ import annotations

import threading
from typing import Dict, Optional

from ._errors import InvalidParameterValueException, TooManyRequestsException

DEFAULT_ACCOUNT_LIMIT = 1000
MINIMUM_UNRESERVED = 100

ACCOUNT_REASON = "ConcurrentInvocationLimitExceeded"
FUNCTION_REASON = "ReservedFunctionConcurrentInvocationLimitExceeded"


class ConcurrencyLedger:
    """Counts running invokes per function and for the account's unreserved pool."""

    def __init__(self, account_limit: int = DEFAULT_ACCOUNT_LIMIT, minimum_unreserved: int = MINIMUM_UNRESERVED):
        if not isinstance(account_limit, int) or account_limit < 1:
            raise InvalidParameterValueException(
                f"'concurrency_limit' must be a positive int (got {account_limit!r})"
            )
        self.account_limit = account_limit
        self.minimum_unreserved = min(minimum_unreserved, account_limit)
        self._lock = threading.Lock()
        self._reserved: Dict[str, int] = {}
        self._running: Dict[str, int] = {}
        self._running_unreserved = 0

    # --- reservations -------------------------------------------------------

    def check_reservation(self, function_name: str, reserved: Optional[int]) -> None:
        """Raise AWS's error when ``reserved`` would leave too little unreserved concurrency."""
        if reserved is None:
            return
        with self._lock:
            others = sum(n for name, n in self._reserved.items() if name != function_name)
        if self.account_limit - others - reserved < self.minimum_unreserved:
            raise InvalidParameterValueException(
                "Specified ReservedConcurrentExecutions for function decreases account's "
                f"UnreservedConcurrentExecution below its minimum value of [{self.minimum_unreserved}]."
            )

    def reserve(self, function_name: str, reserved: Optional[int]) -> None:
        with self._lock:
            if reserved is None:
                self._reserved.pop(function_name, None)
            else:
                self._reserved[function_name] = reserved

    @property
    def unreserved(self) -> int:
        with self._lock:
            return self.account_limit - sum(self._reserved.values())

    # --- slots --------------------------------------------------------------

    def acquire(self, function_name: str) -> bool:
        """Take a slot for one invoke of ``function_name`` or raise ``TooManyRequestsException``.

        Returns whether the slot came from the unreserved pool; give it back to ``release``.
        """
        with self._lock:
            reserved = self._reserved.get(function_name)
            running = self._running.get(function_name, 0)
            if reserved is not None:
                if running >= reserved:
                    raise TooManyRequestsException("Rate Exceeded.", reason=FUNCTION_REASON)
            else:
                pool = self.account_limit - sum(self._reserved.values())
                if self._running_unreserved >= pool:
                    raise TooManyRequestsException("Rate Exceeded.", reason=ACCOUNT_REASON)
                self._running_unreserved += 1
            self._running[function_name] = running + 1
            return reserved is None

    def release(self, function_name: str, unreserved: bool) -> None:
        with self._lock:
            self._running[function_name] -= 1
            if unreserved:
                self._running_unreserved -= 1

    def running(self, function_name: str) -> int:
        with self._lock:
            return self._running.get(function_name, 0)

    def forget(self, function_name: str) -> None:
        with self._lock:
            self._reserved.pop(function_name, None)

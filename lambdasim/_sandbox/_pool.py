"""The environments of one function version: idle ones reused most recently used first."""

from __future__ import annotations

import threading
from typing import List, Optional

from ._environment import ExecutionEnvironment


class EnvironmentPool:
    """Idle and busy environments of one function version.

    ``acquire`` hands out the most recently used idle environment (Lambda's
    reuse order); ``release`` returns it. Retired environments (after an update
    or a forced cold start) are closed as soon as they are not busy.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: List[ExecutionEnvironment] = []
        self._busy: List[ExecutionEnvironment] = []
        self._retiring: set = set()

    def acquire(self, now: float, idle_timeout: Optional[float]) -> tuple:
        """Return ``(environment or None, expired environments to close)``."""
        with self._lock:
            expired = self._expire(now, idle_timeout)
            env = self._idle.pop() if self._idle else None
            if env is not None:
                self._busy.append(env)
        return env, expired

    def expire(self, now: float, idle_timeout: Optional[float]) -> List[ExecutionEnvironment]:
        """Remove and return idle environments unused for ``idle_timeout`` (simulated) seconds."""
        with self._lock:
            return self._expire(now, idle_timeout)

    def _expire(self, now: float, idle_timeout: Optional[float]) -> List[ExecutionEnvironment]:
        # The least recently used idle environment is first: nothing to do unless it has expired.
        if idle_timeout is None or not self._idle or now - self._idle[0].last_used < idle_timeout:
            return []
        expired = [env for env in self._idle if now - env.last_used >= idle_timeout]
        self._idle = [env for env in self._idle if env not in expired]
        return expired

    def add_busy(self, env: ExecutionEnvironment) -> None:
        with self._lock:
            self._busy.append(env)

    def release(self, env: ExecutionEnvironment, now: float) -> bool:
        """Put ``env`` back; return False when it must be closed instead."""
        env.last_used = now
        with self._lock:
            self._busy.remove(env)
            if env in self._retiring:
                self._retiring.discard(env)
                return False
            self._idle.append(env)
            return True

    def discard(self, env: ExecutionEnvironment) -> None:
        """Forget a busy environment that is being closed."""
        with self._lock:
            if env in self._busy:
                self._busy.remove(env)
            self._retiring.discard(env)

    def retire(self) -> List[ExecutionEnvironment]:
        """Retire every environment; return the idle ones, which the caller closes now."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._retiring.update(self._busy)
        return idle

    def environments(self) -> List[ExecutionEnvironment]:
        with self._lock:
            return [env for env in self._idle[::-1] + self._busy if env not in self._retiring]

    @property
    def busy_count(self) -> int:
        with self._lock:
            return len(self._busy)

"""The two clocks of the simulator, kept apart (DESIGN §3.3).

``monotonic()`` is real time for everything that waits on a process. It reads
``CLOCK_MONOTONIC`` through ``time.clock_gettime``, which freezegun and
time-machine leave alone, so deadlines hold while a test freezes time.

``wall()`` is simulated time: the wall clock as the test sees it, looked up on
every call so that freezegun or time-machine can move it (idle expiry, log
stream dates).
"""

from __future__ import annotations

import time
from typing import Optional

_clock_gettime = time.clock_gettime
_CLOCK_MONOTONIC = time.CLOCK_MONOTONIC
_CLOCK_REALTIME = time.CLOCK_REALTIME
_real_time = time.time
#: How far the test's clock may be from the real one and still count as real.
_SIMULATED_THRESHOLD = 0.5


def monotonic() -> float:
    """Seconds on the real monotonic clock."""
    return _clock_gettime(_CLOCK_MONOTONIC)


# The real wall clock, derived from the monotonic one: time-machine patches
# clock_gettime(CLOCK_REALTIME) itself while a test travels in time.
_REAL_WALL_OFFSET = _clock_gettime(_CLOCK_REALTIME) - _clock_gettime(_CLOCK_MONOTONIC)


def real_wall() -> float:
    """Seconds since the epoch on the real clock, whatever the test does to time."""
    return _clock_gettime(_CLOCK_MONOTONIC) + _REAL_WALL_OFFSET


def wall() -> float:
    """Seconds since the epoch on the test's (possibly simulated) clock."""
    return time.time()


def simulated_now() -> Optional[float]:
    """The test's wall-clock time when it is simulated (freezegun, time-machine), else None."""
    now = time.time()
    if time.time is _real_time and abs(now - real_wall()) < _SIMULATED_THRESHOLD:
        return None
    return now

"""When the test process polls for an answer instead of sleeping on it.

Waking a sleeping process from another CPU costs tens of microseconds on a VM:
more than a quick handler's whole invoke. So, while an environment answers
quickly, the test process polls for its answer for a short while before it
sleeps, and the runtime polls for the next invoke (docs/performance.md).
"""

from __future__ import annotations

import functools
import math
import os

#: How long the test process polls for an answer before it sleeps, when the
#: environment's last answer came within twice this. ``LAMBDASIM_SPIN_US``
#: changes it (0: never poll).
SPIN_SECONDS = 0.0002
#: The most ``LAMBDASIM_SPIN_US`` may ask for: polling is for quick answers.
_SPIN_LIMIT_US = 10_000


def spin_seconds() -> float:
    """How long to poll for an answer before sleeping: ``LAMBDASIM_SPIN_US``, else
    ``SPIN_SECONDS`` where two CPUs are there for the test process and the runtime
    (never with one: polling would hold the CPU the runtime needs)."""
    setting = os.environ.get("LAMBDASIM_SPIN_US")
    if setting is not None:
        try:
            microseconds = float(setting)
        except ValueError:
            microseconds = math.nan
        if not 0 <= microseconds <= _SPIN_LIMIT_US:
            raise ValueError(
                f"LAMBDASIM_SPIN_US must be microseconds from 0 to {_SPIN_LIMIT_US} (got {setting!r})"
            )
        return microseconds / 1e6
    return SPIN_SECONDS if cpus_available() >= 2 else 0.0


@functools.lru_cache(maxsize=None)
def cpus_available() -> float:
    """The CPUs this process may use: its affinity, capped by a cgroup CPU quota (v2 or v1).
    Read once per process (a read costs ~0.1 ms, a tenth of a fork)."""
    cpus = float(len(os.sched_getaffinity(0)))
    try:
        with open("/proc/self/cgroup") as lines:
            groups = dict(line.rstrip("\n").split(":", 2)[1:] for line in lines if line.count(":") >= 2)
    except OSError:
        return cpus
    candidates = []
    if "" in groups:  # cgroup v2: "max 100000" or "<quota> <period>"
        candidates.append((f"/sys/fs/cgroup{groups['']}/cpu.max", None))
    for names, path in groups.items():
        if "cpu" in names.split(","):
            base = f"/sys/fs/cgroup/{names}{path}"
            candidates.append((f"{base}/cpu.cfs_quota_us", f"{base}/cpu.cfs_period_us"))
    for quota_file, period_file in candidates:
        try:
            with open(quota_file) as quota:
                fields = quota.read().split()
            if period_file is not None:
                with open(period_file) as period:
                    fields.append(period.read().strip())
            if fields[0] not in ("max", "-1"):
                return min(cpus, int(fields[0]) / int(fields[1]))
        except (OSError, ValueError, IndexError):
            continue
    return cpus

"""Load with faults: many threads, many environments, crashes, timeouts and throttles at random.

Every invoke returns exactly one result or raises exactly one exception; none is
lost or recorded twice; request ids are unique; each invocation's log holds its
own platform lines and its own handler output only. See docs/reliability.md.
"""

import os
import random
import re
import signal
import threading

import pytest

from conftest import HANDLERS
from lambdasim import LambdaSim, TooManyRequestsException

MISBEHAVE = str(HANDLERS / "misbehave")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: The default run; LAMBDASIM_HEAVY=1 runs ten times as many invokes.
INVOKES = 1000 * (10 if os.environ.get("LAMBDASIM_HEAVY") else 1)
THREADS = 16
#: Functions each owned by one thread (so the faults it injects are the ones its invokes
#: get), and functions every thread shares, capped at one environment each (so concurrent
#: invokes are throttled for real): 48 + 2 = 50 environments at most.
OWNED_PER_THREAD = 3
SHARED = 2
SIGNALS = {signal.SIGKILL: "killed", signal.SIGSEGV: "segmentation fault", signal.SIGTERM: "terminated"}


def _check_logs(result, marker):
    """The log is this invocation's alone: its request id and, at most, its own marker."""
    rid = result.request_id
    lines = result.logs.splitlines()
    assert set(UUID.findall(result.logs)) <= {rid}, result.logs
    starts = [line for line in lines if line.startswith("START ")]
    assert starts == [f"START RequestId: {rid} Version: $LATEST"], result.logs
    assert lines.count(f"END RequestId: {rid}") == 1, result.logs
    assert lines[-1].startswith(f"REPORT RequestId: {rid}\t"), result.logs
    assert sum(line.startswith("REPORT ") for line in lines) == 1, result.logs
    assert [line for line in lines if line.startswith("marker ")] in ([], [f"marker {marker}"]), result.logs


def _expect(result, fault, marker):
    """Check ``result`` is what ``fault`` (None, ("crash", sig), ("exit", code), "timeout") gives."""
    rid = result.request_id
    if fault is None:
        assert result.function_error is None and result.payload == {"id": marker}, result.payload
    elif fault == "timeout":
        assert result.payload == {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {rid} Error: Task timed out after 3.00 seconds",
        }
    else:
        kind, value = fault
        reason = f"signal: {SIGNALS[value]}" if kind == "crash" else f"exit status {value}"
        assert result.payload == {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: {reason}",
        }
    _check_logs(result, marker)


def test_invokes_under_load_with_random_faults_are_each_answered_once(zygote):
    owned = [[f"own-{t}-{i}" for i in range(OWNED_PER_THREAD)] for t in range(THREADS)]
    shared = [f"shared-{i}" for i in range(SHARED)]
    outcomes = {}
    errors = []

    def work(sim, thread, count):
        rng = random.Random(thread)
        try:
            for n in range(count):
                marker = f"{thread}-{n}"
                if rng.random() < 0.2:
                    name, fault = rng.choice(shared), "shared"
                else:
                    name = rng.choice(owned[thread])
                    roll = rng.random()
                    fault = None
                    if roll < 0.08:
                        sig = rng.choice(sorted(SIGNALS))
                        sim.faults.crash(name, signal=sig)
                        fault = ("crash", sig)
                    elif roll < 0.12:
                        code = rng.randint(1, 255)
                        sim.faults.crash(name, exit_code=code)
                        fault = ("exit", code)
                    elif roll < 0.2:
                        sim.faults.timeout(name)
                        fault = "timeout"
                    elif roll < 0.3:
                        sim.faults.throttle(name, reason="CallerRateLimitExceeded")
                        fault = "throttle"
                try:
                    answer = sim.invoke(name, {"id": marker})
                except TooManyRequestsException as error:
                    answer = error
                assert marker not in outcomes
                outcomes[marker] = (name, fault, answer)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    with LambdaSim(zygote=zygote) as sim:
        for name in [n for names in owned for n in names]:
            sim.create_function(name, handler="app.marked", code=MISBEHAVE, timeout=3)
        for name in shared:
            sim.create_function(name, handler="app.marked", code=MISBEHAVE, timeout=3, reserved_concurrency=1)
        counts = [INVOKES // THREADS + (t < INVOKES % THREADS) for t in range(THREADS)]
        threads = [threading.Thread(target=work, args=(sim, t, counts[t])) for t in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(240)
        assert not any(thread.is_alive() for thread in threads), "an invoke hung"
        assert errors == []

        assert len(outcomes) == INVOKES  # every invoke came back, once
        request_ids = []
        kinds = {"ok": 0, "fault": 0, "throttle": 0, "shared-throttle": 0}
        for marker, (name, fault, answer) in outcomes.items():
            if isinstance(answer, TooManyRequestsException):
                assert fault in ("throttle", "shared"), (marker, fault)
                expected = "CallerRateLimitExceeded" if fault == "throttle" else (
                    "ReservedFunctionConcurrentInvocationLimitExceeded"
                )
                assert (answer.status_code, answer.reason) == (429, expected)
                kinds["throttle" if fault == "throttle" else "shared-throttle"] += 1
                continue
            assert fault != "throttle", marker
            _expect(answer, None if fault == "shared" else fault, marker)
            request_ids.append(answer.request_id)
            kinds["ok" if fault in (None, "shared") else "fault"] += 1
        assert len(set(request_ids)) == len(request_ids)  # unique request ids
        # The simulator's own record: each answered invoke once, no throttled one.
        recorded = [record.result.request_id for record in sim.invocations()]
        assert sorted(recorded) == sorted(request_ids)
        assert kinds["fault"] > 50 and kinds["throttle"] > 20 and kinds["ok"] > 500, kinds
        environments = sum(len(sim.environments(name)) for name in [*shared, *sum(owned, [])])
        assert environments <= 50
        # Everything still works afterwards.
        for name in [*shared, *sum(owned, [])]:
            assert sim.invoke(name, {"id": "after"}).payload == {"id": "after"}

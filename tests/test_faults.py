"""``sim.faults``: each injected fault behaves exactly as the real failure does (spec §3, §4, §1.3-§1.5, §10.4)."""

import json
import math
import re
import signal
import threading
import time

import pytest

from lambdasim import InvalidParameterValueException, LambdaSim, TooManyRequestsException
from conftest import LAMBDA_WARNING

#: Spec §10.4: every Reason the API model lists for TooManyRequestsException.
THROTTLE_REASONS = [
    "ConcurrentInvocationLimitExceeded",
    "ReservedFunctionConcurrentInvocationLimitExceeded",
    "FunctionInvocationRateLimitExceeded",
    "ReservedFunctionInvocationRateLimitExceeded",
    "CallerRateLimitExceeded",
    "ConcurrentSnapshotCreateLimitExceeded",
]
INIT_START = (
    r"INIT_START Runtime Version: python:3\.12\.v\d+\tRuntime Version ARN: "
    r"arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}\n"
)


def _elapsed(since):
    return time.monotonic() - since


def _environment_of(sim, result):
    """The id of the environment that ran ``result``."""
    return next(r.environment_id for r in sim.invocations() if r.request_id == result.request_id)


def _timeout_document(result, seconds):
    return (
        b'{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: ' + result.request_id.encode()
        + b" Error: Task timed out after " + seconds.encode() + b' seconds"}'
    )


def _exit_document(result, reason):
    return (
        b'{"errorType":"Runtime.ExitError","errorMessage":"RequestId: ' + result.request_id.encode()
        + b" Error: " + reason.encode() + b'"}'
    )


# --- cold_start -----------------------------------------------------------------


def test_cold_start_fault_makes_the_next_invoke_start_a_new_environment(sim, basic):
    basic("count")
    first = sim.invoke("count")
    assert sim.invoke("count").payload["count"] == 2
    old = sim.environments("count")[0]
    sim.faults.cold_start("count")
    cold = sim.invoke("count")
    assert cold.cold_start is True
    assert cold.init_duration_ms is not None
    assert cold.logs.startswith("INIT_START ")
    assert cold.payload["count"] == 1  # a new process: module globals start over
    assert cold.payload["pid"] != first.payload["pid"]
    new = sim.environments("count")
    assert [env.id for env in new] == [_environment_of(sim, cold)]
    assert new[0].id != old.id
    assert new[0].log_stream_name != old.log_stream_name
    assert old.state == "closed"
    # The fault is consumed: the environment is warm again afterwards.
    warm = sim.invoke("count")
    assert warm.cold_start is False
    assert warm.payload["count"] == 2


def test_cold_start_fault_for_one_function_leaves_the_others_warm(sim, basic):
    basic("count", name="a")
    basic("count", name="b")
    sim.invoke("a")
    sim.invoke("b")
    sim.faults.cold_start("a")
    assert sim.invoke("b").cold_start is False
    assert sim.invoke("a").cold_start is True


def test_cold_start_fault_on_a_cold_function_is_consumed_by_its_first_invoke(sim, basic):
    basic("count")
    sim.faults.cold_start("count")
    assert sim.invoke("count").cold_start is True
    assert sim.invoke("count").cold_start is False


def test_cold_start_fault_without_a_name_makes_the_next_invoke_of_every_function_cold(sim, basic):
    basic("count", name="a")
    basic("count", name="b")
    sim.invoke("a")
    sim.invoke("b")
    sim.faults.cold_start()
    assert sim.invoke("a").cold_start is True
    assert sim.invoke("b").cold_start is True
    assert [sim.invoke("a").cold_start, sim.invoke("b").cold_start] == [False, False]


def test_cold_start_always_makes_every_invoke_of_the_function_cold(sim, basic):
    basic("count")
    basic("count", name="other")
    sim.invoke("other")
    sim.faults.cold_start("count", always=True)
    results = [sim.invoke("count") for _ in range(3)]
    assert [r.cold_start for r in results] == [True, True, True]
    assert [r.payload["count"] for r in results] == [1, 1, 1]
    assert len({_environment_of(sim, r) for r in results}) == 3
    assert sim.environments("count") == []  # each one is closed after its invoke
    assert sim.invoke("other").cold_start is False


def test_lambda_sim_cold_start_always_makes_every_invoke_cold(zygote):
    with LambdaSim(zygote=zygote, cold_start="always") as sim:
        sim.create_function("count", handler="app.count", code="tests/handlers/basic")
        results = [sim.invoke("count") for _ in range(3)]
        assert [r.cold_start for r in results] == [True, True, True]
        assert [r.payload["count"] for r in results] == [1, 1, 1]
        assert all(r.logs.startswith("INIT_START ") for r in results)


def test_lambda_sim_cold_start_rejects_an_unknown_mode(zygote):
    with pytest.raises(InvalidParameterValueException, match=r"'cold_start' must be .*\(got 'never'\)"):
        LambdaSim(zygote=zygote, cold_start="never")


def test_clear_ends_cold_start_always(sim, basic):
    basic("count")
    sim.faults.cold_start("count", always=True)
    assert sim.invoke("count").cold_start is True
    sim.faults.clear()
    assert sim.invoke("count").cold_start is True  # nothing warm was kept
    assert sim.invoke("count").cold_start is False


def test_clear_keeps_the_simulators_cold_start_mode(zygote):
    with LambdaSim(zygote=zygote, cold_start="always") as sim:
        sim.create_function("count", handler="app.count", code="tests/handlers/basic")
        sim.invoke("count")
        sim.faults.clear()
        assert sim.invoke("count").cold_start is True
        assert sim.invoke("count").cold_start is True


# --- throttle -------------------------------------------------------------------


def test_throttle_raises_too_many_requests_exactly_as_lambda_does(sim, basic):
    basic("echo")
    sim.faults.throttle("echo")
    with pytest.raises(TooManyRequestsException) as caught:
        sim.invoke("echo", {"a": 1})
    error = caught.value
    assert error.code == "TooManyRequestsException"
    assert error.status_code == 429
    assert error.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert error.message == "Rate Exceeded."
    assert str(error) == "Rate Exceeded."
    assert error.message_key == "message"


@pytest.mark.parametrize("reason", THROTTLE_REASONS)
def test_throttle_carries_the_reason_asked_for(sim, basic, reason):
    basic("echo")
    sim.faults.throttle("echo", reason=reason)
    with pytest.raises(TooManyRequestsException) as caught:
        sim.invoke("echo")
    assert caught.value.reason == reason
    assert caught.value.message == "Rate Exceeded."


def test_throttle_never_starts_an_environment(sim, basic):
    basic("count")
    sim.faults.throttle("count")
    with pytest.raises(TooManyRequestsException):
        sim.invoke("count")
    assert sim.environments("count") == []
    assert sim.invocations("count") == []
    # The first invoke that gets through is the function's first cold start.
    assert sim.invoke("count").cold_start is True


def test_throttle_times_then_invokes_work_again_in_the_same_warm_environment(sim, basic):
    basic("count")
    sim.invoke("count")
    env = sim.environments("count")[0]
    sim.faults.throttle("count", times=2)
    for _ in range(2):
        with pytest.raises(TooManyRequestsException):
            sim.invoke("count")
    assert env.invocations == 1  # the throttled invokes never reached it
    after = sim.invoke("count")
    assert after.cold_start is False
    assert after.payload["count"] == 2
    assert sim.environments("count") == [env]


# --- timeout --------------------------------------------------------------------


def test_timeout_fault_returns_the_timeout_document_and_report_without_waiting(sim, basic):
    basic("stateful", timeout=30)
    sim.invoke("stateful")
    sim.faults.timeout("stateful")
    started = time.monotonic()
    result = sim.invoke("stateful")
    assert _elapsed(started) < 15  # the configured 30 s were not waited
    assert result.status_code == 200
    assert result.function_error == "Unhandled"
    assert result.raw_payload == _timeout_document(result, "30.00")
    rid = re.escape(result.request_id)
    assert re.fullmatch(
        rf"START RequestId: {rid} Version: \$LATEST\n"
        rf"END RequestId: {rid}\n"
        rf"REPORT RequestId: {rid}\tDuration: 30000\.00 ms\tBilled Duration: 30000 ms"
        r"\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tStatus: timeout\n",
        result.logs,
    ), result.logs
    assert result.duration_ms == 30000.0
    assert result.billed_duration_ms == 30000


def test_timeout_fault_formats_the_configured_timeout_with_two_decimals(sim, basic):
    basic("echo", timeout=7)
    sim.faults.timeout("echo")
    result = sim.invoke("echo")
    assert result.raw_payload == _timeout_document(result, "7.00")


def test_timeout_fault_resets_globals_but_keeps_tmp(sim, basic):
    basic("stateful", timeout=30)
    first = sim.invoke("stateful", {"note": "written before the timeout"})
    assert sim.invoke("stateful").payload["count"] == 2
    env = sim.environments("stateful")[0]
    sim.faults.timeout("stateful")
    assert json.loads(sim.invoke("stateful").raw_payload)["errorType"] == "Sandbox.Timedout"
    assert env.state == "reset"
    after = sim.invoke("stateful")
    assert after.cold_start is True
    assert after.payload["count"] == 1  # module globals were lost with the process
    assert after.payload["note"] == "written before the timeout"  # /tmp was kept
    assert after.payload["pid"] != first.payload["pid"]
    assert sim.environments("stateful") == [env]  # the same sandbox and log stream


def test_timeout_fault_times_out_the_next_n_invokes_then_invokes_succeed(sim, basic):
    basic("echo", timeout=30)
    sim.faults.timeout("echo", times=2)
    started = time.monotonic()
    results = [sim.invoke("echo", {"n": n}) for n in range(3)]
    assert _elapsed(started) < 15
    assert [json.loads(r.raw_payload).get("errorType") for r in results[:2]] == ["Sandbox.Timedout"] * 2
    assert results[2].function_error is None
    assert results[2].payload == {"n": 2}


# --- crash ----------------------------------------------------------------------

CRASHES = [
    pytest.param(
        {}, "Runtime exited with error: signal: killed", id="default-sigkill",
    ),
    pytest.param(
        {"signal": signal.SIGKILL}, "Runtime exited with error: signal: killed", id="sigkill",
    ),
    pytest.param({"signal": signal.SIGSEGV}, "Runtime exited with error: signal: segmentation fault", id="sigsegv"),
    pytest.param({"signal": signal.SIGABRT}, "Runtime exited with error: signal: aborted", id="sigabrt"),
    pytest.param({"signal": signal.SIGTERM}, "Runtime exited with error: signal: terminated", id="sigterm"),
    pytest.param({"signal": signal.SIGBUS}, "Runtime exited with error: signal: bus error", id="sigbus"),
    pytest.param({"exit_code": 7}, "Runtime exited with error: exit status 7", id="exit-7"),
    pytest.param({"exit_code": 1}, "Runtime exited with error: exit status 1", id="exit-1"),
    pytest.param({"exit_code": 0}, "Runtime exited without providing a reason", id="exit-0"),
]


@pytest.mark.parametrize("how, reason", CRASHES)
def test_crash_fault_ends_the_runtime_with_lambdas_exit_error(sim, basic, how, reason):
    basic("stateful")
    sim.invoke("stateful", {"note": "kept"})
    sim.faults.crash("stateful", **how)
    result = sim.invoke("stateful")
    assert result.status_code == 200
    assert result.function_error == "Unhandled"
    assert result.raw_payload == _exit_document(result, reason)
    rid = re.escape(result.request_id)
    assert re.fullmatch(
        rf"START RequestId: {rid} Version: \$LATEST\n"
        rf"RequestId: {rid} Error: {re.escape(reason)}\nRuntime\.ExitError\n"
        rf"END RequestId: {rid}\n"
        rf"REPORT RequestId: {rid}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms"
        r"\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tStatus: error\tError Type: Runtime\.ExitError\n",
        result.logs,
    ), result.logs
    # The environment is reset as after a timeout: next invoke cold, globals lost, /tmp kept.
    after = sim.invoke("stateful")
    assert after.cold_start is True
    assert after.payload["count"] == 1
    assert after.payload["note"] == "kept"


def test_crash_fault_times_crashes_the_next_n_invokes(sim, basic):
    basic("echo")
    sim.faults.crash("echo", times=2, exit_code=3)
    results = [sim.invoke("echo", {"n": n}) for n in range(3)]
    assert [r.raw_payload for r in results[:2]] == [
        _exit_document(r, "Runtime exited with error: exit status 3") for r in results[:2]
    ]
    assert [r.cold_start for r in results] == [True, True, True]
    assert results[2].payload == {"n": 2}


# --- init_error -----------------------------------------------------------------


def test_init_error_fault_fails_the_next_cold_start_as_a_real_init_failure(sim, basic):
    basic("count")
    message = "Unable to import module 'lambda_function': injected by sim.faults.init_error"
    sim.faults.init_error("count")
    result = sim.invoke("count")
    assert result.status_code == 200
    assert result.function_error == "Unhandled"
    expected = {"errorMessage": message, "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}
    assert result.raw_payload == json.dumps(expected).encode()  # spec §1.3: key order, separators
    rid = re.escape(result.request_id)
    match = re.fullmatch(
        INIT_START
        + r"\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t\t" + re.escape(LAMBDA_WARNING) + r"\n"
        + re.escape(f"[ERROR] Runtime.ImportModuleError: {message}\nTraceback (most recent call last):\n")
        + r"INIT_REPORT Init Duration: (?P<init>\d+\.\d\d) ms\tPhase: init\tStatus: error"
        r"\tError Type: Runtime\.ImportModuleError\n"
        rf"START RequestId: {rid} Version: \$LATEST\n"
        rf"END RequestId: {rid}\n"
        rf"REPORT RequestId: {rid}\tDuration: (?P<duration>\d+\.\d\d) ms\tBilled Duration: (?P<billed>\d+) ms"
        r"\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tStatus: error\tError Type: Runtime\.ImportModuleError\n",
        result.logs,
    )
    assert match, result.logs
    assert int(match["billed"]) == math.ceil(float(match["duration"]))
    # The fault is consumed: the next invoke runs init again, and it succeeds.
    after = sim.invoke("count")
    assert after.cold_start is True
    assert after.function_error is None
    assert after.payload["count"] == 1
    assert sim.invoke("count").cold_start is False


def test_init_error_fault_with_its_own_error_reports_runtime_unknown(sim, basic):
    basic("echo")
    sim.faults.init_error("echo", error_type="KeyError", error_message="'TABLE_NAME'")
    result = sim.invoke("echo")
    assert result.raw_payload == (
        b'{"errorMessage": "\'TABLE_NAME\'", "errorType": "KeyError", "requestId": "", "stackTrace": []}'
    )
    lines = result.logs.splitlines()
    assert "[ERROR] KeyError: 'TABLE_NAME'" in lines
    assert lines[lines.index("[ERROR] KeyError: 'TABLE_NAME'") + 1] == "Traceback (most recent call last):"
    # Spec §1.5: an error type that is not Runtime.* is reported as Runtime.Unknown by the platform.
    assert [line for line in lines if line.startswith("INIT_REPORT ")][0].endswith(
        "\tPhase: init\tStatus: error\tError Type: Runtime.Unknown"
    )
    assert [line for line in lines if line.startswith("REPORT ")][0].endswith(
        "\tStatus: error\tError Type: Runtime.Unknown"
    )
    assert sim.invoke("echo", {"ok": True}).payload == {"ok": True}


def test_init_error_fault_times_fails_the_next_n_inits(sim, basic):
    basic("echo")
    sim.faults.init_error("echo", times=2)
    results = [sim.invoke("echo", {"n": n}) for n in range(3)]
    assert [r.cold_start for r in results] == [True, True, True]
    assert [json.loads(r.raw_payload)["requestId"] for r in results[:2]] == ["", ""]
    assert results[2].payload == {"n": 2}


def test_init_error_fault_waits_for_the_next_cold_start(sim, basic):
    basic("count")
    sim.invoke("count")
    sim.faults.init_error("count")
    warm = sim.invoke("count")
    assert warm.cold_start is False
    assert warm.function_error is None
    sim.faults.cold_start("count")
    cold = sim.invoke("count")
    assert cold.cold_start is True
    assert json.loads(cold.raw_payload)["errorType"] == "Runtime.ImportModuleError"


# --- latency --------------------------------------------------------------------


def _report_line(result):
    return [line for line in result.logs.splitlines() if line.startswith("REPORT ")][0]


def test_latency_shows_in_durations_and_the_report_without_waiting(sim, basic):
    basic("remaining", timeout=30)
    sim.faults.latency("remaining", init=2, invoke=5)
    started = time.monotonic()
    cold = sim.invoke("remaining")
    assert _elapsed(started) < 3.5  # 7 simulated seconds were not waited
    assert cold.init_duration_ms >= 2000
    assert cold.duration_ms >= 5000
    assert cold.billed_duration_ms == math.ceil(round(cold.duration_ms + cold.init_duration_ms, 6))
    assert _report_line(cold) == (
        f"REPORT RequestId: {cold.request_id}\tDuration: {cold.duration_ms:.2f} ms"
        f"\tBilled Duration: {cold.billed_duration_ms} ms\tMemory Size: 128 MB"
        f"\tMax Memory Used: {cold.max_memory_used_mb} MB\tInit Duration: {cold.init_duration_ms:.2f} ms\t"
    )
    warm = sim.invoke("remaining")  # the latency stays until clear()
    assert warm.init_duration_ms is None
    assert warm.duration_ms >= 5000
    assert f"\tDuration: {warm.duration_ms:.2f} ms\t" in _report_line(warm)


def test_invoke_latency_uses_up_the_remaining_time(sim, basic):
    basic("remaining", timeout=30)
    sim.faults.latency("remaining", invoke=10)
    remaining = sim.invoke("remaining").payload
    assert 15_000 < remaining <= 20_000


def test_init_latency_leaves_the_invoke_its_whole_timeout(sim, basic):
    basic("remaining", timeout=30)
    sim.faults.latency("remaining", init=10)
    result = sim.invoke("remaining")
    assert result.init_duration_ms >= 10_000
    assert 25_000 < result.payload <= 30_000


def test_clear_removes_latency(sim, basic):
    basic("remaining", timeout=30)
    sim.faults.latency("remaining", invoke=10)
    assert sim.invoke("remaining").duration_ms >= 10_000
    sim.faults.clear()
    result = sim.invoke("remaining")
    assert result.duration_ms < 5_000
    assert result.payload > 25_000


def test_invoke_latency_that_reaches_the_timeout_times_out(sim, basic):
    basic("remaining", timeout=30)
    sim.faults.latency("remaining", invoke=30)
    started = time.monotonic()
    result = sim.invoke("remaining")
    assert _elapsed(started) < 15
    assert result.raw_payload == _timeout_document(result, "30.00")
    assert _report_line(result).endswith("\tStatus: timeout")
    assert result.duration_ms == 30000.0


def test_invoke_latency_shortens_the_real_time_a_handler_has(sim, basic):
    # 1.5 of the 2 seconds are used up by the latency: a 1 s sleep no longer fits.
    basic("sleep", timeout=2)
    sim.faults.latency("sleep", invoke=1.5)
    result = sim.invoke("sleep", {"seconds": 1})
    assert result.raw_payload == _timeout_document(result, "2.00")
    assert result.duration_ms == 2000.0


# --- clear, isolation, precedence, validation --------------------------------------


def test_clear_drops_every_pending_fault(sim, basic):
    basic("count", timeout=30)
    sim.invoke("count")
    faults = sim.faults
    faults.throttle("count")
    faults.timeout("count")
    faults.crash("count", exit_code=1)
    faults.init_error("count")
    faults.cold_start("count")
    faults.latency("count", invoke=10)
    faults.throttle()
    faults.timeout()
    faults.clear()
    result = sim.invoke("count")
    assert result.function_error is None
    assert result.cold_start is False
    assert result.payload["count"] == 2
    assert result.duration_ms < 5_000


def test_faults_belong_to_one_simulator(zygote, sim, basic):
    basic("echo", timeout=30)
    with LambdaSim(zygote=zygote) as other:
        other.create_function("echo", handler="app.echo", code="tests/handlers/basic", timeout=30)
        other.faults.throttle("echo")
        other.faults.timeout()
        assert sim.invoke("echo", {"here": 1}).payload == {"here": 1}
        sim.faults.crash("echo", exit_code=2)
        with pytest.raises(TooManyRequestsException):
            other.invoke("echo")
        assert json.loads(other.invoke("echo").raw_payload)["errorType"] == "Sandbox.Timedout"
        assert other.invoke("echo", {"there": 1}).payload == {"there": 1}
    assert json.loads(sim.invoke("echo").raw_payload)["errorType"] == "Runtime.ExitError"


def test_a_fault_for_the_function_wins_over_one_for_every_function(sim, basic):
    basic("echo", name="a")
    basic("echo", name="b")
    sim.faults.throttle(reason="CallerRateLimitExceeded")
    sim.faults.throttle("a", reason="FunctionInvocationRateLimitExceeded")
    with pytest.raises(TooManyRequestsException) as on_a:
        sim.invoke("a")
    assert on_a.value.reason == "FunctionInvocationRateLimitExceeded"
    with pytest.raises(TooManyRequestsException) as on_b:
        sim.invoke("b")
    assert on_b.value.reason == "CallerRateLimitExceeded"
    assert sim.invoke("a", {"ok": 1}).payload == {"ok": 1}


def test_a_latency_for_the_function_replaces_the_one_for_every_function(sim, basic):
    basic("echo", name="a", timeout=30)
    basic("echo", name="b", timeout=30)
    sim.faults.latency(invoke=1)
    sim.faults.latency("a", invoke=3)
    assert 3_000 <= sim.invoke("a").duration_ms < 3_900
    assert 1_000 <= sim.invoke("b").duration_ms < 2_900


def test_a_crash_for_the_function_is_used_before_one_for_every_function(sim, basic):
    basic("echo", name="a")
    basic("echo", name="b")
    sim.faults.crash(exit_code=7)
    sim.faults.crash("a", exit_code=9)
    on_a = sim.invoke("a")
    assert on_a.raw_payload == _exit_document(on_a, "Runtime exited with error: exit status 9")
    on_b = sim.invoke("b")
    assert on_b.raw_payload == _exit_document(on_b, "Runtime exited with error: exit status 7")
    assert sim.invoke("a", {"ok": 1}).payload == {"ok": 1}


@pytest.mark.parametrize(
    "inject, message",
    [
        (lambda f: f.throttle("f", times=0), r"'times' must be .*\(got 0\)"),
        (lambda f: f.timeout("f", times=0), r"'times' must be .*\(got 0\)"),
        (lambda f: f.crash("f", times=0), r"'times' must be .*\(got 0\)"),
        (lambda f: f.init_error("f", times=0), r"'times' must be .*\(got 0\)"),
        (lambda f: f.timeout("f", times=-1), r"'times' must be .*\(got -1\)"),
        (lambda f: f.timeout("f", times=1.5), r"'times' must be .*\(got 1\.5\)"),
        (lambda f: f.timeout("f", times=True), r"'times' must be .*\(got True\)"),
        (lambda f: f.throttle("f", reason="Busy"), r"'reason' must be one of .*\(got 'Busy'\)"),
        (lambda f: f.crash("f", exit_code=1, signal=signal.SIGSEGV), r"'exit_code' or 'signal', not both"),
        (lambda f: f.crash("f", exit_code=256), r"'exit_code' must be .*\(got 256\)"),
        (lambda f: f.crash("f", exit_code=-1), r"'exit_code' must be .*\(got -1\)"),
        (lambda f: f.latency("f", invoke=-1), r"'invoke' must be .*\(got -1\)"),
        (lambda f: f.latency("f", init="1"), r"'init' must be .*\(got '1'\)"),
    ],
    ids=[
        "throttle-times-0", "timeout-times-0", "crash-times-0", "init-error-times-0", "times-negative",
        "times-float", "times-bool", "unknown-reason", "exit-code-and-signal", "exit-code-too-big",
        "exit-code-negative", "negative-latency", "latency-not-a-number",
    ],
)
def test_bad_fault_arguments_are_rejected_with_what_was_expected_and_what_came(sim, basic, inject, message):
    basic("echo", name="f")
    with pytest.raises(InvalidParameterValueException, match=message):
        inject(sim.faults)
    # Nothing was injected.
    assert sim.invoke("f", {"ok": 1}).payload == {"ok": 1}


def test_unknown_throttle_reason_lists_the_valid_ones(sim):
    with pytest.raises(InvalidParameterValueException) as caught:
        sim.faults.throttle(reason="Busy")
    for reason in THROTTLE_REASONS:
        assert reason in str(caught.value)


def test_unknown_crash_signal_is_rejected_like_the_other_bad_arguments(sim):
    with pytest.raises(InvalidParameterValueException, match=r"'signal' must be .*\(got 999\)"):
        sim.faults.crash(signal=999)


def test_an_invoke_throttled_by_concurrency_does_not_consume_a_fault(sim, basic):
    basic("echo", timeout=30)
    sim.put_function_concurrency("echo", 0)
    sim.faults.timeout("echo")
    with pytest.raises(TooManyRequestsException):
        sim.invoke("echo")
    sim.delete_function_concurrency("echo")
    result = sim.invoke("echo")
    assert result.raw_payload == _timeout_document(result, "30.00")


def test_faults_are_safe_to_inject_from_several_threads(sim, basic):
    basic("echo")
    threads = [threading.Thread(target=sim.faults.throttle, args=("echo",)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    for _ in range(8):
        with pytest.raises(TooManyRequestsException):
            sim.invoke("echo")
    assert sim.invoke("echo", {"ok": 1}).payload == {"ok": 1}

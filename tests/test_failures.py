"""Lambda's failure semantics: timeouts, crashes, out of memory, throttling, size limits."""

import json
import re
import threading

import pytest

from conftest import HANDLERS
from lambdasim import InvalidParameterValueException, LambdaSim, TooManyRequestsException

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _lines(result):
    return result.logs.splitlines(keepends=True)


# --- timeouts ---------------------------------------------------------------


def test_timeout_returns_the_sandbox_timedout_document_with_the_configured_timeout(sim, basic):
    basic("sleep", timeout=1)
    result = sim.invoke("sleep", {"seconds": 30})
    assert result.function_error == "Unhandled"
    assert result.status_code == 200
    assert result.raw_payload == (
        b'{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: '
        + result.request_id.encode()
        + b' Error: Task timed out after 1.00 seconds"}'
    )


def test_timeout_report_is_clamped_to_the_timeout_with_status_timeout(sim, basic):
    basic("sleep", timeout=1)
    sim.invoke("sleep", {"seconds": 0})
    result = sim.invoke("sleep", {"seconds": 30})
    lines = _lines(result)
    assert lines[0] == f"START RequestId: {result.request_id} Version: $LATEST\n"
    assert "starting wait\n" in lines and "done waiting\n" not in lines
    assert lines[-2] == f"END RequestId: {result.request_id}\n"
    assert re.fullmatch(
        rf"REPORT RequestId: {result.request_id}\tDuration: 1000\.00 ms\tBilled Duration: 1000 ms"
        r"\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tStatus: timeout\n",
        lines[-1],
    )
    assert result.duration_ms == 1000.0


def test_timeout_resets_globals_but_keeps_tmp(sim, basic):
    basic("stateful", timeout=1)
    first = sim.invoke("stateful", {"note": "written before the timeout"})
    assert sim.invoke("stateful").payload["count"] == 2
    stream = sim.environments("stateful")[0].log_stream_name
    timed_out = sim.invoke("stateful", {"sleep": 30})
    assert json.loads(timed_out.raw_payload)["errorType"] == "Sandbox.Timedout"
    after = sim.invoke("stateful")
    assert after.cold_start is True
    assert after.payload["count"] == 1  # module globals were lost with the process
    assert after.payload["note"] == "written before the timeout"  # /tmp was kept
    assert after.payload["pid"] != first.payload["pid"]
    assert [env.log_stream_name for env in sim.environments("stateful")] == [stream]


def test_after_a_timeout_the_same_sandbox_re_initializes_with_tmp_kept(sim):
    code = str(HANDLERS / "slow_init")
    sim.create_function("f", handler="app.handler", code=code, timeout=1, environment={"SLOW_INIT_SECONDS": "0"})
    assert sim.invoke("f").payload == {"inits": 1}
    env = sim.environments("f")[0]
    assert sim.invoke("f").cold_start is False
    env.reset()  # what a timeout does to the runtime process
    again = sim.invoke("f")
    assert again.cold_start is True
    assert again.payload == {"inits": 2}  # the counter file in /tmp survived the reset
    assert sim.environments("f") == [env]


def test_remaining_time_counts_down_to_the_deadline(sim, basic):
    basic("remaining", timeout=2)
    remaining = sim.invoke("remaining").payload
    assert 1000 < remaining <= 2000


def test_init_over_its_limit_is_retried_as_a_suppressed_init(zygote):
    with LambdaSim(zygote=zygote, init_timeout=0.3) as sim:
        sim.create_function(
            "slow", handler="app.handler", code=str(HANDLERS / "slow_init"), timeout=3,
            environment={"SLOW_INIT_SECONDS": "0.5"},
        )
        result = sim.invoke("slow")
    assert result.payload == {"inits": 2}
    assert re.search(r"^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: timeout\n", result.logs, re.M)
    assert result.logs.count("init starting\n") == 2


def test_suppressed_init_that_overruns_the_function_timeout_times_out(zygote):
    with LambdaSim(zygote=zygote, init_timeout=0.2) as sim:
        sim.create_function(
            "slow", handler="app.handler", code=str(HANDLERS / "slow_init"), timeout=1,
            environment={"SLOW_INIT_SECONDS": "5"},
        )
        result = sim.invoke("slow")
    assert json.loads(result.raw_payload) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert "INIT_REPORT Init Duration: 1000.00 ms\tPhase: invoke\tStatus: timeout\n" in result.logs


# --- crashes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "how, reason",
    [
        ("exit0", "Runtime exited without providing a reason"),
        ("exit1", "Runtime exited with error: exit status 1"),
        ("exit_msg", "Runtime exited with error: exit status 1"),
        ("os_exit", "Runtime exited with error: exit status 3"),
        ("segfault", "Runtime exited with error: signal: segmentation fault"),
        ("abort", "Runtime exited with error: signal: aborted"),
        ("sigkill", "Runtime exited with error: signal: killed"),
    ],
)
def test_process_exit_in_a_handler_is_a_runtime_exit_error(sim, basic, how, reason):
    fn = basic("exit_with")
    sim.invoke(fn, {"how": "none"})
    result = sim.invoke(fn, {"how": how})
    rid = result.request_id
    assert result.function_error == "Unhandled"
    assert result.raw_payload == json.dumps(
        {"errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {rid} Error: {reason}"},
        separators=(",", ":"),
    ).encode()
    lines = _lines(result)
    assert f"RequestId: {rid} Error: {reason}\n" in lines
    assert lines[lines.index(f"RequestId: {rid} Error: {reason}\n") + 1] == "Runtime.ExitError\n"
    assert re.fullmatch(
        rf"REPORT RequestId: {rid}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB"
        r"\tMax Memory Used: \d+ MB\tStatus: error\tError Type: Runtime.ExitError\n",
        lines[-1],
    )
    # The environment is reset: the next invoke re-runs init.
    assert sim.invoke(fn, {"how": "none"}).cold_start is True


def test_sys_exit_message_reaches_the_logs(sim, basic):
    fn = basic("exit_with")
    assert "goodbye\n" in sim.invoke(fn, {"how": "exit_msg"}).logs


def test_exit_during_init_has_no_request_id_in_the_message(sim):
    sim.create_function("x", handler="exits_at_import.handler", code=str(HANDLERS / "broken"))
    result = sim.invoke("x")
    assert json.loads(result.raw_payload) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": "Error: Runtime exited with error: exit status 1",
    }
    assert "INIT_REPORT Init Duration: " in result.logs
    assert "\tPhase: init\tStatus: error\tError Type: Runtime.ExitError\n" in result.logs


# --- memory -----------------------------------------------------------------


def test_exceeding_memory_size_kills_the_environment_as_out_of_memory(sim, basic):
    basic("allocate")
    small = sim.invoke("allocate", {"mb": 10})
    assert small.payload == 1 and 10 < small.max_memory_used_mb < 128
    result = sim.invoke("allocate", {"mb": 400, "hold": 2})
    rid = result.request_id
    assert json.loads(result.raw_payload) == {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: signal: killed",
    }
    assert result.max_memory_used_mb == 128
    assert result.logs.endswith("\tMax Memory Used: 128 MB\tStatus: error\tError Type: Runtime.OutOfMemory\n")
    assert sim.invoke("allocate", {"mb": 1}).cold_start is True


# --- concurrency ------------------------------------------------------------


def test_reserved_concurrency_zero_throttles_every_invoke_without_starting_an_environment(sim, basic):
    basic("echo", reserved_concurrency=0)
    with pytest.raises(TooManyRequestsException) as caught:
        sim.invoke("echo")
    error = caught.value
    assert (error.status_code, error.code, error.reason, error.message) == (
        429, "TooManyRequestsException", "ReservedFunctionConcurrentInvocationLimitExceeded", "Rate Exceeded."
    )
    assert sim.environments("echo") == []


def _invoke_concurrently(sim, name, event, count):
    outcomes, gate = [], threading.Barrier(count)

    def call():
        gate.wait(10)
        try:
            outcomes.append(sim.invoke(name, event).payload)
        except TooManyRequestsException as error:
            outcomes.append(error.reason)

    threads = [threading.Thread(target=call) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return sorted(map(str, outcomes))


def test_reserved_concurrency_caps_concurrent_environments(sim, basic):
    basic("sleep", reserved_concurrency=2)
    outcomes = _invoke_concurrently(sim, "sleep", {"seconds": 0.5}, 3)
    assert outcomes == ["ReservedFunctionConcurrentInvocationLimitExceeded", "slept", "slept"]
    assert len(sim.environments("sleep")) == 2


def test_account_limit_throttles_unreserved_functions(zygote):
    with LambdaSim(zygote=zygote, concurrency_limit=2, minimum_unreserved=0) as sim:
        sim.create_function("sleep", handler="app.sleep", code=str(HANDLERS / "basic"))
        outcomes = _invoke_concurrently(sim, "sleep", {"seconds": 0.5}, 3)
    assert outcomes == ["ConcurrentInvocationLimitExceeded", "slept", "slept"]


def test_at_least_100_concurrent_executions_stay_unreserved(sim, basic):
    basic("echo", reserved_concurrency=900)
    with pytest.raises(InvalidParameterValueException) as caught:
        basic("count", reserved_concurrency=1)
    assert caught.value.message == (
        "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100]."
    )
    assert sim.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 100


def test_function_concurrency_can_be_put_read_and_deleted(sim, basic):
    basic("echo")
    assert sim.get_function_concurrency("echo") == {}
    assert sim.put_function_concurrency("echo", 0) == {"ReservedConcurrentExecutions": 0}
    with pytest.raises(TooManyRequestsException):
        sim.invoke("echo")
    assert sim.get_function("echo")["Concurrency"] == {"ReservedConcurrentExecutions": 0}
    sim.delete_function_concurrency("echo")
    assert sim.get_function_concurrency("echo") == {}
    assert sim.invoke("echo", {"a": 1}).payload == {"a": 1}


# --- payload limits ---------------------------------------------------------


def test_response_over_6mb_is_function_response_size_too_large(sim, basic):
    fn = basic("big_response")
    result = sim.invoke(fn, {"size": 6_291_556})
    assert result.function_error == "Unhandled"
    assert result.raw_payload == (
        b'{"errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).", '
        b'"errorType": "Function.ResponseSizeTooLarge"}'
    )
    assert "\tStatus: error\tError Type: Function.ResponseSizeTooLarge\n" in result.logs


def test_response_at_the_limit_is_returned(sim, basic):
    fn = basic("big_response")
    result = sim.invoke(fn, {"size": 6_291_554})
    assert result.function_error is None and len(result.raw_payload) == 6_291_556


@pytest.mark.parametrize(
    "event, reason",
    [
        ({}, "Runtime exited with error: signal: interrupt"),
        ({"signal": "SIGTERM"}, "Runtime exited with error: signal: terminated"),
        ({"base_exception": True}, "Runtime exited with error: exit status 1"),
    ],
)
def test_exceptions_the_runtime_does_not_catch_end_the_process_as_an_interpreter_would(
    sim, basic, event, reason
):
    fn = basic("interrupt")
    result = sim.invoke(fn, event)
    assert json.loads(result.raw_payload) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {result.request_id} Error: {reason}",
    }


def test_uncaught_base_exception_prints_the_handlers_traceback_only(sim, basic):
    fn = basic("interrupt")
    logs = sim.invoke(fn, {"base_exception": True}).logs
    assert "GeneratorExit: not an Exception\n" in logs
    assert "_runtime" not in logs


def test_remaining_time_after_a_suppressed_init_counts_what_the_init_used(zygote):
    with LambdaSim(zygote=zygote, init_timeout=0.2) as sim:
        sim.create_function(
            "slow", handler="app.remaining", code=str(HANDLERS / "slow_init"), timeout=3,
            environment={"SLOW_INIT_SECONDS": "0.6"},
        )
        result = sim.invoke("slow")
    assert "Phase: init\tStatus: timeout" in result.logs
    # The retried init took 0.6 s of the 3 s: far less than the whole timeout is left.
    assert 0 < result.payload < 2700

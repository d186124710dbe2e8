"""Misbehaving handlers are contained: the simulator and the other environments keep working.

Each test runs a handler from tests/handlers/misbehave/app.py that attacks its
environment or the simulator, then checks the result is Lambda's and that a
well-behaved function (``echo``) still answers, warm where it was warm.
See docs/reliability.md.
"""

import errno
import os
import resource
import signal
import threading
from time import monotonic

import pytest

from conftest import HANDLERS
from lambdasim import LambdaSim, Zygote

MISBEHAVE = str(HANDLERS / "misbehave")
#: Gigabytes the flooding handler writes; LAMBDASIM_HEAVY=1 writes four.
GIGABYTES = 4 if os.environ.get("LAMBDASIM_HEAVY") else 1
#: Bound on waiting for a killed process to finish dying.
EXIT_TIMEOUT = 10.0


@pytest.fixture
def fresh_zygote():
    """A zygote of the test's own, for tests that attack the zygote itself."""
    zygote = Zygote()
    yield zygote
    zygote.close()


def _create(sim, handler, name=None, **settings):
    name = name or handler
    sim.create_function(name, handler=f"app.{handler}", code=MISBEHAVE, **settings)
    return name


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):  # gone before open(), or between open() and read()
        return False


def _wait_dead(pids):
    deadline = monotonic() + EXIT_TIMEOUT
    while any(_alive(pid) for pid in pids) and monotonic() < deadline:
        threading.Event().wait(0.005)
    return [pid for pid in pids if _alive(pid)]


def _warm_echo(sim):
    """A well-behaved function with a warm environment; returns its environment's pid."""
    _create(sim, "echo")
    assert sim.invoke("echo", {"n": 0}).payload == {"n": 0}
    return sim.environments("echo")[0].pid


def _still_warm(sim, pid):
    result = sim.invoke("echo", {"n": 1})
    assert result.payload == {"n": 1}
    assert result.cold_start is False and sim.environments("echo")[0].pid == pid


def test_an_infinite_loop_times_out_and_the_environment_starts_over(sim):
    echo = _warm_echo(sim)
    _create(sim, "spin", timeout=1)
    result = sim.invoke("spin")
    assert result.payload == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert result.logs.splitlines()[-1].endswith("\tStatus: timeout")
    _create(sim, "echo", name="after-spin")
    assert sim.invoke("after-spin", {"ok": True}).payload == {"ok": True}
    _still_warm(sim, echo)


def test_a_child_that_outlives_its_handler_does_not_hide_the_runtimes_exit(sim):
    # The child holds every fd the runtime had (its reply pipe too) and left the process
    # group: the exit must still be seen as an exit, and the child must not survive it.
    echo = _warm_echo(sim)
    _create(sim, "fork_and_exit", timeout=30)
    result = sim.invoke("fork_and_exit", {"exit": 3})
    assert result.payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: exit status 3",
    }
    assert "Status: timeout" not in result.logs
    _still_warm(sim, echo)


def test_a_child_left_running_by_a_handler_ends_with_its_environment(sim):
    _create(sim, "fork_and_exit", name="forker")
    child = sim.invoke("forker").payload
    assert _alive(child)
    sim.delete_function("forker")
    assert _wait_dead([child]) == []


def test_closing_stdout_and_stderr_keeps_results_and_the_environment(sim):
    echo = _warm_echo(sim)
    _create(sim, "std_streams")
    result = sim.invoke("std_streams", {"close": True})
    assert result.function_error is None and result.payload == "closed"
    assert "before closing\n" in result.logs
    assert result.logs.splitlines()[-2] == f"END RequestId: {result.request_id}"
    # Warm again, in the same runtime process: its streams stay closed, as they would on
    # Lambda, so print() raises in the handler; the runtime itself still answers.
    again = sim.invoke("std_streams")
    assert again.cold_start is False and again.function_error is None and again.payload == "ValueError"
    failed = sim.invoke("std_streams", {"close": True})  # print() on the closed stdout raises
    assert failed.cold_start is False and failed.payload["errorType"] == "ValueError"
    assert sim.invoke("std_streams").cold_start is False
    _still_warm(sim, echo)


def test_writing_a_gigabyte_to_stdout_keeps_the_simulators_memory_bounded(sim):
    from lambdasim._sandbox._output import LOG_LIMIT

    echo = _warm_echo(sim)
    _create(sim, "flood", timeout=120)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = sim.invoke("flood", {"mb": GIGABYTES * 1024})
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert result.function_error is None and result.payload == GIGABYTES * 1024
    assert len(result.logs.encode()) < LOG_LIMIT + 4096
    assert result.logs.splitlines()[-2] == f"END RequestId: {result.request_id}"
    # ru_maxrss is in KiB: the gigabyte never sat in the test process's memory.
    assert peak_after - peak_before < 256 * 1024
    _still_warm(sim, echo)


def test_output_over_the_log_limit_keeps_its_first_part_and_says_how_much_was_dropped(sim):
    from lambdasim._sandbox._output import LOG_LIMIT

    _create(sim, "flood_lines", timeout=60)
    mb = LOG_LIMIT // (1 << 20) + 2
    sim.invoke("flood_lines", {"mb": 0})  # warm: the log starts at START
    result = sim.invoke("flood_lines", {"mb": mb})
    assert result.payload == mb
    lines = result.logs.splitlines()
    assert lines[0].startswith("START RequestId: ")
    assert lines[1] == "y" * 1023
    dropped = mb * (1 << 20) - LOG_LIMIT
    assert lines[-3] == f"lambdasim: {dropped} bytes of output over the {LOG_LIMIT}-byte log limit were dropped"
    assert lines[-2] == f"END RequestId: {result.request_id}"


def test_a_child_writing_for_ever_after_its_handler_returned_does_not_hold_up_the_invoke(sim):
    # The simulator reads what the log pipe holds when the result arrives, and no more.
    echo = _warm_echo(sim)
    _create(sim, "background_writer", timeout=30)
    result = sim.invoke("background_writer")
    child = result.payload
    assert result.function_error is None and _alive(child)
    again = sim.invoke("background_writer")  # its output lands here too, as it would on Lambda
    assert again.function_error is None and again.cold_start is False
    _still_warm(sim, echo)
    sim.delete_function("background_writer")
    assert _wait_dead([child, again.payload]) == []


def test_filling_tmp_past_ephemeral_storage_is_enospc_and_the_environment_goes_on(sim, zygote):
    if zygote.start() or zygote.namespace_problem:
        pytest.skip(f"no private /tmp here: {zygote.namespace_problem}")
    sim.create_function(
        "fill", handler="app.fill", code=str(HANDLERS / "storage"), ephemeral_storage=512, timeout=60
    )
    result = sim.invoke("fill", {"limit_mb": 1024})
    assert result.payload == {"errno": errno.ENOSPC, "mb": 512}
    assert sim.invoke("fill", {"limit_mb": 1}).payload == {"errno": None, "mb": 1}


def test_a_handler_ignoring_signals_still_times_out_and_closes(zygote):
    sim = LambdaSim(zygote=zygote)
    try:
        echo = _warm_echo(sim)
        _create(sim, "ignore_signals", timeout=1)
        result = sim.invoke("ignore_signals", {"sleep": 30})
        assert result.payload["errorType"] == "Sandbox.Timedout"
        assert sim.invoke("ignore_signals").payload == "ignoring"
        pid = sim.environments("ignore_signals")[0].pid
        _still_warm(sim, echo)
    finally:
        sim.close()
    assert _wait_dead([pid, echo]) == []


def test_a_handler_in_a_new_session_is_timed_out_with_its_children(sim):
    echo = _warm_echo(sim)
    _create(sim, "new_session", timeout=1)
    first = sim.invoke("new_session").payload
    assert first["child_sid"] == first["child"]  # the child did leave the session
    result = sim.invoke("new_session", {"sleep": 30})
    assert result.payload["errorType"] == "Sandbox.Timedout"
    assert _wait_dead([first["pid"], first["child"]]) == []
    _still_warm(sim, echo)


def test_closing_the_runtimes_own_pipes_is_an_exit_error_not_a_hang(sim):
    echo = _warm_echo(sim)
    _create(sim, "close_all_fds", timeout=30)
    result = sim.invoke("close_all_fds")
    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "Runtime.ExitError"
    assert result.payload["errorMessage"].startswith(f"RequestId: {result.request_id} Error: Runtime exited")
    assert result.logs.splitlines()[-1].endswith("\tStatus: error\tError Type: Runtime.ExitError")
    after = sim.invoke("close_all_fds")  # a new runtime process in the same sandbox
    assert after.cold_start is True and after.payload["errorType"] == "Runtime.ExitError"
    _still_warm(sim, echo)


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGALRM]
)
def test_signalling_the_parent_process_leaves_the_zygote_and_other_environments_running(fresh_zygote, sig):
    with LambdaSim(zygote=fresh_zygote) as sim, LambdaSim(zygote=fresh_zygote) as other:
        echo = _warm_echo(other)
        _create(sim, "kill_parent")
        result = sim.invoke("kill_parent", {"signal": int(sig), "sleep": 0.2})
        assert result.function_error is None, result.payload
        assert result.payload["parent"] == fresh_zygote.pid
        assert _alive(fresh_zygote.pid)
        _still_warm(other, echo)
        assert sim.invoke("kill_parent", {"signal": 0}).cold_start is False


def test_stopping_the_parent_process_does_not_stop_cold_starts(fresh_zygote):
    with LambdaSim(zygote=fresh_zygote) as sim:
        _create(sim, "kill_parent")
        result = sim.invoke("kill_parent", {"signal": int(signal.SIGSTOP)})
        assert result.function_error is None and result.payload["parent"] == fresh_zygote.pid
        _create(sim, "echo")
        assert sim.invoke("echo", {"n": 1}).payload == {"n": 1}  # a cold start: the zygote forked
        assert fresh_zygote.pid == result.payload["parent"]


def test_sigkilling_the_zygote_fails_only_running_invokes_and_a_new_zygote_takes_over(fresh_zygote):
    with LambdaSim(zygote=fresh_zygote) as sim, LambdaSim(zygote=fresh_zygote) as other:
        _warm_echo(other)
        _create(sim, "kill_parent")
        old = fresh_zygote.pid
        result = sim.invoke("kill_parent", {"signal": int(signal.SIGKILL), "sleep": 5})
        assert result.payload == {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: signal: killed",
        }
        assert _wait_dead([old]) == []
        # Every environment of the killed zygote died with it: the next invokes start cold.
        again = other.invoke("echo", {"n": 2})
        assert again.payload == {"n": 2} and again.cold_start is True
        assert fresh_zygote.pid != old and _alive(fresh_zygote.pid)
        assert sim.invoke("kill_parent", {"signal": 0}).function_error is None

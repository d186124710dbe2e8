"""Closing a simulator: every process it started ends, nothing leaks, and it stays closed (DESIGN §3)."""

import gc
import os
import shutil
import signal
import sys
import threading
from time import monotonic

import pytest

from conftest import BASIC, BROKEN, HANDLERS

from lambdasim import LambdaSim

SPAWN = HANDLERS / "spawn"
STORAGE = HANDLERS / "storage"
#: Bound on waiting for a killed process to finish dying.
EXIT_TIMEOUT = 10.0


def _dead(pid):
    """True when ``pid`` no longer runs: gone, or a zombie waiting for its parent."""
    return _state(pid) in (None, "Z")


def _still_running(pids):
    deadline = monotonic() + EXIT_TIMEOUT
    running = [pid for pid in pids if not _dead(pid)]
    while running and monotonic() < deadline:
        threading.Event().wait(0.005)
        running = [pid for pid in running if not _dead(pid)]
    return running


def _state(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None


def _wait_until(condition):
    """Return the first true value of ``condition()``, waiting a bounded time for it."""
    deadline = monotonic() + EXIT_TIMEOUT
    while monotonic() < deadline:
        value = condition()
        if value:
            return value
        threading.Event().wait(0.002)
    raise AssertionError(f"gave up waiting after {EXIT_TIMEOUT:.0f} s")


def _running_handler(sim, name):
    """The environment whose handler has written /tmp/x (so it is past reading its request)."""
    for env in sim.environments(name):
        if env.tmp_path and os.path.exists(os.path.join(env.tmp_path, "x")):
            return env
    return None


def _open_fds():
    return set(os.listdir("/proc/self/fd"))


def _full_cycle():
    """Create, invoke (warm, concurrent, failing, crashing) and close a simulator with its own zygote."""
    with LambdaSim() as sim:
        sim.create_function("echo", handler="app.echo", code=str(BASIC))
        sim.create_function("sleep", handler="app.sleep", code=str(BASIC))
        sim.create_function("crash", handler="app.exit_with", code=str(BASIC))
        sim.create_function("broken", handler="raises_at_import.handler", code=str(BROKEN))
        sim.invoke("echo", {"n": 1})
        sim.invoke("echo", {"n": 2})
        threads = [threading.Thread(target=sim.invoke, args=("sleep", {"seconds": 0.05})) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        sim.invoke("crash", {"how": "exit1"})
        sim.invoke("broken")


def test_close_ends_the_zygote_the_environments_and_their_children():
    sim = LambdaSim()
    try:
        sim.create_function("echo", handler="app.echo", code=str(BASIC))
        sim.create_function("spawner", handler="app.spawn", code=str(SPAWN))
        sim.invoke("echo")
        child = sim.invoke("spawner").payload
        zygote = sim._zygote.pid
        environments = [env.pid for name in ("echo", "spawner") for env in sim.environments(name)]
    finally:
        sim.close()
    pids = [zygote, *environments, child]
    assert len(set(pids)) == 4 and all(pids)
    assert _still_running(pids) == []


def test_close_ends_a_busy_environment_and_its_invoke_returns_an_error():
    sim = LambdaSim()
    answers = []
    try:
        sim.create_function("busy", handler="app.tmp", code=str(STORAGE), timeout=60)
        # The handler writes /tmp/x, then waits for /tmp/go, which never comes.
        busy = threading.Thread(target=lambda: answers.append(sim.invoke("busy", {"write": "", "until": "go"})))
        busy.start()
        env = _wait_until(lambda: _running_handler(sim, "busy"))
        pids = [sim._zygote.pid, env.pid]
    finally:
        sim.close()
    busy.join(EXIT_TIMEOUT)
    assert not busy.is_alive()
    assert [answer.function_error for answer in answers] == ["Unhandled"]
    assert _still_running(pids) == []


def test_an_invoke_whose_process_dies_before_reading_the_request_returns_an_exit_error(zygote):
    # What close() or delete_function() do to a busy environment, at the worst moment: the
    # request is sent (or being sent) but the runtime process never reads it. The handler
    # stops its own process; freezing idle environments is off, or the continue lambdasim
    # sends before the next invoke would wake it.
    with LambdaSim(zygote=zygote, freeze_idle=False) as sim:
        _dies_before_reading(sim)


def _dies_before_reading(sim):
    sim.create_function("stopper", handler="app.stop_soon", code=str(SPAWN), timeout=60)
    sim.invoke("stopper")
    env = sim.environments("stopper")[0]
    pid = env.pid
    _wait_until(lambda: _state(pid) == "T")
    outcome = []

    def invoke():
        try:
            outcome.append(sim.invoke("stopper"))
        except Exception as error:  # noqa: BLE001 - an exception here is the failure to report
            outcome.append(error)

    caller = threading.Thread(target=invoke)
    caller.start()
    try:
        _wait_until(lambda: env.invocations == 2)
    finally:
        os.kill(pid, signal.SIGKILL)
        caller.join(EXIT_TIMEOUT)
    (result,) = outcome
    assert not isinstance(result, Exception), repr(result)
    assert result.payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: signal: killed",
    }


def test_a_full_cycle_leaks_no_file_descriptors():
    _full_cycle()  # Warm-up: lazily opened module-level resources are not leaks.
    before = _open_fds()
    _full_cycle()
    after = _open_fds()
    assert len(after) == len(before), sorted(after ^ before)


def test_close_removes_the_work_directory():
    sim = LambdaSim()
    sim.create_function("zipped", handler="app.echo", code=str(BASIC))
    sim.invoke("zipped")
    workdir = sim._workdir
    assert os.path.isdir(workdir)
    sim.close()
    assert not os.path.exists(workdir)


def test_close_asks_every_runtime_to_end_before_it_awaits_any_and_all_end(zygote, monkeypatch):
    # Versions and functions alike: each version has environments of its own.
    from lambdasim._sandbox._environment import ExecutionEnvironment

    asked, asked_at_first_wait = [], []
    start_closing, wait_exit = ExecutionEnvironment._start_closing, type(zygote).wait_exit

    def spy_start_closing(env):
        asked.append(env.pid)
        start_closing(env)

    def spy_wait_exit(self, pid, timeout):
        if not asked_at_first_wait:
            asked_at_first_wait.append(list(asked))
        return wait_exit(self, pid, timeout)

    sim = LambdaSim(zygote=zygote)
    try:
        for name in ("one", "two"):
            sim.create_function(name, handler="app.echo", code=str(BASIC), publish=True)
            sim.invoke(name)
            sim.invoke(name, qualifier="1")
        pids = [env.pid for name in ("one", "two", "one:1", "two:1") for env in sim.environments(name)]
        monkeypatch.setattr(ExecutionEnvironment, "_start_closing", spy_start_closing)
        monkeypatch.setattr(type(zygote), "wait_exit", spy_wait_exit)
    finally:
        sim.close()
    assert len(set(pids)) == 4 and all(pids)
    assert set(asked_at_first_wait[0]) == set(pids)
    assert _still_running(pids) == []


def test_frozen_custom_runtime_and_plain_environments_all_end_at_close(zygote):
    # Ended together: a frozen one is thawed to see its end of file, a custom runtime is killed.
    sim = LambdaSim(zygote=zygote)
    try:
        sim.create_function("plain", handler="app.echo", code=str(BASIC))
        sim.create_function("frozen", handler="app.handler", code=str(HANDLERS / "freeze"))
        sim.create_function(
            "custom", handler="any:thing/goes", code=str(HANDLERS / "custom" / "probe"), runtime="provided.al2023",
            environment={"PROBE_PYTHON": os.path.realpath(sys.executable)},
        )
        sim.invoke("plain")
        sim.invoke("frozen", {"action": "start"})
        sim.invoke("custom").raise_for_error()
        assert sim.environments("frozen")[0].frozen
        pids = [env.pid for name in ("plain", "frozen", "custom") for env in sim.environments(name)]
    finally:
        sim.close()
    assert len(set(pids)) == 3 and all(pids)
    assert _still_running(pids) == []


def test_an_environment_that_fails_to_close_keeps_nothing_else_open(zygote, monkeypatch):
    from lambdasim._sandbox._environment import ExecutionEnvironment

    close = ExecutionEnvironment.close
    failed = []

    def close_failing_once(env):
        close(env)
        if not failed:
            failed.append(env.id)
            raise OSError("closing failed")

    sim = LambdaSim(zygote=zygote)
    for name in ("one", "two", "three"):
        sim.create_function(name, handler="app.echo", code=str(BASIC))
        sim.invoke(name)
    envs = [env for name in ("one", "two", "three") for env in sim.environments(name)]
    pids = [env.pid for env in envs]
    monkeypatch.setattr(ExecutionEnvironment, "close", close_failing_once)
    with pytest.raises(OSError, match="closing failed"):
        sim.close()
    monkeypatch.undo()
    assert failed and all(env.pid is None for env in envs)
    assert _still_running(pids) == []
    assert not os.path.exists(sim._workdir)
    sim.close()  # closed already: nothing left to do


def test_deleting_a_function_ends_the_environments_of_all_its_versions(zygote):
    with LambdaSim(zygote=zygote) as sim:
        sim.create_function("echo", handler="app.echo", code=str(BASIC), publish=True)
        sim.invoke("echo")
        sim.invoke("echo", qualifier="1")
        pids = [env.pid for name in ("echo", "echo:1") for env in sim.environments(name)]
        sim.delete_function("echo")
        assert len(set(pids)) == 2 and all(pids)
        assert _still_running(pids) == []


def test_close_is_idempotent(zygote):
    sim = LambdaSim(zygote=zygote)
    sim.create_function("echo", handler="app.echo", code=str(BASIC))
    sim.invoke("echo")
    sim.close()
    sim.close()
    with sim:
        pass


def test_closing_a_simulator_leaves_a_shared_zygote_running(zygote):
    with LambdaSim(zygote=zygote) as first:
        first.create_function("echo", handler="app.echo", code=str(BASIC))
        first.invoke("echo")
    assert zygote.running and not _dead(zygote.pid)
    with LambdaSim(zygote=zygote) as second:
        second.create_function("echo", handler="app.echo", code=str(BASIC))
        assert second.invoke("echo", {"again": 1}).payload == {"again": 1}


def test_an_unclosed_simulator_warns_when_collected():
    sim = LambdaSim()
    workdir = sim._workdir
    try:
        with pytest.warns(ResourceWarning, match="close"):
            del sim
            gc.collect()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def closed_sim(zygote):
    sim = LambdaSim(zygote=zygote)
    sim.create_function("echo", handler="app.echo", code=str(BASIC))
    sim.invoke("echo")
    sim.close()
    return sim


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda sim: sim.invoke("echo"), id="invoke"),
        pytest.param(
            lambda sim: sim.create_function("another", handler="app.echo", code=str(BASIC)),
            id="create_function",
        ),
        pytest.param(lambda sim: sim.get_function("echo"), id="get_function"),
        pytest.param(lambda sim: sim.get_function_configuration("echo"), id="get_function_configuration"),
        pytest.param(lambda sim: sim.list_functions(), id="list_functions"),
        pytest.param(
            lambda sim: sim.update_function_configuration("echo", timeout=5), id="update_function_configuration"
        ),
        pytest.param(lambda sim: sim.update_function_code("echo", code=str(BASIC)), id="update_function_code"),
        pytest.param(lambda sim: sim.delete_function("echo"), id="delete_function"),
        pytest.param(lambda sim: sim.environments("echo"), id="environments"),
    ],
)
def test_using_a_closed_simulator_raises_a_clear_error(closed_sim, operation):
    with pytest.raises(RuntimeError, match="closed"):
        operation(closed_sim)

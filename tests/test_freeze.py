"""Freeze between invokes: an idle environment's processes are stopped and resume at the next invoke
(spec/lambda-dataplane.md §9)."""

import os
import time

from conftest import HANDLERS

from lambdasim import LambdaSim

CODE = str(HANDLERS / "freeze")
#: A few ticks may fall between the answer and the stop, or between the thaw and the handler.
SLACK = 5


def state_of(pid):
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


def settled_state(pid):
    """The process state once a signal sent to it has taken effect (stopping is asynchronous)."""
    for _ in range(500):
        state = state_of(pid)
        if state in ("T", "t", "S", "Z"):
            return state
        time.sleep(0.01)
    return state


def test_a_background_thread_does_not_run_while_the_environment_is_idle(sim):
    sim.create_function("f", handler="app.handler", code=CODE)
    started = sim.invoke("f", {"action": "start"}).payload
    env = sim.environments("f")[0]
    assert env.frozen and settled_state(env.pid) == "T"
    time.sleep(0.3)
    assert sim.invoke("f", {"action": "ticks"}).payload - started <= SLACK


def test_the_thread_continues_during_the_next_invoke(sim):
    sim.create_function("f", handler="app.handler", code=CODE)
    sim.invoke("f", {"action": "start"})
    assert sim.invoke("f", {"action": "wait", "seconds": 0.2}).payload > SLACK
    assert sim.environments("f")[0].frozen


def test_without_freezing_the_thread_runs_while_idle(zygote):
    with LambdaSim(zygote=zygote, freeze_idle=False) as sim:
        sim.create_function("f", handler="app.handler", code=CODE)
        started = sim.invoke("f", {"action": "start"}).payload
        env = sim.environments("f")[0]
        assert not env.frozen and settled_state(env.pid) != "T"
        time.sleep(0.3)
        assert sim.invoke("f", {"action": "ticks"}).payload - started > SLACK


def test_child_processes_of_the_handler_are_frozen_too(sim):
    sim.create_function("f", handler="app.handler", code=CODE)
    sim.invoke("f", {"action": "child"})
    ticks = os.path.join(sim.environments("f")[0].tmp_path, "ticks")
    with open(ticks) as file:
        before = file.read()
    time.sleep(0.2)
    with open(ticks) as file:
        assert file.read() == before
    sim.invoke("f", {"action": "wait", "seconds": 0.1})
    with open(os.path.join(sim.environments("f")[0].tmp_path, "ticks")) as file:
        assert len(file.read()) > len(before)


def test_a_frozen_environment_ends_at_close_by_its_normal_exit(zygote):
    with LambdaSim(zygote=zygote) as sim:
        sim.create_function("f", handler="app.handler", code=CODE)
        sim.invoke("f", {"action": "start"})
        env = sim.environments("f")[0]
        pid = env.pid
        assert env.frozen
    assert env.state == "closed" and env.pid is None
    assert not os.path.exists(f"/proc/{pid}") or state_of(pid) == "Z"


def test_a_frozen_environment_times_out_and_resets_as_usual(sim):
    sim.create_function("f", handler="app.handler", code=CODE, timeout=1)
    sim.invoke("f", {"action": "start"})
    result = sim.invoke("f", {"action": "wait", "seconds": 2})
    assert result.function_error == "Unhandled" and "Task timed out" in result.payload["errorMessage"]
    assert sim.invoke("f", {"action": "ticks"}).cold_start


def test_a_retired_frozen_environment_is_replaced_by_a_fresh_one(sim):
    sim.create_function("f", handler="app.handler", code=CODE)
    sim.invoke("f", {"action": "start"})
    old = sim.environments("f")[0]
    sim.update_function_configuration("f", timeout=4)
    assert old.state == "closed"
    assert sim.invoke("f", {"action": "ticks"}).payload == 0

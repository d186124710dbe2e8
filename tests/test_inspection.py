"""What a test can look at: ``sim.environments()``, ``sim.invocations()`` and ``sim.assert_invoked()``."""

import json
import os
import re
import threading

import pytest

from conftest import BASIC
from lambdasim import ExecutionEnvironment, Invocation, InvokeResult, TooManyRequestsException

ORDERS = "examples/orders"
STREAM = r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}"


def _order(order_id):
    return {"order_id": order_id, "items": [{"sku": "tea", "qty": 2}]}


@pytest.fixture
def private_tmp(sim):
    """Skip a test of /tmp privacy where this machine cannot give environments a private /tmp."""
    sim._zygote.start()
    if sim._zygote.namespace_problem:
        pytest.skip(f"no private /tmp here: {sim._zygote.namespace_problem}")


# --- sim.environments() ------------------------------------------------------------


def test_environments_describe_each_live_environment(sim, basic):
    basic("context_info")
    assert sim.environments("context-info") == []
    seen = sim.invoke("context-info").payload
    sim.invoke("context-info")
    [env] = sim.environments("context-info")
    assert isinstance(env, ExecutionEnvironment)
    assert re.fullmatch(r"[0-9a-f]+", env.id)
    assert env.state == "ready"
    assert env.invocations == 2
    assert re.fullmatch(STREAM, env.log_stream_name)
    assert env.log_stream_name == seen["log_stream_name"]  # what the handler's context says
    assert [r.environment_id for r in sim.invocations("context-info")] == [env.id, env.id]


def test_environment_state_follows_reset_and_close(sim, basic):
    basic("stateful", timeout=30)
    sim.invoke("stateful")
    [env] = sim.environments("stateful")
    sim.faults.timeout("stateful")
    sim.invoke("stateful")
    assert sim.environments("stateful") == [env]
    assert env.state == "reset"  # no runtime process: the next invoke runs init
    assert sim.invoke("stateful").cold_start is True
    assert env.state == "ready"
    assert env.invocations == 3
    sim.delete_function("stateful")
    assert env.state == "closed"


def test_environments_are_listed_most_recently_used_first(sim, basic):
    basic("stateful")
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(sim.invoke("stateful", {"sleep": 1})))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 2
    envs = sim.environments("stateful")
    assert len(envs) == 2
    assert len({env.id for env in envs}) == 2
    assert len({env.log_stream_name for env in envs}) == 2
    assert [env.invocations for env in envs] == [1, 1]
    # The most recently used one is first and is the one the next invoke takes.
    follow_up = sim.invoke("stateful")
    assert follow_up.cold_start is False
    assert sim.invocations("stateful")[-1].environment_id == envs[0].id
    assert sim.environments("stateful")[0].id == envs[0].id


def test_tmp_path_shows_what_the_handler_wrote(sim):
    sim.create_function("orders", handler="app.handler", code=ORDERS)
    sim.invoke("orders", _order("A-1"))
    [env] = sim.environments("orders")
    receipt = os.path.join(env.tmp_path, "receipts", "A-1.json")
    with open(receipt) as file:
        assert json.load(file) == {"order_id": "A-1", "total_cents": 700, "currency": "EUR"}


def test_reset_tmp_empties_the_environments_tmp(sim):
    sim.create_function("orders", handler="app.handler", code=ORDERS)
    sim.invoke("orders", _order("A-1"))
    [env] = sim.environments("orders")
    env.reset_tmp()
    assert os.listdir(env.tmp_path) == []
    after = sim.invoke("orders", _order("A-2"))
    assert after.cold_start is False  # still the same warm environment
    assert after.payload["orders_seen"] == 2
    assert after.payload["receipts"] == ["A-2.json"]


def test_tmp_path_is_the_literal_tmp_of_that_environment_only(sim, basic, private_tmp):
    basic("write_tmp")
    sim.invoke("write-tmp", {"name": "lambdasim-inspection-note", "text": "mine"})
    [env] = sim.environments("write-tmp")
    with open(os.path.join(env.tmp_path, "lambdasim-inspection-note")) as file:
        assert file.read() == "mine"
    assert not os.path.exists("/tmp/lambdasim-inspection-note")  # the host's /tmp is untouched


def test_reset_tmp_reaches_the_private_tmp(sim, basic, private_tmp):
    basic("write_tmp")
    sim.invoke("write-tmp", {"name": "a", "text": "1"})
    [env] = sim.environments("write-tmp")
    env.reset_tmp()
    assert sim.invoke("write-tmp", {"name": "b", "text": "2"}).payload == ["b"]


def test_environments_of_an_unknown_function_name_the_existing_ones(sim, basic):
    basic("echo")
    with pytest.raises(LookupError, match="echo"):
        sim.environments("missing")


# --- sim.invocations() -------------------------------------------------------------


def test_invocations_are_recorded_in_order_with_what_was_sent_and_what_came_back(sim, basic):
    basic("echo")
    basic("count")
    sent = [("echo", {"a": 1}), ("count", None), ("echo", [1, "two"]), ("echo", b'{"raw": true}')]
    results = [sim.invoke(name, event) for name, event in sent]
    records = sim.invocations()
    assert all(isinstance(record, Invocation) for record in records)
    assert [r.function_name for r in records] == ["echo", "count", "echo", "echo"]
    assert [r.event for r in records] == [{"a": 1}, {}, [1, "two"], {"raw": True}]
    assert records[3].raw_event == b'{"raw": true}'
    assert [r.request_id for r in records] == [result.request_id for result in results]
    assert [r.result for r in records] == results
    assert all(isinstance(r.result, InvokeResult) for r in records)
    assert [r.cold_start for r in records] == [True, True, False, False]
    assert [r.executed_version for r in records] == ["$LATEST"] * 4
    echo_env = sim.environments("echo")[0].id
    assert [r.environment_id for r in records if r.function_name == "echo"] == [echo_env] * 3


def test_invocations_of_one_function(sim, basic):
    basic("echo")
    basic("count")
    sim.invoke("echo", {"n": 1})
    sim.invoke("count")
    sim.invoke("echo", {"n": 2})
    assert [r.event for r in sim.invocations("echo")] == [{"n": 1}, {"n": 2}]
    assert [r.function_name for r in sim.invocations("count")] == ["count"]
    assert sim.invocations("never-invoked") == []


def test_failed_invocations_are_recorded_and_throttled_ones_are_not(sim, basic):
    basic("fail")
    failed = sim.invoke("fail", {"n": 1})
    sim.faults.throttle("fail")
    with pytest.raises(TooManyRequestsException):
        sim.invoke("fail", {"n": 2})
    [record] = sim.invocations("fail")
    assert record.request_id == failed.request_id
    assert record.result.function_error == "Unhandled"
    assert record.event == {"n": 1}


def test_a_new_environment_after_a_crash_shows_in_the_records(sim, basic):
    basic("count")
    sim.invoke("count")
    sim.faults.crash("count", exit_code=1)
    sim.invoke("count")
    sim.faults.cold_start("count")
    sim.invoke("count")
    records = sim.invocations("count")
    assert [r.cold_start for r in records] == [True, False, True]
    # The crash reset the first environment in place; the cold_start fault replaced it.
    assert records[0].environment_id == records[1].environment_id != records[2].environment_id


# --- sim.assert_invoked() -----------------------------------------------------------


def test_assert_invoked_passes_when_the_invocations_match(sim, basic):
    basic("echo")
    sim.invoke("echo", {"id": 1})
    sim.invoke("echo", {"id": 2})
    sim.invoke("echo", {"id": 2})
    sim.assert_invoked("echo")
    sim.assert_invoked("echo", times=3)
    sim.assert_invoked("echo", event={"id": 1})
    sim.assert_invoked("echo", event={"id": 2}, times=2)
    sim.assert_invoked("echo", event={"id": 3}, times=0)


def test_assert_invoked_fails_with_what_was_actually_invoked(sim, basic):
    basic("echo")
    first = sim.invoke("echo", {"id": 1})
    second = sim.invoke("echo", {"id": 2})
    with pytest.raises(AssertionError) as caught:
        sim.assert_invoked("echo", times=3)
    message = str(caught.value)
    assert "'echo'" in message and "3" in message
    assert "found 2" in message
    for result, event in ((first, "{'id': 1}"), (second, "{'id': 2}")):
        assert result.request_id in message
        assert event in message
    assert "cold" in message and "warm" in message


def test_assert_invoked_with_an_event_fails_showing_the_events_sent(sim, basic):
    basic("echo")
    sim.invoke("echo", {"id": 1})
    with pytest.raises(AssertionError, match=r"(?s)with event \{'id': 9\}.*found 0.*\{'id': 1\}"):
        sim.assert_invoked("echo", event={"id": 9})


def test_assert_invoked_fails_for_a_function_never_invoked(sim, basic):
    basic("echo")
    with pytest.raises(AssertionError, match=r"(?s)expected 'echo' to be invoked.*found 0.*\(none\)"):
        sim.assert_invoked("echo")


def test_assert_invoked_message_names_the_functions_that_were_invoked(sim, basic):
    basic("echo", name="orders-v2")
    sim.invoke("orders-v2", {"id": 1})
    with pytest.raises(AssertionError) as caught:
        sim.assert_invoked("orders")
    assert "orders-v2" in str(caught.value)


def test_assert_invoked_counts_only_that_functions_invocations(sim):
    # A second function on the same code is a different function: its invokes do not count.
    sim.create_function("a", handler="app.echo", code=str(BASIC))
    sim.create_function("b", handler="app.echo", code=str(BASIC))
    sim.invoke("b", {})
    sim.assert_invoked("b", times=1)
    with pytest.raises(AssertionError):
        sim.assert_invoked("a")

"""The two clocks (DESIGN §3.3): idle expiry on the test's simulated time, deadlines on real time,
and the handler seeing the test's frozen time."""

import datetime
import json
import re
import time

import freezegun
import pytest

from lambdasim import LambdaSim

FROZEN = "2024-02-29 12:00:00"
FROZEN_AT = datetime.datetime(2024, 2, 29, 12, tzinfo=datetime.timezone.utc).timestamp()
_real_monotonic = time.clock_gettime


def _monotonic():
    """Real seconds, whatever freezegun does to ``time.monotonic``."""
    return _real_monotonic(time.CLOCK_MONOTONIC)


# --- idle expiry on the simulated clock -------------------------------------------


def test_idle_environment_survives_until_the_idle_timeout_of_frozen_time(sim, basic):
    basic("count")
    with freezegun.freeze_time(FROZEN) as frozen:
        sim.invoke("count")
        env = sim.environments("count")[0]
        frozen.tick(599)
        assert sim.environments("count") == [env]
        warm = sim.invoke("count")  # used again: its idle time starts over
        assert warm.cold_start is False
        frozen.tick(599)
        assert sim.environments("count") == [env]
        frozen.tick(1)
        assert sim.environments("count") == []
        assert env.state == "closed"


def test_an_expired_environment_is_gone_on_the_next_invoke(sim, basic):
    basic("count")
    with freezegun.freeze_time(FROZEN) as frozen:
        first = sim.invoke("count")
        env = sim.environments("count")[0]
        frozen.tick(datetime.timedelta(minutes=20))
        after = sim.invoke("count")  # no sim.environments() call in between
        assert env.state == "closed"
    assert after.cold_start is True
    assert after.payload["count"] == 1
    assert after.payload["pid"] != first.payload["pid"]
    assert after.logs.startswith("INIT_START ")


def test_move_to_past_the_idle_timeout_expires_idle_environments(sim, basic):
    basic("count")
    with freezegun.freeze_time(FROZEN) as frozen:
        sim.invoke("count")
        frozen.move_to("2024-02-29 12:09:59")
        assert len(sim.environments("count")) == 1
        frozen.move_to("2024-02-29 12:20:00")
        assert sim.environments("count") == []
        assert sim.invoke("count").cold_start is True


def test_idle_timeout_is_configurable(zygote):
    with LambdaSim(zygote=zygote, idle_timeout=30) as sim:
        sim.create_function("count", handler="app.count", code="tests/handlers/basic")
        with freezegun.freeze_time(FROZEN) as frozen:
            sim.invoke("count")
            frozen.tick(29)
            assert sim.invoke("count").cold_start is False
            frozen.tick(30)
            assert sim.environments("count") == []
            assert sim.invoke("count").cold_start is True


def test_idle_timeout_none_keeps_environments_forever(zygote):
    with LambdaSim(zygote=zygote, idle_timeout=None) as sim:
        sim.create_function("count", handler="app.count", code="tests/handlers/basic")
        with freezegun.freeze_time(FROZEN) as frozen:
            sim.invoke("count")
            frozen.tick(datetime.timedelta(days=365))
            assert len(sim.environments("count")) == 1
            assert sim.invoke("count").cold_start is False


def test_only_the_environments_idle_for_the_timeout_expire(sim, basic):
    basic("count", name="old")
    basic("count", name="recent")
    with freezegun.freeze_time(FROZEN) as frozen:
        sim.invoke("old")
        frozen.tick(300)
        sim.invoke("recent")
        frozen.tick(300)
        assert sim.environments("old") == []
        assert len(sim.environments("recent")) == 1
        assert sim.invoke("recent").cold_start is False


# --- deadlines keep real time -------------------------------------------------------


def test_a_handler_that_sleeps_past_its_timeout_under_frozen_time_still_times_out(sim, basic):
    basic("sleep", timeout=1)
    with freezegun.freeze_time(FROZEN):
        started = _monotonic()
        result = sim.invoke("sleep", {"seconds": 30})
        elapsed = _monotonic() - started
    assert elapsed < 15  # the 1 s deadline fired on the real clock; the handler wanted 30 s
    assert result.raw_payload == (
        b'{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: ' + result.request_id.encode()
        + b' Error: Task timed out after 1.00 seconds"}'
    )
    assert "starting wait\n" in result.logs and "done waiting\n" not in result.logs
    assert result.duration_ms == 1000.0


def test_a_handler_that_finishes_in_time_under_frozen_time_succeeds(sim, basic):
    basic("sleep", timeout=30)
    with freezegun.freeze_time(FROZEN):
        result = sim.invoke("sleep", {"seconds": 0.2})
    assert result.payload == "slept"
    assert result.duration_ms >= 200  # measured on the real clock, not the frozen one


# --- what the handler sees ------------------------------------------------------------


def test_handler_sees_the_tests_frozen_time(sim, basic):
    basic("now", timeout=30)
    with freezegun.freeze_time(FROZEN):
        seen = sim.invoke("now").payload
    assert FROZEN_AT <= seen["time"] < FROZEN_AT + 5
    assert seen["datetime"].startswith("2024-02-29T12:00:0")
    assert seen["datetime"].endswith("+00:00")
    # The deadline is on the real clock, so the countdown is still right.
    assert 25_000 < seen["remaining_ms"] <= 30_000


def test_handler_sees_frozen_time_move_with_the_test(sim, basic):
    basic("now", timeout=30)
    with freezegun.freeze_time(FROZEN) as frozen:
        sim.invoke("now")
        frozen.tick(datetime.timedelta(minutes=5))
        warm = sim.invoke("now")
        frozen.move_to("2030-01-01 00:00:00")
        later = sim.invoke("now")
    assert warm.cold_start is False
    assert FROZEN_AT + 300 <= warm.payload["time"] < FROZEN_AT + 305
    assert later.payload["datetime"].startswith("2030-01-01T00:00:0")


def test_handler_sees_real_time_outside_frozen_time(sim, basic):
    basic("now", timeout=30)
    with freezegun.freeze_time(FROZEN):
        sim.invoke("now")
    before = time.time()
    seen = sim.invoke("now").payload
    assert before - 1 <= seen["time"] < before + 60
    now = datetime.datetime.fromisoformat(seen["datetime"])
    assert abs(now.timestamp() - before) < 60
    assert 25_000 < seen["remaining_ms"] <= 30_000


def test_log_stream_name_carries_the_simulated_creation_date(sim, basic):
    basic("now")
    with freezegun.freeze_time(FROZEN):
        sim.invoke("now")
        stream = sim.environments("now")[0].log_stream_name
    assert re.fullmatch(r"2024/02/29/\[\$LATEST\][0-9a-f]{32}", stream)


def test_time_machine_travel_is_seen_by_idle_expiry_and_the_handler(sim, basic):
    time_machine = pytest.importorskip("time_machine")
    basic("now", timeout=30)
    start = datetime.datetime(2024, 2, 29, 12, tzinfo=datetime.timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        first = sim.invoke("now")
        traveller.shift(599)
        assert len(sim.environments("now")) == 1
        traveller.shift(1)
        assert sim.environments("now") == []
        again = sim.invoke("now")
    assert FROZEN_AT <= first.payload["time"] < FROZEN_AT + 5
    assert again.cold_start is True
    assert FROZEN_AT + 600 <= again.payload["time"] < FROZEN_AT + 605
    assert 25_000 < again.payload["remaining_ms"] <= 30_000


def test_a_timeout_under_frozen_time_is_recorded_like_any_other(sim, basic):
    basic("sleep", timeout=1)
    with freezegun.freeze_time(FROZEN):
        result = sim.invoke("sleep", {"seconds": 30})
    assert json.loads(result.raw_payload)["errorType"] == "Sandbox.Timedout"
    assert [r.request_id for r in sim.invocations("sleep")] == [result.request_id]

"""X-Ray tracing: the trace header a handler sees and the XRAY line of REPORT (spec §5.1, §7.1)."""

import re
import time

import pytest

from conftest import HANDLERS

from lambdasim import ValidationException

CODE = str(HANDLERS / "logging_config")
HEADER = re.compile(r"Root=1-(?P<time>[0-9a-f]{8})-(?P<id>[0-9a-f]{24});Parent=(?P<parent>[0-9a-f]{16});Sampled=(?P<sampled>[01])")


def create(sim, handler="trace", **settings):
    sim.create_function("f", handler=f"app.{handler}", code=CODE, **settings)


def test_active_tracing_gives_a_sampled_header_per_invoke_and_the_xray_line(sim):
    create(sim, tracing_config={"Mode": "Active"})
    first, second = sim.invoke("f"), sim.invoke("f")
    for result in (first, second):
        header = HEADER.fullmatch(result.payload)
        assert header and header["sampled"] == "1"
        report, xray = result.logs.splitlines()[-2:]
        assert report.startswith(f"REPORT RequestId: {result.request_id}\t") and report.endswith("\t")
        assert xray == f"XRAY TraceId: 1-{header['time']}-{header['id']}\tSegmentId: {header['parent']}\tSampled: true"
        assert result.logs.endswith("\n")
    assert first.payload != second.payload


def test_pass_through_tracing_sends_an_unsampled_header_and_no_xray_line(sim):
    create(sim)
    result = sim.invoke("f")
    assert HEADER.fullmatch(result.payload)["sampled"] == "0"
    assert "XRAY" not in result.logs
    assert sim.get_function_configuration("f")["TracingConfig"] == {"Mode": "PassThrough"}


def test_the_header_time_is_the_simulated_clock(sim):
    freezegun = pytest.importorskip("freezegun")
    create(sim, tracing_config={"Mode": "Active"})
    with freezegun.freeze_time("2020-02-01 00:00:00"):
        result = sim.invoke("f")
    assert HEADER.fullmatch(result.payload)["time"] == "%08x" % 1580515200


def test_threads_of_the_handler_see_the_header(sim):
    create(sim, "trace_in_thread", tracing_config={"Mode": "Active"})
    assert HEADER.fullmatch(sim.invoke("f").payload)["sampled"] == "1"
    assert sim.get_function_configuration("f")["TracingConfig"] == {"Mode": "Active"}


def test_a_failed_invoke_keeps_the_xray_line_after_its_report(sim):
    create(sim, "fail", tracing_config={"Mode": "Active"})
    result = sim.invoke("f")
    assert result.function_error == "Unhandled"
    assert result.logs.splitlines()[-1].startswith("XRAY TraceId: 1-")


def test_an_unknown_mode_is_a_validation_error(sim):
    with pytest.raises(ValidationException) as raised:
        create(sim, tracing_config={"Mode": "On"})
    assert raised.value.message == (
        "1 validation error detected: Value 'On' at 'tracingConfig.mode' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Active, PassThrough]"
    )


def test_the_tail_of_an_active_invoke_through_boto3_ends_with_the_xray_line(sim):
    import base64

    create(sim, tracing_config={"Mode": "Active"})
    answer = sim.client().invoke(FunctionName="f", LogType="Tail")
    assert base64.b64decode(answer["LogResult"]).decode().splitlines()[-1].startswith("XRAY TraceId: 1-")


def test_the_unsampled_header_also_follows_the_simulated_clock(sim):
    freezegun = pytest.importorskip("freezegun")
    create(sim)
    with freezegun.freeze_time("2020-02-01 00:00:00"):
        result = sim.invoke("f")
    header = HEADER.fullmatch(result.payload)
    assert header["time"] == "%08x" % 1580515200 and header["sampled"] == "0"


def test_two_environments_make_different_trace_ids(sim):
    create(sim)
    first = sim.invoke("f").payload
    sim.faults.cold_start("f")
    assert sim.invoke("f").payload.split(";")[0] != first.split(";")[0]


# The runtime sets the next invoke's unsampled header as soon as it has answered,
# and an invoke keeps it only when it comes in the same second of the real clock.


def _header_time(result):
    return int(HEADER.fullmatch(result.payload)["time"], 16)


def test_a_warm_invoke_in_a_later_second_gets_a_header_of_that_second(sim):
    create(sim)
    sim.invoke("f")  # the environment starts and sets a header ahead
    before = time.time()
    time.sleep(1.05 - before % 1)  # into the next second, past the header set ahead
    before = int(time.time())
    result = sim.invoke("f")
    assert before <= _header_time(result) <= int(time.time())


def test_back_to_back_warm_invokes_get_new_headers_of_their_second(sim):
    create(sim)
    sim.invoke("f")
    seen = set()
    for _ in range(20):
        before = int(time.time())
        result = sim.invoke("f")
        assert before <= _header_time(result) <= int(time.time())
        seen.add(HEADER.fullmatch(result.payload)["id"])
    assert len(seen) == 20


def test_a_warm_invoke_on_the_simulated_clock_does_not_take_the_header_set_ahead(sim):
    freezegun = pytest.importorskip("freezegun")
    create(sim)
    sim.invoke("f")
    sim.invoke("f")  # warm: a header is set ahead for the next invoke
    with freezegun.freeze_time("2020-02-01 00:00:00"):
        result = sim.invoke("f")
    assert _header_time(result) == 1580515200
    assert not result.cold_start


def test_a_warm_invoke_with_active_tracing_sends_its_sampled_header(sim):
    create(sim)
    sim.invoke("f")
    sim.update_function_configuration("f", tracing_config={"Mode": "Active"})
    sim.invoke("f")
    result = sim.invoke("f")
    assert not result.cold_start
    assert HEADER.fullmatch(result.payload)["sampled"] == "1"

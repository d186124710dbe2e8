"""Asynchronous (Event) invokes: the queue, retries on the simulated clock, event age, throttling, DLQ and destinations."""

import json
import threading

import pytest
from freezegun import freeze_time

from conftest import HANDLERS

from lambdasim import (
    AsyncInvocation,
    Delivery,
    InvalidParameterValueException,
    LambdaSim,
    RequestTooLargeException,
)

ASYNC = HANDLERS / "async_app"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:dlq"
TOPIC = "arn:aws:sns:us-east-1:123456789012:failures"
SUCCESS_QUEUE = "arn:aws:sqs:us-east-1:123456789012:successes"
FAILURE_QUEUE = "arn:aws:sqs:us-east-1:123456789012:failures"
BUS = "arn:aws:events:us-east-1:123456789012:event-bus/default"
T0 = "2026-01-02 03:04:05.678"


def finish(sim, **options):
    """Drain the simulator; return the asynchronous events this drain finished."""
    before = len(sim.async_invocations())
    ran = sim.drain(**options)
    assert isinstance(ran, int)
    return sim.async_invocations()[before:]


@pytest.fixture
def manual(zygote):
    """A simulator whose queue runs only in drain(), so every step is the test's."""
    with LambdaSim(zygote=zygote, async_dispatch="manual") as sim:
        yield sim


def create(sim, name, handler, **settings):
    sim.create_function(name, handler=f"app.{handler}", code=str(ASYNC), **settings)
    return name


def compact(document):
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


# --- the answer and the queue ------------------------------------------------------


def test_an_event_invoke_answers_202_at_once_and_runs_in_drain(manual):
    create(manual, "rid", "request_id")
    result = manual.invoke("rid", {"k": 1}, invocation_type="Event")
    assert (result.status_code, result.raw_payload, result.executed_version) == (202, b"", None)
    assert manual.invocations() == []  # manual dispatch: nothing runs before drain()
    [finished] = finish(manual)
    assert isinstance(finished, AsyncInvocation)
    assert (finished.condition, finished.attempts, finished.event) == ("Success", 1, {"k": 1})
    assert finished.request_id == result.request_id
    # The handler ran under the request id the 202 carried.
    assert finished.results[0].payload == {"request_id": result.request_id}
    assert manual.invocations("rid")[0].request_id == result.request_id
    assert finish(manual) == []


def test_every_retry_keeps_the_events_request_id(manual):
    create(manual, "fail", "fail")
    request_id = manual.invoke("fail", {}, invocation_type="Event").request_id
    [finished] = finish(manual)
    assert finished.condition == "RetriesExhausted"
    assert [r.request_id for r in finished.results] == [request_id] * 3
    assert [r.request_id for r in manual.invocations("fail")] == [request_id] * 3
    assert all(json.loads(r.raw_payload)["requestId"] == request_id for r in finished.results)


def test_retries_wait_60_then_120_seconds_on_the_simulated_clock(manual):
    create(manual, "fail", "fail")
    with freeze_time(T0) as frozen:
        manual.invoke("fail", {}, invocation_type="Event")
        assert finish(manual, advance=False) == []
        assert len(manual.invocations("fail")) == 1
        frozen.tick(59)
        assert finish(manual, advance=False) == []
        assert len(manual.invocations("fail")) == 1
        frozen.tick(1)
        assert finish(manual, advance=False) == []
        assert len(manual.invocations("fail")) == 2
        frozen.tick(119)
        finish(manual, advance=False)
        assert len(manual.invocations("fail")) == 2
        frozen.tick(1)
        [finished] = finish(manual, advance=False)
    assert finished.condition == "RetriesExhausted"
    assert len(manual.invocations("fail")) == 3


def test_the_on_failure_record_after_retries_byte_for_byte(manual):
    create(manual, "fail", "fail")
    manual.put_function_event_invoke_config("fail", destination_config={"OnFailure": {"Destination": FAILURE_QUEUE}})
    with freeze_time(T0):
        request_id = manual.invoke("fail", {"message": "boom"}, invocation_type="Event").request_id
        [finished] = finish(manual)  # fast-forwards through 60 + 120 s
    [delivery] = manual.sink(FAILURE_QUEUE)
    assert isinstance(delivery, Delivery)
    response = compact(json.loads(finished.results[-1].raw_payload))
    assert delivery.body == (
        '{"version":"1.0","timestamp":"2026-01-02T03:07:05.678Z","requestContext":{"requestId":"'
        + request_id + '","functionArn":"' + ARN + 'fail:$LATEST","condition":"RetriesExhausted",'
        '"approximateInvokeCount":3},"requestPayload":{"message":"boom"},"responseContext":{"statusCode":200,'
        '"executedVersion":"$LATEST","functionError":"Unhandled"},"responsePayload":' + response + "}"
    )
    assert delivery.payload["responsePayload"]["errorMessage"] == "boom"
    assert delivery.attributes == {}
    assert finished.deliveries == (delivery,)


def test_the_on_success_record_byte_for_byte(manual):
    create(manual, "rid", "request_id")
    manual.put_function_event_invoke_config("rid", destination_config={"OnSuccess": {"Destination": SUCCESS_QUEUE}})
    with freeze_time(T0):
        request_id = manual.invoke("rid", {"k": "v"}, invocation_type="Event").request_id
        finish(manual)
    assert [d.body for d in manual.sink(SUCCESS_QUEUE)] == [
        '{"version":"1.0","timestamp":"2026-01-02T03:04:05.678Z","requestContext":{"requestId":"' + request_id
        + '","functionArn":"' + ARN + 'rid:$LATEST","condition":"Success","approximateInvokeCount":1},'
        '"requestPayload":{"k":"v"},"responseContext":{"statusCode":200,"executedVersion":"$LATEST"},'
        '"responsePayload":{"request_id":"' + request_id + '"}}'
    ]


def test_a_success_after_a_retry_goes_to_on_success_with_two_attempts(manual):
    create(manual, "flaky", "flaky")
    manual.put_function_event_invoke_config("flaky", destination_config={"OnSuccess": {"Destination": SUCCESS_QUEUE}})
    manual.invoke("flaky", {"failures": 1}, invocation_type="Event")
    [finished] = finish(manual)
    assert (finished.condition, finished.attempts) == ("Success", 2)
    record = manual.sink(SUCCESS_QUEUE)[0].payload
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responsePayload"] == {"attempts": 2}


def test_timeouts_and_crashes_are_function_errors_that_are_retried(manual):
    create(manual, "rid", "request_id")
    for inject, error_type in ((manual.faults.timeout, "Sandbox.Timedout"), (manual.faults.crash, "Runtime.ExitError")):
        inject("rid")
        request_id = manual.invoke("rid", {}, invocation_type="Event").request_id
        [finished] = finish(manual)
        assert (finished.condition, finished.attempts) == ("Success", 2)
        failed, ok = finished.results
        assert json.loads(failed.raw_payload)["errorType"] == error_type
        assert ok.payload == {"request_id": request_id}


def test_maximum_retry_attempts_zero_makes_one_attempt(manual):
    create(manual, "fail", "fail")
    manual.put_function_event_invoke_config(
        "fail", maximum_retry_attempts=0, destination_config={"OnFailure": {"Destination": FAILURE_QUEUE}}
    )
    [finished] = (manual.invoke("fail", {}, invocation_type="Event"), finish(manual))[1]
    assert (finished.condition, finished.attempts) == ("RetriesExhausted", 1)
    assert manual.sink(FAILURE_QUEUE)[0].payload["requestContext"]["approximateInvokeCount"] == 1


def test_with_a_maximum_age_of_60_seconds_no_retry_is_made(manual):
    # Recorded on AWS: the failure is delivered at once, after one attempt.
    create(manual, "fail", "fail")
    manual.put_function_event_invoke_config(
        "fail", maximum_event_age_in_seconds=60, destination_config={"OnFailure": {"Destination": FAILURE_QUEUE}}
    )
    with freeze_time(T0):
        manual.invoke("fail", {}, invocation_type="Event")
        [finished] = finish(manual, advance=False)
    assert (finished.condition, finished.attempts) == ("EventAgeExceeded", 1)
    record = manual.sink(FAILURE_QUEUE)[0].payload
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["timestamp"] == "2026-01-02T03:04:05.678Z"
    assert record["responseContext"]["functionError"] == "Unhandled"


def test_a_retry_that_would_pass_the_maximum_event_age_is_not_made(manual):
    create(manual, "fail", "fail")
    manual.put_function_event_invoke_config(
        "fail", maximum_event_age_in_seconds=90, destination_config={"OnFailure": {"Destination": FAILURE_QUEUE}}
    )
    with freeze_time(T0):
        manual.invoke("fail", {}, invocation_type="Event")
        [finished] = finish(manual)
    # Retry 1 at +60 s is within the age; retry 2 would be at +180 s.
    assert (finished.condition, finished.attempts) == ("EventAgeExceeded", 2)
    record = manual.sink(FAILURE_QUEUE)[0].payload
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["timestamp"] == "2026-01-02T03:05:05.678Z"


def test_an_event_already_older_than_its_maximum_age_is_discarded_unrun(manual):
    create(manual, "rid", "request_id")
    manual.put_function_event_invoke_config("rid", maximum_event_age_in_seconds=60)
    with freeze_time(T0) as frozen:
        manual.invoke("rid", {}, invocation_type="Event")
        frozen.tick(61)
        [finished] = finish(manual)
    assert (finished.condition, finished.attempts) == ("EventAgeExceeded", 0)
    assert manual.invocations() == []


# --- throttling ------------------------------------------------------------------


def test_throttled_attempts_go_back_to_the_queue_with_a_doubling_backoff(manual):
    create(manual, "rid", "request_id")
    manual.put_function_event_invoke_config("rid", destination_config={"OnSuccess": {"Destination": SUCCESS_QUEUE}})
    manual.faults.throttle("rid", times=3)
    with freeze_time(T0) as frozen:
        manual.invoke("rid", {}, invocation_type="Event")
        assert finish(manual, advance=False) == []  # throttled at +0; next try at +1
        frozen.tick(1)
        assert finish(manual, advance=False) == []  # throttled at +1; next at +3
        [finished] = finish(manual)  # +3 throttled, +7 runs
    assert (finished.condition, finished.attempts) == ("Success", 1)
    assert manual.sink(SUCCESS_QUEUE)[0].payload["timestamp"] == "2026-01-02T03:04:12.678Z"
    assert manual.sink(SUCCESS_QUEUE)[0].payload["requestContext"]["approximateInvokeCount"] == 1


def test_an_event_throttled_until_too_old_fails_without_a_response(manual):
    create(manual, "rid", "request_id")
    manual.put_function_event_invoke_config(
        "rid", maximum_event_age_in_seconds=60, destination_config={"OnFailure": {"Destination": FAILURE_QUEUE}}
    )
    manual.faults.throttle("rid", times=100)
    with freeze_time(T0):
        request_id = manual.invoke("rid", {"k": 1}, invocation_type="Event").request_id
        [finished] = finish(manual)
    manual.faults.clear()
    # Tries at +0, +1, +3, +7, +15, +31; the next (+63) would be past 60 s.
    assert (finished.condition, finished.attempts) == ("EventAgeExceeded", 0)
    assert manual.sink(FAILURE_QUEUE)[0].body == (
        '{"version":"1.0","timestamp":"2026-01-02T03:04:36.678Z","requestContext":{"requestId":"' + request_id
        + '","functionArn":"' + ARN + 'rid:$LATEST","condition":"EventAgeExceeded","approximateInvokeCount":0},'
        '"requestPayload":{"k":1}}'
    )


def test_reserved_concurrency_zero_sends_the_event_straight_to_the_failure_targets(manual):
    create(manual, "zero", "request_id", reserved_concurrency=0, dead_letter_config={"TargetArn": TOPIC})
    manual.put_function_event_invoke_config("zero", destination_config={"OnFailure": {"Destination": FAILURE_QUEUE}})
    with freeze_time(T0):
        request_id = manual.invoke("zero", {"k": "v"}, invocation_type="Event").request_id
        [finished] = finish(manual)
    assert (finished.condition, finished.attempts) == ("ZeroReservedConcurrency", 0)
    assert manual.invocations() == []
    assert manual.sink(FAILURE_QUEUE)[0].body == (
        '{"version":"1.0","timestamp":"2026-01-02T03:04:05.678Z","requestContext":{"requestId":"' + request_id
        + '","functionArn":"' + ARN + 'zero:$LATEST","condition":"ZeroReservedConcurrency",'
        '"approximateInvokeCount":0},"requestPayload":{"k":"v"}}'
    )
    [dead] = manual.sink(TOPIC)
    assert dead.body == '{"k":"v"}'
    assert dead.attributes == {
        "RequestID": {"Type": "String", "Value": request_id},
        "ErrorCode": {"Type": "Number", "Value": "429"},
        "ErrorMessage": {"Type": "String", "Value": "Rate Exceeded."},
    }


# --- dead-letter queues ---------------------------------------------------------------


def test_the_dead_letter_queue_gets_the_event_unchanged_with_sqs_attributes(manual):
    create(manual, "fail", "fail", dead_letter_config={"TargetArn": QUEUE})
    body = b'{ "message" : "bad \\u00e9vent" }'
    request_id = manual.invoke("fail", body, invocation_type="Event").request_id
    finish(manual)
    [dead] = manual.sink(QUEUE)
    assert dead.body == body.decode()
    assert dead.attributes == {
        "RequestID": {"DataType": "String", "StringValue": request_id},
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "ErrorMessage": {"DataType": "String", "StringValue": "bad \u00e9vent"},
    }
    assert dead.service == "sqs"


def test_the_dead_letter_error_message_is_cut_to_its_first_kilobyte(manual):
    create(manual, "fail", "fail", dead_letter_config={"TargetArn": TOPIC})
    manual.invoke("fail", {"message": "\u00e9" * 600 + "x" * 10}, invocation_type="Event")
    finish(manual)
    message = manual.sink(TOPIC)[0].attributes["ErrorMessage"]["Value"]
    assert message == "\u00e9" * 512
    assert len(message.encode()) == 1024


def test_a_success_sends_nothing_to_the_dead_letter_queue(manual):
    create(manual, "rid", "request_id", dead_letter_config={"TargetArn": QUEUE})
    manual.invoke("rid", {}, invocation_type="Event")
    finish(manual)
    assert manual.sink(QUEUE) == []


# --- other destinations ----------------------------------------------------------------


def test_an_eventbridge_destination_receives_the_record_in_an_event(manual):
    create(manual, "fail", "fail")
    manual.put_function_event_invoke_config(
        "fail", maximum_retry_attempts=0, destination_config={"OnFailure": {"Destination": BUS}}
    )
    with freeze_time(T0):
        manual.invoke("fail", {}, invocation_type="Event")
        finish(manual)
    event = manual.sink(BUS)[0].payload
    assert event["detail-type"] == "Lambda Function Invocation Result - Failure"
    assert event["source"] == "lambda"
    assert event["resources"] == [BUS, ARN + "fail:$LATEST"]
    assert (event["account"], event["region"], event["time"]) == ("123456789012", "us-east-1", "2026-01-02T03:04:05Z")
    assert event["detail"]["requestContext"]["condition"] == "RetriesExhausted"
    assert list(event) == ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]


def test_a_lambda_destination_is_invoked_asynchronously_with_the_record(manual):
    create(manual, "rid", "request_id")
    create(manual, "next", "request_id")
    manual.put_function_event_invoke_config("rid", destination_config={"OnSuccess": {"Destination": ARN + "next"}})
    first = manual.invoke("rid", {"k": 1}, invocation_type="Event").request_id
    finished = finish(manual)
    assert [(f.function_name, f.condition) for f in finished] == [("rid", "Success"), ("next", "Success")]
    [received] = manual.invocations("next")
    assert received.event["requestContext"]["requestId"] == first
    assert received.event["requestPayload"] == {"k": 1}
    assert received.request_id != first
    assert manual.sink(ARN + "next")[0].payload == received.event


def test_a_loop_of_lambda_destinations_stops_after_16_hops(manual):
    create(manual, "ping", "request_id")
    create(manual, "pong", "request_id")
    manual.put_function_event_invoke_config("ping", destination_config={"OnSuccess": {"Destination": ARN + "pong"}})
    manual.put_function_event_invoke_config("pong", destination_config={"OnSuccess": {"Destination": ARN + "ping"}})
    manual.invoke("ping", {}, invocation_type="Event")
    assert len(finish(manual)) == 16


def test_a_config_on_the_qualifier_applies_to_events_invoked_with_it(manual):
    create(manual, "rid", "request_id")
    manual.put_function_event_invoke_config(
        "rid", qualifier="$LATEST", destination_config={"OnSuccess": {"Destination": SUCCESS_QUEUE}}
    )
    manual.invoke("rid", {}, qualifier="$LATEST", invocation_type="Event")
    manual.invoke(ARN + "rid", {}, invocation_type="Event")
    finish(manual)
    assert len(manual.sink(SUCCESS_QUEUE)) == 2


def test_a_deleted_function_drops_its_queued_events(manual):
    create(manual, "rid", "request_id")
    manual.invoke("rid", {}, invocation_type="Event")
    manual.delete_function("rid")
    [finished] = finish(manual)
    assert (finished.condition, finished.attempts, finished.deliveries) == ("Dropped", 0, ())


# --- limits ------------------------------------------------------------------------------


def test_the_event_payload_limit_is_one_megabyte(manual):
    create(manual, "rid", "request_id")
    fits = b'"' + b"x" * (1_048_576 - 2) + b'"'
    assert manual.invoke("rid", fits, invocation_type="Event").status_code == 202
    with pytest.raises(RequestTooLargeException) as caught:
        manual.invoke("rid", b'"' + b"x" * (1_048_576 - 1) + b'"', invocation_type="Event")
    assert caught.value.message == "1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)"
    assert (caught.value.code, caught.value.status_code) == ("RequestEntityTooLargeException", 413)


def test_invoke_async_queues_the_event_and_keeps_the_256_kb_limit(manual):
    create(manual, "rid", "request_id")
    assert manual.invoke_async("rid", b'{"k": 1}') == {"Status": 202}
    [finished] = finish(manual)
    assert finished.event == {"k": 1}
    with pytest.raises(RequestTooLargeException) as caught:
        manual.invoke_async("rid", b'"' + b"x" * 262_143 + b'"')
    assert caught.value.message == "262145 byte payload is too large for the Event invocation type (limit 262144 bytes)"


# --- dispatch ------------------------------------------------------------------------------


def test_the_background_dispatcher_runs_events_without_drain(sim):
    create(sim, "rid", "request_id")
    sim.invoke("rid", {}, invocation_type="Event")
    done = threading.Event()
    for _ in range(600):  # up to 60 s of real time on a loaded machine
        if sim.invocations("rid"):
            done.set()
            break
        done.wait(0.1)
    assert done.is_set()
    sim.drain()  # waits for the dispatcher's attempt to finish
    [finished] = sim.async_invocations()
    assert finished.condition == "Success"


def test_close_ends_the_dispatcher_thread(zygote):
    with LambdaSim(zygote=zygote) as sim:
        create(sim, "rid", "request_id")
        sim.invoke("rid", {}, invocation_type="Event")
        assert any(t.name == "lambdasim-async" for t in threading.enumerate())
    assert not any(t.name == "lambdasim-async" for t in threading.enumerate())


def test_no_dispatcher_thread_starts_before_the_first_event(zygote):
    with LambdaSim(zygote=zygote) as sim:
        create(sim, "rid", "request_id")
        sim.invoke("rid", {})
        assert not any(t.name == "lambdasim-async" for t in threading.enumerate())


def test_drain_waits_for_the_attempt_the_dispatcher_has_in_flight(sim):
    create(sim, "rid", "request_id")
    for _ in range(5):
        sim.invoke("rid", {}, invocation_type="Event")
    sim.drain()
    finished = sim.async_invocations()
    assert [f.condition for f in finished] == ["Success"] * 5
    assert len(sim.invocations("rid")) == 5


def test_an_unknown_dispatch_mode_is_refused(zygote):
    with pytest.raises(InvalidParameterValueException, match="'async_dispatch' must be 'background'"):
        LambdaSim(zygote=zygote, async_dispatch="threads")


def test_close_ends_an_attempt_in_flight_and_its_thread(zygote):
    from conftest import BASIC

    with LambdaSim(zygote=zygote) as sim:
        sim.create_function("sleep", handler="app.sleep", code=str(BASIC), timeout=300)
        sim.invoke("sleep", {"seconds": 300}, invocation_type="Event")
        started = threading.Event()
        for _ in range(600):
            if sim.environments("sleep"):
                started.set()
                break
            started.wait(0.1)
        assert started.is_set()
    assert not any(t.name == "lambdasim-async" for t in threading.enumerate())


def test_drain_returns_the_number_of_invocations_it_ran(manual):
    create(manual, "fail", "fail")
    create(manual, "off", "request_id", reserved_concurrency=0)
    manual.invoke("fail", {}, invocation_type="Event")
    manual.invoke("off", {}, invocation_type="Event")
    assert manual.drain() == 3  # three attempts of "fail"; "off" never runs
    assert manual.drain() == 0
    assert [f.function_name for f in manual.async_invocations()] == ["off", "fail"]
    assert [f.function_name for f in manual.async_invocations("fail")] == ["fail"]


def test_an_event_through_an_alias_uses_the_aliases_config_and_the_versions_dlq(manual):
    create(manual, "fail", "fail", dead_letter_config={"TargetArn": QUEUE})
    manual.publish_version("fail")
    manual.update_function_configuration("fail", dead_letter_config={"TargetArn": TOPIC})
    manual.create_alias("fail", "live", "1")
    manual.put_function_event_invoke_config(
        "fail", qualifier="live", maximum_retry_attempts=0,
        destination_config={"OnFailure": {"Destination": FAILURE_QUEUE}},
    )
    manual.invoke("fail", {}, qualifier="live", invocation_type="Event")
    [finished] = finish(manual)
    assert (finished.attempts, finished.results[0].executed_version) == (1, "1")
    record = manual.sink(FAILURE_QUEUE)[0].payload
    assert record["requestContext"]["functionArn"] == ARN + "fail:live"
    assert record["responseContext"]["executedVersion"] == "1"
    # Version 1 was published with the queue as its DLQ; $LATEST has the topic since.
    assert len(manual.sink(QUEUE)) == 1
    assert manual.sink(TOPIC) == []

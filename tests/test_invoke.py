"""Synchronous invokes: payloads in and out, warm reuse, cold starts, result fields."""

import base64
import json
import os
import threading

import pytest

from conftest import BASIC, task_root

from lambdasim import (
    FunctionError,
    InvalidRequestContentException,
    RequestTooLargeException,
    ResourceNotFoundException,
    ValidationException,
)


def test_echo_returns_the_event_as_json(sim, basic):
    basic("echo")
    result = sim.invoke("echo", {"id": 1, "items": [1, 2]})
    assert result.status_code == 200
    assert result.function_error is None
    assert result.raw_payload == b'{"id": 1, "items": [1, 2]}'
    assert result.payload == {"id": 1, "items": [1, 2]}
    assert result.executed_version == "$LATEST"
    assert result.raise_for_error() is result


def test_first_invoke_is_cold_and_the_next_is_warm_with_globals_kept(sim, basic):
    basic("count")
    first = sim.invoke("count")
    second = sim.invoke("count")
    assert first.cold_start and first.init_duration_ms > 0
    assert not second.cold_start and second.init_duration_ms is None
    assert first.payload["count"] == 1
    assert second.payload == {"count": 2, "pid": first.payload["pid"]}


def test_empty_payload_reaches_the_handler_as_an_empty_object(sim, basic):
    basic("echo")
    assert sim.invoke("echo").raw_payload == b"{}"
    assert sim.invoke("echo", b"").raw_payload == b"{}"


def test_bytes_and_str_events_are_sent_as_they_are(sim, basic):
    basic("echo")
    assert sim.invoke("echo", b'{"a":1}').raw_payload == b'{"a": 1}'
    assert sim.invoke("echo", '"text"').raw_payload == b'"text"'
    assert sim.invoke("echo", "[1,2]").payload == [1, 2]


def test_invalid_json_is_rejected_before_any_environment_starts(sim, basic):
    basic("echo")
    with pytest.raises(InvalidRequestContentException) as caught:
        sim.invoke("echo", b"{not json")
    assert caught.value.message.startswith(
        "Could not parse request body into json: Could not parse payload into json: Unexpected character ("
    )
    assert caught.value.status_code == 400
    assert sim.environments("echo") == []


def test_invalid_utf8_is_rejected_with_the_jackson_wording(sim, basic):
    basic("echo")
    with pytest.raises(InvalidRequestContentException) as caught:
        sim.invoke("echo", b'"\x87"')
    assert caught.value.message.startswith(
        "Could not parse request body into json: Could not parse payload into json: "
        "Invalid UTF-8 start byte 0x87\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: "
    )


def test_request_over_6mb_is_rejected_with_aws_message(sim, basic):
    basic("echo")
    with pytest.raises(RequestTooLargeException) as caught:
        sim.invoke("echo", b'"' + b"x" * 6_291_455 + b'"')
    assert caught.value.message == "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    assert caught.value.code == "RequestEntityTooLargeException"
    assert caught.value.status_code == 413


@pytest.mark.parametrize(
    "kind, runtime, expected",
    [
        ("none", "python3.12", b"null"),
        ("bytes", "python3.12", b"\x00raw bytes"),
        ("decimal", "python3.12", b"1.10"),
        ("nan", "python3.12", b"NaN"),
        ("namedtuple", "python3.12", b'{"x": 1, "y": 2}'),
        ("unicode", "python3.12", '"h\u00e9llo"'.encode()),
        ("unicode", "python3.11", b'"h\\u00e9llo"'),
    ],
)
def test_return_values_are_serialised_as_the_python_runtime_does(sim, basic, kind, runtime, expected):
    basic("returns", runtime=runtime)
    assert sim.invoke("returns", {"kind": kind}).raw_payload == expected


def test_unserialisable_return_value_is_a_marshal_error(sim, basic):
    basic("returns")
    result = sim.invoke("returns", {"kind": "set"})
    assert result.function_error == "Unhandled"
    assert result.payload == {
        "errorMessage": "Unable to marshal response: Object of type set is not JSON serializable",
        "errorType": "Runtime.MarshalError",
        "requestId": result.request_id,
        "stackTrace": [],
    }


def test_handler_exception_is_an_unhandled_error_document_and_keeps_globals(sim, basic):
    basic("count")
    basic("fail")
    result = sim.invoke("fail")
    assert result.status_code == 200
    assert result.function_error == "Unhandled"
    document = json.loads(result.raw_payload)
    assert list(document) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert document["errorMessage"] == "handler fails"
    assert document["errorType"] == "ValueError"
    assert document["requestId"] == result.request_id
    assert len(document["stackTrace"]) == 1
    assert document["stackTrace"][0].startswith('  File "')
    line = (BASIC / "app.py").read_text().splitlines().index('    raise ValueError("handler fails")') + 1
    app = os.path.join(task_root(sim, "fail"), "app.py")
    assert document["stackTrace"] == [
        f'  File "{app}", line {line}, in fail\n    raise ValueError("handler fails")\n'
    ]
    assert result.raw_payload.startswith(b'{"errorMessage": "handler fails", "errorType": "ValueError", ')
    # The environment is not reset by an exception: the next invoke is warm.
    assert not sim.invoke("fail").cold_start


def test_raise_for_error_shows_the_remote_traceback(sim, basic):
    basic("fail")
    result = sim.invoke("fail")
    with pytest.raises(FunctionError) as caught:
        result.raise_for_error()
    text = str(caught.value)
    assert "ValueError: handler fails" in text
    assert 'raise ValueError("handler fails")' in text
    assert caught.value.error_type == "ValueError"
    assert caught.value.result is result


def test_unknown_function_lists_the_functions_that_exist(sim, basic):
    basic("echo")
    with pytest.raises(ResourceNotFoundException) as caught:
        sim.invoke("nope")
    assert caught.value.message == "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:$LATEST"
    assert "echo" in str(caught.value)
    assert caught.value.status_code == 404


def test_dry_run_answers_204_without_running_anything(sim, basic):
    basic("echo")
    result = sim.invoke("echo", {"a": 1}, invocation_type="DryRun")
    assert result.status_code == 204
    assert result.raw_payload == b""
    assert sim.environments("echo") == []


def test_event_invocations_answer_202_with_no_payload_and_no_executed_version(sim, basic):
    basic("echo")
    result = sim.invoke("echo", invocation_type="Event")
    assert (result.status_code, result.raw_payload, result.executed_version) == (202, b"", None)
    assert result.payload is None
    sim.drain()


def test_unknown_invocation_type_is_a_validation_error(sim, basic):
    basic("echo")
    with pytest.raises(ValidationException) as caught:
        sim.invoke("echo", invocation_type="Sync")
    assert caught.value.message == (
        "1 validation error detected: Value 'Sync' at 'invocationType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
    )


def test_tail_log_result_is_base64_of_the_last_4kb(sim, basic):
    basic("echo")
    result = sim.invoke("echo", {"a": 1}, log_type="Tail")
    assert base64.b64decode(result.log_result).decode() == result.logs[-4096:]
    assert sim.invoke("echo").log_result is None


def test_concurrent_invokes_run_in_separate_environments(sim, basic):
    basic("sleep")
    results = []

    def call():
        results.append(sim.invoke("sleep", {"seconds": 0.3}))

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [r.payload for r in results] == ["slept"] * 3
    assert len({r.request_id for r in results}) == 3
    assert len(sim.environments("sleep")) == 3


def test_idle_environments_are_reused_most_recently_used_first(sim, basic):
    basic("count")
    sim.invoke("count")
    sim.invoke("count")
    assert len(sim.environments("count")) == 1

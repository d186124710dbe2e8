"""Event invoke configs: Put replaces, Update merges, per qualifier, AWS's messages byte for byte, through boto3 too."""

import datetime

import pytest
from freezegun import freeze_time

from conftest import BASIC

from lambdasim import InvalidParameterValueException, ResourceNotFoundException, ValidationException

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:q"
TOPIC = "arn:aws:sns:us-east-1:123456789012:t"
EMPTY = {"OnSuccess": {}, "OnFailure": {}}


def finish(sim, **options):
    """Drain the simulator; return the asynchronous events this drain finished."""
    before = len(sim.async_invocations())
    ran = sim.drain(**options)
    assert isinstance(ran, int)
    return sim.async_invocations()[before:]


@pytest.fixture
def fn(sim):
    sim.create_function("fn", handler="app.echo", code=str(BASIC))
    sim.create_function("other", handler="app.echo", code=str(BASIC))
    return "fn"


def test_put_answers_the_config_with_a_qualified_arn_and_both_destination_keys(sim, fn):
    with freeze_time("2026-01-02 03:04:05.678"):
        answer = sim.put_function_event_invoke_config(fn, maximum_retry_attempts=1)
    assert answer == {
        "LastModified": 1767323045.678,
        "FunctionArn": ARN + "fn:$LATEST",
        "MaximumRetryAttempts": 1,
        "DestinationConfig": EMPTY,
    }
    assert sim.get_function_event_invoke_config(fn) == answer
    assert sim.get_function_event_invoke_config(fn, qualifier="$LATEST") == answer
    assert sim.get_function_event_invoke_config(ARN + "fn") == answer


def test_put_replaces_the_whole_config(sim, fn):
    sim.put_function_event_invoke_config(fn, maximum_retry_attempts=2, maximum_event_age_in_seconds=60)
    sim.put_function_event_invoke_config(fn, maximum_retry_attempts=0)
    answer = sim.get_function_event_invoke_config(fn)
    assert answer["MaximumRetryAttempts"] == 0
    assert "MaximumEventAgeInSeconds" not in answer


def test_update_merges_into_the_existing_config(sim, fn):
    sim.put_function_event_invoke_config(
        fn, maximum_retry_attempts=2, maximum_event_age_in_seconds=60,
        destination_config={"OnFailure": {"Destination": QUEUE}},
    )
    answer = sim.update_function_event_invoke_config(fn, maximum_retry_attempts=0)
    assert (answer["MaximumRetryAttempts"], answer["MaximumEventAgeInSeconds"]) == (0, 60)
    assert answer["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": QUEUE}}
    answer = sim.update_function_event_invoke_config(fn, destination_config={"OnSuccess": {"Destination": TOPIC}})
    assert answer["DestinationConfig"] == {"OnSuccess": {"Destination": TOPIC}, "OnFailure": {}}


def test_update_without_a_config_is_not_found(sim, fn):
    with pytest.raises(ResourceNotFoundException) as caught:
        sim.update_function_event_invoke_config(fn, maximum_retry_attempts=0)
    assert caught.value.message == f"The function {ARN}fn:$LATEST doesn't have an EventInvokeConfig"


def test_get_and_delete_of_a_missing_config_name_the_qualified_arn(sim, fn):
    for call in (sim.get_function_event_invoke_config, sim.delete_function_event_invoke_config):
        with pytest.raises(ResourceNotFoundException) as caught:
            call(fn)
        assert caught.value.message == f"The function {ARN}fn:$LATEST doesn't have an EventInvokeConfig"
        with pytest.raises(ResourceNotFoundException) as caught:
            call("doesnotexist")
        assert caught.value.message == f"The function {ARN}doesnotexist:$LATEST doesn't have an EventInvokeConfig"


def test_put_and_update_of_an_unknown_function_or_qualifier(sim, fn):
    for call in (sim.put_function_event_invoke_config, sim.update_function_event_invoke_config):
        with pytest.raises(ResourceNotFoundException) as caught:
            call("doesnotexist", maximum_retry_attempts=1)
        assert caught.value.message == "The function doesn't exist."
        with pytest.raises(ResourceNotFoundException) as caught:
            call(fn, qualifier="doesnotexist", maximum_retry_attempts=1)
        assert caught.value.message == "The function doesn't exist."
    with pytest.raises(ResourceNotFoundException) as caught:
        sim.list_function_event_invoke_configs("doesnotexist")
    assert caught.value.message == "The function doesn't exist."


def test_put_with_nothing_to_set_is_refused_before_the_function_is_looked_up(sim, fn):
    for name in ("doesnotexist", fn):
        with pytest.raises(InvalidParameterValueException) as caught:
            sim.put_function_event_invoke_config(name)
        assert caught.value.message == "You must specify at least one of error handling or destination setting."


@pytest.mark.parametrize("settings, message", [
    ({"maximum_retry_attempts": 3}, "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to "
                                    "satisfy constraint: Member must have value less than or equal to 2"),
    ({"maximum_retry_attempts": -1}, "1 validation error detected: Value '-1' at 'maximumRetryAttempts' failed to "
                                     "satisfy constraint: Member must have value greater than or equal to 0"),
    ({"maximum_event_age_in_seconds": 59}, "1 validation error detected: Value '59' at 'maximumEventAgeInSeconds' "
                                           "failed to satisfy constraint: Member must have value greater than or "
                                           "equal to 60"),
    ({"maximum_retry_attempts": 5, "maximum_event_age_in_seconds": 21601},
     "2 validation errors detected: Value '5' at 'maximumRetryAttempts' failed to satisfy constraint: Member must "
     "have value less than or equal to 2; Value '21601' at 'maximumEventAgeInSeconds' failed to satisfy constraint: "
     "Member must have value less than or equal to 21600"),
])
def test_settings_out_of_range_are_validation_errors(sim, fn, settings, message):
    with pytest.raises(ValidationException) as caught:
        sim.put_function_event_invoke_config(fn, **settings)
    assert caught.value.message == message


def test_destination_errors(sim, fn):
    cases = [
        ({"OnSuccess": {"Destination": ARN + "doesnotexist"}},
         f"The destination ARN {ARN}doesnotexist is invalid."),
        ({"OnSuccess": {"Destination": ARN + "fn"}}, "You can't specify the function as a destination for itself."),
        ({"OnSuccess": {"Destination": "arn:aws:iam:us-east-1:123456789012:function:fn"}},
         "The provided destination config DestinationConfig(onSuccess=OnSuccess("
         "destination=arn:aws:iam:us-east-1:123456789012:function:fn), onFailure=null) is invalid."),
        ({"OnSuccess": {"Destination": "arn:aws:s3:::bucket"}, "OnFailure": {"Destination": QUEUE}},
         "The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:s3:::bucket), "
         f"onFailure=OnFailure(destination={QUEUE})) is invalid."),
    ]
    for config, message in cases:
        with pytest.raises(InvalidParameterValueException) as caught:
            sim.put_function_event_invoke_config(fn, destination_config=config)
        assert caught.value.message == message


def test_a_destination_that_is_no_arn_fails_the_pattern(sim, fn):
    with pytest.raises(ValidationException) as caught:
        sim.put_function_event_invoke_config(fn, destination_config={"OnFailure": {"Destination": "queue"}})
    assert caught.value.message.startswith(
        "1 validation error detected: Value 'queue' at 'destinationConfig.onFailure.destination' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: $|kafka://"
    )


def test_supported_destinations_and_empty_ones(sim, fn):
    answer = sim.put_function_event_invoke_config(fn, destination_config={
        "OnSuccess": {"Destination": ARN + "other"}, "OnFailure": {"Destination": "arn:aws:s3:::bucket"},
    })
    assert answer["DestinationConfig"] == {
        "OnSuccess": {"Destination": ARN + "other"}, "OnFailure": {"Destination": "arn:aws:s3:::bucket"},
    }
    answer = sim.put_function_event_invoke_config(fn, destination_config={"OnSuccess": {}})
    assert answer["DestinationConfig"] == EMPTY
    answer = sim.put_function_event_invoke_config(fn, destination_config={"OnFailure": {"Destination": ""}})
    assert answer["DestinationConfig"] == EMPTY


def test_wrong_types_name_the_field(sim, fn):
    with pytest.raises(InvalidParameterValueException, match="'MaximumRetryAttempts' must be an int"):
        sim.put_function_event_invoke_config(fn, maximum_retry_attempts=True)
    with pytest.raises(InvalidParameterValueException, match="'DestinationConfig' takes the keys"):
        sim.put_function_event_invoke_config(fn, destination_config={"OnError": {}})


def test_configs_are_per_qualifier_and_listed(sim, fn):
    sim.put_function_event_invoke_config(fn, maximum_retry_attempts=1)
    with pytest.raises(ResourceNotFoundException):
        sim.get_function_event_invoke_config(fn, qualifier="1")
    listed = sim.list_function_event_invoke_configs(fn)
    assert [c["FunctionArn"] for c in listed["FunctionEventInvokeConfigs"]] == [ARN + "fn:$LATEST"]
    assert "NextMarker" not in listed
    assert sim.list_function_event_invoke_configs("other") == {"FunctionEventInvokeConfigs": []}
    sim.delete_function_event_invoke_config(fn)
    assert sim.list_function_event_invoke_configs(fn) == {"FunctionEventInvokeConfigs": []}


def test_list_max_items_range(sim, fn):
    with pytest.raises(ValidationException) as caught:
        sim.list_function_event_invoke_configs(fn, max_items=51)
    assert caught.value.message == (
        "1 validation error detected: Value '51' at 'maxItems' failed to satisfy constraint: "
        "Member must have value less than or equal to 50"
    )


def test_deleting_the_function_deletes_its_configs(sim, fn):
    sim.put_function_event_invoke_config(fn, maximum_retry_attempts=1)
    sim.delete_function(fn)
    sim.create_function("fn", handler="app.echo", code=str(BASIC))
    with pytest.raises(ResourceNotFoundException):
        sim.get_function_event_invoke_config(fn)
    assert sim.list_function_event_invoke_configs(fn) == {"FunctionEventInvokeConfigs": []}


# --- through boto3 ---------------------------------------------------------------------


def test_the_five_operations_through_boto3(sim, fn):
    pytest.importorskip("boto3")
    from botocore.exceptions import ClientError

    client = sim.client()
    put = client.put_function_event_invoke_config(
        FunctionName=fn, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": QUEUE}}
    )
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert put["FunctionArn"] == ARN + "fn:$LATEST"
    assert isinstance(put["LastModified"], datetime.datetime)
    assert put["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": QUEUE}}
    updated = client.update_function_event_invoke_config(FunctionName=fn, MaximumEventAgeInSeconds=120)
    assert (updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]) == (0, 120)
    got = client.get_function_event_invoke_config(FunctionName=fn, Qualifier="$LATEST")
    assert got["MaximumEventAgeInSeconds"] == 120
    listed = client.list_function_event_invoke_configs(FunctionName=fn, MaxItems=10)
    assert [c["FunctionArn"] for c in listed["FunctionEventInvokeConfigs"]] == [ARN + "fn:$LATEST"]
    deleted = client.delete_function_event_invoke_config(FunctionName=fn)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as caught:
        client.get_function_event_invoke_config(FunctionName=fn)
    assert caught.value.response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": f"The function {ARN}fn:$LATEST doesn't have an EventInvokeConfig",
    }
    with pytest.raises(ClientError) as caught:
        client.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=3)
    assert caught.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: "
                   "Member must have value less than or equal to 2",
    }
    with pytest.raises(ClientError) as caught:
        client.put_function_event_invoke_config(FunctionName=fn)
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert caught.value.response["message"] == "You must specify at least one of error handling or destination setting."


def test_event_invokes_and_invoke_async_through_boto3(zygote):
    pytest.importorskip("boto3")
    from botocore.exceptions import ClientError

    from lambdasim import LambdaSim

    with LambdaSim(zygote=zygote, async_dispatch="manual") as sim:
        sim.create_function("fn", handler="app.echo", code=str(BASIC), dead_letter_config={"TargetArn": QUEUE})
        client = sim.client()
        response = client.invoke(FunctionName="fn", InvocationType="Event", Payload=b'{"k": 1}')
        assert response["StatusCode"] == 202
        assert "ExecutedVersion" not in response
        assert response["Payload"].read() == b""
        request_id = response["ResponseMetadata"]["RequestId"]
        legacy = client.invoke_async(FunctionName="fn", InvokeArgs=b'{"k": 2}')
        assert legacy["Status"] == 202
        finished = finish(sim)
        assert [(f.request_id, f.event) for f in finished][0] == (request_id, {"k": 1})
        assert [f.event for f in finished] == [{"k": 1}, {"k": 2}]
        with pytest.raises(ClientError) as caught:
            client.invoke(FunctionName="fn", InvocationType="Event", Payload=b'"' + b"x" * 1_048_575 + b'"')
        assert caught.value.response["Error"] == {
            "Code": "RequestEntityTooLargeException",
            "Message": "1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)",
        }
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_configs_of_versions_and_aliases_are_their_own(sim, fn):
    sim.publish_version(fn)
    sim.create_alias(fn, "live", "1")
    sim.put_function_event_invoke_config(fn, qualifier="1", maximum_retry_attempts=0)
    sim.put_function_event_invoke_config(fn + ":live", maximum_retry_attempts=1)
    assert sim.get_function_event_invoke_config(fn, qualifier="live")["FunctionArn"] == ARN + "fn:live"
    listed = sim.list_function_event_invoke_configs(fn)["FunctionEventInvokeConfigs"]
    assert [c["FunctionArn"] for c in listed] == [ARN + "fn:1", ARN + "fn:live"]
    with pytest.raises(ResourceNotFoundException):
        sim.get_function_event_invoke_config(fn)
    sim.delete_alias(fn, "live")
    with pytest.raises(ResourceNotFoundException):
        sim.get_function_event_invoke_config(fn, qualifier="live")

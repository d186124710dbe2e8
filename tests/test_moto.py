"""Handlers see the test's moto state (LambdaSim(moto=True)); event source mappings from SQS, Kinesis, DynamoDB."""

import json
import time
from pathlib import Path

import pytest

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")
pytest.importorskip("moto.server")
pytest.importorskip("flask")
from moto import mock_aws  # noqa: E402

from lambdasim import (  # noqa: E402
    InvalidParameterValueException,
    LambdaSim,
    ResourceConflictException,
    ResourceNotFoundException,
    ValidationException,
)

pytestmark = pytest.mark.filterwarnings("ignore::boto3.exceptions.PythonDeprecationWarning")
pytest_plugins = ["pytester"]

APP = str(Path(__file__).parent / "handlers" / "moto_app")
REGION = "us-east-1"


@pytest.fixture
def aws():
    with mock_aws():
        yield


@pytest.fixture
def sim(zygote, aws):
    with LambdaSim(zygote=zygote, moto=True, event_source_polling="manual") as sim:
        yield sim


def s3_event(bucket, key):
    return {"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": bucket}, "object": {"key": key}}}]}


def queue(name, **attributes):
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs, url, arn


def table(name, key, stream=False):
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    arguments = {}
    if stream:
        arguments["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    answer = dynamodb.create_table(
        TableName=name, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        **arguments,
    )
    return dynamodb, answer["TableDescription"].get("LatestStreamArn")


def test_a_handler_reads_and_writes_the_tests_mock_aws_state(sim):
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="incoming")
    s3.put_object(Bucket="incoming", Key="a.txt", Body=b"hello")
    dynamodb, _ = table("uploads", "key")
    sim.create_function("copy", handler="app.copy_object_to_table", code=APP, timeout=30)

    result = sim.invoke("copy", s3_event("incoming", "a.txt"))

    assert result.function_error is None, result.payload
    item = dynamodb.get_item(TableName="uploads", Key={"key": {"S": "a.txt"}})["Item"]
    assert item["body"] == {"S": "hello"}
    assert item["request"] == {"S": result.request_id}


def test_environments_get_the_endpoint_and_the_functions_own_variables_win(zygote, aws):
    with LambdaSim(zygote=zygote, moto=True) as sim:
        sim.create_function("env", handler="app.env", code="tests/handlers/basic")
        sim.create_function("own", handler="app.env", code="tests/handlers/basic",
                            environment={"AWS_ENDPOINT_URL": "http://127.0.0.1:1"})
        assert sim.invoke("env").payload["AWS_ENDPOINT_URL"] == sim.aws_endpoint_url
        assert sim.aws_endpoint_url.startswith("http://127.0.0.1:")
        assert sim.invoke("own").payload["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"


def test_without_moto_no_endpoint_is_set(sim, zygote):
    with LambdaSim(zygote=zygote) as plain:
        plain.create_function("env", handler="app.env", code="tests/handlers/basic")
        assert "AWS_ENDPOINT_URL" not in plain.invoke("env").payload
        assert plain.aws_endpoint_url is None


# --- SQS ------------------------------------------------------------------------


def test_sqs_batches_have_lambdas_record_shape_and_processed_messages_are_deleted(sim):
    sqs, url, arn = queue("orders")
    table("batches", "request")
    sim.create_function("consume", handler="app.record_batch", code=APP, timeout=30)
    mapping = sim.create_event_source_mapping(event_source_arn=arn, function_name="consume", batch_size=5)
    sqs.send_message(QueueUrl=url, MessageBody='{"id": 1}',
                     MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}})

    assert sim.drain() == 1

    (call,) = sim.invocations("consume")
    (record,) = call.event["Records"]
    assert set(record) == {"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
                           "md5OfMessageAttributes", "eventSource", "eventSourceARN", "awsRegion"}
    assert (record["body"], record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == (
        '{"id": 1}', "aws:sqs", arn, REGION,
    )
    assert record["messageAttributes"] == {
        "kind": {"stringValue": "order", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
    }
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None
    assert sim.get_event_source_mapping(mapping["UUID"])["State"] == "Enabled"


def test_a_failing_record_lands_in_the_dead_letter_queue_and_the_rest_are_deleted(sim):
    sqs, dlq_url, dlq_arn = queue("orders-dlq")
    _, url, arn = queue("orders", VisibilityTimeout=0,
                        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}))
    sim.create_function("consume", handler="app.fail_bad_records", code=APP)
    sim.create_event_source_mapping(event_source_arn=arn, function_name="consume",
                                    function_response_types=["ReportBatchItemFailures"])
    for body in ("good-1", "bad", "good-2"):
        sqs.send_message(QueueUrl=url, MessageBody=body)

    sim.drain()

    dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in dead] == ["bad"]
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None
    bodies = [[r["body"] for r in call.event["Records"]] for call in sim.invocations("consume")]
    assert bodies[0] == ["good-1", "bad", "good-2"]
    assert all(batch == ["bad"] for batch in bodies[1:]) and len(bodies) == 2  # maxReceiveCount receives


def test_a_function_error_keeps_the_whole_batch_and_drain_ends(sim):
    sqs, url, arn = queue("orders", VisibilityTimeout=0)
    sim.create_function("consume", handler="app.raise_error", code=APP)
    sim.create_event_source_mapping(event_source_arn=arn, function_name="consume")
    sqs.send_message(QueueUrl=url, MessageBody="x")
    sim.drain()  # no redrive policy: the drain stops once the message only comes back
    assert len(sim.invocations("consume")) == 1
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["x"]


def test_a_disabled_mapping_does_not_poll(sim):
    sqs, url, arn = queue("orders")
    sim.create_function("consume", handler="app.echo", code="tests/handlers/basic")
    mapping = sim.create_event_source_mapping(event_source_arn=arn, function_name="consume", enabled=False)
    sqs.send_message(QueueUrl=url, MessageBody="x")
    assert sim.drain() == 0
    sim.update_event_source_mapping(mapping["UUID"], enabled=True)
    assert sim.drain() == 1


def test_background_polling_delivers_without_drain(zygote, aws):
    with LambdaSim(zygote=zygote, moto=True) as sim:
        sqs, url, arn = queue("orders")
        sim.create_function("consume", handler="app.echo", code="tests/handlers/basic")
        sim.create_event_source_mapping(event_source_arn=arn, function_name="consume")
        sqs.send_message(QueueUrl=url, MessageBody="x")
        for _ in range(200):  # wait for the poller, at most ~10 s
            if sim.invocations("consume"):
                break
            time.sleep(0.05)
        assert [r["body"] for r in sim.invocations("consume")[0].event["Records"]] == ["x"]


# --- the control plane -----------------------------------------------------------


def test_mapping_lifecycle_shapes(sim):
    _, _, arn = queue("orders")
    sim.create_function("consume", handler="app.echo", code="tests/handlers/basic")
    created = sim.create_event_source_mapping(event_source_arn=arn, function_name="consume")
    assert created == {
        "UUID": created["UUID"], "BatchSize": 10, "MaximumBatchingWindowInSeconds": 0, "EventSourceArn": arn,
        "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:consume",
        "LastModified": created["LastModified"], "State": "Creating", "StateTransitionReason": "USER_INITIATED",
        "FunctionResponseTypes": [],
        "EventSourceMappingArn": f"arn:aws:lambda:us-east-1:123456789012:event-source-mapping:{created['UUID']}",
    }
    assert sim.get_event_source_mapping(created["UUID"])["State"] == "Enabled"
    updated = sim.update_event_source_mapping(created["UUID"], batch_size=20, maximum_batching_window_in_seconds=1)
    assert (updated["State"], updated["BatchSize"]) == ("Updating", 20)
    listed = sim.list_event_source_mappings(function_name="consume")["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [created["UUID"]]
    assert sim.delete_event_source_mapping(created["UUID"])["State"] == "Deleting"
    with pytest.raises(ResourceNotFoundException) as raised:
        sim.get_event_source_mapping(created["UUID"])
    assert raised.value.message == "The resource you requested does not exist."


def test_mapping_validation_messages(sim):
    _, _, arn = queue("orders")
    sim.create_function("consume", handler="app.echo", code="tests/handlers/basic")
    with pytest.raises(InvalidParameterValueException) as raised:
        sim.create_event_source_mapping(event_source_arn=arn, function_name="consume", batch_size=11)
    assert raised.value.message == (
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"
    )
    with pytest.raises(ValidationException) as raised:
        sim.create_event_source_mapping(event_source_arn=arn, function_name="consume", batch_size=0)
    assert raised.value.message == (
        "1 validation error detected: Value '0' at 'batchSize' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )
    with pytest.raises(ResourceNotFoundException):
        sim.create_event_source_mapping(event_source_arn=arn, function_name="nope")
    first = sim.create_event_source_mapping(event_source_arn=arn, function_name="consume")
    with pytest.raises(ResourceConflictException) as raised:
        sim.create_event_source_mapping(event_source_arn=arn, function_name="consume")
    assert raised.value.message == (
        f'An event source mapping with SQS arn (" {arn} ") and function (" consume ") already exists. '
        f"Please update or delete the existing mapping with UUID {first['UUID']}"
    )


def test_mappings_need_an_endpoint(zygote):
    with LambdaSim(zygote=zygote) as sim:
        sim.create_function("consume", handler="app.echo", code="tests/handlers/basic")
        with pytest.raises(InvalidParameterValueException) as raised:
            sim.create_event_source_mapping(event_source_arn="arn:aws:sqs:us-east-1:123456789012:q",
                                            function_name="consume")
        assert "LambdaSim(moto=True)" in raised.value.message


# --- streams ----------------------------------------------------------------------


def test_kinesis_records_are_delivered_in_lambdas_shape(sim):
    kinesis = boto3.client("kinesis", region_name=REGION)
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="clicks")["StreamDescription"]["StreamARN"]
    sim.create_function("clicks", handler="app.decode_kinesis", code=APP)
    sim.create_event_source_mapping(event_source_arn=arn, function_name="clicks", starting_position="TRIM_HORIZON")
    for word in ("a", "b"):
        kinesis.put_record(StreamName="clicks", Data=word.encode(), PartitionKey="p")

    assert sim.drain() == 1
    (call,) = sim.invocations("clicks")
    assert call.result.payload == ["a", "b"]
    record = call.event["Records"][0]
    assert (record["eventSource"], record["eventName"], record["eventSourceARN"]) == (
        "aws:kinesis", "aws:kinesis:record", arn,
    )
    assert record["kinesis"]["partitionKey"] == "p" and record["kinesis"]["kinesisSchemaVersion"] == "1.0"
    assert record["eventID"] == f"shardId-000000000000:{record['kinesis']['sequenceNumber']}"
    assert sim.drain() == 0  # the records were consumed


def test_streams_need_a_starting_position(sim):
    kinesis = boto3.client("kinesis", region_name=REGION)
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="clicks")["StreamDescription"]["StreamARN"]
    sim.create_function("clicks", handler="app.echo", code="tests/handlers/basic")
    with pytest.raises(InvalidParameterValueException):
        sim.create_event_source_mapping(event_source_arn=arn, function_name="clicks")


def test_dynamodb_stream_records_reach_the_function(sim):
    dynamodb, stream_arn = table("orders", "id", stream=True)
    sim.create_function("changes", handler="app.echo", code="tests/handlers/basic")
    sim.create_event_source_mapping(event_source_arn=stream_arn, function_name="changes",
                                    starting_position="TRIM_HORIZON")
    dynamodb.put_item(TableName="orders", Item={"id": {"S": "1"}, "total": {"N": "5"}})

    assert sim.drain() == 1
    (record,) = sim.invocations("changes")[0].event["Records"]
    assert (record["eventName"], record["eventSource"], record["eventSourceARN"]) == (
        "INSERT", "aws:dynamodb", stream_arn,
    )
    assert record["dynamodb"]["NewImage"] == {"id": {"S": "1"}, "total": {"N": "5"}}
    assert record["dynamodb"]["Keys"] == {"id": {"S": "1"}}


# --- through boto3 ------------------------------------------------------------------


def test_mappings_through_boto3_and_the_rest_routes(sim):
    sqs, url, arn = queue("orders")
    lam = sim.client()
    sim.create_function("consume", handler="app.echo", code="tests/handlers/basic")
    created = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="consume", BatchSize=2)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (created["State"], created["BatchSize"]) == ("Creating", 2)
    fetched = lam.get_event_source_mapping(UUID=created["UUID"])
    assert fetched["State"] == "Enabled"
    assert [m["UUID"] for m in lam.list_event_source_mappings(FunctionName="consume")["EventSourceMappings"]] == [
        created["UUID"]
    ]
    updated = lam.update_event_source_mapping(UUID=created["UUID"], Enabled=False)
    assert updated["State"] == "Updating"
    assert lam.get_event_source_mapping(UUID=created["UUID"])["State"] == "Disabled"
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.update_event_source_mapping(UUID=created["UUID"], BatchSize=50)
    assert lam.delete_event_source_mapping(UUID=created["UUID"])["State"] == "Deleting"
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as raised:
        lam.get_event_source_mapping(UUID=created["UUID"])
    assert raised.value.response["Error"]["Message"] == "The resource you requested does not exist."


# --- asynchronous deliveries into moto ------------------------------------------------


def test_dead_letter_and_destination_messages_reach_moto_queues_and_topics(sim):
    sqs, dlq_url, dlq_arn = queue("failures")
    _, success_url, success_arn = queue("successes")
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="failed-orders")["TopicArn"]
    _, topic_queue_url, topic_queue_arn = queue("topic-copy")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=topic_queue_arn,
                  Attributes={"RawMessageDelivery": "true"})
    sim.create_function("fail", handler="app.raise_error", code=APP, dead_letter_config={"TargetArn": dlq_arn})
    sim.create_function("ok", handler="app.echo", code="tests/handlers/basic")
    sim.put_function_event_invoke_config("fail", maximum_retry_attempts=0,
                                         destination_config={"OnFailure": {"Destination": topic}})
    sim.put_function_event_invoke_config("ok", destination_config={"OnSuccess": {"Destination": success_arn}})

    sim.invoke("fail", {"order": 1}, invocation_type="Event")
    sim.invoke("ok", {"order": 2}, invocation_type="Event")
    sim.drain()

    (dead,) = sqs.receive_message(QueueUrl=dlq_url, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(dead["Body"]) == {"order": 1}
    assert dead["MessageAttributes"]["ErrorCode"] == {"StringValue": "200", "DataType": "Number"}
    assert dead["MessageAttributes"]["ErrorMessage"]["StringValue"] == "always fails"
    (success,) = sqs.receive_message(QueueUrl=success_url)["Messages"]
    assert json.loads(success["Body"])["requestContext"]["condition"] == "Success"
    assert json.loads(success["Body"]) == sim.sink(success_arn)[0].payload
    (published,) = sqs.receive_message(QueueUrl=topic_queue_url)["Messages"]
    assert json.loads(published["Body"])["requestContext"]["condition"] == "RetriesExhausted"


def test_the_marker_gives_the_fixture_moto(pytester):
    pytester.makepyfile(f"""
        import boto3, pytest
        from moto import mock_aws

        @pytest.fixture
        def aws():
            with mock_aws():
                yield

        @pytest.mark.filterwarnings("ignore::DeprecationWarning")
        @pytest.mark.lambdasim(moto=True)
        def test_handler_sees_the_bucket(aws, lambda_sim):
            boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="seen-by-handler")
            lambda_sim.create_function("env", handler="app.env", code={str(Path(__file__).parent / "handlers" / "basic")!r})
            assert lambda_sim.invoke("env").payload["AWS_ENDPOINT_URL"] == lambda_sim.aws_endpoint_url
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


# --- what the review found ---------------------------------------------------------


def test_a_mapping_whose_version_was_deleted_fails_its_batches_without_raising(sim):
    sqs, url, arn = queue("orders", VisibilityTimeout=0)
    sim.create_function("consume", handler="app.echo", code="tests/handlers/basic", publish=True)
    mapping = sim.create_event_source_mapping(event_source_arn=arn, function_name="consume:1")
    sim.delete_function("consume", qualifier="1")
    sqs.send_message(QueueUrl=url, MessageBody="x")
    sim.drain()
    assert sim.invocations("consume") == []
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["x"]  # kept in the queue
    assert sim.get_event_source_mapping(mapping["UUID"])["FunctionArn"].endswith(":consume:1")


def test_a_refused_update_changes_nothing(sim):
    _, _, arn = queue("orders")
    sim.create_function("consume", handler="app.echo", code="tests/handlers/basic")
    mapping = sim.create_event_source_mapping(event_source_arn=arn, function_name="consume")
    with pytest.raises(InvalidParameterValueException):
        sim.update_event_source_mapping(mapping["UUID"], function_response_types=["ReportBatchItemFailures"],
                                        enabled="yes")
    assert sim.get_event_source_mapping(mapping["UUID"])["FunctionResponseTypes"] == []


def test_a_failing_shard_does_not_hold_up_the_others_in_a_drain(sim):
    kinesis = boto3.client("kinesis", region_name=REGION)
    kinesis.create_stream(StreamName="clicks", ShardCount=2)
    arn = kinesis.describe_stream(StreamName="clicks")["StreamDescription"]["StreamARN"]
    sim.create_function("fail", handler="app.raise_error", code=APP)
    sim.create_event_source_mapping(event_source_arn=arn, function_name="fail", starting_position="TRIM_HORIZON",
                                    maximum_retry_attempts=2, batch_size=1)
    for shard in kinesis.list_shards(StreamName="clicks")["Shards"]:  # one record on each shard
        kinesis.put_record(StreamName="clicks", Data=b"x", PartitionKey="p",
                           ExplicitHashKey=shard["HashKeyRange"]["StartingHashKey"])
    ran = sim.drain()
    # Each record: the first attempt and two retries, then discarded; the count is every invoke made.
    assert ran == len(sim.invocations("fail")) == 6


def test_with_unlimited_retries_a_stuck_shard_is_left_and_the_other_delivered(sim):
    kinesis = boto3.client("kinesis", region_name=REGION)
    kinesis.create_stream(StreamName="mixed", ShardCount=2)
    arn = kinesis.describe_stream(StreamName="mixed")["StreamDescription"]["StreamARN"]
    sim.create_function("words", handler="app.decode_kinesis", code=APP)
    sim.create_event_source_mapping(event_source_arn=arn, function_name="words", starting_position="TRIM_HORIZON",
                                    batch_size=1)
    first, second = kinesis.list_shards(StreamName="mixed")["Shards"]
    kinesis.put_record(StreamName="mixed", Data=b"\xff", PartitionKey="p",  # not UTF-8: the handler fails
                       ExplicitHashKey=first["HashKeyRange"]["StartingHashKey"])
    for word in (b"a", b"b"):
        kinesis.put_record(StreamName="mixed", Data=word, PartitionKey="p",
                           ExplicitHashKey=second["HashKeyRange"]["StartingHashKey"])
    sim.drain()
    delivered = [call.result.payload for call in sim.invocations("words") if call.result.function_error is None]
    assert delivered == [["a"], ["b"]]
    assert sum(call.result.function_error is not None for call in sim.invocations("words")) == 1

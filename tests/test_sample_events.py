"""Sample events come in the shapes AWS services send: keys, their order, and derived values."""

import base64
import hashlib
import json
import re

import pytest

from lambdasim import sample_event
from lambdasim._sample_events import SOURCES

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_api_gateway_rest_proxy_event_has_payload_format_1_keys():
    event = sample_event("apigateway", method="POST", path="/orders/7", body='{"a": 1}', query="x=1&x=2&y=3")
    assert list(event) == [
        "resource",
        "path",
        "httpMethod",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
        "body",
        "isBase64Encoded",
    ]
    assert event["queryStringParameters"] == {"x": "2", "y": "3"}  # the last value wins, as API Gateway does
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": ["3"]}
    assert event["pathParameters"] == {"proxy": "orders/7"}
    assert event["multiValueHeaders"]["content-length"] == ["8"]
    context = event["requestContext"]
    assert context["path"] == "/prod/orders/7" and context["httpMethod"] == "POST"
    assert context["domainName"] == f"{context['apiId']}.execute-api.us-east-1.amazonaws.com"
    assert UUID.fullmatch(context["requestId"])


def test_http_api_event_has_payload_format_2_keys():
    event = sample_event("http-api", method="PUT", path="/items", query="a=1&a=2", body="{}", route_key="PUT /items")
    assert list(event) == [
        "version",
        "routeKey",
        "rawPath",
        "rawQueryString",
        "headers",
        "queryStringParameters",
        "requestContext",
        "body",
        "isBase64Encoded",
    ]
    assert event["version"] == "2.0" and event["rawQueryString"] == "a=1&a=2"
    assert event["queryStringParameters"] == {"a": "1,2"}  # format 2.0 joins repeated values with commas
    assert event["requestContext"]["http"]["method"] == "PUT"
    assert "queryStringParameters" not in sample_event("http-api") and "body" not in sample_event("http-api")


def test_alb_event():
    event = sample_event("alb", method="GET", path="/health")
    assert list(event) == [
        "requestContext",
        "httpMethod",
        "path",
        "queryStringParameters",
        "headers",
        "body",
        "isBase64Encoded",
    ]
    assert event["requestContext"]["elb"]["targetGroupArn"].startswith(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-target/"
    )


def test_sqs_record_digest_matches_its_body():
    record = sample_event("sqs", body="héllo", queue="jobs", region="eu-west-1")["Records"][0]
    assert list(record) == [
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    ]
    assert record["md5OfBody"] == hashlib.md5("héllo".encode()).hexdigest()
    assert record["eventSourceARN"] == "arn:aws:sqs:eu-west-1:123456789012:jobs"
    assert all(isinstance(value, str) for value in record["attributes"].values())


def test_sns_record():
    record = sample_event("sns", message="hi", topic="alerts")["Records"][0]
    assert record["EventSource"] == "aws:sns" and record["EventVersion"] == "1.0"
    assert record["Sns"]["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:alerts"
    assert record["EventSubscriptionArn"].startswith("arn:aws:sns:us-east-1:123456789012:alerts:")
    assert record["Sns"]["Type"] == "Notification" and record["Sns"]["Message"] == "hi"


def test_s3_key_is_url_encoded_as_s3_sends_it():
    record = sample_event("s3", bucket="photos", key="2026/cat pic+1.jpg", size=10)["Records"][0]
    assert record["eventSource"] == "aws:s3" and record["eventVersion"] == "2.1"
    assert record["s3"]["object"]["key"] == "2026/cat+pic%2B1.jpg"
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::photos"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["eventTime"])


def test_eventbridge_and_schedule_events():
    event = sample_event("eventbridge", source="shop", detail_type="Paid", detail='{"id": 1}')
    assert list(event) == ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]
    assert event["detail"] == {"id": 1}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["time"])
    scheduled = sample_event("schedule", rule="nightly")
    assert scheduled["detail-type"] == "Scheduled Event" and scheduled["source"] == "aws.events"
    assert scheduled["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/nightly"]


def test_dynamodb_and_kinesis_records():
    record = sample_event("dynamodb", table="orders", event_name="MODIFY")["Records"][0]
    assert record["eventSource"] == "aws:dynamodb" and record["eventName"] == "MODIFY"
    assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert record["eventSourceARN"].startswith("arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/")
    removed = sample_event("dynamodb", event_name="REMOVE")["Records"][0]["dynamodb"]
    assert "NewImage" not in removed
    kinesis = sample_event("kinesis", data="payload")["Records"][0]
    assert base64.b64decode(kinesis["kinesis"]["data"]) == b"payload"
    assert kinesis["eventID"] == f"shardId-000000000006:{kinesis['kinesis']['sequenceNumber']}"


def test_events_are_fresh_and_json_serialisable():
    for source in SOURCES:
        first, second = sample_event(source), sample_event(source)
        assert json.loads(json.dumps(first)) == first
        assert first != second  # new ids every time


def test_bad_input_names_the_option():
    with pytest.raises(ValueError, match=r"^'detail' must be JSON \(got '\{x'"):
        sample_event("eventbridge", detail="{x")
    with pytest.raises(ValueError, match=r"^'source' must be one of alb, apigateway, .* \(got 'ftp'\)$"):
        sample_event("ftp")

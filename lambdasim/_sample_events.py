"""Sample events in the shapes AWS services send to Lambda, for ``lambdasim generate-event``.

One builder per source; each takes keyword options (the command line's flags) and
returns the event as a dict with AWS's keys in AWS's order. Values that AWS
generates (ids, timestamps, MD5 digests, sequence numbers) are generated here
the same way, so every call gives a fresh, consistent event: the SQS
``md5OfBody`` is the MD5 of the body, the Kinesis ``data`` is the base64 of the
payload, the S3 key is URL-encoded as S3 sends it. Shapes follow the examples in
the Lambda Developer Guide (``services-apigateway``, ``services-alb``,
``with-sqs``, ``with-sns``, ``with-s3``, ``with-eventbridge-scheduler``,
``with-ddb``, ``with-kinesis``) and the API Gateway payload format 2.0 reference.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import urllib.parse
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple

import attrs

__all__ = ["SOURCES", "EventSource", "sample_event"]

_SOURCE_IP = "198.51.100.7"
_USER_AGENT = "curl/8.5.0"


@attrs.frozen
class Option:
    """One keyword of a builder: its flag, default and help text."""

    name: str
    default: Any
    help: str


@attrs.frozen
class EventSource:
    """A source of events: what it is, its options, and the builder."""

    name: str
    description: str
    options: Tuple[Option, ...]
    build: Callable[..., Dict[str, Any]]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime, millis: bool = True) -> str:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{moment.microsecond // 1000:03d}Z" if millis else f"{text}Z"


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _split_query(query: str) -> Tuple[Optional[Dict[str, str]], Optional[Dict[str, List[str]]]]:
    if not query:
        return None, None
    multi: Dict[str, List[str]] = {}
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        multi.setdefault(key, []).append(value)
    return {key: values[-1] for key, values in multi.items()}, multi


def _headers(host: str, body: Optional[str]) -> Dict[str, str]:
    headers = {
        "accept": "*/*",
        "host": host,
        "user-agent": _USER_AGENT,
        "x-forwarded-for": _SOURCE_IP,
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    if body:
        headers["content-type"] = "application/json"
        headers["content-length"] = str(len(body.encode()))
    return dict(sorted(headers.items()))


def _json(text: str, option: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise ValueError(f"'{option}' must be JSON (got {text!r}: {error})") from None


def _api_id() -> str:
    return uuid.uuid4().hex[:10]


def apigateway(
    *,
    method: str = "GET",
    path: str = "/",
    body: Optional[str] = None,
    query: str = "",
    resource: str = "/{proxy+}",
    stage: str = "prod",
    region: str = "us-east-1",
    account_id: str = "123456789012",
) -> Dict[str, Any]:
    """API Gateway REST API, Lambda proxy integration (payload format 1.0)."""
    moment, api_id = _now(), _api_id()
    host = f"{api_id}.execute-api.{region}.amazonaws.com"
    headers = _headers(host, body)
    single, multi = _split_query(query)
    proxy = path.lstrip("/")
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {key: [value] for key, value in headers.items()},
        "queryStringParameters": single,
        "multiValueQueryStringParameters": multi,
        "pathParameters": {"proxy": proxy} if resource.endswith("{proxy+}") else None,
        "stageVariables": None,
        "requestContext": {
            "accountId": account_id,
            "apiId": api_id,
            "domainName": host,
            "domainPrefix": api_id,
            "extendedRequestId": base64.b64encode(uuid.uuid4().bytes[:12]).decode()[:16],
            "httpMethod": method,
            "identity": {
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "sourceIp": _SOURCE_IP,
                "user": None,
                "userAgent": _USER_AGENT,
                "userArn": None,
            },
            "path": f"/{stage}{path}",
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTime": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": _millis(moment),
            "resourceId": uuid.uuid4().hex[:6],
            "resourcePath": resource,
            "stage": stage,
        },
        "body": body,
        "isBase64Encoded": False,
    }


def http_api(
    *,
    method: str = "GET",
    path: str = "/",
    body: Optional[str] = None,
    query: str = "",
    route_key: str = "$default",
    region: str = "us-east-1",
    account_id: str = "123456789012",
) -> Dict[str, Any]:
    """API Gateway HTTP API (payload format 2.0); also the shape of function URL events."""
    moment, api_id = _now(), _api_id()
    host = f"{api_id}.execute-api.{region}.amazonaws.com"
    single, _ = _split_query(query)
    event: Dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": _headers(host, body),
    }
    if single is not None:
        event["queryStringParameters"] = {key: ",".join(values) for key, values in _split_query(query)[1].items()}
    event["requestContext"] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": host,
        "domainPrefix": api_id,
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": _SOURCE_IP,
            "userAgent": _USER_AGENT,
        },
        "requestId": base64.b64encode(uuid.uuid4().bytes[:12]).decode()[:16],
        "routeKey": route_key,
        "stage": "$default",
        "time": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": _millis(moment),
    }
    if body is not None:
        event["body"] = body
    event["isBase64Encoded"] = False
    return event


def alb(
    *,
    method: str = "GET",
    path: str = "/",
    body: Optional[str] = None,
    query: str = "",
    target_group: str = "lambda-target",
    region: str = "us-east-1",
    account_id: str = "123456789012",
) -> Dict[str, Any]:
    """Application Load Balancer target (multi-value headers off)."""
    single, _ = _split_query(query)
    host = f"lambda-alb-{uuid.uuid4().hex[:10]}.{region}.elb.amazonaws.com"
    headers = _headers(host, body)
    headers["x-amzn-trace-id"] = f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    return {
        "requestContext": {
            "elb": {
                "targetGroupArn": (
                    f"arn:aws:elasticloadbalancing:{region}:{account_id}:targetgroup/{target_group}/{uuid.uuid4().hex[:16]}"
                )
            }
        },
        "httpMethod": method,
        "path": path,
        "queryStringParameters": single or {},
        "headers": dict(sorted(headers.items())),
        "body": body or "",
        "isBase64Encoded": False,
    }


def sqs(
    *,
    body: str = "Hello from SQS!",
    queue: str = "my-queue",
    region: str = "us-east-1",
    account_id: str = "123456789012",
) -> Dict[str, Any]:
    """Amazon SQS, one message (standard queue)."""
    sent = _millis(_now())
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "AQEB" + base64.b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode(),
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": str(sent),
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": str(sent + 2),
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - SQS's digest, not security
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{region}:{account_id}:{queue}",
                "awsRegion": region,
            }
        ]
    }


def sns(
    *,
    message: str = "Hello from SNS!",
    subject: Optional[str] = "TestInvoke",
    topic: str = "sns-lambda",
    region: str = "us-east-1",
    account_id: str = "123456789012",
) -> Dict[str, Any]:
    """Amazon SNS, one notification."""
    topic_arn = f"arn:aws:sns:{region}:{account_id}:{topic}"
    subscription = f"{topic_arn}:{uuid.uuid4()}"
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription,
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": "1",
                    "Timestamp": _iso(_now()),
                    "Signature": base64.b64encode(hashlib.sha256(message.encode()).digest() * 8).decode(),
                    "SigningCertUrl": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-{uuid.uuid4().hex}.pem",
                    "MessageId": str(uuid.uuid4()),
                    "Message": message,
                    "MessageAttributes": {},
                    "Type": "Notification",
                    "UnsubscribeUrl": (
                        f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription}"
                    ),
                    "TopicArn": topic_arn,
                    "Subject": subject,
                },
            }
        ]
    }


def s3(
    *,
    bucket: str = "amzn-s3-demo-bucket",
    key: str = "test/key",
    size: int = 1024,
    event_name: str = "ObjectCreated:Put",
    region: str = "us-east-1",
    account_id: str = "123456789012",
) -> Dict[str, Any]:
    """Amazon S3 event notification, one record."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": _iso(_now()),
                "eventName": event_name,
                "userIdentity": {"principalId": "EXAMPLE"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
                    "x-amz-id-2": base64.b64encode(hashlib.sha256(uuid.uuid4().bytes).digest() * 2).decode(),
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "testConfigRule",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "EXAMPLE"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": urllib.parse.quote_plus(key, safe="/"),
                        "size": int(size),
                        "eTag": hashlib.md5(key.encode()).hexdigest(),  # noqa: S324 - a sample ETag
                        "sequencer": f"{int(time.time() * 1000):016X}"[-16:],
                    },
                },
            }
        ]
    }


def eventbridge(
    *,
    source: str = "com.example.orders",
    detail_type: str = "OrderPlaced",
    detail: str = "{}",
    region: str = "us-east-1",
    account_id: str = "123456789012",
) -> Dict[str, Any]:
    """Amazon EventBridge, an event matched by a rule."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account_id,
        "time": _iso(_now(), millis=False),
        "region": region,
        "resources": [],
        "detail": _json(detail, "detail"),
    }


def schedule(
    *, rule: str = "my-schedule", region: str = "us-east-1", account_id: str = "123456789012"
) -> Dict[str, Any]:
    """An EventBridge scheduled rule (``rate(...)`` / ``cron(...)``)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": _iso(_now().replace(second=0), millis=False),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account_id}:rule/{rule}"],
        "detail": {},
    }


def dynamodb(
    *,
    table: str = "my-table",
    keys: str = '{"Id": {"N": "101"}}',
    new_image: str = '{"Id": {"N": "101"}, "Message": {"S": "New item!"}}',
    event_name: str = "INSERT",
    region: str = "us-east-1",
    account_id: str = "123456789012",
) -> Dict[str, Any]:
    """Amazon DynamoDB Streams, one record (``NEW_AND_OLD_IMAGES``); keys and images are typed JSON."""
    image = _json(new_image, "new_image")
    record = {"ApproximateCreationDateTime": int(time.time()), "Keys": _json(keys, "keys")}
    if event_name != "REMOVE":
        record["NewImage"] = image
    record["SequenceNumber"] = str(int(time.time() * 1000) * 1000)
    record["SizeBytes"] = len(json.dumps(image, separators=(",", ":")))
    record["StreamViewType"] = "NEW_AND_OLD_IMAGES"
    return {
        "Records": [
            {
                "eventID": uuid.uuid4().hex,
                "eventName": event_name,
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": region,
                "dynamodb": record,
                "eventSourceARN": f"arn:aws:dynamodb:{region}:{account_id}:table/{table}/stream/{_iso(_now())[:-1]}",
            }
        ]
    }


def kinesis(
    *,
    data: str = "Hello, this is a test.",
    partition_key: str = "1",
    stream: str = "lambda-stream",
    region: str = "us-east-1",
    account_id: str = "123456789012",
) -> Dict[str, Any]:
    """Amazon Kinesis Data Streams, one record (``data`` is the base64 of the payload)."""
    sequence = str(49590338271490256608559692538361571095921575989136588898 + uuid.uuid4().int % 10**18)
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": partition_key,
                    "sequenceNumber": sequence,
                    "data": base64.b64encode(data.encode()).decode(),
                    "approximateArrivalTimestamp": round(time.time(), 3),
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000006:{sequence}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": f"arn:aws:iam::{account_id}:role/lambda-role",
                "awsRegion": region,
                "eventSourceARN": f"arn:aws:kinesis:{region}:{account_id}:stream/{stream}",
            }
        ]
    }


_HELP = {
    "method": "HTTP method",
    "path": "request path",
    "body": "request or message body",
    "query": "query string, e.g. 'a=1&b=2'",
    "resource": "API Gateway resource path",
    "stage": "API stage",
    "route_key": "route key, e.g. 'GET /orders'",
    "target_group": "target group name",
    "queue": "queue name",
    "message": "message text",
    "subject": "message subject",
    "topic": "topic name",
    "bucket": "bucket name",
    "key": "object key (sent URL-encoded)",
    "size": "object size in bytes",
    "event_name": "event name",
    "source": "event source",
    "detail_type": "detail-type",
    "detail": "detail, as JSON",
    "rule": "rule name",
    "table": "table name",
    "keys": "Keys, as DynamoDB JSON",
    "new_image": "NewImage, as DynamoDB JSON",
    "data": "record payload (sent base64-encoded)",
    "partition_key": "partition key",
    "stream": "stream name",
    "region": "AWS region",
    "account_id": "AWS account id",
}


def _source(name: str, build: Callable[..., Dict[str, Any]]) -> EventSource:
    import inspect

    options = tuple(
        Option(parameter.name, parameter.default, _HELP[parameter.name])
        for parameter in inspect.signature(build).parameters.values()
    )
    return EventSource(name, (build.__doc__ or "").strip().splitlines()[0].replace("``", ""), options, build)


#: Source name (as ``lambdasim generate-event`` takes it) -> its builder.
SOURCES: Dict[str, EventSource] = {
    source.name: source
    for source in (
        _source("alb", alb),
        _source("apigateway", apigateway),
        _source("dynamodb", dynamodb),
        _source("eventbridge", eventbridge),
        _source("http-api", http_api),
        _source("kinesis", kinesis),
        _source("s3", s3),
        _source("schedule", schedule),
        _source("sns", sns),
        _source("sqs", sqs),
    )
}


def sample_event(source: str, /, **options: Any) -> Dict[str, Any]:
    """A fresh event from ``source`` (one of ``SOURCES``), e.g. ``sample_event("sqs", body="hi")``."""
    if source not in SOURCES:
        raise ValueError(f"'source' must be one of {', '.join(SOURCES)} (got {source!r})")
    return SOURCES[source].build(**options)

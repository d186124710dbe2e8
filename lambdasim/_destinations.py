"""Where asynchronous invocations end up: dead-letter queues and destinations, as in-memory sinks.

Lambda hands a finished asynchronous event to other services: the function's
dead-letter queue (SQS or SNS, ``DeadLetterConfig``) receives the original event
with three message attributes, and the ``OnSuccess`` / ``OnFailure`` destinations
of the event invoke config receive an *invocation record*
(spec/lambda-controlplane.md §6). lambdasim runs none of those services: each
message is kept, in order, in a sink per target ARN (``sim.sink(arn)``), in the
shape that service would hold it — SQS message attributes as
``{"DataType", "StringValue"}``, SNS ones as ``{"Type", "Value"}``, EventBridge
events as the full envelope. A Lambda target is invoked asynchronously by the
queue (``_async_queue``) and its record is also kept here.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any, Callable, Dict, List, Mapping, Optional

import attrs

from ._result import InvokeResult

__all__ = [
    "Delivery",
    "Sinks",
    "dead_letter_message",
    "eventbridge_event",
    "invocation_record",
    "iso_timestamp",
    "record_delivery",
    "service_of",
]

#: ``ErrorMessage`` of a dead-letter message holds the first KB of the error message.
ERROR_MESSAGE_LIMIT = 1024


def _copied_attributes(value: Mapping[str, Mapping[str, str]]) -> Dict[str, Dict[str, str]]:
    return {name: dict(fields) for name, fields in value.items()}


@attrs.frozen
class Delivery:
    """One message delivered to a target: its ARN, the body as the service holds it, and its attributes.

    ``attributes`` are SQS message attributes (``{"DataType": ..., "StringValue": ...}``)
    for a queue, SNS ones (``{"Type": ..., "Value": ...}``) for a topic, and empty for
    EventBridge buses and Lambda functions.
    """

    arn: str
    body: str
    attributes: Dict[str, Dict[str, str]] = attrs.field(factory=dict, converter=_copied_attributes)

    @property
    def payload(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)

    @property
    def service(self) -> str:
        """``sqs``, ``sns``, ``events``, ``lambda`` or ``s3``: the ARN's service."""
        return service_of(self.arn)


def service_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 else ""


class Sinks:
    """Everything delivered to each target ARN, in order of delivery."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_arn: Dict[str, List[Delivery]] = {}
        #: Also hands each delivery to an AWS endpoint (moto's server), when set.
        self.forward: Optional[Callable[[Delivery], None]] = None

    def deliver(self, delivery: Delivery) -> None:
        with self._lock:
            self._by_arn.setdefault(delivery.arn, []).append(delivery)
        if self.forward is not None:
            self.forward(delivery)

    def get(self, arn: str) -> List[Delivery]:
        with self._lock:
            return list(self._by_arn.get(arn, ()))


def iso_timestamp(seconds: float) -> str:
    """``2019-11-14T18:16:05.568Z``: the record's timestamp, UTC with milliseconds."""
    millis = int(round(seconds * 1000))
    whole, ms = divmod(millis, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{ms:03d}Z"


def _json_text(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def decoded_event(body: bytes) -> Any:
    """The event as the handler saw it: the JSON body, ``{}`` for an empty one."""
    return json.loads(body) if body else {}


def _decoded_response(result: InvokeResult) -> Any:
    raw = result.raw_payload
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return raw.decode("utf-8", errors="replace")


def invocation_record(
    *,
    timestamp: float,
    request_id: str,
    function_arn: str,
    condition: str,
    approximate_invoke_count: int,
    body: bytes,
    result: Optional[InvokeResult],
) -> Dict[str, Any]:
    """The invocation record of spec §6; without ``result`` (nothing ran) there is no response part."""
    record: Dict[str, Any] = {
        "version": "1.0",
        "timestamp": iso_timestamp(timestamp),
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": approximate_invoke_count,
        },
        "requestPayload": decoded_event(body),
    }
    if result is not None:
        context: Dict[str, Any] = {"statusCode": result.status_code, "executedVersion": result.executed_version}
        if result.function_error is not None:
            context["functionError"] = result.function_error
        record["responseContext"] = context
        record["responsePayload"] = _decoded_response(result)
    return record


def record_delivery(arn: str, record: Dict[str, Any], *, region: str, account: str, function_arn: str) -> Delivery:
    """A record as the target's service holds it: the JSON text, or an EventBridge event around it."""
    if service_of(arn) == "events":
        return Delivery(arn, _json_text(eventbridge_event(arn, record, region=region, account=account,
                                                          function_arn=function_arn)))
    return Delivery(arn, _json_text(record))


def eventbridge_event(
    bus_arn: str, record: Dict[str, Any], *, region: str, account: str, function_arn: str
) -> Dict[str, Any]:
    """The event a destination bus receives: ``source`` ``lambda`` and the record as ``detail``."""
    success = record["requestContext"]["condition"] == "Success"
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Lambda Function Invocation Result - " + ("Success" if success else "Failure"),
        "source": "lambda",
        "account": account,
        "time": record["timestamp"][:19] + "Z",
        "region": region,
        "resources": [bus_arn, function_arn],
        "detail": record,
    }


def _truncated(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")


def dead_letter_message(
    arn: str, *, body: bytes, request_id: str, error_code: str, error_message: str
) -> Delivery:
    """The message a dead-letter queue or topic receives: the event unchanged and three attributes."""
    values = (
        ("RequestID", "String", request_id),
        ("ErrorCode", "Number", error_code),
        ("ErrorMessage", "String", _truncated(error_message, ERROR_MESSAGE_LIMIT)),
    )
    if service_of(arn) == "sns":
        attributes = {name: {"Type": kind, "Value": value} for name, kind, value in values}
    else:
        attributes = {name: {"DataType": kind, "StringValue": value} for name, kind, value in values}
    text = body.decode("utf-8") if body else "{}"
    return Delivery(arn, text, attributes)

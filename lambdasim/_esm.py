"""Event source mappings: SQS queues, Kinesis streams and DynamoDB Streams feeding a function.

A mapping is the control-plane record AWS keeps (``CreateEventSourceMapping``
and friends, with AWS's validation and messages) plus a poller that reads the
source through an AWS endpoint (moto's server, ``LambdaSim(moto=True)``, or
any ``aws_endpoint_url``), invokes the function synchronously with batches in
the exact event shapes Lambda sends, and settles the batch the way Lambda does:

- SQS: processed messages are deleted; on a function error the whole batch
  stays and comes back after the queue's visibility timeout (the queue's
  redrive policy moves it to its dead-letter queue after ``maxReceiveCount``
  receives); with ``FunctionResponseTypes=["ReportBatchItemFailures"]`` only
  the messages the function names in ``batchItemFailures`` stay.
- Kinesis and DynamoDB Streams: records are read per shard from the starting
  position; a failed batch is retried from the same position (up to
  ``MaximumRetryAttempts``, -1 meaning until it succeeds), with partial batch
  failures resuming from the lowest failed sequence number.

Polling runs in a background thread (as on AWS) and, deterministically, in
``LambdaSim.drain()``, which returns once every enabled mapping's source had
nothing left to deliver.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import uuid
import warnings
from typing import Any, Callable, Dict, List, Optional

import attrs

from . import _clock, _errors
from ._errors import (
    InvalidParameterValueException,
    LambdaSimError,
    ResourceConflictException,
    ResourceNotFoundException,
    TooManyRequestsException,
    ValidationException,
)

__all__ = ["EventSourceMappings"]

NOT_FOUND = "The resource you requested does not exist."
_SOURCE_ARN = re.compile(
    r"arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)"
)
_SOURCE_ARN_PATTERN = _SOURCE_ARN.pattern
_STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
_RESPONSE_TYPES = ("ReportBatchItemFailures",)
#: Background polling interval, in real seconds.
POLL_INTERVAL = 0.2
#: A drain gives up on a mapping after this many batches (a source that never empties).
DRAIN_BATCH_LIMIT = 10_000


@attrs.define(eq=False)
class Mapping:
    uuid: str
    kind: str  # "sqs", "kinesis" or "dynamodb"
    event_source_arn: str
    function_ref: str
    function_arn: str
    batch_size: int
    window: int
    enabled: bool
    response_types: List[str]
    starting_position: Optional[str]
    starting_timestamp: Optional[float]
    maximum_retry_attempts: int
    maximum_record_age: int
    bisect: bool
    parallelization: int
    last_modified: float
    #: The state the create/update/delete answer reports (Creating, Updating, Deleting);
    #: reads report Enabled or Disabled.
    transition: Optional[str] = "Creating"
    last_result: str = "No records processed"
    #: Streams: the next shard iterator of each shard.
    iterators: Dict[str, Optional[str]] = attrs.Factory(dict)
    lock: threading.Lock = attrs.Factory(threading.Lock)

    @property
    def state(self) -> str:
        return "Enabled" if self.enabled else "Disabled"

    def describe(self, region: str, account: str) -> Dict[str, Any]:
        answer: Dict[str, Any] = {"UUID": self.uuid}
        if self.kind != "sqs":
            answer["StartingPosition"] = self.starting_position
            if self.starting_timestamp is not None:
                answer["StartingPositionTimestamp"] = self.starting_timestamp
        answer.update(BatchSize=self.batch_size, MaximumBatchingWindowInSeconds=self.window)
        if self.kind != "sqs":
            answer["ParallelizationFactor"] = self.parallelization
        answer.update(EventSourceArn=self.event_source_arn, FunctionArn=self.function_arn, LastModified=self.last_modified)
        if self.kind != "sqs":
            answer["LastProcessingResult"] = self.last_result
        answer.update(State=self.transition or self.state, StateTransitionReason="USER_INITIATED")
        if self.kind != "sqs":
            answer.update(
                DestinationConfig={"OnFailure": {}},
                MaximumRecordAgeInSeconds=self.maximum_record_age,
                BisectBatchOnFunctionError=self.bisect,
                MaximumRetryAttempts=self.maximum_retry_attempts,
                TumblingWindowInSeconds=0,
            )
        answer["FunctionResponseTypes"] = list(self.response_types)
        answer["EventSourceMappingArn"] = f"arn:aws:lambda:{region}:{account}:event-source-mapping:{self.uuid}"
        return answer


def _source_kind(arn: str) -> str:
    if not isinstance(arn, str):
        raise InvalidParameterValueException(_errors.wrong_type("EventSourceArn", "a string", arn))
    if len(arn) > 10000 or not _SOURCE_ARN.fullmatch(arn):
        raise ValidationException(
            _errors.validation_message([(arn, "eventSourceArn", _errors.pattern(_SOURCE_ARN_PATTERN))])
        )
    service = arn.split(":")[2]
    if service == "sqs":
        return "sqs"
    if service == "kinesis" and ":stream/" in arn:
        return "kinesis"
    if service == "dynamodb" and "/stream/" in arn:
        return "dynamodb"
    raise InvalidParameterValueException(
        f"lambdasim does not support event source mappings from {arn} yet: it polls SQS queues, "
        "Kinesis streams and DynamoDB Streams"
    )


def _integer(value: Any, member: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameterValueException(_errors.wrong_type(member, "an integer", value))
    if value < low:
        raise ValidationException(_errors.validation_message([(value, member, _errors.min_value(low))]))
    if value > high:
        raise ValidationException(_errors.validation_message([(value, member, _errors.max_value(high))]))
    return value


class EventSourceMappings:
    """The simulator's event source mappings and their pollers.

    ``invoke(function_ref, event)`` runs one batch (the service's synchronous
    invoke); ``client(service)`` makes a boto3 client for the AWS endpoint.
    """

    def __init__(
        self, *, region: str, account: str, resolve_function: Callable[[str], str],
        invoke: Callable[[str, Any], Any], client: Callable[[str], Any], background: bool,
    ) -> None:
        self._region = region
        self._account = account
        self._resolve_function = resolve_function
        self._invoke = invoke
        self._client = client
        self._background = background
        self._mappings: Dict[str, Mapping] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    # --- control plane ----------------------------------------------------------

    def create(
        self, *, event_source_arn: str, function_name: str, enabled: bool = True, batch_size: Optional[int] = None,
        maximum_batching_window_in_seconds: Optional[int] = None, starting_position: Optional[str] = None,
        starting_position_timestamp: Optional[float] = None, function_response_types: Optional[List[str]] = None,
        maximum_retry_attempts: Optional[int] = None, maximum_record_age_in_seconds: Optional[int] = None,
        bisect_batch_on_function_error: Optional[bool] = None, parallelization_factor: Optional[int] = None,
    ) -> Dict[str, Any]:
        kind = _source_kind(event_source_arn)
        function_arn = self._resolve_function(function_name)
        is_stream = kind != "sqs"
        if is_stream:
            if starting_position is None:
                raise InvalidParameterValueException(
                    "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: "
                    "Member must not be null"
                )
            if starting_position not in _STARTING_POSITIONS:
                raise ValidationException(
                    _errors.validation_message([(starting_position, "startingPosition",
                                                 "Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_TIMESTAMP]")])
                )
            if starting_position == "AT_TIMESTAMP" and starting_position_timestamp is None:
                raise InvalidParameterValueException(
                    "StartingPositionTimestamp is required when StartingPosition is AT_TIMESTAMP"
                )
        elif starting_position is not None:
            raise InvalidParameterValueException("StartingPosition is not valid for SQS event sources.")
        mapping = Mapping(
            uuid=str(uuid.uuid4()), kind=kind, event_source_arn=event_source_arn, function_ref=function_name,
            function_arn=function_arn, batch_size=100 if is_stream else 10, window=0, enabled=True,
            response_types=[], starting_position=starting_position,
            starting_timestamp=starting_position_timestamp, maximum_retry_attempts=-1, maximum_record_age=-1,
            bisect=False, parallelization=1, last_modified=_clock.wall(),
        )
        self._configure(
            mapping, enabled=enabled, batch_size=batch_size, window=maximum_batching_window_in_seconds,
            response_types=function_response_types, retries=maximum_retry_attempts,
            record_age=maximum_record_age_in_seconds, bisect=bisect_batch_on_function_error,
            parallelization=parallelization_factor,
        )
        with self._lock:
            for other in self._mappings.values():
                if other.event_source_arn == event_source_arn and other.function_arn == function_arn:
                    raise ResourceConflictException(_duplicate(other, function_name))
            if is_stream:
                self._open_shards(mapping)
            self._mappings[mapping.uuid] = mapping
        self._start_background()
        answer = mapping.describe(self._region, self._account)
        mapping.transition = None  # the next read sees Enabled (or Disabled)
        return answer

    def get(self, mapping_uuid: str) -> Dict[str, Any]:
        mapping = self._find(mapping_uuid)
        return mapping.describe(self._region, self._account)

    def list(self, *, event_source_arn: Optional[str] = None, function_arn: Optional[str] = None) -> List[Dict[str, Any]]:
        with self._lock:
            mappings = list(self._mappings.values())
        answers = []
        for mapping in mappings:
            if event_source_arn is not None and mapping.event_source_arn != event_source_arn:
                continue
            if function_arn is not None and mapping.function_arn != function_arn:
                continue
            answers.append(mapping.describe(self._region, self._account))
        return answers

    def update(
        self, mapping_uuid: str, *, function_name: Optional[str] = None, enabled: Optional[bool] = None,
        batch_size: Optional[int] = None, maximum_batching_window_in_seconds: Optional[int] = None,
        function_response_types: Optional[List[str]] = None, maximum_retry_attempts: Optional[int] = None,
        maximum_record_age_in_seconds: Optional[int] = None, bisect_batch_on_function_error: Optional[bool] = None,
        parallelization_factor: Optional[int] = None,
    ) -> Dict[str, Any]:
        mapping = self._find(mapping_uuid)
        function_arn = self._resolve_function(function_name) if function_name is not None else None
        # Under the registry's lock, not the mapping's: a batch in flight does not delay an update.
        with self._lock:
            self._configure(
                mapping, enabled=enabled, batch_size=batch_size, window=maximum_batching_window_in_seconds,
                response_types=function_response_types, retries=maximum_retry_attempts,
                record_age=maximum_record_age_in_seconds, bisect=bisect_batch_on_function_error,
                parallelization=parallelization_factor,
            )
            if function_arn is not None:
                mapping.function_ref, mapping.function_arn = function_name, function_arn  # type: ignore[assignment]
            mapping.last_modified = _clock.wall()
            mapping.transition = "Updating"
            answer = mapping.describe(self._region, self._account)
            mapping.transition = None
            return answer

    def delete(self, mapping_uuid: str) -> Dict[str, Any]:
        mapping = self._find(mapping_uuid)
        with self._lock:
            self._mappings.pop(mapping.uuid, None)
            # A batch in flight finishes; no new one starts (the poller checks the registry).
            mapping.transition = "Deleting"
            return mapping.describe(self._region, self._account)

    def forget_function(self, function_arn: str) -> None:
        """The function was deleted: its mappings stop polling (AWS keeps them, failing; lambdasim drops them)."""
        with self._lock:
            doomed = [
                key for key, m in self._mappings.items()
                if m.function_arn == function_arn or m.function_arn.startswith(function_arn + ":")
            ]
            for key in doomed:
                del self._mappings[key]

    def _find(self, mapping_uuid: str) -> Mapping:
        with self._lock:
            mapping = self._mappings.get(mapping_uuid)
        if mapping is None:
            raise ResourceNotFoundException(NOT_FOUND)
        return mapping

    def _configure(
        self, mapping: Mapping, *, enabled: Optional[bool], batch_size: Optional[int], window: Optional[int],
        response_types: Optional[List[str]], retries: Optional[int], record_age: Optional[int],
        bisect: Optional[bool], parallelization: Optional[int],
    ) -> None:
        batch = mapping.batch_size if batch_size is None else _integer(batch_size, "batchSize", 1, 10000)
        wait = mapping.window if window is None else _integer(window, "maximumBatchingWindowInSeconds", 0, 300)
        if mapping.kind == "sqs":
            if mapping.event_source_arn.endswith(".fifo") and batch > 10:
                raise InvalidParameterValueException("Batch size must be between 1 and 10 inclusive for FIFO queues")
            if batch > 10 and wait == 0:
                raise InvalidParameterValueException(
                    "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"
                )
            for name, value in (("MaximumRetryAttempts", retries), ("MaximumRecordAgeInSeconds", record_age),
                                ("BisectBatchOnFunctionError", bisect), ("ParallelizationFactor", parallelization)):
                if value is not None:
                    raise InvalidParameterValueException(f"Unsupported {name} parameter for SQS event sources.")
        if response_types is not None and (
            not isinstance(response_types, (list, tuple)) or len(response_types) > 1
            or any(item not in _RESPONSE_TYPES for item in response_types)
        ):
            raise ValidationException(
                _errors.validation_message([(response_types, "functionResponseTypes",
                                             "Member must satisfy enum value set: [ReportBatchItemFailures]")])
            )
        if retries is not None:
            retries = _integer(retries, "maximumRetryAttempts", -1, 10000)
        if record_age is not None:
            record_age = _integer(record_age, "maximumRecordAgeInSeconds", -1, 604800)
        if parallelization is not None:
            parallelization = _integer(parallelization, "parallelizationFactor", 1, 10)
        if enabled is not None and not isinstance(enabled, bool):
            raise InvalidParameterValueException(_errors.wrong_type("Enabled", "a boolean", enabled))
        # Every value is valid: only now is the mapping changed (a refused update changes nothing).
        if response_types is not None:
            mapping.response_types = list(response_types)
        if retries is not None:
            mapping.maximum_retry_attempts = retries
        if record_age is not None:
            mapping.maximum_record_age = record_age
        if bisect is not None:
            mapping.bisect = bool(bisect)
        if parallelization is not None:
            mapping.parallelization = parallelization
        if enabled is not None:
            mapping.enabled = enabled
        mapping.batch_size, mapping.window = batch, wait

    # --- polling ----------------------------------------------------------------

    def drain(self) -> int:
        """Poll every enabled mapping until its source has nothing left to deliver; the batches run."""
        with self._lock:
            mappings = [m for m in self._mappings.values() if m.enabled]
        total = 0
        for mapping in mappings:
            seen: set = set()
            for _ in range(DRAIN_BATCH_LIMIT):
                ran = self._poll(mapping, seen)
                total += ran
                if not ran:
                    break
        return total

    def stop(self) -> None:
        """No new batch starts (the one in flight ends with its environment, see ``close``)."""
        self._stop.set()

    def close(self, timeout: float = 5.0) -> None:
        """Stop polling and wait (bounded) for the background poller to end."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                warnings.warn(
                    f"lambdasim: the event source poller did not end within {timeout} s of close()",
                    ResourceWarning, stacklevel=2,
                )

    def _start_background(self) -> None:
        with self._lock:
            if not self._background or self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="lambdasim-event-sources", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(POLL_INTERVAL):
            with self._lock:
                mappings = [m for m in self._mappings.values() if m.enabled]
            for mapping in mappings:
                if self._stop.is_set():
                    return
                try:
                    self._poll(mapping, None)
                except Exception as error:  # noqa: BLE001 - the poller must outlive one bad batch
                    mapping.last_result = f"PROBLEM: {type(error).__name__}: {error}"

    def _poll(self, mapping: Mapping, seen: Optional[set]) -> int:
        """One batch of one mapping (one per shard for streams), if the source has records; the number of invokes made."""
        with mapping.lock:
            if mapping.uuid not in self._mappings or not mapping.enabled:
                return 0
            if mapping.kind == "sqs":
                return self._poll_queue(mapping, seen)
            return self._poll_stream(mapping, seen)

    # SQS

    def _poll_queue(self, mapping: Mapping, seen: Optional[set]) -> int:
        sqs = self._client("sqs")
        name, account = mapping.event_source_arn.split(":")[5], mapping.event_source_arn.split(":")[4]
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        batch: Dict[str, dict] = {}
        while len(batch) < mapping.batch_size:
            wanted = min(10, mapping.batch_size - len(batch))
            got = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=wanted,
                AttributeNames=["All"], MessageAttributeNames=["All"], WaitTimeSeconds=0,
            ).get("Messages", [])
            fresh = [message for message in got if message["MessageId"] not in batch]
            # With a short visibility timeout a message can come back within one
            # batch: its latest receipt handle is the one that deletes it.
            batch.update((message["MessageId"], message) for message in got)
            if not fresh or len(got) < wanted:
                break  # the queue has nothing more to give now
        messages = list(batch.values())
        if not messages:
            return 0
        if seen is not None:
            # A message a drain already delivered is only delivered again while the
            # queue's redrive policy can still move it: otherwise the drain would
            # never end on a message that always fails.
            repeats = [m for m in messages if m["MessageId"] in seen]
            if repeats and len(repeats) == len(messages) and not _has_redrive(sqs, url):
                return 0
            seen.update(m["MessageId"] for m in messages)
        event = {"Records": [self._sqs_record(mapping, message) for message in messages]}
        failed = self._run_batch(mapping, event, [m["MessageId"] for m in messages])
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start:start + 10]
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        return 1

    def _sqs_record(self, mapping: Mapping, message: dict) -> dict:
        record: Dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": dict(message.get("Attributes", {})),
            "messageAttributes": {
                key: _sqs_attribute(value) for key, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),
        }
        if message.get("MD5OfMessageAttributes"):
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        record.update(eventSource="aws:sqs", eventSourceARN=mapping.event_source_arn, awsRegion=self._region)
        return record

    # Kinesis and DynamoDB Streams

    def _stream_client(self, mapping: Mapping) -> Any:
        return self._client("kinesis" if mapping.kind == "kinesis" else "dynamodbstreams")

    def _open_shards(self, mapping: Mapping) -> None:
        client = self._stream_client(mapping)
        arn = mapping.event_source_arn
        if mapping.kind == "kinesis":
            shards = client.list_shards(StreamARN=arn)["Shards"]
        else:
            shards = client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        for shard in shards:
            mapping.iterators[shard["ShardId"]] = self._iterator(mapping, client, shard["ShardId"])

    def _iterator(self, mapping: Mapping, client: Any, shard_id: str, after: Optional[str] = None,
                  at: Optional[str] = None) -> str:
        arn = mapping.event_source_arn
        arguments: Dict[str, Any] = {"ShardId": shard_id}
        if at is not None:
            arguments.update(ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=at)
        elif after is not None:
            arguments.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=after)
        elif mapping.starting_position == "AT_TIMESTAMP" and mapping.kind == "kinesis":
            arguments.update(ShardIteratorType="AT_TIMESTAMP", Timestamp=mapping.starting_timestamp)
        else:
            position = mapping.starting_position if mapping.starting_position != "AT_TIMESTAMP" else "TRIM_HORIZON"
            arguments["ShardIteratorType"] = position
        if mapping.kind == "kinesis":
            return client.get_shard_iterator(StreamARN=arn, **arguments)["ShardIterator"]
        return client.get_shard_iterator(StreamArn=arn, **arguments)["ShardIterator"]

    def _poll_stream(self, mapping: Mapping, seen: Optional[set]) -> int:
        """One batch from each shard that has records; the number of invokes made (retries included).

        In a drain (``seen`` given) a shard whose batch keeps failing is left for
        the next poll and skipped for the rest of the drain; the other shards go on.
        """
        client = self._stream_client(mapping)
        ran = 0
        for shard_id, iterator in list(mapping.iterators.items()):
            if iterator is None or (seen is not None and ("stuck", shard_id) in seen):
                continue
            arguments = {"StreamARN": mapping.event_source_arn} if mapping.kind == "kinesis" else {}
            answer = client.get_records(ShardIterator=iterator, Limit=mapping.batch_size, **arguments)
            records = answer.get("Records", [])
            if not records:
                mapping.iterators[shard_id] = answer.get("NextShardIterator")
                continue
            if mapping.kind == "kinesis":
                shaped = [self._kinesis_record(mapping, shard_id, record) for record in records]
                numbers = [record["SequenceNumber"] for record in records]
            else:
                shaped = [self._dynamodb_record(mapping, record) for record in records]
                numbers = [record["dynamodb"]["SequenceNumber"] for record in records]
            failed = self._run_batch(mapping, {"Records": shaped}, numbers)
            attempts = 1
            while failed and mapping.maximum_retry_attempts != -1 and attempts <= mapping.maximum_retry_attempts:
                failed = self._run_batch(mapping, {"Records": shaped}, numbers)
                attempts += 1
            ran += attempts
            if failed and mapping.maximum_retry_attempts == -1:
                # Retried from the first failed record at the next poll, until it succeeds.
                first = min(failed, key=numbers.index)
                mapping.iterators[shard_id] = self._iterator(mapping, client, shard_id, at=first)
                if seen is not None:
                    seen.add(("stuck", shard_id))  # a drain does not spin on a batch that keeps failing
                continue
            # Processed, or retries exhausted: the records are discarded, as on AWS.
            mapping.iterators[shard_id] = answer.get("NextShardIterator")
        return ran

    def _kinesis_record(self, mapping: Mapping, shard_id: str, record: dict) -> dict:
        arrival = record.get("ApproximateArrivalTimestamp")
        return {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": record["PartitionKey"],
                "sequenceNumber": record["SequenceNumber"],
                "data": base64.b64encode(record["Data"]).decode("ascii"),
                "approximateArrivalTimestamp": arrival.timestamp() if hasattr(arrival, "timestamp") else arrival,
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{shard_id}:{record['SequenceNumber']}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": f"arn:aws:iam::{self._account}:role/lambdasim",
            "awsRegion": self._region,
            "eventSourceARN": mapping.event_source_arn,
        }

    def _dynamodb_record(self, mapping: Mapping, record: dict) -> dict:
        change = dict(record["dynamodb"])
        created = change.get("ApproximateCreationDateTime")
        if hasattr(created, "timestamp"):
            change["ApproximateCreationDateTime"] = int(created.timestamp())
        return {
            "eventID": record["eventID"],
            "eventName": record["eventName"],
            "eventVersion": record.get("eventVersion", "1.1"),
            "eventSource": "aws:dynamodb",
            "awsRegion": self._region,
            "dynamodb": change,
            "eventSourceARN": mapping.event_source_arn,
        }

    # one batch

    def _run_batch(self, mapping: Mapping, event: dict, identifiers: List[str]) -> List[str]:
        """Invoke the function with one batch; the identifiers of the records that failed."""
        try:
            result = self._invoke(mapping.function_arn, event)
        except TooManyRequestsException:
            mapping.last_result = "PROBLEM: Function call failed"
            return list(identifiers)
        except LambdaSimError as error:
            # The function (version, alias) is gone or not ready: the batch stays in the source.
            mapping.last_result = f"PROBLEM: {error.code}: {error.message}"
            return list(identifiers)
        if result.function_error is not None:
            mapping.last_result = "PROBLEM: Function call failed"
            return list(identifiers)
        mapping.last_result = "OK"
        if "ReportBatchItemFailures" not in mapping.response_types:
            return []
        return _batch_item_failures(result.payload, identifiers)


def _batch_item_failures(payload: Any, identifiers: List[str]) -> List[str]:
    """The records a ``ReportBatchItemFailures`` response names; a malformed response fails them all."""
    if payload is None or not isinstance(payload, dict):
        return []
    failures = payload.get("batchItemFailures")
    if failures is None:
        return []
    if not isinstance(failures, list):
        return list(identifiers)
    named = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in identifiers:
            return list(identifiers)
        named.append(identifier)
    return named


def _sqs_attribute(value: dict) -> dict:
    shaped: Dict[str, Any] = {}
    if "StringValue" in value:
        shaped["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        shaped["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    shaped["stringListValues"] = list(value.get("StringListValues", []))
    shaped["binaryListValues"] = [base64.b64encode(v).decode("ascii") for v in value.get("BinaryListValues", [])]
    shaped["dataType"] = value["DataType"]
    return shaped


def _has_redrive(sqs: Any, url: str) -> bool:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"]).get("Attributes", {})
    return "RedrivePolicy" in attributes


def _duplicate(mapping: Mapping, function_name: str) -> str:
    if mapping.kind == "sqs":
        return (
            f'An event source mapping with SQS arn (" {mapping.event_source_arn} ") and function '
            f'(" {function_name} ") already exists. Please update or delete the existing mapping with UUID {mapping.uuid}'
        )
    return (
        f'The event source arn (" {mapping.event_source_arn} ") and function (" {function_name} ") provided '
        f"mapping already exists. Please update or delete the existing mapping with UUID {mapping.uuid}"
    )

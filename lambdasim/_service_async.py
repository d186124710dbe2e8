"""LambdaSim's asynchronous side: Event invokes, their configs and sinks, and event source mappings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional

from . import _async
from ._errors import InvalidParameterValueException, RequestTooLargeException
from ._event import event_bytes

if TYPE_CHECKING:
    from ._async_queue import AsyncInvocation


class AsyncOperations:
    """Event invokes and event source mappings of ``LambdaSim`` (the subsystems it makes on first use)."""

    # --- event source mappings ----------------------------------------------

    def create_event_source_mapping(self, *, event_source_arn: str, function_name: str, **settings: Any) -> dict:
        """Feed a function from an SQS queue, a Kinesis stream or a DynamoDB stream (read through
        ``aws_endpoint_url``, e.g. moto's server with ``LambdaSim(moto=True)``).

        ``settings``: ``enabled``, ``batch_size``, ``maximum_batching_window_in_seconds``,
        ``starting_position`` (streams), ``starting_position_timestamp``,
        ``function_response_types``, ``maximum_retry_attempts``,
        ``maximum_record_age_in_seconds``, ``bisect_batch_on_function_error``,
        ``parallelization_factor``.
        """
        self._check_open()
        if self.aws_endpoint_url is None:
            raise InvalidParameterValueException(
                "event source mappings read their source through an AWS endpoint: create the simulator with "
                "LambdaSim(moto=True) (moto's server, sharing the test's mock_aws state) or aws_endpoint_url=..."
            )
        return self._event_sources.create(event_source_arn=event_source_arn, function_name=function_name, **settings)

    def get_event_source_mapping(self, uuid: str) -> dict:
        self._check_open()
        return self._event_sources.get(uuid)

    def list_event_source_mappings(
        self, *, event_source_arn: Optional[str] = None, function_name: Optional[str] = None
    ) -> dict:
        """``ListEventSourceMappings``: ``{"EventSourceMappings": [...]}``, optionally of one source or function."""
        self._check_open()
        function_arn = None if function_name is None else self._function_arn(function_name)
        mappings = self._event_sources.list(event_source_arn=event_source_arn, function_arn=function_arn)
        return {"EventSourceMappings": mappings}

    def update_event_source_mapping(self, uuid: str, **settings: Any) -> dict:
        self._check_open()
        return self._event_sources.update(uuid, **settings)

    def delete_event_source_mapping(self, uuid: str) -> dict:
        self._check_open()
        return self._event_sources.delete(uuid)

    # --- asynchronous invocation ---------------------------------------------

    def invoke_async(self, function_name: str, invoke_args: Any = None) -> dict:
        """The deprecated ``InvokeAsync``: queue an event (256 KB at most); answer ``{"Status": 202}``."""
        self._check_open()
        body = event_bytes(invoke_args)
        if len(body) > _async.INVOKE_ASYNC_LIMIT:
            raise RequestTooLargeException(_async.too_large_for_event(len(body), _async.INVOKE_ASYNC_LIMIT))
        self.invoke(function_name, body, invocation_type="Event")
        return {"Status": 202}

    def drain(self, *, advance: bool = True) -> int:
        """Run everything pending now, in this thread; return the number of invocations run.

        First every enabled event source mapping is polled until its source has
        nothing left to deliver (one invocation per batch); then the queued
        asynchronous events run: with ``advance`` (the default) each to its end, the
        queue's clock jumping over retry delays and throttle backoff; without, only
        what is due now (one invocation per attempt). ``async_invocations()`` tells
        how the asynchronous events ended.
        """
        self._check_open()
        mappings = self._event_source_mappings
        ran = 0 if mappings is None else mappings.drain()
        # Read after the mappings ran: a batch's handler may have made the first Event invoke.
        queue = self._async_queue
        return ran + (0 if queue is None else queue.drain(advance=advance))

    def async_invocations(self, function_name: Optional[str] = None) -> List[AsyncInvocation]:
        """The asynchronous events that have finished (of one function, or all), in the order they finished."""
        records = self._async.finished()
        if function_name is None:
            return records
        name, _ = self._parse(function_name, None)
        return [record for record in records if record.function_name == name]

    def sink(self, arn: str) -> List[Any]:
        """What was delivered to ``arn`` (a DLQ or a destination), oldest first, as ``Delivery`` objects."""
        return self._async.sinks.get(arn)

    def put_function_event_invoke_config(
        self, function_name: str, *, qualifier: Optional[str] = None, maximum_retry_attempts: Optional[int] = None,
        maximum_event_age_in_seconds: Optional[int] = None, destination_config: Optional[dict] = None,
    ) -> dict:
        """Set the retries, maximum event age and destinations of Event invokes (replacing any config)."""
        self._check_open()
        return self._async.configs.put(
            function_name, qualifier, maximum_retry_attempts, maximum_event_age_in_seconds, destination_config
        )

    def update_function_event_invoke_config(
        self, function_name: str, *, qualifier: Optional[str] = None, maximum_retry_attempts: Optional[int] = None,
        maximum_event_age_in_seconds: Optional[int] = None, destination_config: Optional[dict] = None,
    ) -> dict:
        """Change some settings of an existing event invoke config (the others are kept)."""
        self._check_open()
        return self._async.configs.update(
            function_name, qualifier, maximum_retry_attempts, maximum_event_age_in_seconds, destination_config
        )

    def get_function_event_invoke_config(self, function_name: str, *, qualifier: Optional[str] = None) -> dict:
        self._check_open()
        return self._async.configs.get(function_name, qualifier)

    def delete_function_event_invoke_config(self, function_name: str, *, qualifier: Optional[str] = None) -> None:
        self._check_open()
        self._async.configs.delete(function_name, qualifier)

    def list_function_event_invoke_configs(
        self, function_name: str, *, marker: Optional[str] = None, max_items: Optional[int] = None
    ) -> dict:
        self._check_open()
        return self._async.configs.list(function_name, marker, max_items)

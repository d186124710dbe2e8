"""The Lambda REST API in front of a ``LambdaSim``: one route table, AWS's wire format.

``RestRouter(sim).handle(method, path, query, headers, body)`` answers one HTTP
request the way Lambda's endpoint does and returns a ``RestResponse`` (status,
headers, body bytes). It knows nothing of botocore or sockets: the botocore
adapter (``_boto``) and an HTTP server both put it behind their own hook.

Requests (spec/lambda-controlplane.md §1.1, §1.2; spec/lambda-dataplane.md §10):
each route carries the operation's own date prefix (``GetFunctionConcurrency``
lives under ``/2019-09-30``, ``Put``/``DeleteFunctionConcurrency`` under
``/2017-10-31``). Path labels arrive URL-encoded and are decoded; a trailing
``/`` is ignored. PascalCase request members become the service's snake_case
keywords; members the service does not model yet are refused with
``InvalidParameterValueException`` naming them, never dropped.

Errors (spec/lambda-controlplane.md §0, spec/lambda-dataplane.md §10.4): the
exception's HTTP status, ``x-amzn-ErrorType: <code>``, ``x-amzn-RequestId``, and a
JSON body ``{"Reason"?, "Type", <message key>}`` where the message key is the
exception's ``message_key`` (``Message`` or ``message``, as the SDK model spells
it), ``Type`` is ``User`` (``Service`` for 5xx) and is left out of
``ValidationException``; ``Retry-After`` only when the throttle sets
``retry_after_seconds``.

Operations lambdasim does not implement answer **501** with the code
``NotImplemented`` and a message naming the operation (501 is retried by no
botocore retry mode, so a client gets the answer at once); a request that matches
no Lambda operation answers **404** ``UnknownOperationException`` naming the
method and path. Exceptions other than the service's own errors are bugs and
propagate to the caller.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union
from urllib.parse import parse_qs, unquote

import attrs

from . import _errors
from . import _request_members as _members
from ._errors import (
    InvalidParameterValueException,
    InvalidRequestContentException,
    LambdaSimError,
    TooManyRequestsException,
    ValidationException,
)

__all__ = ["ROUTES", "RestResponse", "RestRouter", "Route", "error_response"]

JSON_CONTENT_TYPE = "application/json"
#: ``ListFunctions`` returns at most this many functions per page, whatever ``MaxItems`` says.
LIST_PAGE_LIMIT = 50
_MAX_ITEMS_LIMIT = 10000


@attrs.frozen
class RestResponse:
    """One HTTP answer: status, headers (AWS's spelling) and the exact body bytes."""

    status: int
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = b""


@attrs.frozen
class _Request:
    """A matched request: decoded path labels, first value of each query key, lower-cased headers."""

    params: Dict[str, str]
    query: Dict[str, str]
    headers: Dict[str, str]
    body: bytes

    def json(self) -> Dict[str, Any]:
        if not self.body.strip():
            return {}
        try:
            document = json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise InvalidRequestContentException(_errors.request_body_not_json(str(error))) from None
        if not isinstance(document, dict):
            raise InvalidRequestContentException(
                _errors.request_body_not_json(f"expected a JSON object (got {type(document).__name__})")
            )
        return document


Handler = Callable[[Any, _Request], RestResponse]


@attrs.frozen
class Route:
    """``method`` + ``template`` (``{Label}`` for a path label, ``?key=value`` for a required query) → ``handler``.

    ``handler`` is None for an AWS operation lambdasim does not implement.
    """

    method: str
    template: str
    operation: str
    handler: Optional[Handler] = None
    _path: "re.Pattern[str]" = attrs.field(init=False, repr=False)
    _query: Tuple[Tuple[str, str], ...] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        path, _, query = self.template.partition("?")
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
        object.__setattr__(self, "_path", re.compile(pattern))
        required = tuple((key, values[0]) for key, values in parse_qs(query).items())
        object.__setattr__(self, "_query", required)

    def match(self, method: str, path: str, query: Mapping[str, str]) -> Optional[Dict[str, str]]:
        """The decoded path labels when this route takes the request, else None."""
        if method != self.method or any(query.get(key) != value for key, value in self._query):
            return None
        found = self._path.fullmatch(path)
        if found is None:
            return None
        return {label: unquote(value) for label, value in found.groupdict().items()}


# --- responses ------------------------------------------------------------------


def _json_bytes(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, default=_plain).encode("utf-8")


def _plain(value: Any) -> Any:
    # The service hands out read-only mappings (FrozenMapping) inside its answers.
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _json(status: int, document: Any) -> RestResponse:
    body = _json_bytes(document)
    return RestResponse(status, {"Content-Type": JSON_CONTENT_TYPE, "Content-Length": str(len(body))}, body)


def _no_content() -> RestResponse:
    return RestResponse(204)


def error_response(error: LambdaSimError, request_id: str) -> RestResponse:
    """AWS's wire form of a service error (see the module docstring)."""
    document: Dict[str, Any] = {}
    if isinstance(error, TooManyRequestsException):
        document["Reason"] = error.reason
    if not isinstance(error, ValidationException):
        document["Type"] = getattr(error, "wire_type", None) or ("Service" if error.status_code >= 500 else "User")
    document[error.message_key] = error.message
    body = _json_bytes(document)
    headers = {
        "x-amzn-ErrorType": error.code,
        "x-amzn-RequestId": request_id,
        "Content-Type": JSON_CONTENT_TYPE,
        "Content-Length": str(len(body)),
    }
    retry_after = getattr(error, "retry_after_seconds", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return RestResponse(error.status_code, headers, body)


class _NotImplemented(LambdaSimError):
    """An operation or feature of Lambda that lambdasim does not implement (HTTP 501)."""

    code = "NotImplemented"
    status_code = 501


class _UnknownOperation(LambdaSimError):
    """No Lambda operation has this method and path (HTTP 404)."""

    code = "UnknownOperationException"
    status_code = 404


# --- the operations -------------------------------------------------------------


def _create_function(sim: Any, request: _Request) -> RestResponse:
    document = request.json()
    name = document.get("FunctionName")
    if name is None:
        raise ValidationException(_errors.not_null("functionName"))
    code = _members.structure(document, "Code")
    if code is None:
        raise ValidationException(_errors.not_null("code"))
    _members.refuse_unsupported("CreateFunction", document, _members.CREATE_UNSUPPORTED)
    _members.refuse_unsupported("CreateFunction", code, _members.CODE_UNSUPPORTED, prefix="Code.")
    package = _members.zip_file(code, "CreateFunction", "Code.")
    settings = _members.settings(document, architectures=True)
    handler = settings.pop("handler", None)
    publish = _members.boolean(document, "Publish")
    return _json(201, sim.create_function(name, code=package, handler=handler, publish=publish, **settings))


def _get_function(sim: Any, request: _Request) -> RestResponse:
    return _json(200, sim.get_function(request.params["FunctionName"], qualifier=request.query.get("Qualifier")))


def _get_function_configuration(sim: Any, request: _Request) -> RestResponse:
    name, qualifier = request.params["FunctionName"], request.query.get("Qualifier")
    return _json(200, sim.get_function_configuration(name, qualifier=qualifier))


def _list_functions(sim: Any, request: _Request) -> RestResponse:
    query = request.query
    if query.get("MasterRegion") is not None:
        raise InvalidParameterValueException(
            _errors.member_not_supported("ListFunctions", "MasterRegion", "Lambda@Edge replicas are not simulated")
        )
    max_items = _max_items(query.get("MaxItems"))
    functions = sim.list_functions(function_version=query.get("FunctionVersion"))["Functions"]
    return _json(200, _page("Functions", functions, query.get("Marker"), max_items))


def _page(member: str, items: List[Dict[str, Any]], marker: Optional[str], max_items: Optional[int]) -> Dict[str, Any]:
    """One page of a list (at most ``LIST_PAGE_LIMIT`` items) after ``marker``, with ``NextMarker`` when more follow.

    Items are in a stable order and the marker names the last item given (its
    ARN), so deleting items between pages skips nothing that remains.
    """
    if marker is not None:
        after = _sort_key(_marker_name(marker))
        items = [item for item in items if _sort_key(_arn_of(item)) > after]
    size = min(max_items or LIST_PAGE_LIMIT, LIST_PAGE_LIMIT)
    answer: Dict[str, Any] = {member: items[:size]}
    if len(items) > size:
        answer["NextMarker"] = base64.urlsafe_b64encode(_arn_of(items[size - 1]).encode()).decode()
    return answer


def _arn_of(item: Mapping[str, Any]) -> str:
    return item.get("FunctionArn") or item["AliasArn"]


def _sort_key(arn: str) -> Tuple[str, int, str]:
    """Order of list items: function name, then ``$LATEST`` before versions by number, or alias name."""
    parts = arn.split(":")
    name = parts[6] if len(parts) > 6 else arn
    qualifier = parts[7] if len(parts) > 7 else ""
    if qualifier.isdigit():
        return (name, int(qualifier), "")
    return (name, 0 if qualifier in ("", "$LATEST") else -1, qualifier)


def _max_items(text: Optional[str]) -> Optional[int]:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise InvalidParameterValueException(_errors.wrong_type("MaxItems", "an integer", text)) from None
    if not 1 <= value <= _MAX_ITEMS_LIMIT:
        constraint = _errors.min_value(1) if value < 1 else _errors.max_value(_MAX_ITEMS_LIMIT)
        raise ValidationException(_errors.validation_message([(value, "maxItems", constraint)]))
    return value


def _marker_name(marker: str) -> str:
    try:
        return base64.b64decode(marker.encode("ascii"), altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise InvalidParameterValueException(_errors.invalid_marker(marker)) from None


def _update_function_code(sim: Any, request: _Request) -> RestResponse:
    document = request.json()
    _members.refuse_unsupported("UpdateFunctionCode", document, _members.UPDATE_CODE_UNSUPPORTED)
    package = _members.zip_file(document, "UpdateFunctionCode")
    answer = sim.update_function_code(
        request.params["FunctionName"], code=package, publish=_members.boolean(document, "Publish"),
        revision_id=_members.text(document, "RevisionId"),
    )
    return _json(200, answer)


def _update_function_configuration(sim: Any, request: _Request) -> RestResponse:
    document = request.json()
    unsupported = _members.UPDATE_CONFIGURATION_UNSUPPORTED
    _members.refuse_unsupported("UpdateFunctionConfiguration", document, unsupported)
    changes = _members.settings(document, architectures=False)
    revision_id = _members.text(document, "RevisionId")
    return _json(200, sim.update_function_configuration(request.params["FunctionName"], revision_id=revision_id, **changes))


def _delete_function(sim: Any, request: _Request) -> RestResponse:
    sim.delete_function(request.params["FunctionName"], qualifier=request.query.get("Qualifier"))
    return _no_content()


_INVOKE_UNSUPPORTED_HEADERS = ("X-Amz-Tenant-Id", "X-Amz-Durable-Execution-Name")


def _invoke(sim: Any, request: _Request) -> RestResponse:
    headers = request.headers
    for header in _INVOKE_UNSUPPORTED_HEADERS:
        if header.lower() in headers:
            raise InvalidParameterValueException(_errors.member_not_supported("Invoke", header))
    result = sim.invoke(
        request.params["FunctionName"],
        request.body,
        qualifier=request.query.get("Qualifier"),
        invocation_type=headers.get("x-amz-invocation-type", "RequestResponse"),
        log_type=headers.get("x-amz-log-type"),
        client_context=headers.get("x-amz-client-context"),
    )
    answer = {"x-amzn-RequestId": result.request_id}
    if result.status_code == 200:
        answer["Content-Type"] = result.content_type
        answer["X-Amz-Executed-Version"] = result.executed_version
    if result.function_error is not None:
        answer["X-Amz-Function-Error"] = result.function_error
    if result.log_result is not None:
        answer["X-Amz-Log-Result"] = result.log_result
    if result.status_code != 204:
        answer["Content-Length"] = str(len(result.raw_payload))
    return RestResponse(result.status_code, answer, result.raw_payload)


def _invoke_async(sim: Any, request: _Request) -> RestResponse:
    return _json(202, sim.invoke_async(request.params["FunctionName"], request.body))


def _put_function_event_invoke_config(sim: Any, request: _Request) -> RestResponse:
    settings = _members.event_invoke_config(request.json())
    name, qualifier = request.params["FunctionName"], request.query.get("Qualifier")
    return _json(200, sim.put_function_event_invoke_config(name, qualifier=qualifier, **settings))


def _update_function_event_invoke_config(sim: Any, request: _Request) -> RestResponse:
    settings = _members.event_invoke_config(request.json())
    name, qualifier = request.params["FunctionName"], request.query.get("Qualifier")
    return _json(200, sim.update_function_event_invoke_config(name, qualifier=qualifier, **settings))


def _get_function_event_invoke_config(sim: Any, request: _Request) -> RestResponse:
    name, qualifier = request.params["FunctionName"], request.query.get("Qualifier")
    return _json(200, sim.get_function_event_invoke_config(name, qualifier=qualifier))


def _delete_function_event_invoke_config(sim: Any, request: _Request) -> RestResponse:
    name, qualifier = request.params["FunctionName"], request.query.get("Qualifier")
    sim.delete_function_event_invoke_config(name, qualifier=qualifier)
    return _no_content()


def _list_function_event_invoke_configs(sim: Any, request: _Request) -> RestResponse:
    text = request.query.get("MaxItems")
    try:
        max_items = None if text is None else int(text)
    except ValueError:
        raise InvalidParameterValueException(_errors.wrong_type("MaxItems", "an integer", text)) from None
    answer = sim.list_function_event_invoke_configs(
        request.params["FunctionName"], marker=request.query.get("Marker"), max_items=max_items
    )
    return _json(200, answer)


def _publish_version(sim: Any, request: _Request) -> RestResponse:
    document = request.json()
    _members.refuse_unsupported("PublishVersion", document, ("PublishTo",))
    answer = sim.publish_version(
        request.params["FunctionName"], code_sha256=_members.text(document, "CodeSha256"),
        description=_members.text(document, "Description"), revision_id=_members.text(document, "RevisionId"),
    )
    return _json(201, answer)


def _list_versions_by_function(sim: Any, request: _Request) -> RestResponse:
    max_items = _max_items(request.query.get("MaxItems"))
    versions = sim.list_versions_by_function(request.params["FunctionName"])["Versions"]
    return _json(200, _page("Versions", versions, request.query.get("Marker"), max_items))


def _create_alias(sim: Any, request: _Request) -> RestResponse:
    document = request.json()
    for member in ("Name", "FunctionVersion"):
        if document.get(member) is None:
            raise ValidationException(_errors.not_null(member[0].lower() + member[1:]))
    answer = sim.create_alias(
        request.params["FunctionName"], document["Name"], document["FunctionVersion"],
        description=_members.text(document, "Description") or "",
        routing_config=_members.structure(document, "RoutingConfig"),
    )
    return _json(201, answer)


def _get_alias(sim: Any, request: _Request) -> RestResponse:
    return _json(200, sim.get_alias(request.params["FunctionName"], request.params["Name"]))


def _update_alias(sim: Any, request: _Request) -> RestResponse:
    document = request.json()
    answer = sim.update_alias(
        request.params["FunctionName"], request.params["Name"],
        function_version=_members.text(document, "FunctionVersion"),
        description=_members.text(document, "Description"),
        routing_config=_members.structure(document, "RoutingConfig"),
        revision_id=_members.text(document, "RevisionId"),
    )
    return _json(200, answer)


def _delete_alias(sim: Any, request: _Request) -> RestResponse:
    sim.delete_alias(request.params["FunctionName"], request.params["Name"])
    return _no_content()


def _list_aliases(sim: Any, request: _Request) -> RestResponse:
    query = request.query
    max_items = _max_items(query.get("MaxItems"))
    aliases = sim.list_aliases(request.params["FunctionName"], function_version=query.get("FunctionVersion"))
    return _json(200, _page("Aliases", aliases["Aliases"], query.get("Marker"), max_items))


_ESM_SETTINGS = {
    "Enabled": "enabled", "BatchSize": "batch_size",
    "MaximumBatchingWindowInSeconds": "maximum_batching_window_in_seconds",
    "StartingPosition": "starting_position", "StartingPositionTimestamp": "starting_position_timestamp",
    "FunctionResponseTypes": "function_response_types", "MaximumRetryAttempts": "maximum_retry_attempts",
    "MaximumRecordAgeInSeconds": "maximum_record_age_in_seconds",
    "BisectBatchOnFunctionError": "bisect_batch_on_function_error", "ParallelizationFactor": "parallelization_factor",
}
_ESM_UNSUPPORTED = (
    "FilterCriteria", "KMSKeyArn", "MetricsConfig", "LoggingConfig", "ScalingConfig", "DestinationConfig", "Tags",
    "TumblingWindowInSeconds", "Topics", "Queues", "SourceAccessConfigurations", "SelfManagedEventSource",
    "AmazonManagedKafkaEventSourceConfig", "SelfManagedKafkaEventSourceConfig", "DocumentDBEventSourceConfig",
    "ProvisionedPollerConfig",
)


def _esm_settings(operation: str, document: Dict[str, Any]) -> Dict[str, Any]:
    _members.refuse_unsupported(operation, document, _ESM_UNSUPPORTED)
    settings = {keyword: document[member] for member, keyword in _ESM_SETTINGS.items() if document.get(member) is not None}
    timestamp = settings.get("starting_position_timestamp")
    if timestamp is not None and not isinstance(timestamp, (int, float)):
        raise InvalidParameterValueException(_errors.wrong_type("StartingPositionTimestamp", "a number", timestamp))
    return settings


def _create_event_source_mapping(sim: Any, request: _Request) -> RestResponse:
    document = request.json()
    if document.get("FunctionName") is None:
        raise ValidationException(_errors.not_null("functionName"))
    settings = _esm_settings("CreateEventSourceMapping", document)
    answer = sim.create_event_source_mapping(
        event_source_arn=document.get("EventSourceArn"), function_name=document["FunctionName"], **settings
    )
    return _json(202, answer)


def _get_event_source_mapping(sim: Any, request: _Request) -> RestResponse:
    return _json(200, sim.get_event_source_mapping(request.params["UUID"]))


def _update_event_source_mapping(sim: Any, request: _Request) -> RestResponse:
    document = request.json()
    settings = _esm_settings("UpdateEventSourceMapping", document)
    for member in ("StartingPosition", "StartingPositionTimestamp"):
        settings.pop(_ESM_SETTINGS[member], None)
    if document.get("FunctionName") is not None:
        settings["function_name"] = document["FunctionName"]
    return _json(202, sim.update_event_source_mapping(request.params["UUID"], **settings))


def _delete_event_source_mapping(sim: Any, request: _Request) -> RestResponse:
    return _json(202, sim.delete_event_source_mapping(request.params["UUID"]))


def _list_event_source_mappings(sim: Any, request: _Request) -> RestResponse:
    query = request.query
    max_items = _max_items(query.get("MaxItems"))
    mappings = sim.list_event_source_mappings(
        event_source_arn=query.get("EventSourceArn"), function_name=query.get("FunctionName")
    )["EventSourceMappings"]
    mappings = sorted(mappings, key=lambda mapping: mapping["UUID"])
    marker = query.get("Marker")
    if marker is not None:
        # Items after the marked one in UUID order: one deleted between pages shifts nothing.
        after = _marker_name(marker)
        mappings = [mapping for mapping in mappings if mapping["UUID"] > after]
    size = min(max_items or 100, 100)
    answer: Dict[str, Any] = {"EventSourceMappings": mappings[:size]}
    if len(mappings) > size:
        answer["NextMarker"] = base64.urlsafe_b64encode(mappings[size - 1]["UUID"].encode()).decode()
    return _json(200, answer)


def _put_function_concurrency(sim: Any, request: _Request) -> RestResponse:
    reserved = request.json().get("ReservedConcurrentExecutions")
    if reserved is None:
        raise ValidationException(_errors.not_null("reservedConcurrentExecutions"))
    return _json(200, sim.put_function_concurrency(request.params["FunctionName"], reserved))


def _get_function_concurrency(sim: Any, request: _Request) -> RestResponse:
    return _json(200, sim.get_function_concurrency(request.params["FunctionName"]))


def _delete_function_concurrency(sim: Any, request: _Request) -> RestResponse:
    sim.delete_function_concurrency(request.params["FunctionName"])
    return _no_content()


def _get_account_settings(sim: Any, request: _Request) -> RestResponse:
    return _json(200, sim.get_account_settings())


# --- layers -----------------------------------------------------------------------

_LAYER_PAGE_LIMIT = 50


def _publish_layer_version(sim: Any, request: _Request) -> RestResponse:
    document = request.json()
    content = _members.structure(document, "Content")
    if content is None:
        raise ValidationException(_errors.not_null("content"))
    _members.refuse_unsupported("PublishLayerVersion", content, _members.LAYER_CONTENT_UNSUPPORTED, prefix="Content.")
    package = _members.zip_file(content, "PublishLayerVersion", "Content.")
    settings = _members.layer_settings(document)
    return _json(201, sim.publish_layer_version(request.params["LayerName"], content=package, **settings))


def _layer_version_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidParameterValueException(_errors.wrong_type("VersionNumber", "an integer", text)) from None


def _get_layer_version(sim: Any, request: _Request) -> RestResponse:
    number = _layer_version_number(request.params["VersionNumber"])
    return _json(200, sim.get_layer_version(request.params["LayerName"], number))


def _get_layer_version_by_arn(sim: Any, request: _Request) -> RestResponse:
    arn = request.query.get("Arn")
    if arn is None:
        raise ValidationException(_errors.not_null("arn"))
    return _json(200, sim.get_layer_version_by_arn(arn))


def _delete_layer_version(sim: Any, request: _Request) -> RestResponse:
    number = _layer_version_number(request.params["VersionNumber"])
    sim.delete_layer_version(request.params["LayerName"], number)
    return _no_content()


def _layer_filters(query: Mapping[str, str]) -> Dict[str, Any]:
    return {
        "compatible_runtime": query.get("CompatibleRuntime"),
        "compatible_architecture": query.get("CompatibleArchitecture"),
    }


def _layer_page(items: List[Dict[str, Any]], key: str, query: Mapping[str, str]) -> RestResponse:
    """One page of a layer listing; the marker is the (opaque) position of the next item."""
    max_items = _max_items(query.get("MaxItems"))
    if max_items is not None and max_items > _LAYER_PAGE_LIMIT:
        constraint = _errors.max_value(_LAYER_PAGE_LIMIT)
        raise ValidationException(_errors.validation_message([(max_items, "maxItems", constraint)]))
    start = 0
    marker = query.get("Marker")
    if marker is not None:
        position = _marker_name(marker)
        if not position.isdigit():
            raise InvalidParameterValueException(_errors.invalid_marker(marker))
        start = int(position)
    size = max_items or _LAYER_PAGE_LIMIT
    answer: Dict[str, Any] = {key: items[start:start + size]}
    if len(items) > start + size:
        answer["NextMarker"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return _json(200, answer)


def _list_layer_versions(sim: Any, request: _Request) -> RestResponse:
    answer = sim.list_layer_versions(request.params["LayerName"], **_layer_filters(request.query))
    return _layer_page(answer["LayerVersions"], "LayerVersions", request.query)


def _list_layers(sim: Any, request: _Request) -> RestResponse:
    answer = sim.list_layers(**_layer_filters(request.query))
    return _layer_page(answer["Layers"], "Layers", request.query)


_LAYER_ROUTES = (
    Route("GET", "/2018-10-31/layers?find=LayerVersion", "GetLayerVersionByArn", _get_layer_version_by_arn),
    Route("POST", "/2018-10-31/layers/{LayerName}/versions", "PublishLayerVersion", _publish_layer_version),
    Route("GET", "/2018-10-31/layers/{LayerName}/versions", "ListLayerVersions", _list_layer_versions),
    Route("GET", "/2018-10-31/layers", "ListLayers", _list_layers),
    Route(
        "GET", "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}", "GetLayerVersion", _get_layer_version
    ),
    Route(
        "DELETE", "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}", "DeleteLayerVersion",
        _delete_layer_version,
    ),
)

# --- end of layers ---------------------------------------------------------------


# --- the table --------------------------------------------------------------------

_FUNCTION = "/2015-03-31/functions/{FunctionName}"
_EVENT_INVOKE_CONFIG = "/2019-09-25/functions/{FunctionName}/event-invoke-config"

#: What lambdasim answers. Paths and date prefixes from botocore's Lambda model.
_IMPLEMENTED = (
    Route("POST", "/2015-03-31/functions", "CreateFunction", _create_function),
    Route("GET", "/2015-03-31/functions", "ListFunctions", _list_functions),
    Route("GET", _FUNCTION, "GetFunction", _get_function),
    Route("DELETE", _FUNCTION, "DeleteFunction", _delete_function),
    Route("GET", _FUNCTION + "/configuration", "GetFunctionConfiguration", _get_function_configuration),
    Route("PUT", _FUNCTION + "/configuration", "UpdateFunctionConfiguration", _update_function_configuration),
    Route("PUT", _FUNCTION + "/code", "UpdateFunctionCode", _update_function_code),
    Route("POST", _FUNCTION + "/invocations", "Invoke", _invoke),
    Route("POST", _FUNCTION + "/versions", "PublishVersion", _publish_version),
    Route("GET", _FUNCTION + "/versions", "ListVersionsByFunction", _list_versions_by_function),
    Route("POST", _FUNCTION + "/aliases", "CreateAlias", _create_alias),
    Route("GET", _FUNCTION + "/aliases", "ListAliases", _list_aliases),
    Route("GET", _FUNCTION + "/aliases/{Name}", "GetAlias", _get_alias),
    Route("PUT", _FUNCTION + "/aliases/{Name}", "UpdateAlias", _update_alias),
    Route("DELETE", _FUNCTION + "/aliases/{Name}", "DeleteAlias", _delete_alias),
    Route("PUT", "/2017-10-31/functions/{FunctionName}/concurrency", "PutFunctionConcurrency", _put_function_concurrency),
    Route("GET", "/2019-09-30/functions/{FunctionName}/concurrency", "GetFunctionConcurrency", _get_function_concurrency),
    Route(
        "DELETE", "/2017-10-31/functions/{FunctionName}/concurrency", "DeleteFunctionConcurrency",
        _delete_function_concurrency,
    ),
    Route("GET", "/2016-08-19/account-settings", "GetAccountSettings", _get_account_settings),
    Route("POST", "/2014-11-13/functions/{FunctionName}/invoke-async", "InvokeAsync", _invoke_async),
    Route("PUT", _EVENT_INVOKE_CONFIG, "PutFunctionEventInvokeConfig", _put_function_event_invoke_config),
    Route("POST", _EVENT_INVOKE_CONFIG, "UpdateFunctionEventInvokeConfig", _update_function_event_invoke_config),
    Route("GET", _EVENT_INVOKE_CONFIG, "GetFunctionEventInvokeConfig", _get_function_event_invoke_config),
    Route("DELETE", _EVENT_INVOKE_CONFIG, "DeleteFunctionEventInvokeConfig", _delete_function_event_invoke_config),
    Route(
        "GET", _EVENT_INVOKE_CONFIG + "/list", "ListFunctionEventInvokeConfigs", _list_function_event_invoke_configs,
    ),
    Route("POST", "/2015-03-31/event-source-mappings", "CreateEventSourceMapping", _create_event_source_mapping),
    Route("GET", "/2015-03-31/event-source-mappings", "ListEventSourceMappings", _list_event_source_mappings),
    Route("GET", "/2015-03-31/event-source-mappings/{UUID}", "GetEventSourceMapping", _get_event_source_mapping),
    Route("PUT", "/2015-03-31/event-source-mappings/{UUID}", "UpdateEventSourceMapping", _update_event_source_mapping),
    Route(
        "DELETE", "/2015-03-31/event-source-mappings/{UUID}", "DeleteEventSourceMapping", _delete_event_source_mapping,
    ),
) + _LAYER_ROUTES

# Every other operation of botocore's Lambda model (1.43.11), so a request for one
# is told which operation it is. Routes with a required query come first.
_NOT_IMPLEMENTED = """
GET /2019-09-30/functions/{FunctionName}/provisioned-concurrency?List=ALL ListProvisionedConcurrencyConfigs
POST /2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy AddLayerVersionPermission
POST /2015-03-31/functions/{FunctionName}/policy AddPermission
POST /2025-12-01/durable-executions/{DurableExecutionArn}/checkpoint CheckpointDurableExecution
POST /2025-11-30/capacity-providers CreateCapacityProvider
POST /2020-04-22/code-signing-configs CreateCodeSigningConfig
POST /2021-10-31/functions/{FunctionName}/url CreateFunctionUrlConfig
DELETE /2025-11-30/capacity-providers/{CapacityProviderName} DeleteCapacityProvider
DELETE /2020-04-22/code-signing-configs/{CodeSigningConfigArn} DeleteCodeSigningConfig
DELETE /2020-06-30/functions/{FunctionName}/code-signing-config DeleteFunctionCodeSigningConfig
DELETE /2021-10-31/functions/{FunctionName}/url DeleteFunctionUrlConfig
DELETE /2019-09-30/functions/{FunctionName}/provisioned-concurrency DeleteProvisionedConcurrencyConfig
GET /2025-11-30/capacity-providers/{CapacityProviderName} GetCapacityProvider
GET /2020-04-22/code-signing-configs/{CodeSigningConfigArn} GetCodeSigningConfig
GET /2025-12-01/durable-executions/{DurableExecutionArn} GetDurableExecution
GET /2025-12-01/durable-executions/{DurableExecutionArn}/history GetDurableExecutionHistory
GET /2025-12-01/durable-executions/{DurableExecutionArn}/state GetDurableExecutionState
GET /2020-06-30/functions/{FunctionName}/code-signing-config GetFunctionCodeSigningConfig
GET /2024-08-31/functions/{FunctionName}/recursion-config GetFunctionRecursionConfig
GET /2025-11-30/functions/{FunctionName}/function-scaling-config GetFunctionScalingConfig
GET /2021-10-31/functions/{FunctionName}/url GetFunctionUrlConfig
GET /2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy GetLayerVersionPolicy
GET /2015-03-31/functions/{FunctionName}/policy GetPolicy
GET /2019-09-30/functions/{FunctionName}/provisioned-concurrency GetProvisionedConcurrencyConfig
GET /2021-07-20/functions/{FunctionName}/runtime-management-config GetRuntimeManagementConfig
POST /2021-11-15/functions/{FunctionName}/response-streaming-invocations InvokeWithResponseStream
GET /2025-11-30/capacity-providers ListCapacityProviders
GET /2020-04-22/code-signing-configs ListCodeSigningConfigs
GET /2025-12-01/functions/{FunctionName}/durable-executions ListDurableExecutionsByFunction
GET /2021-10-31/functions/{FunctionName}/urls ListFunctionUrlConfigs
GET /2025-11-30/capacity-providers/{CapacityProviderName}/function-versions ListFunctionVersionsByCapacityProvider
GET /2020-04-22/code-signing-configs/{CodeSigningConfigArn}/functions ListFunctionsByCodeSigningConfig
GET /2017-03-31/tags/{Resource} ListTags
PUT /2020-06-30/functions/{FunctionName}/code-signing-config PutFunctionCodeSigningConfig
PUT /2024-08-31/functions/{FunctionName}/recursion-config PutFunctionRecursionConfig
PUT /2025-11-30/functions/{FunctionName}/function-scaling-config PutFunctionScalingConfig
PUT /2019-09-30/functions/{FunctionName}/provisioned-concurrency PutProvisionedConcurrencyConfig
PUT /2021-07-20/functions/{FunctionName}/runtime-management-config PutRuntimeManagementConfig
DELETE /2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy/{StatementId} RemoveLayerVersionPermission
DELETE /2015-03-31/functions/{FunctionName}/policy/{StatementId} RemovePermission
POST /2025-12-01/durable-execution-callbacks/{CallbackId}/fail SendDurableExecutionCallbackFailure
POST /2025-12-01/durable-execution-callbacks/{CallbackId}/heartbeat SendDurableExecutionCallbackHeartbeat
POST /2025-12-01/durable-execution-callbacks/{CallbackId}/succeed SendDurableExecutionCallbackSuccess
POST /2025-12-01/durable-executions/{DurableExecutionArn}/stop StopDurableExecution
POST /2017-03-31/tags/{Resource} TagResource
DELETE /2017-03-31/tags/{Resource} UntagResource
PUT /2025-11-30/capacity-providers/{CapacityProviderName} UpdateCapacityProvider
PUT /2020-04-22/code-signing-configs/{CodeSigningConfigArn} UpdateCodeSigningConfig
PUT /2021-10-31/functions/{FunctionName}/url UpdateFunctionUrlConfig
"""

#: The route table: implemented operations first, then the rest of Lambda's API.
ROUTES: Tuple[Route, ...] = _IMPLEMENTED + tuple(
    Route(*line.split()) for line in _NOT_IMPLEMENTED.strip().splitlines()
)

IMPLEMENTED_OPERATIONS = tuple(sorted(route.operation for route in _IMPLEMENTED))


class RestRouter:
    """Answers Lambda REST API requests from one ``LambdaSim``."""

    def __init__(self, sim: Any, routes: Tuple[Route, ...] = ROUTES) -> None:
        self.sim = sim
        self._routes = routes

    def handle(
        self,
        method: str,
        path: str,
        query: str = "",
        headers: Optional[Mapping[str, Union[str, bytes]]] = None,
        body: bytes = b"",
    ) -> RestResponse:
        """Answer one request. ``path`` is as sent (URL-encoded), ``query`` the raw query string."""
        request_id = str(uuid.uuid4())
        method = method.upper()
        if len(path) > 1:
            path = path.rstrip("/")
        query_values = {key: values[0] for key, values in parse_qs(query, keep_blank_values=True).items()}
        try:
            route, params = self._match(method, path, query_values)
            if route.handler is None:
                raise _NotImplemented(
                    _errors.operation_not_implemented(
                        route.operation, f"{route.method} {route.template}", list(IMPLEMENTED_OPERATIONS)
                    )
                )
            request = _Request(params, query_values, _lower_keys(headers or {}), bytes(body))
            response = route.handler(self.sim, request)
        except LambdaSimError as error:
            return error_response(error, request_id)
        except NotImplementedError as error:
            return error_response(_NotImplemented(str(error)), request_id)
        if "x-amzn-RequestId" in response.headers:
            return response
        return attrs.evolve(response, headers={"x-amzn-RequestId": request_id, **response.headers})

    def _match(self, method: str, path: str, query: Mapping[str, str]) -> Tuple[Route, Dict[str, str]]:
        for route in self._routes:
            params = route.match(method, path, query)
            if params is not None:
                return route, params
        raise _UnknownOperation(_errors.unknown_operation(method, path))


def _lower_keys(headers: Mapping[str, Union[str, bytes]]) -> Dict[str, str]:
    return {
        name.lower(): value.decode("latin-1") if isinstance(value, bytes) else value
        for name, value in headers.items()
    }

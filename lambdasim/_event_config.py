"""Event invoke configs: retries, maximum event age and destinations of asynchronous invokes.

One config per function and qualifier (``$LATEST``, a version number or an alias
name), set with ``PutFunctionEventInvokeConfig`` (which replaces the whole config)
or ``UpdateFunctionEventInvokeConfig`` (which merges), with AWS's checks and
messages (spec/lambda-controlplane.md §1.2). A config on ``$LATEST`` is not copied
to versions published later. Configs belong to the function they were made for: a
function deleted and created again starts without any.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from typing import Any, Dict, List, Mapping, Optional, Tuple

import attrs

from . import _clock, _errors
from ._errors import InvalidParameterValueException, ResourceNotFoundException, ValidationException

__all__ = ["DEFAULT_MAXIMUM_EVENT_AGE", "DEFAULT_RETRY_ATTEMPTS", "EventInvokeConfig", "EventInvokeConfigs"]

DEFAULT_RETRY_ATTEMPTS = 2
DEFAULT_MAXIMUM_EVENT_AGE = 21600
_RETRY_RANGE = (0, 2)
_AGE_RANGE = (60, 21600)
_LIST_LIMIT = 50
_DESTINATION_MAX_LENGTH = 350
#: The model's pattern for a destination (``$`` allows the empty string, which removes one).
DESTINATION_PATTERN = (
    r"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:"
    r"([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)"
)
_DESTINATION = re.compile(DESTINATION_PATTERN, re.ASCII | re.DOTALL)
_FUNCTION_ARN = re.compile(
    r"arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:"
    r"(?P<name>[a-zA-Z0-9-_]+)(:(?P<qualifier>[a-zA-Z0-9-_$]+))?"
)
#: Services an asynchronous invoke can deliver to; S3 only on failure (spec §1.2).
_SERVICES = {"OnSuccess": ("sqs", "sns", "lambda", "events"), "OnFailure": ("sqs", "sns", "lambda", "events", "s3")}


def no_config_message(function_arn: str) -> str:
    return f"The function {function_arn} doesn't have an EventInvokeConfig"


FUNCTION_DOES_NOT_EXIST = "The function doesn't exist."
NOTHING_TO_SET = "You must specify at least one of error handling or destination setting."
DESTINATION_IS_ITSELF = "You can't specify the function as a destination for itself."


@attrs.frozen
class EventInvokeConfig:
    """The asynchronous-invoke settings of one function qualifier; None means "not set"."""

    function_name: str
    qualifier: str
    maximum_retry_attempts: Optional[int] = None
    maximum_event_age_in_seconds: Optional[int] = None
    on_success: Optional[str] = None
    on_failure: Optional[str] = None
    last_modified: float = 0.0

    @property
    def retries(self) -> int:
        """The retries after a function error: ``MaximumRetryAttempts`` or AWS's default 2."""
        return DEFAULT_RETRY_ATTEMPTS if self.maximum_retry_attempts is None else self.maximum_retry_attempts

    @property
    def maximum_age(self) -> int:
        return DEFAULT_MAXIMUM_EVENT_AGE if self.maximum_event_age_in_seconds is None else self.maximum_event_age_in_seconds

    def describe(self, function_arn: str) -> Dict[str, Any]:
        """``FunctionEventInvokeConfig`` as AWS answers it: unset settings left out, both destinations present."""
        answer: Dict[str, Any] = {"LastModified": self.last_modified, "FunctionArn": function_arn}
        if self.maximum_retry_attempts is not None:
            answer["MaximumRetryAttempts"] = self.maximum_retry_attempts
        if self.maximum_event_age_in_seconds is not None:
            answer["MaximumEventAgeInSeconds"] = self.maximum_event_age_in_seconds
        answer["DestinationConfig"] = {
            "OnSuccess": {"Destination": self.on_success} if self.on_success else {},
            "OnFailure": {"Destination": self.on_failure} if self.on_failure else {},
        }
        return answer


#: The settings of an event that has no config.
def default_config(function_name: str, qualifier: str) -> EventInvokeConfig:
    return EventInvokeConfig(function_name, qualifier)


def _now() -> float:
    # LastModified is a modeled timestamp: epoch seconds, to the millisecond.
    return round(_clock.wall(), 3)


class EventInvokeConfigs:
    """The event invoke configs of one simulator, keyed by (function name, qualifier)."""

    def __init__(self, sim: Any) -> None:
        self._sim = sim
        self._lock = threading.Lock()
        #: (name, qualifier) -> (the function record it was made for, the config)
        self._configs: Dict[Tuple[str, str], Tuple[Any, EventInvokeConfig]] = {}

    # --- the API ---------------------------------------------------------------

    def put(
        self,
        function_name: str,
        qualifier: Optional[str],
        maximum_retry_attempts: Optional[int],
        maximum_event_age_in_seconds: Optional[int],
        destination_config: Optional[Mapping[str, Any]],
    ) -> Dict[str, Any]:
        on_success, on_failure = _check_request(maximum_retry_attempts, maximum_event_age_in_seconds, destination_config)
        name, key, owner = self._resolve(function_name, qualifier)
        self._check_destinations(name, on_success, on_failure)
        config = EventInvokeConfig(
            name, key, maximum_retry_attempts, maximum_event_age_in_seconds, on_success, on_failure, _now()
        )
        with self._lock:
            self._configs[(name, key)] = (owner, config)
        return config.describe(self._sim._arn(name, key))

    def update(
        self,
        function_name: str,
        qualifier: Optional[str],
        maximum_retry_attempts: Optional[int],
        maximum_event_age_in_seconds: Optional[int],
        destination_config: Optional[Mapping[str, Any]],
    ) -> Dict[str, Any]:
        on_success, on_failure = _check_request(maximum_retry_attempts, maximum_event_age_in_seconds, destination_config)
        name, key, owner = self._resolve(function_name, qualifier)
        current = self._current(name, key, owner)
        if current is None:
            raise ResourceNotFoundException(no_config_message(self._sim._arn(name, key)))
        self._check_destinations(name, on_success, on_failure)
        changes: Dict[str, Any] = {"last_modified": _now()}
        if maximum_retry_attempts is not None:
            changes["maximum_retry_attempts"] = maximum_retry_attempts
        if maximum_event_age_in_seconds is not None:
            changes["maximum_event_age_in_seconds"] = maximum_event_age_in_seconds
        if destination_config is not None:
            changes.update(on_success=on_success, on_failure=on_failure)
        config = attrs.evolve(current, **changes)
        with self._lock:
            self._configs[(name, key)] = (owner, config)
        return config.describe(self._sim._arn(name, key))

    def get(self, function_name: str, qualifier: Optional[str]) -> Dict[str, Any]:
        name, key = self._sim._parse(function_name, qualifier)
        key = key or "$LATEST"
        config = self._current(name, key, self._owner(name))
        if config is None:
            raise ResourceNotFoundException(no_config_message(self._sim._arn(name, key)))
        return config.describe(self._sim._arn(name, key))

    def delete(self, function_name: str, qualifier: Optional[str]) -> None:
        name, key = self._sim._parse(function_name, qualifier)
        key = key or "$LATEST"
        owner = self._owner(name)
        with self._lock:
            found = self._configs.get((name, key))
            if found is None or owner is None or found[0] is not owner:
                raise ResourceNotFoundException(no_config_message(self._sim._arn(name, key)))
            del self._configs[(name, key)]

    def list(self, function_name: str, marker: Optional[str], max_items: Optional[int]) -> Dict[str, Any]:
        if max_items is not None:
            _check_int("MaxItems", max_items)
            failures = _range_failures(max_items, "maxItems", (1, _LIST_LIMIT))
            if failures:
                raise ValidationException(_errors.validation_failures_message(failures))
        name, qualifier = self._sim._parse(function_name, None)
        owner = self._owner(name)
        if owner is None or qualifier is not None:
            raise ResourceNotFoundException(FUNCTION_DOES_NOT_EXIST)
        with self._lock:
            configs = [config for (n, _), (o, config) in self._configs.items() if n == name and o is owner]
        configs.sort(key=lambda config: _qualifier_order(config.qualifier))
        if marker is not None:
            after = _qualifier_order(_decode_marker(marker))
            configs = [config for config in configs if _qualifier_order(config.qualifier) > after]
        size = max_items or _LIST_LIMIT
        answer: Dict[str, Any] = {
            "FunctionEventInvokeConfigs": [c.describe(self._sim._arn(name, c.qualifier)) for c in configs[:size]]
        }
        if len(configs) > size:
            answer["NextMarker"] = base64.urlsafe_b64encode(configs[size - 1].qualifier.encode()).decode()
        return answer

    # --- for the queue ------------------------------------------------------------

    def effective(self, name: str, qualifier: Optional[str]) -> EventInvokeConfig:
        """The config an event invoked with ``qualifier`` runs under (AWS's defaults when there is none)."""
        key = qualifier or "$LATEST"
        return self._current(name, key, self._owner(name)) or default_config(name, key)

    # --- internals ----------------------------------------------------------------

    def _owner(self, name: str) -> Any:
        with self._sim._lock:
            return self._sim._functions.get(name)

    def _current(self, name: str, key: str, owner: Any) -> Optional[EventInvokeConfig]:
        with self._lock:
            found = self._configs.get((name, key))
            if found is None:
                return None
            if owner is None or found[0] is not owner:
                # Made for a function that was deleted since.
                del self._configs[(name, key)]
                return None
        if key != "$LATEST":
            try:
                self._sim._lookup(name, key)
            except ResourceNotFoundException:
                # Its version or alias was deleted since.
                with self._lock:
                    self._configs.pop((name, key), None)
                return None
        return found[1]

    def _resolve(self, function_name: str, qualifier: Optional[str]) -> Tuple[str, str, Any]:
        """``(name, qualifier or $LATEST, function record)``; AWS's "doesn't exist" for an unknown one."""
        name, parsed = self._sim._parse(function_name, qualifier)
        try:
            self._sim._lookup(name, parsed)
        except ResourceNotFoundException:
            raise ResourceNotFoundException(FUNCTION_DOES_NOT_EXIST) from None
        return name, parsed or "$LATEST", self._owner(name)

    def _check_destinations(self, name: str, on_success: Optional[str], on_failure: Optional[str]) -> None:
        valid = True
        for kind, arn in (("OnFailure", on_failure), ("OnSuccess", on_success)):
            if arn:
                valid = self._destination_valid(name, kind, arn) and valid
        if not valid:
            success = f"OnSuccess(destination={on_success})" if on_success else "null"
            failure = f"OnFailure(destination={on_failure})" if on_failure else "null"
            raise InvalidParameterValueException(
                f"The provided destination config DestinationConfig(onSuccess={success}, onFailure={failure}) is invalid."
            )

    def _destination_valid(self, name: str, kind: str, arn: str) -> bool:
        parts = arn.split(":")
        service = parts[2] if len(parts) > 2 and arn.startswith("arn:") else ""
        if service != "lambda":
            return service in _SERVICES[kind]
        match = _FUNCTION_ARN.fullmatch(arn)
        sim = self._sim
        if match is None or match["region"] != sim.region or match["account"] != sim.account_id:
            raise InvalidParameterValueException(f"The destination ARN {arn} is invalid.")
        try:
            sim._lookup(match["name"], match["qualifier"])
        except ResourceNotFoundException:
            raise InvalidParameterValueException(f"The destination ARN {arn} is invalid.") from None
        if match["name"] == name:
            raise InvalidParameterValueException(DESTINATION_IS_ITSELF)
        return True


def _check_int(member: str, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidParameterValueException(_errors.wrong_type(member, "an int", value))


def _range_failures(value: int, member: str, bounds: Tuple[int, int]) -> List[str]:
    low, high = bounds
    if value < low:
        return [_errors.validation_failure(value, member, _errors.min_value(low))]
    if value > high:
        return [_errors.validation_failure(value, member, _errors.max_value(high))]
    return []


def _check_request(
    retries: Optional[int], age: Optional[int], destination_config: Optional[Mapping[str, Any]]
) -> Tuple[Optional[str], Optional[str]]:
    """AWS's model validation, then "at least one setting"; return the (success, failure) destinations."""
    failures: List[str] = []
    if retries is not None:
        _check_int("MaximumRetryAttempts", retries)
        failures += _range_failures(retries, "maximumRetryAttempts", _RETRY_RANGE)
    if age is not None:
        _check_int("MaximumEventAgeInSeconds", age)
        failures += _range_failures(age, "maximumEventAgeInSeconds", _AGE_RANGE)
    destinations: Dict[str, Optional[str]] = {"OnSuccess": None, "OnFailure": None}
    if destination_config is not None:
        if not isinstance(destination_config, Mapping):
            raise InvalidParameterValueException(_errors.wrong_type("DestinationConfig", "a dict", destination_config))
        unknown = sorted(set(destination_config) - set(destinations))
        if unknown:
            raise InvalidParameterValueException(
                f"'DestinationConfig' takes the keys OnSuccess and OnFailure (got {', '.join(map(repr, unknown))})"
            )
        for kind in ("OnSuccess", "OnFailure"):
            target = destination_config.get(kind)
            if target is None:
                continue
            if not isinstance(target, Mapping) or set(target) - {"Destination"}:
                raise InvalidParameterValueException(
                    f"'DestinationConfig.{kind}' must be a dict with the single key 'Destination' (got {target!r})"
                )
            arn = target.get("Destination")
            if arn is None:
                continue
            if not isinstance(arn, str):
                raise InvalidParameterValueException(_errors.wrong_type(f"DestinationConfig.{kind}.Destination", "a str", arn))
            member = f"destinationConfig.{kind[0].lower()}{kind[1:]}.destination"
            if len(arn) > _DESTINATION_MAX_LENGTH:
                failures.append(_errors.validation_failure(arn, member, _errors.max_length(_DESTINATION_MAX_LENGTH)))
            elif not _DESTINATION.fullmatch(arn):
                failures.append(_errors.validation_failure(arn, member, _errors.pattern(DESTINATION_PATTERN)))
            destinations[kind] = arn or None
    if failures:
        raise ValidationException(_errors.validation_failures_message(failures))
    if retries is None and age is None and destination_config is None:
        raise InvalidParameterValueException(NOTHING_TO_SET)
    return destinations["OnSuccess"], destinations["OnFailure"]


def _qualifier_order(qualifier: str) -> tuple:
    """``$LATEST`` first, then versions by number, then aliases by name."""
    if qualifier == "$LATEST":
        return (0, 0, "")
    if qualifier.isdigit():
        return (1, int(qualifier), "")
    return (2, 0, qualifier)


def _decode_marker(marker: str) -> str:
    try:
        return base64.b64decode(marker.encode("ascii"), altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise InvalidParameterValueException(_errors.invalid_marker(marker)) from None

"""Validation of aliases and their routing configuration, with AWS's messages (spec controlplane §4).

AWS checks the model's constraints first (``ValidationException``: the alias
name, the version pattern, the weights' range and keys), then its own rules
(``InvalidParameterValueException``: one additional version at most, no
routing from ``$LATEST``, the additional version differing from the primary).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Mapping, Optional

from . import _errors
from ._errors import InvalidParameterValueException, ValidationException

NAME_PATTERN = "(?!^[0-9]+$)([a-zA-Z0-9-_]+)"
VERSION_PATTERN = r"(\$LATEST(\.PUBLISHED)?|[0-9]+)"
_NAME = re.compile(NAME_PATTERN)
_VERSION = re.compile(VERSION_PATTERN)
_WEIGHT_KEY = re.compile("[0-9]+")

_WEIGHTS_MEMBER = "routingConfig.additionalVersionWeights"
_WEIGHT_VALUE_RULE = (
    "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, "
    "Member must have value greater than or equal to 0.0, Member must not be null]"
)
_WEIGHT_KEY_RULE = (
    "Map keys must satisfy constraint: [Member must have length less than or equal to 1024, "
    "Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]"
)


def check_name(name: Any) -> str:
    """The alias name, or ``ValidationException`` as AWS words it."""
    return _check_member(name, "name", 128, NAME_PATTERN, _NAME)


def check_version(version: Any) -> str:
    """A ``FunctionVersion`` member: ``$LATEST`` or a version number."""
    return _check_member(version, "functionVersion", 1024, VERSION_PATTERN, _VERSION)


def _check_member(value: Any, member: str, limit: int, pattern: str, compiled: "re.Pattern[str]") -> str:
    if not isinstance(value, str):
        raise InvalidParameterValueException(_errors.wrong_type(member, "a string", value))
    failures = []
    if len(value) > limit:
        failures.append(_errors.validation_failure(value, member, _errors.max_length(limit)))
    if not compiled.fullmatch(value):
        failures.append(_errors.validation_failure(value, member, _errors.pattern(pattern)))
    if failures:
        raise ValidationException(_errors.validation_failures_message(failures))
    return value


def check_description(description: Any) -> str:
    if not isinstance(description, str):
        raise InvalidParameterValueException(_errors.wrong_type("description", "a string", description))
    if len(description) > 256:
        raise ValidationException(
            _errors.validation_failures_message(
                [_errors.validation_failure(description, "description", _errors.max_length(256))]
            )
        )
    return description


def weights(routing_config: Optional[Mapping[str, Any]], primary: str) -> Dict[str, float]:
    """``RoutingConfig`` (``{"AdditionalVersionWeights": {version: weight}}``) checked, as ``{version: weight}``."""
    if routing_config is None:
        return {}
    if not isinstance(routing_config, Mapping):
        raise InvalidParameterValueException(_errors.wrong_type("routingConfig", "a mapping", routing_config))
    unknown = sorted(set(routing_config) - {"AdditionalVersionWeights"})
    if unknown:
        raise InvalidParameterValueException(
            f"Unknown member(s) {', '.join(map(repr, unknown))} in routingConfig: "
            "the only member is 'AdditionalVersionWeights'"
        )
    given = routing_config.get("AdditionalVersionWeights") or {}
    if not isinstance(given, Mapping):
        raise InvalidParameterValueException(
            _errors.wrong_type("routingConfig.additionalVersionWeights", "a mapping", given)
        )
    table: Dict[str, float] = {}
    for key, value in given.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if value is not None:
                raise InvalidParameterValueException(
                    _errors.wrong_type("routingConfig.additionalVersionWeights", "a number between 0.0 and 1.0", value)
                )
        table[str(key)] = value  # type: ignore[assignment]
    shown = "{" + ", ".join(f"{key}={_java_double(value)}" for key, value in table.items()) + "}"
    if any(value is None or not 0.0 <= value <= 1.0 for value in table.values()):
        raise ValidationException(_errors.validation_message([(shown, _WEIGHTS_MEMBER, _WEIGHT_VALUE_RULE)]))
    if any(not 1 <= len(key) <= 1024 or not _WEIGHT_KEY.fullmatch(key) for key in table):
        raise ValidationException(_errors.validation_message([(shown, _WEIGHTS_MEMBER, _WEIGHT_KEY_RULE)]))
    if len(table) > 1:
        raise InvalidParameterValueException("Number of items in AdditionalVersionWeights cannot be greater than 1")
    if table and primary.startswith("$LATEST"):
        raise InvalidParameterValueException("$LATEST is not supported for an alias pointing to more than 1 version")
    if primary in table:
        raise InvalidParameterValueException(
            f"Invalid function version {primary}. Function version {primary} is already included in routing configuration."
        )
    return {key: float(value) for key, value in table.items()}


def _java_double(value: Any) -> str:
    """How Java's ``Double.toString`` writes a weight (``2`` → ``2.0``) in AWS's messages."""
    if value is None:
        return "null"
    number = float(value)
    if number == int(number) and abs(number) < 1e7:
        return f"{int(number)}.0"
    text = repr(number)
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        return f"{mantissa}E{int(exponent)}"
    return text

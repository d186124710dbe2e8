"""The configuration of one function: a frozen attrs class, validated once, as Lambda does.

``FunctionConfig`` holds every default and every limit AWS enforces on the members
lambdasim models; updates are ``attrs.evolve(config, timeout=10)``, which validates the
result again. The rules and AWS's messages are in ``spec/lambda-controlplane.md`` §2.

Order of checks, so that exactly one error comes out when several rules are broken:

1. Python types, field by field in declaration order (``InvalidParameterValueException``
   with the attrs wording, e.g. ``'timeout' must be int (got '3' that is a str)``).
2. ``function_name`` on its own, as AWS resolves the function before the rest.
3. AWS's model constraints, all at once: one ``ValidationException`` listing every
   violation in the order of the ``CreateFunction`` request members (role, handler,
   description, timeout, memorySize, environment.variables, architectures,
   ephemeralStorage.size), then reservedConcurrentExecutions.
4. The service's own checks, each raising ``InvalidParameterValueException`` on its own:
   runtime, layer count, reserved environment keys, environment size.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterator, Mapping, Optional, Tuple

import attrs

from . import _config_checks, _errors
from ._arn import CREATE_FUNCTION_NAME_PATTERN, MAX_FUNCTION_NAME_LENGTH
from ._errors import InvalidParameterValueException, ValidationException

__all__ = [
    "ACCEPTED_RUNTIMES",
    "BLOCKED_RUNTIMES",
    "DEFAULT_ROLE",
    "FrozenMapping",
    "FunctionConfig",
    "RESERVED_ENVIRONMENT_KEYS",
]

DEFAULT_ROLE = "arn:aws:iam::123456789012:role/lambdasim-execution-role"

# --- runtimes -----------------------------------------------------------------
#
# Three tables decide a runtime's fate (spec/lambda-controlplane.md §2.2):
# * ACCEPTED_RUNTIMES run. python3.10 and python3.11 are deprecated on 2026-06-30 but,
#   like AWS, lambdasim keeps creating them until a block date is announced.
# * BLOCKED_RUNTIMES get AWS's "no longer supported" message. Recorded on AWS for
#   dotnetcore3.1, go1.x, java8, nodejs12.x, nodejs14.x, provided, python3.7 and
#   ruby2.7; the older identifiers of the model enum are blocked on the same grounds.
#   python3.8 and python3.9 are treated as blocked (announced block date 2025-02-28 for
#   3.8; for 3.9 the date is unconfirmed) although AWS's enum message still lists them.
# * Everything else in the model enum is a runtime AWS accepts but lambdasim cannot run
#   (it runs Python handlers only): a lambdasim message says so.
# Anything outside the model enum, wrong case included, gets AWS's enum message.

ACCEPTED_RUNTIMES = (
    "python3.10", "python3.11", "python3.12", "python3.13", "python3.14",
    # Custom runtimes: the code's ``bootstrap`` runs against the Runtime API; their
    # handler is free-form (docs/custom-runtimes.md).
    "provided.al2023", "provided.al2",
)  # fmt: skip

BLOCKED_RUNTIMES = frozenset(
    {
        "python2.7", "python3.6", "python3.7", "python3.8", "python3.9",
        "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10",
        "nodejs10.x", "nodejs12.x", "nodejs14.x",
        "java8",
        "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1",
        "go1.x", "ruby2.5", "ruby2.7", "provided",
    }
)  # fmt: skip

_OTHER_AWS_RUNTIMES = frozenset(
    {
        "nodejs16.x", "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x",
        "java8.al2", "java11", "java17", "java21", "java25",
        "dotnet6", "dotnet8", "dotnet10",
        "ruby3.2", "ruby3.3", "ruby3.4", "ruby4.0",
    }
)  # fmt: skip

# AWS's own list in its enum error, verbatim and in its order (recorded, Nov 2025).
_AWS_ENUM_MESSAGE_RUNTIMES = [
    "nodejs20.x", "python3.14", "provided.al2023", "python3.12", "python3.13", "nodejs24.x",
    "nodejs22.x", "java25", "python3.10", "python3.11", "java21", "ruby3.3", "ruby3.4",
    "ruby3.2", "python3.8", "python3.9", "java17", "nodejs16.x", "dotnet10", "dotnet8",
    "java11", "dotnet6", "nodejs18.x", "provided.al2", "java8.al2",
]  # fmt: skip

# --- limits -------------------------------------------------------------------

#: Keys Lambda sets itself (spec/lambda-dataplane.md §7.2). ``TZ`` is not among them:
#: the 2023 guide lists it as overridable; newer lists disagree and AWS was not observed
#: rejecting it.
RESERVED_ENVIRONMENT_KEYS = frozenset(
    {
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION",
        "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    }
)  # fmt: skip

_MAX_ENVIRONMENT_BYTES = 4096
_MAX_LAYERS = 5
_ARCHITECTURES = ("x86_64", "arm64")

_BARE_NAME = re.compile(r"[a-zA-Z0-9-_]+", re.ASCII)
_CREATE_REF = re.compile(CREATE_FUNCTION_NAME_PATTERN, re.ASCII)
_HANDLER_PATTERN = r"[^\s]+"
_ROLE_PATTERN = r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"
_ENVIRONMENT_KEY = re.compile(r"[a-zA-Z]([a-zA-Z0-9_])+", re.ASCII)


class FrozenMapping(Mapping[str, Any]):
    """A read-only, hashable copy of a mapping; equal to any mapping with the same items."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any]) -> None:
        self._items = dict(items)

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return repr(self._items)

    def __reduce__(self) -> tuple:
        return (FrozenMapping, (self._items,))


# --- converters and type validators (step 1) ----------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_field(default: Optional[int]) -> Any:
    def check(instance: object, attribute: attrs.Attribute, value: object) -> None:
        if not _is_int(value) and not (value is None and default is None):
            raise InvalidParameterValueException(
                _errors.wrong_type(attribute.name, "int", value)
            )

    return attrs.field(default=default, validator=check)


def _str_field(*, default: Any = attrs.NOTHING, optional: bool = False) -> Any:
    def check(instance: object, attribute: attrs.Attribute, value: object) -> None:
        if not isinstance(value, str) and not (optional and value is None):
            raise InvalidParameterValueException(
                _errors.wrong_type(attribute.name, "str", value)
            )

    return attrs.field(default=default, validator=check)


def _to_environment(value: object) -> Optional[FrozenMapping]:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidParameterValueException(
            _errors.wrong_type("environment", "a mapping of str to str", value)
        )
    for key, item in value.items():
        if not isinstance(key, str):
            raise InvalidParameterValueException(
                _errors.wrong_type("environment key", "str", key)
            )
        if not isinstance(item, str):
            raise InvalidParameterValueException(
                _errors.wrong_type(f"environment.{key}", "str", item)
            )
    return FrozenMapping(value)


def _to_str_tuple(field: str) -> Callable[[object], Tuple[str, ...]]:
    def convert(value: object) -> Tuple[str, ...]:
        if not isinstance(value, (list, tuple)):
            raise InvalidParameterValueException(_errors.wrong_type(field, "a list of str", value))
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise InvalidParameterValueException(
                    _errors.wrong_type(f"{field}[{index}]", "str", item)
                )
        return tuple(value)

    return convert


def _to_frozen_data(field: str) -> Callable[[object], Any]:
    """Deep-copy AWS-shaped data (dicts, lists, scalars) into hashable, read-only form."""

    def freeze(value: object) -> Any:
        if value is None or isinstance(value, (str, int, float)):
            return value
        if isinstance(value, Mapping):
            return FrozenMapping({key: freeze(item) for key, item in value.items()})
        if isinstance(value, (list, tuple)):
            return tuple(freeze(item) for item in value)
        raise InvalidParameterValueException(
            _errors.wrong_type(field, "made of mappings, lists, str, numbers or None", value)
        )

    return freeze


def _data_field(field: str) -> Any:
    return attrs.field(default=None, converter=_to_frozen_data(field))


def _structure_field(field: str) -> Any:
    """An AWS structure (``VpcConfig``, ``LoggingConfig``, ...): a mapping or None."""
    freeze = _to_frozen_data(field)

    def convert(value: object) -> Any:
        if value is not None and not isinstance(value, Mapping):
            raise InvalidParameterValueException(_errors.wrong_type(field, "a mapping", value))
        return freeze(value)

    return attrs.field(default=None, converter=convert)


# --- the configuration --------------------------------------------------------


@attrs.frozen(kw_only=True)
class FunctionConfig:
    """Settings of one function version, in the snake_case of the AWS API members.

    ``environment`` is ``None`` when no ``Environment`` was configured, else a
    read-only mapping; ``vpc_config``, ``dead_letter_config``, ``tracing_config`` and
    ``logging_config`` keep the AWS request shape (e.g. ``{"Mode": "Active"}``) as
    read-only copies.
    """

    function_name: str = _str_field()
    handler: str = _str_field()
    runtime: str = _str_field(default="python3.12")
    role: str = _str_field(default=DEFAULT_ROLE)
    description: str = _str_field(default="")
    timeout: int = _int_field(3)
    memory_size: int = _int_field(128)
    ephemeral_storage: int = _int_field(512)
    environment: Optional[Mapping[str, str]] = attrs.field(
        default=None, converter=_to_environment
    )
    architectures: Tuple[str, ...] = attrs.field(
        default=("x86_64",), converter=_to_str_tuple("architectures")
    )
    reserved_concurrency: Optional[int] = _int_field(None)
    layers: Tuple[str, ...] = attrs.field(default=(), converter=_to_str_tuple("layers"))
    vpc_config: Optional[Mapping[str, Any]] = _structure_field("vpc_config")
    dead_letter_config: Optional[Mapping[str, Any]] = _structure_field("dead_letter_config")
    kms_key_arn: Optional[str] = _str_field(default=None, optional=True)
    tracing_config: Optional[Any] = _structure_field("tracing_config")
    logging_config: Optional[Mapping[str, Any]] = _structure_field("logging_config")

    def __attrs_post_init__(self) -> None:
        _check_function_name(self.function_name)
        failures = _model_failures(self)
        if failures:
            raise ValidationException(_errors.validation_failures_message(failures))
        _check_runtime(self.runtime)
        if len(self.layers) > _MAX_LAYERS:
            raise InvalidParameterValueException(_errors.too_many_layers(_MAX_LAYERS))
        if self.environment is not None:
            _check_environment(self.environment)
        _config_checks.check(self)

    @property
    def log_group(self) -> str:
        """The function's CloudWatch log group: ``LoggingConfig.LogGroup`` or ``/aws/lambda/<name>``."""
        custom = (self.logging_config or {}).get("LogGroup")
        return custom or f"/aws/lambda/{self.function_name}"


# --- validation (steps 2-4) ---------------------------------------------------


def _check_function_name(name: str) -> None:
    if not _BARE_NAME.fullmatch(name):
        if name and _CREATE_REF.fullmatch(name):
            # A valid ARN or qualified name: the caller skipped parse_function_ref.
            raise InvalidParameterValueException(_errors.not_a_bare_function_name(name))
        constraint = _errors.pattern(CREATE_FUNCTION_NAME_PATTERN)
        raise ValidationException(_message(name, "functionName", constraint))
    if len(name) > MAX_FUNCTION_NAME_LENGTH:
        constraint = _errors.max_length(MAX_FUNCTION_NAME_LENGTH)
        raise InvalidParameterValueException(_message(name, "functionName", constraint))


def _model_failures(config: FunctionConfig) -> list:
    fail = _errors.validation_failure
    failures = []
    if not re.fullmatch(_ROLE_PATTERN, config.role, re.ASCII):
        failures.append(fail(config.role, "role", _errors.pattern(_ROLE_PATTERN)))
    if len(config.handler) > 128:
        failures.append(fail(config.handler, "handler", _errors.max_length(128)))
    if not re.fullmatch(_HANDLER_PATTERN, config.handler):
        failures.append(fail(config.handler, "handler", _errors.pattern(_HANDLER_PATTERN)))
    if len(config.description) > 256:
        failures.append(fail(config.description, "description", _errors.max_length(256)))
    failures += _range_failures(config.timeout, "timeout", 1, 900)
    failures += _range_failures(config.memory_size, "memorySize", 128, 10240)
    if config.environment is not None and not all(
        _ENVIRONMENT_KEY.fullmatch(key) for key in config.environment
    ):
        # The variables are sensitive, so AWS leaves their value out of the message.
        failures.append(
            fail(None, "environment.variables", _errors.ENVIRONMENT_KEY_CONSTRAINT, redacted=True)
        )
    failures += _architecture_failures(config.architectures)
    failures += _range_failures(config.ephemeral_storage, "ephemeralStorage.size", 512, 10240)
    # VpcConfig, KMSKeyArn, TracingConfig, LoggingConfig (lambdasim/_config_checks.py).
    failures += _config_checks.model_failures(config)
    if config.reserved_concurrency is not None:
        failures += _range_failures(
            config.reserved_concurrency, "reservedConcurrentExecutions", 0, None
        )
    return failures


def _range_failures(value: int, member: str, low: int, high: Optional[int]) -> list:
    if value < low:
        return [_errors.validation_failure(value, member, _errors.min_value(low))]
    if high is not None and value > high:
        return [_errors.validation_failure(value, member, _errors.max_value(high))]
    return []


def _architecture_failures(architectures: Tuple[str, ...]) -> list:
    # AWS shows the list the way Java prints it: "[x86_64, arm64]".
    shown = "[" + ", ".join(architectures) + "]"
    failures = []
    if len(architectures) != 1:
        limit = _errors.max_length(1) if architectures else _errors.min_length(1)
        failures.append(_errors.validation_failure(shown, "architectures", limit))
    if any(item not in _ARCHITECTURES for item in architectures):
        constraint = (
            "Member must satisfy constraint: [Member must satisfy enum value set: "
            f"[{', '.join(_ARCHITECTURES)}], Member must not be null]"
        )
        failures.append(_errors.validation_failure(shown, "architectures", constraint))
    return failures


def _check_runtime(runtime: str) -> None:
    if runtime in ACCEPTED_RUNTIMES:
        return
    if runtime in BLOCKED_RUNTIMES:
        message = _errors.runtime_blocked(runtime)
    elif runtime in _OTHER_AWS_RUNTIMES:
        message = _errors.runtime_not_python(runtime, list(ACCEPTED_RUNTIMES))
    else:
        message = _errors.runtime_not_in_enum(runtime, _AWS_ENUM_MESSAGE_RUNTIMES)
    raise InvalidParameterValueException(message)


def _check_environment(variables: Mapping[str, str]) -> None:
    reserved = [key for key in variables if key in RESERVED_ENVIRONMENT_KEYS]
    if reserved:
        raise InvalidParameterValueException(_errors.environment_reserved_keys(reserved))
    # ensure_ascii=False: AWS states the limit in bytes of the variables as stored
    # (UTF-8) and its Java serializer writes non-ASCII text unescaped; escaping would
    # count "é" as 6 bytes and echo "\u00e9" instead of the user's text. AWS parity
    # recordings only cover ASCII, where both settings agree (UNCONFIRMED otherwise).
    measured = json.dumps(dict(variables), separators=(",", ":"), ensure_ascii=False)
    if len(measured.encode("utf-8")) > _MAX_ENVIRONMENT_BYTES:
        raise InvalidParameterValueException(_errors.environment_too_large(measured))


def _message(value: object, member: str, constraint: str) -> str:
    return _errors.validation_message([(value, member, constraint)])

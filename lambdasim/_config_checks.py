"""AWS's rules for the structured settings: ``vpc_config``, ``kms_key_arn``, ``tracing_config``, ``logging_config``.

Kept apart from ``_config`` (which calls these from ``FunctionConfig``'s
validation) so that each setting's rules sit in one place. ``model_failures``
returns the API model's violations, which ``FunctionConfig`` reports together in
one ``ValidationException`` (spec/lambda-controlplane.md §0); ``check`` raises the
service's own ``InvalidParameterValueException``s (§2.5, §7).
"""

from __future__ import annotations

import re
from typing import Any, List, Mapping, Optional

from . import _errors
from ._errors import InvalidParameterValueException

__all__ = ["check", "describe_vpc", "model_failures", "normalized_tracing"]

_MAX_SUBNETS = 16
_MAX_SECURITY_GROUPS = 5
_SUBNET_PATTERN = r"subnet-[0-9a-z]*"
_SECURITY_GROUP_PATTERN = r"sg-[0-9a-zA-Z]*"
_KMS_PATTERN = r"(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()"
_TRACING_MODES = ("Active", "PassThrough")
_LOG_FORMATS = ("JSON", "Text")
_APPLICATION_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
_SYSTEM_LEVELS = ("DEBUG", "INFO", "WARN")
_LOG_GROUP_PATTERN = r"[\.\-_/#A-Za-z0-9]+"
_VPC_MEMBERS = ("SubnetIds", "SecurityGroupIds", "Ipv6AllowedForDualStack")
_LOGGING_MEMBERS = ("LogFormat", "ApplicationLogLevel", "SystemLogLevel", "LogGroup")


def model_failures(config: Any) -> List[str]:
    """The API model's violations among the structured settings, in request-member order."""
    failures: List[str] = []
    failures += _vpc_failures(config.vpc_config)
    if config.kms_key_arn is not None and not re.fullmatch(_KMS_PATTERN, config.kms_key_arn, re.ASCII | re.DOTALL):
        failures.append(_errors.validation_failure(config.kms_key_arn, "kMSKeyArn", _errors.pattern(_KMS_PATTERN)))
    mode = (normalized_tracing(config.tracing_config) or {}).get("Mode")
    if mode is not None and mode not in _TRACING_MODES:
        failures.append(_errors.validation_failure(mode, "tracingConfig.mode", _enum(_TRACING_MODES)))
    failures += _logging_failures(config.logging_config)
    return failures


def check(config: Any) -> None:
    """The service's own checks of the structured settings (after the model's)."""
    arn = config.kms_key_arn
    if arn and ":alias/" in arn:
        raise InvalidParameterValueException(
            "Lambda was unable to configure access to your environment variables because the KMS key "
            "is invalid for CreateGrant. Please check your KMS key settings. KMS Exception: "
            "InvalidArnException KMS Message: Key Aliases are not supported for this operation."
        )
    logging_config = config.logging_config or {}
    has_level = "ApplicationLogLevel" in logging_config or "SystemLogLevel" in logging_config
    if has_level and logging_config.get("LogFormat", "Text") != "JSON":
        raise InvalidParameterValueException(
            'LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request '
            'or change the LogFormat to "Json" and try again.'
        )


def normalized_tracing(tracing: Any) -> Optional[Mapping[str, Any]]:
    """``tracing_config`` as AWS's shape: ``"Active"`` is short for ``{"Mode": "Active"}``."""
    if isinstance(tracing, str):
        return {"Mode": tracing}
    return tracing


def describe_vpc(vpc: Mapping[str, Any]) -> dict:
    """``VpcConfig`` as AWS answers it: the ids, a ``VpcId`` and ``Ipv6AllowedForDualStack``.

    The simulator knows no EC2, so the VPC id is derived from the first subnet
    (sorted): functions sharing a subnet share a VPC id, and reruns agree.
    """
    subnets = list(vpc.get("SubnetIds") or ())
    groups = list(vpc.get("SecurityGroupIds") or ())
    vpc_id = ""
    if subnets:
        import hashlib  # here: loading OpenSSL costs import lambdasim milliseconds, and few functions have a VPC

        vpc_id = "vpc-" + hashlib.sha256(sorted(subnets)[0].encode()).hexdigest()[:17]
    return {
        "SubnetIds": subnets,
        "SecurityGroupIds": groups,
        "VpcId": vpc_id,
        "Ipv6AllowedForDualStack": bool(vpc.get("Ipv6AllowedForDualStack", False)),
    }


def _vpc_failures(vpc: Any) -> List[str]:
    if vpc is None:
        return []
    if not isinstance(vpc, Mapping):
        raise InvalidParameterValueException(_errors.wrong_type("vpc_config", "a mapping", vpc))
    unknown = [key for key in vpc if key not in _VPC_MEMBERS]
    if unknown:
        raise InvalidParameterValueException(
            f"'vpc_config' has unknown member(s) {', '.join(map(repr, unknown))}; "
            f"the members are: {', '.join(_VPC_MEMBERS)}"
        )
    failures = []
    for member, limit, pattern in (
        ("SubnetIds", _MAX_SUBNETS, _SUBNET_PATTERN),
        ("SecurityGroupIds", _MAX_SECURITY_GROUPS, _SECURITY_GROUP_PATTERN),
    ):
        ids = vpc.get(member) or ()
        if isinstance(ids, str) or not all(isinstance(item, str) for item in ids):
            raise InvalidParameterValueException(_errors.wrong_type(f"vpc_config.{member}", "a list of str", ids))
        field = "vpcConfig." + member[0].lower() + member[1:]
        shown = "[" + ", ".join(ids) + "]"
        if len(ids) > limit:
            failures.append(_errors.validation_failure(shown, field, _errors.max_length(limit)))
        if any(len(item) > 1024 or not re.fullmatch(pattern, item, re.ASCII) for item in ids):
            constraint = (
                "Member must satisfy constraint: [Member must have length less than or equal to 1024, "
                "Member must have length greater than or equal to 0, Member must satisfy regular "
                f"expression pattern: {pattern}, Member must not be null]"
            )
            failures.append(_errors.validation_failure(shown, field, constraint))
    flag = vpc.get("Ipv6AllowedForDualStack")
    if flag is not None and not isinstance(flag, bool):
        raise InvalidParameterValueException(
            _errors.wrong_type("vpc_config.Ipv6AllowedForDualStack", "bool", flag)
        )
    return failures


def _logging_failures(logging_config: Any) -> List[str]:
    if logging_config is None:
        return []
    if not isinstance(logging_config, Mapping):
        raise InvalidParameterValueException(_errors.wrong_type("logging_config", "a mapping", logging_config))
    unknown = [key for key in logging_config if key not in _LOGGING_MEMBERS]
    if unknown:
        raise InvalidParameterValueException(
            f"'logging_config' has unknown member(s) {', '.join(map(repr, unknown))}; "
            f"the members are: {', '.join(_LOGGING_MEMBERS)}"
        )
    failures = []
    for member, allowed in (
        ("LogFormat", _LOG_FORMATS),
        ("ApplicationLogLevel", _APPLICATION_LEVELS),
        ("SystemLogLevel", _SYSTEM_LEVELS),
    ):
        value = logging_config.get(member)
        if value is not None and value not in allowed:
            field = "loggingConfig." + member[0].lower() + member[1:]
            failures.append(_errors.validation_failure(value, field, _enum(allowed)))
    group = logging_config.get("LogGroup")
    if group is not None:
        if not isinstance(group, str):
            raise InvalidParameterValueException(_errors.wrong_type("logging_config.LogGroup", "str", group))
        if len(group) > 512:
            failures.append(_errors.validation_failure(group, "loggingConfig.logGroup", _errors.max_length(512)))
        if not re.fullmatch(_LOG_GROUP_PATTERN, group, re.ASCII):
            failures.append(
                _errors.validation_failure(group, "loggingConfig.logGroup", _errors.pattern(_LOG_GROUP_PATTERN))
            )
    return failures


def _enum(values: tuple) -> str:
    return f"Member must satisfy enum value set: [{', '.join(values)}]"

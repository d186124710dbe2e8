"""Service errors, named after the AWS error codes, and AWS's message texts.

Every message the simulator shows on behalf of AWS is built here, so the wording
lives in one place (see ``spec/lambda-controlplane.md`` §0 and
``spec/lambda-dataplane.md`` §10.4).
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "AccessDeniedException",
    "InlineModeWarning",
    "InvalidParameterValueException",
    "InvalidRequestContentException",
    "KMSAccessDeniedException",
    "KMSDisabledException",
    "KMSInvalidStateException",
    "KMSNotFoundException",
    "LambdaSimError",
    "PreconditionFailedException",
    "RequestTooLargeException",
    "ResourceConflictException",
    "ResourceNotFoundException",
    "ServiceException",
    "TooManyRequestsException",
    "ValidationException",
]


class LambdaSimError(Exception):
    """Base class of every error the simulator raises on behalf of the service.

    ``code`` is the AWS error code as it appears in ``x-amzn-ErrorType``,
    ``status_code`` the HTTP status AWS answers with, ``message`` AWS's text.
    """

    code = "ServiceException"
    status_code = 500
    #: The key holding the message in the wire body: AWS spells it ``Message``
    #: for some exceptions and ``message`` for others.
    message_key = "Message"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class InlineModeWarning(UserWarning):
    """A place where an inline environment cannot behave as a real one (docs/debugging.md).

    ``difference`` names it: ``"tmp"``, ``"memory"``, ``"timeout"``, ``"serialised"`` or ``"exit"``.
    It lives here, not with inline mode (``_inline``), so that naming it (warnings
    filters, the pytest plugin) does not load inline mode.
    """

    def __init__(self, message: str, difference: Optional[str] = None) -> None:
        super().__init__(message)
        self.difference = difference


class ServiceException(LambdaSimError):
    """An internal error of the simulated service (HTTP 500)."""


class ResourceNotFoundException(LambdaSimError, LookupError):
    """The function, version or alias does not exist (HTTP 404)."""

    code = "ResourceNotFoundException"
    status_code = 404

    def __init__(self, message: str, *, existing: Optional[list] = None) -> None:
        super().__init__(message)
        #: Names of the functions that do exist, for the test's benefit.
        self.existing = list(existing) if existing is not None else None

    def __str__(self) -> str:
        if self.existing is None:
            return self.message
        names = ", ".join(self.existing) if self.existing else "none"
        return f"{self.message} (functions that exist: {names})"


class InvalidParameterValueException(LambdaSimError, ValueError):
    """A parameter has a value AWS rejects (HTTP 400)."""

    code = "InvalidParameterValueException"
    status_code = 400
    message_key = "message"


class ValidationException(LambdaSimError, ValueError):
    """A parameter fails the API model's constraints (HTTP 400)."""

    code = "ValidationException"
    status_code = 400
    message_key = "message"


class InvalidRequestContentException(LambdaSimError, ValueError):
    """The request body (the event) is not valid JSON (HTTP 400)."""

    code = "InvalidRequestContentException"
    status_code = 400
    message_key = "message"


class ResourceConflictException(LambdaSimError):
    """The resource exists already or is in a state that forbids the call (HTTP 409)."""

    code = "ResourceConflictException"
    status_code = 409
    message_key = "message"


class RequestTooLargeException(LambdaSimError, ValueError):
    """The request payload exceeds the invocation type's limit (HTTP 413).

    On the wire AWS sends the code ``RequestEntityTooLargeException``.
    """

    code = "RequestEntityTooLargeException"
    status_code = 413
    message_key = "message"


class TooManyRequestsException(LambdaSimError):
    """The invoke was throttled (HTTP 429); ``reason`` says which limit was hit."""

    code = "TooManyRequestsException"
    status_code = 429
    message_key = "message"

    def __init__(
        self,
        message: str = "Rate Exceeded.",
        *,
        reason: str = "ReservedFunctionConcurrentInvocationLimitExceeded",
        retry_after_seconds: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.retry_after_seconds = retry_after_seconds


class PreconditionFailedException(LambdaSimError):
    """The ``RevisionId`` given does not match the resource's current one (HTTP 412)."""

    code = "PreconditionFailedException"
    status_code = 412
    message_key = "message"


FUNCTION_PENDING = (
    "The operation cannot be performed at this time. The function is currently in the following state: Pending"
)
REVISION_MISMATCH = (
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
)


class AccessDeniedException(LambdaSimError, PermissionError):
    """The caller may not use the resource, e.g. a function of another account (HTTP 403).

    AWS sends this one without a message, so ``message`` is usually empty.
    """

    code = "AccessDeniedException"
    status_code = 403

    def __init__(self, message: str = "") -> None:
        super().__init__(message)


class _KMSException(LambdaSimError):
    """Lambda could not decrypt the function's environment variables at invoke (HTTP 502).

    A 502, but the user's fault (their key): the wire body says ``"Type": "User"``.
    """

    status_code = 502
    wire_type = "User"


class KMSAccessDeniedException(_KMSException):
    """KMS denied Lambda access to the function's key (HTTP 502)."""

    code = "KMSAccessDeniedException"


class KMSDisabledException(_KMSException):
    """The function's KMS key is disabled (HTTP 502)."""

    code = "KMSDisabledException"


class KMSInvalidStateException(_KMSException):
    """The function's KMS key is in a state that does not allow Decrypt (HTTP 502)."""

    code = "KMSInvalidStateException"


class KMSNotFoundException(_KMSException):
    """The function's KMS key does not exist (HTTP 502)."""

    code = "KMSNotFoundException"


#: The KMS exceptions by code, for ``sim.faults.kms``.
KMS_EXCEPTIONS = {
    cls.code: cls
    for cls in (KMSAccessDeniedException, KMSDisabledException, KMSInvalidStateException, KMSNotFoundException)
}


# --- message templates -------------------------------------------------------


def validation_message(errors: list) -> str:
    """Join ``(value, member, constraint)`` triples the way AWS's validator does."""
    parts = [
        f"Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
        for value, member, constraint in errors
    ]
    noun = "error" if len(parts) == 1 else "errors"
    return f"{len(parts)} validation {noun} detected: " + "; ".join(parts)


def function_not_found(arn: str) -> str:
    return f"Function not found: {arn}"


def function_exists(name: str) -> str:
    return f"Function already exist: {name}"


# Clauses of AWS's model validator ("... failed to satisfy constraint: <clause>").


def max_length(limit: int) -> str:
    return f"Member must have length less than or equal to {limit}"


def min_length(limit: int) -> str:
    return f"Member must have length greater than or equal to {limit}"


def max_value(limit: int) -> str:
    return f"Member must have value less than or equal to {limit}"


def min_value(limit: int) -> str:
    return f"Member must have value greater than or equal to {limit}"


def pattern(regex: str) -> str:
    return f"Member must satisfy regular expression pattern: {regex}"


def validation_failure(
    value: object, member: str, constraint: str, *, redacted: bool = False
) -> str:
    """One clause of a validation message; AWS leaves out the value of sensitive members."""
    shown = "Value" if redacted else f"Value '{value}'"
    return f"{shown} at '{member}' failed to satisfy constraint: {constraint}"


def validation_failures_message(failures: list) -> str:
    """Join clauses made by ``validation_failure`` the way ``validation_message`` does."""
    noun = "error" if len(failures) == 1 else "errors"
    return f"{len(failures)} validation {noun} detected: " + "; ".join(failures)


# Function names, ARNs and qualifiers (spec/lambda-controlplane.md §2.1).

QUALIFIER_MISMATCH = (
    "The derived qualifier from the function name does not match the specified qualifier."
)


def region_unreachable(arn_region: str, region: str) -> str:
    return f"Functions from '{arn_region}' are not reachable in this region ('{region}')"


def not_a_bare_function_name(name: str) -> str:
    return (
        f"'function_name' must be a bare function name matching [a-zA-Z0-9-_]+ (got {name!r}); "
        "ARNs and qualified names are resolved by the service before a configuration is built"
    )


# Runtime (spec/lambda-controlplane.md §2.2).


def runtime_blocked(runtime: str) -> str:
    return (
        f"The runtime parameter of {runtime} is no longer supported for creating or updating "
        "AWS Lambda functions. We recommend you use a supported runtime while creating or "
        "updating functions."
    )


def runtime_not_in_enum(runtime: str, accepted: list) -> str:
    return (
        f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum "
        f"value set: [{', '.join(accepted)}] or be a valid ARN"
    )


def runtime_not_python(runtime: str, python_runtimes: list) -> str:
    return (
        f"lambdasim runs Python handlers and custom runtimes: runtime {runtime!r} is not supported; "
        f"use one of {', '.join(python_runtimes)}"
    )


# Environment variables and layers (spec/lambda-controlplane.md §2.4, §2.5).

ENVIRONMENT_KEY_CONSTRAINT = (
    "Map keys must satisfy constraint: "
    "[Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"
)


def environment_reserved_keys(keys: list) -> str:
    return (
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided contains reserved keys that are currently not supported "
        f"for modification. Reserved keys used in this request: {', '.join(keys)}"
    )


def environment_too_large(measured: str) -> str:
    return (
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided exceeded the 4KB limit. "
        f"String measured: {measured}"
    )


def too_many_layers(limit: int) -> str:
    return f"Cannot reference more than {limit} layers."


# Python-level type errors, in the attrs wording.


def wrong_type(field: str, expected: str, value: object) -> str:
    return f"'{field}' must be {expected} (got {value!r} that is a {type(value).__name__})"


# The REST adapter (spec/lambda-controlplane.md §0, §1.1). ``not_null`` is AWS's
# wording; the rest are lambdasim's own, for what it does not implement.


def not_null(member: str) -> str:
    return validation_failures_message(
        [f"Value null at '{member}' failed to satisfy constraint: Member must not be null"]
    )


def request_body_not_json(detail: str) -> str:
    return f"Could not parse request body into json: {detail}"


def member_not_supported(operation: str, member: str, hint: str = "") -> str:
    message = f"lambdasim does not support {member} in {operation} yet"
    return f"{message}: {hint}" if hint else message


def operation_not_implemented(operation: str, route: str, implemented: list) -> str:
    return (
        f"lambdasim does not implement the Lambda operation {operation} ({route}) yet; "
        f"it implements {', '.join(implemented)}"
    )


def invalid_marker(marker: str) -> str:
    return f"Invalid Marker {marker!r}: pass the NextMarker of the previous page"


def unknown_operation(method: str, path: str) -> str:
    return f"No Lambda operation matches {method} {path}"


# KMS at invoke (spec/lambda-controlplane.md §7). The access-denied text is AWS's
# (note: no separator before "KMS Message"); the other three follow its pattern, as
# their wire text is unconfirmed.

_KMS_REASONS = {
    "KMSAccessDeniedException": ("KMS access was denied", "AccessDeniedException"),
    "KMSDisabledException": ("the KMS key used is disabled", "DisabledException"),
    "KMSInvalidStateException": (
        "the state of the KMS key used is not valid for Decrypt", "KMSInvalidStateException",
    ),
    "KMSNotFoundException": ("the KMS key used was not found", "NotFoundException"),
}


def kms_decrypt_failed(code: str, kms_message: str) -> str:
    reason, kms_code = _KMS_REASONS[code]
    return (
        f"Lambda was unable to decrypt the environment variables because {reason}. "
        f"Please check the function's KMS key settings. KMS Exception: {kms_code}KMS Message: {kms_message}"
    )


# Layers (spec/lambda-controlplane.md §1.2, §2.5).

RESOURCE_DOES_NOT_EXIST = "The resource you requested does not exist."
LAYER_VERSION_BELOW_ONE = "Layer Version Cannot be less than 1"


def layer_version_missing(arn: str) -> str:
    return f"Layer version {arn} does not exist."


def layers_wrong_region(region: str) -> str:
    return f"Layers are not in the same region as the function. Layers are expected to be in region {region}."


def layer_versions_clash(first: str, second: str) -> str:
    return (
        "Two different versions of the same layer are not allowed to be referenced in the same "
        f"function. {first} and {second} are versions of the same layer."
    )


def unzipped_too_large(limit: int) -> str:
    return f"Unzipped size must be smaller than {limit} bytes"


# Role and VPC (spec/lambda-controlplane.md §2.5, §7).

ROLE_NOT_ASSUMABLE = "The role defined for the function cannot be assumed by Lambda."


def role_lacks_ec2(action: str) -> str:
    return f"The provided execution role does not have permissions to call {action} on EC2"

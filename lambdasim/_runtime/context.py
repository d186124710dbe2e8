"""The ``context`` object a handler receives, as Lambda's Python runtime builds it.

Standard library only: this module runs inside the execution environment, under
interpreters where lambdasim and its dependencies may be missing.

Members, types and ``repr`` follow spec §6 (awslambdaric's ``lambda_context.py``).
"""

import os
import sys
import time
from typing import Optional

__all__ = ["Client", "ClientContext", "CognitoIdentity", "LambdaContext"]


def _epoch_ms(_time=time.time) -> int:
    # The real clock is bound as a default argument at import: freezegun replaces
    # time.time and module attributes that refer to it, never default arguments.
    return int(_time() * 1000)


_FUNCTION_VARIABLES = (
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
)
_ENCODED_VARIABLES = tuple(name.encode() for name in _FUNCTION_VARIABLES)
_Environ = type(os.environ)


def _function_variables() -> tuple:
    """``os.environ.get`` of each of ``_FUNCTION_VARIABLES``, read when the context is
    built, or (``function_variables``) once the last invoke has answered, when nothing
    of its handler's is left running to change them in between (a signal handler's
    change then would be seen one invoke late).

    Read from the mapping's own bytes, as ``os.environ`` decodes them: its ``get``
    costs a few Python calls per name, a third of building the context. Whatever
    ``os.environ`` is now (a handler may have replaced it) is what is read.
    """
    environ = os.environ
    data = getattr(environ, "_data", None) if type(environ) is _Environ else None
    if type(data) is not dict:
        return tuple(environ.get(name) for name in _FUNCTION_VARIABLES)
    values = []
    for key in _ENCODED_VARIABLES:
        value = data.get(key)
        values.append(None if value is None else value.decode("utf-8", "surrogateescape"))
    return tuple(values)


def _from_dict(cls, values: Optional[dict]):
    """Return a ``cls`` whose slots are read with ``values.get``, or None."""
    if values is None:
        return None
    obj = cls()
    for name in cls.__slots__:
        setattr(obj, name, values.get(name))
    return obj


class CognitoIdentity:
    """The caller's Amazon Cognito identity; both ids None unless one was sent."""

    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self) -> None:
        self.cognito_identity_id = None
        self.cognito_identity_pool_id = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(["
            f"cognito_identity_id={self.cognito_identity_id},"
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}"
            "])"
        )


class Client:
    """The ``client`` part of a mobile client context."""

    __slots__ = (
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(["
            f"installation_id={self.installation_id},"
            f"app_title={self.app_title},"
            f"app_version_name={self.app_version_name},"
            f"app_version_code={self.app_version_code},"
            f"app_package_name={self.app_package_name}"
            "])"
        )


class ClientContext:
    """The client context a caller sent with the invocation."""

    __slots__ = ("custom", "env", "client")

    def __repr__(self) -> str:
        return f"{type(self).__name__}([custom={self.custom},env={self.env},client={self.client}])"


class LambdaContext:
    """Information about the invocation, the function and the execution environment.

    Function name, version, memory size (a ``str``) and log group/stream are read
    from the environment variables Lambda sets, when the context is built. No
    ``__slots__``: handlers may set attributes on it, as on Lambda.
    """

    def __init__(
        self,
        invoke_id: str,
        client_context: Optional[dict],
        cognito_identity: Optional[dict],
        epoch_deadline_time_in_ms: int,
        invoked_function_arn: str,
        tenant_id: Optional[str] = None,
        function_variables: Optional[tuple] = None,
    ) -> None:
        self.aws_request_id = invoke_id
        (
            self.log_group_name,
            self.log_stream_name,
            self.function_name,
            self.memory_limit_in_mb,
            self.function_version,
        ) = function_variables or _function_variables()
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = _from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _from_dict(Client, self.client_context.client)
        self.identity = CognitoIdentity()
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get(
                "cognitoIdentityPoolId"
            )
        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation times out, never below 0."""
        return max(0, self._epoch_deadline_time_in_ms - _epoch_ms())

    def log(self, msg) -> None:
        """Write ``str(msg)`` to the function's log, adding no newline."""
        sys.stdout.write(str(msg))
        sys.stdout.flush()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(["
            f"aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},"
            f"identity={self.identity},"
            f"tenant_id={self.tenant_id}"
            "])"
        )

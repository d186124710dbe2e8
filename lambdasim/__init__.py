"""lambdasim: AWS Lambda's execution semantics for tests, with no Docker and no network."""

from ._errors import (
    AccessDeniedException,
    InvalidParameterValueException,
    InvalidRequestContentException,
    KMSAccessDeniedException,
    KMSDisabledException,
    KMSInvalidStateException,
    KMSNotFoundException,
    LambdaSimError,
    PreconditionFailedException,
    RequestTooLargeException,
    ResourceConflictException,
    ResourceNotFoundException,
    ServiceException,
    TooManyRequestsException,
    ValidationException,
)
from ._async import AsyncInvocation
from ._config import FunctionConfig
from ._destinations import Delivery
from ._faults import Faults
from ._inline import InlineModeWarning
from ._result import FunctionError, Invocation, InvokeResult
from ._sample_events import sample_event
from ._sandbox._environment import ExecutionEnvironment
from ._sandbox._zygote import Zygote
from ._service import LambdaSim
from ._template import Stack, TemplateError

__all__ = [
    "AccessDeniedException",
    "AsyncInvocation",
    "Delivery",
    "ExecutionEnvironment",
    "Faults",
    "FunctionConfig",
    "FunctionError",
    "InlineModeWarning",
    "InvalidParameterValueException",
    "InvalidRequestContentException",
    "Invocation",
    "InvokeResult",
    "KMSAccessDeniedException",
    "KMSDisabledException",
    "KMSInvalidStateException",
    "KMSNotFoundException",
    "LambdaServer",
    "LambdaSim",
    "LambdaSimError",
    "PreconditionFailedException",
    "RequestTooLargeException",
    "ResourceConflictException",
    "ResourceNotFoundException",
    "ServiceException",
    "Stack",
    "TemplateError",
    "TooManyRequestsException",
    "ValidationException",
    "Zygote",
    "sample_event",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # The HTTP server pulls in http.server (tens of ms): loaded on first use only.
    if name == "LambdaServer":
        from ._server import LambdaServer

        return LambdaServer
    raise AttributeError(f"module 'lambdasim' has no attribute {name!r}")

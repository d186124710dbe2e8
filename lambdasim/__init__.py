"""lambdasim: AWS Lambda's execution semantics for tests, with no Docker and no network."""

from ._errors import (
    AccessDeniedException,
    InvalidParameterValueException,
    InvalidRequestContentException,
    LambdaSimError,
    RequestTooLargeException,
    ResourceConflictException,
    ResourceNotFoundException,
    ServiceException,
    TooManyRequestsException,
    ValidationException,
)
from ._config import FunctionConfig
from ._faults import Faults
from ._inline import InlineModeWarning
from ._result import FunctionError, Invocation, InvokeResult
from ._sandbox._environment import ExecutionEnvironment
from ._sandbox._zygote import Zygote
from ._service import LambdaSim

__all__ = [
    "AccessDeniedException",
    "ExecutionEnvironment",
    "Faults",
    "FunctionConfig",
    "FunctionError",
    "InlineModeWarning",
    "InvalidParameterValueException",
    "InvalidRequestContentException",
    "Invocation",
    "InvokeResult",
    "LambdaSim",
    "LambdaSimError",
    "RequestTooLargeException",
    "ResourceConflictException",
    "ResourceNotFoundException",
    "ServiceException",
    "TooManyRequestsException",
    "ValidationException",
    "Zygote",
]

__version__ = "0.1.0"

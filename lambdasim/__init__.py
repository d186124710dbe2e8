"""lambdasim: AWS Lambda's execution semantics for tests, with no Docker and no network.

Importing the package loads only its exceptions: every other public name is
imported on first use (PEP 562). The pytest plugin is a module of this package,
loaded in every pytest session of a project that installs lambdasim, so those
sessions pay for the simulator only when a test uses it (docs/performance.md).
"""

import sys as _sys
import typing as _typing

from ._errors import (
    AccessDeniedException,
    InlineModeWarning,
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

if _typing.TYPE_CHECKING:
    from ._async_queue import AsyncInvocation
    from ._config import FunctionConfig
    from ._destinations import Delivery
    from ._faults import Faults
    from ._result import FunctionError, Invocation, InvokeResult
    from ._sample_events import sample_event
    from ._sandbox._environment import ExecutionEnvironment
    from ._sandbox._zygote import Zygote
    from ._server import LambdaServer
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

#: Public name -> the module that defines it, imported on first use.
_LAZY = {
    "AsyncInvocation": "._async_queue",
    "Delivery": "._destinations",
    "ExecutionEnvironment": "._sandbox._environment",
    "Faults": "._faults",
    "FunctionConfig": "._config",
    "FunctionError": "._result",
    "Invocation": "._result",
    "InvokeResult": "._result",
    "LambdaServer": "._server",
    "LambdaSim": "._service",
    "Stack": "._template",
    "TemplateError": "._template",
    "Zygote": "._sandbox._zygote",
    "sample_event": "._sample_events",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lambdasim' has no attribute {name!r}")
    # Not cached in this module's globals: the answer follows sys.modules, so it stays
    # the defining module's object even where a tool drops and re-imports modules
    # (pytester's in-process runs do, between runs).
    defining = _sys.modules.get(__name__ + module)
    if defining is None:
        from importlib import import_module

        defining = import_module(module, __name__)
    return getattr(defining, name)


def __dir__() -> list:
    return sorted(set(globals()) | set(__all__))

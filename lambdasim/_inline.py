"""Inline execution environments: the handler runs in the test process, in the calling thread.

The debug mode (``LambdaSim(inline=True)``, ``create_function(..., inline=True)``,
``pytest --lambdasim-inline``): ``breakpoint()``, pdb, IDE debuggers and
``mock.patch`` reach the handler because there is no process boundary. An
``InlineEnvironment`` answers ``initialize()`` and ``invoke()`` with the same
``Reply`` objects a process environment gives, so ``_invocation.run`` turns
them into the same ``InvokeResult``, error documents and log lines; it uses
the runtime's own modules (``lambdasim._runtime.*``) for handler resolution,
the context object, marshalling, error documents and ``logging``.

Process-wide state is swapped in for each call and swapped back after it:
``os.environ``, ``sys.path``, the working directory, ``sys.argv``,
``sys.stdout``/``sys.stderr`` (captured into the log), the root logger's
handler and level, ``tempfile.tempdir``, ``sys.breakpointhook`` and
``os._exit``. What an environment changed in ``os.environ``, ``sys.path`` and
the root level is kept for its next call, as a warm process keeps it.

The swapping is ``_inline_call.Call``; the handler's own modules, imported
afresh at every init and kept in ``sys.modules`` for ``mock.patch``, are
``_inline_modules.EnvironmentModules``.

What cannot be the same (docs/debugging.md) is said once per simulator by an
``InlineModeWarning`` naming the difference.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
import tempfile
import threading
import warnings
from typing import Callable, List, Optional, Sequence, Set

from . import _clock
from ._code import CodePackage
from ._config import FunctionConfig
from ._errors import InlineModeWarning
from ._inline_call import Call, rss_kb
from ._inline_modules import EnvironmentModules
from ._runtime import context as lambda_context
from ._runtime import bootstrap, errors, logs, marshal
from ._sandbox._environment import ExecutionEnvironment, Outcome, Reply, Sandbox, WholeInvoke
from ._sandbox._spec import environment_variables, log_stream_name, passthrough_variables, python_path

__all__ = ["DIFFERENCES", "InlineEnvironment", "InlineEnvironments", "InlineModeWarning"]

_ASCII_RUNTIMES = ("python3.9", "python3.10", "python3.11")
_PACKAGE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "")

#: The differences from a real environment, each warned about once per simulator.
DIFFERENCES = {
    "tmp": "no private /tmp: the literal path /tmp is the test process's; only tempfile.gettempdir() "
    "points at a directory of this environment",
    "memory": "memory_size is not enforced, and Max Memory Used is the resident size of the whole test process",
    "timeout": "no hard kill on timeout: the handler ran past its timeout and was not stopped; "
    "the invocation ends with the timeout document now that it has returned",
    "serialised": "invocations are serialised: this invoke waited for another inline invocation to finish",
    "exit": "the handler ended its runtime with {how}: reported as Runtime.ExitError, as a real exit is, "
    "but the test process goes on ({detail})",
}


class InlineEnvironments:
    """Makes the inline environments of one simulator and warns once per difference."""

    def __init__(self, *, region: str, workdir: str, passthrough_env: tuple, factory=None) -> None:
        self.region = region
        self.workdir = workdir
        #: The simulator's process-environment factory: its service variables apply inline too.
        self.factory = factory
        self._passthrough = passthrough_variables(passthrough_env)
        self._warned: Set[str] = set()
        self._warn_lock = threading.Lock()

    def create(
        self, config: FunctionConfig, code: CodePackage, version: str, layers: Sequence[str] = ()
    ) -> "InlineEnvironment":
        """A new (cold) inline environment for one version of a function.

        There is no private ``/opt``: ``layers`` (directories, in the function's order)
        go on ``sys.path`` where the runtime puts ``/opt/python``, as without namespaces.
        """
        tmp_dir = tempfile.mkdtemp(prefix="inline-tmp-", dir=self.workdir)
        stream = log_stream_name(version, _clock.wall())
        sandbox = Sandbox(mode="inline", log_stream_name=stream, tmp_size_mb=config.ephemeral_storage, tmp_dir=tmp_dir)
        task_root = code.root
        env = environment_variables(
            function_name=config.function_name, version=version, runtime=config.runtime,
            handler=config.handler, memory_size=config.memory_size, region=self.region,
            task_root=task_root, log_group=config.log_group, log_stream=stream,
            user_variables=config.environment, passthrough=self._passthrough, tmp_dir=None,
            service_variables=getattr(self.factory, "service_variables", None),
            lambda_endpoint=getattr(self.factory, "lambda_endpoint", None),
        )
        logging_config = config.logging_config or {}
        if logging_config.get("LogFormat") == "JSON":
            # As a process environment is told in JSON mode (spec §5.3).
            env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
            env["AWS_LAMBDA_LOG_LEVEL"] = logging_config.get("ApplicationLogLevel", "INFO")
        spec = {
            "handler": config.handler,
            "runtime": config.runtime,
            "task_root": task_root,
            "env": env,
            "sys_path": python_path(config.runtime, config.environment, task_root, list(layers) or None),
            "log_format": (config.logging_config or {}).get("LogFormat", "Text"),
        }
        return InlineEnvironment(spec=spec, sandbox=sandbox, function_name=config.function_name,
                                 version=version, warn=self.warn)

    def warn(self, difference: str, **details: str) -> None:
        """Emit the warning for ``difference`` unless this simulator already did."""
        with self._warn_lock:
            if difference in self._warned:
                return
            self._warned.add(difference)
        text = DIFFERENCES[difference].format(**details)
        warnings.warn(
            InlineModeWarning(f"lambdasim inline mode [{difference}]: {text} (see docs/debugging.md)", difference),
            stacklevel=_caller_stacklevel(),
        )


class InlineEnvironment(WholeInvoke, ExecutionEnvironment):
    """An execution environment whose runtime is the test process itself.

    It has the inspection surface of ``ExecutionEnvironment`` (``id``, ``state``,
    ``invocations``, ``tmp_path``, ``task_root``, ``reset()``, ...); ``pid`` is
    always None and ``sandbox.mode`` is ``"inline"``. The base initializer is
    not called: there is no zygote, process or pipe to set up.
    """

    def __init__(self, *, spec: dict, sandbox: Sandbox, function_name: str, version: str,
                 warn: Callable[..., None]) -> None:
        self.zygote = None
        self.id = secrets.token_hex(4)
        self.memory_limit_kb = None
        self.spec = spec
        self.sandbox = sandbox
        self.function_name = function_name
        self.version = version
        self.pid = None
        self.initialized = False
        self.last_used = 0.0
        self.invocations = 0
        self.peak_rss_kb = 0
        #: Never frozen between invokes: its threads are the test process's.
        self.freeze_idle = False
        self._frozen = False
        self._closed = False
        self._lock = threading.Lock()
        self._warn = warn
        self._handler: Optional[Callable] = None
        #: This environment's modules, by name, and what they displaced in sys.modules.
        #: The modules this environment imported for itself (docs: mock.patch reaches them).
        self.modules = EnvironmentModules(spec["task_root"], spec["handler"])
        #: Process state as this environment last left it.
        self._environ = dict(spec["env"])
        self._sys_path: Optional[List[str]] = None
        self._root_level = logging.WARNING
        self._started = False

    @property
    def tmp_path(self) -> Optional[str]:
        """This environment's stand-in for ``/tmp`` (``tempfile.gettempdir()`` during its calls);
        the literal ``/tmp`` is the host's."""
        return self.sandbox.tmp_dir

    @property
    def alive(self) -> bool:
        return self.initialized

    # --- lifecycle ----------------------------------------------------------

    def initialize(self, deadline: float, init_failure=None) -> Reply:
        """Run the init phase in this thread: import the handler's module afresh."""
        ensure_ascii = self.spec["runtime"] in _ASCII_RUNTIMES
        pending: List[tuple] = []
        if not self._started:
            self._started = True
            pending += [("tmp", {}), ("memory", {})]
        with Call(self, initializing=True, pending=pending) as call:
            try:
                if init_failure is not None:
                    raise errors.InitError({
                        "errorMessage": init_failure.error_message, "errorType": init_failure.error_type,
                        "requestId": "", "stackTrace": [],
                    })
                self._handler = self.modules.import_handler()
            except errors.InitError as failure:
                doc = failure.document
                logging.warning(errors.INIT_WARNING)
                sys.stdout.write(errors.log_error_text(doc))
                return call.reply(Outcome.INIT_ERROR, {"op": "init_error", "error_type": doc["errorType"]},
                                  errors.dumps_error(doc, ensure_ascii=ensure_ascii))
            except BaseException as exc:
                exited = call.exited(exc)
                if exited is None:
                    raise
                return exited
            if _clock.monotonic() > deadline and not call.debugged:
                pending.append(("timeout", {}))
                self.reset()
                return call.reply(Outcome.TIMEOUT)
            self.initialized = True
            return call.reply(Outcome.READY, {"op": "ready", "maxrss_kb": rss_kb()})

    def invoke(self, header: dict, body: bytes, deadline: float) -> Reply:
        """Run one invocation in this thread; the handler's output becomes the log."""
        started = _clock.monotonic()
        self.invocations += 1
        crash = header.get("crash")
        if crash:
            # sim.faults.crash: the runtime dies before the handler runs, as in a process.
            self.reset()
            number = crash.get("signal")
            status = number if number is not None else ((crash.get("exit_code") or 0) & 0xFF) << 8
            return Reply(Outcome.EXIT, seconds=_clock.monotonic() - started, exit_status=status)
        if started >= deadline:
            # Due at once (sim.faults.timeout, or latency that used up the timeout).
            self.reset()
            return Reply(Outcome.TIMEOUT, seconds=_clock.monotonic() - started)
        request_id = header["request_id"]
        utf8 = self.spec["runtime"] not in _ASCII_RUNTIMES
        pending: List[tuple] = []
        with Call(self, initializing=False, pending=pending) as call:
            logs.set_request_id(request_id)
            # Every invoke has a trace header, as the runtime process sets it.
            os.environ["_X_AMZN_TRACE_ID"] = header.get("trace_id") or bootstrap._unsampled_trace(header.get("now"))
            try:
                event = marshal.decode_event(body)
                context = lambda_context.LambdaContext(
                    request_id, header.get("client_context"), header.get("cognito_identity"),
                    header["deadline_ms"], header["invoked_function_arn"], header.get("tenant_id"),
                )
                result = self._handler(event, context)
            except Exception as exc:
                exc = _without_this_frame(exc)
                return call.error(errors.error_document(exc, request_id), not utf8, deadline, exc)
            except BaseException as exc:
                exited = call.exited(exc)
                if exited is None:
                    raise
                return exited
            try:
                payload = marshal.encode_result(result, ensure_ascii=not utf8)
            except Exception as exc:
                exc = _without_this_frame(exc)
                return call.error(errors.marshal_error_document(exc, request_id), not utf8, deadline, exc)
            if call.late(deadline):
                return call.reply(Outcome.TIMEOUT)
            reply = {"op": "result", "maxrss_kb": rss_kb()}
            if isinstance(result, bytes):
                reply["raw"] = True
            logs.set_request_id("")
            return call.reply(Outcome.RESULT, reply, payload)

    def reset(self) -> None:
        """What a timeout or crash does: the runtime's state (its modules) is gone; the sandbox stays."""
        self._handler = None
        self.modules.drop()
        self.initialized = False

    def _ask_to_end(self) -> None:
        pass  # No process to end: close() does all there is.

    def close(self) -> None:
        """Give ``sys.modules`` back its displaced modules and release the sandbox."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.reset()
        self.sandbox.close()

    # --- modules ------------------------------------------------------------

def _without_this_frame(exc: BaseException) -> BaseException:
    """``exc`` with its traceback starting at the handler: this module's frame, which
    called it, is no frame of the handler's (the runtime's own frames are left out of
    error documents the same way), nor one a debugger should show."""
    tb = exc.__traceback__
    if tb is not None and tb.tb_next is not None and tb.tb_frame.f_code.co_filename == __file__:
        exc.__traceback__ = tb.tb_next
    return exc


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside lambdasim."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level

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

The handler's own modules (those under the task root) are imported afresh at
every init and belong to the environment; they stay in ``sys.modules`` under
their names so that ``mock.patch("app.attr")`` in the test reaches them, and
the modules they displaced are put back when the environment ends.

What cannot be the same (docs/debugging.md) is said once per simulator by an
``InlineModeWarning`` naming the difference.
"""

from __future__ import annotations

import bdb
import importlib
import io
import logging
import os
import secrets
import sys
import sysconfig
import tempfile
import threading
import time
import traceback
import warnings
import weakref
from typing import Callable, Dict, List, Optional, Set

from . import _clock
from ._code import CodePackage
from ._config import FunctionConfig
from ._runtime import context as lambda_context
from ._runtime import errors, logs, marshal
from ._sandbox._environment import ExecutionEnvironment, Outcome, Reply, Sandbox
from ._sandbox._spec import environment_variables, log_stream_name, passthrough_variables, python_path

__all__ = ["DIFFERENCES", "InlineEnvironment", "InlineEnvironments", "InlineModeWarning"]

_ASCII_RUNTIMES = ("python3.9", "python3.10", "python3.11")
_PACKAGE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "")
_INSTALLED = (os.sep + "site-packages" + os.sep, os.sep + "dist-packages" + os.sep)
#: The standard library and lambdasim: never the handler's own modules.
_SHARED_PREFIXES = tuple(
    {_PACKAGE_DIR} | {os.path.join(sysconfig.get_paths()[key], "") for key in ("stdlib", "platstdlib")}
)

#: One inline call at a time in the whole process: os.environ, sys.path, sys.stdout and
#: sys.modules are the process's. Re-entrant, so a handler may invoke another function.
_LOCK = threading.RLock()
#: Every module an inline environment imported for itself (weakly held).
_ENVIRONMENT_MODULES: "weakref.WeakSet" = weakref.WeakSet()

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


class InlineModeWarning(UserWarning):
    """A place where an inline environment cannot behave as a real one (docs/debugging.md).

    ``difference`` names it: ``"tmp"``, ``"memory"``, ``"timeout"``, ``"serialised"`` or ``"exit"``.
    """

    def __init__(self, message: str, difference: Optional[str] = None) -> None:
        super().__init__(message)
        self.difference = difference


class _Exit(BaseException):
    """``os._exit()`` called by a handler in the test process: unwinds the handler instead."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class InlineEnvironments:
    """Makes the inline environments of one simulator and warns once per difference."""

    def __init__(self, *, region: str, workdir: str, passthrough_env: tuple) -> None:
        self.region = region
        self.workdir = workdir
        self._passthrough = passthrough_variables(passthrough_env)
        self._warned: Set[str] = set()
        self._warn_lock = threading.Lock()

    def create(self, config: FunctionConfig, code: CodePackage, version: str) -> "InlineEnvironment":
        """A new (cold) inline environment for one version of a function."""
        tmp_dir = tempfile.mkdtemp(prefix="inline-tmp-", dir=self.workdir)
        stream = log_stream_name(version, _clock.wall())
        sandbox = Sandbox(mode="inline", log_stream_name=stream, tmp_size_mb=config.ephemeral_storage, tmp_dir=tmp_dir)
        task_root = code.root
        env = environment_variables(
            function_name=config.function_name, version=version, runtime=config.runtime,
            handler=config.handler, memory_size=config.memory_size, region=self.region,
            task_root=task_root, log_group=config.log_group, log_stream=stream,
            user_variables=config.environment, passthrough=self._passthrough, tmp_dir=None,
        )
        spec = {
            "handler": config.handler,
            "runtime": config.runtime,
            "task_root": task_root,
            "env": env,
            "sys_path": python_path(config.runtime, config.environment, task_root),
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


class InlineEnvironment(ExecutionEnvironment):
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
        self._closed = False
        self._lock = threading.Lock()
        self._warn = warn
        self._handler: Optional[Callable] = None
        #: This environment's modules, by name, and what they displaced in sys.modules.
        self._modules: Dict[str, object] = {}
        self._displaced: Dict[str, object] = {}
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
        with _Call(self, initializing=True, pending=pending) as call:
            try:
                if init_failure is not None:
                    raise errors.InitError({
                        "errorMessage": init_failure.error_message, "errorType": init_failure.error_type,
                        "requestId": "", "stackTrace": [],
                    })
                self._handler = self._import()
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
                self._drop_modules()
                return call.reply(Outcome.TIMEOUT)
            self.initialized = True
            return call.reply(Outcome.READY, {"op": "ready", "maxrss_kb": _rss_kb()})

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
        with _Call(self, initializing=False, pending=pending) as call:
            logs.set_request_id(request_id)
            trace_id = header.get("trace_id")
            if trace_id:
                os.environ["_X_AMZN_TRACE_ID"] = trace_id
            else:
                os.environ.pop("_X_AMZN_TRACE_ID", None)
            try:
                event = marshal.decode_event(body)
                context = lambda_context.LambdaContext(
                    request_id, header.get("client_context"), header.get("cognito_identity"),
                    header["deadline_ms"], header["invoked_function_arn"], header.get("tenant_id"),
                )
                result = self._handler(event, context)
            except Exception as exc:
                return call.error(_error_document(exc, request_id), not utf8, deadline)
            except BaseException as exc:
                exited = call.exited(exc)
                if exited is None:
                    raise
                return exited
            try:
                payload = marshal.encode_result(result, ensure_ascii=not utf8)
            except Exception as exc:
                return call.error(errors.marshal_error_document(exc, request_id), not utf8, deadline)
            if call.late(deadline):
                return call.reply(Outcome.TIMEOUT)
            reply = {"op": "result", "maxrss_kb": _rss_kb()}
            if isinstance(result, bytes):
                reply["raw"] = True
            logs.set_request_id("")
            return call.reply(Outcome.RESULT, reply, payload)

    def reset(self) -> None:
        """What a timeout or crash does: the runtime's state (its modules) is gone; the sandbox stays."""
        self._drop_modules()
        self.initialized = False

    def close(self) -> None:
        """Give ``sys.modules`` back its displaced modules and release the sandbox."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.reset()
        self.sandbox.close()

    # --- modules ------------------------------------------------------------

    def _import(self) -> Callable:
        """Resolve the handler with its module (and its task root's modules) imported afresh."""
        task_root = self.spec["task_root"]
        modules = sys.modules
        top = self.spec["handler"].rsplit(".", 1)[0].replace("/", ".").split(".")[0]
        # The handler's own package, wherever the test process imported it from, is
        # imported afresh too (a new process would not have it).
        family = top not in sys.builtin_module_names
        evicted = {
            name: module for name, module in list(modules.items())
            if module in _ENVIRONMENT_MODULES or _owned_by(module, task_root)
            or (family and (name == top or name.startswith(top + ".")) and _user_code(module))
        }
        for name in evicted:
            del modules[name]
        before = set(modules)
        importlib.invalidate_caches()
        try:
            handler = errors.resolve_handler(self.spec["handler"])
        except BaseException:
            for name in set(modules) - before:
                if _owned_by(modules[name], task_root):
                    del modules[name]
            modules.update(evicted)
            raise
        mine = {name: modules[name] for name in set(modules) - before if _owned_by(modules[name], task_root)}
        for name, module in evicted.items():
            if name in mine:
                if module not in _ENVIRONMENT_MODULES:
                    self._displaced[name] = module
            elif name not in modules:
                modules[name] = module
        for module in mine.values():
            _ENVIRONMENT_MODULES.add(module)
        self._modules = mine
        return handler

    def _install_modules(self) -> None:
        """Make this environment's modules the ones ``sys.modules`` names (another environment may have run)."""
        modules = sys.modules
        for name, module in self._modules.items():
            current = modules.get(name)
            if current is module:
                continue
            if current is not None and current not in _ENVIRONMENT_MODULES and name not in self._displaced:
                self._displaced[name] = current
            modules[name] = module

    def _drop_modules(self) -> None:
        self._handler = None
        if not self._modules:
            return  # Nothing to give back: no need to wait for another thread's call.
        with _LOCK:
            modules = sys.modules
            for name, module in self._modules.items():
                if modules.get(name) is module:
                    original = self._displaced.get(name)
                    if original is None:
                        del modules[name]
                    else:
                        modules[name] = original
            self._modules = {}
            self._displaced = {}
            self._handler = None


class _Call:
    """One init or invoke: the process state swapped in, the output captured, the result as a ``Reply``."""

    def __init__(self, env: InlineEnvironment, *, initializing: bool, pending: List[tuple]) -> None:
        self.env = env
        self.initializing = initializing
        self.pending = pending
        self.debugged = False
        self.output = _Capture()

    def __enter__(self) -> "_Call":
        if not _LOCK.acquire(blocking=False):
            # Said before waiting: the wait may be long (another thread at a breakpoint).
            self.env._warn("serialised")
            _LOCK.acquire()
        try:
            self._swap_in()
        except BaseException:
            _LOCK.release()
            raise
        self.started = _clock.monotonic()
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self._swap_out()
        finally:
            _LOCK.release()
        for difference, details in self.pending:
            self.env._warn(difference, **details)

    # --- process state ------------------------------------------------------

    def _swap_in(self) -> None:
        env, spec = self.env, self.env.spec
        self.saved_environ = dict(os.environ)
        os.environ.clear()
        os.environ.update(env._environ)
        self.saved_path = list(sys.path)
        if env._sys_path is None:
            first = list(spec["sys_path"])
            env._sys_path = first + [entry for entry in _default_sys_path() if entry not in first]
            if "PYTHONPATH" not in os.environ:
                os.environ["PYTHONPATH"] = os.environ.get("LAMBDA_RUNTIME_DIR", "/var/runtime")
        sys.path[:] = env._sys_path
        try:
            self.saved_cwd: Optional[str] = os.getcwd()
        except OSError:
            self.saved_cwd = None
        try:
            os.chdir(spec["task_root"])
        except OSError:
            pass  # The code directory is gone; the import will say so.
        self.saved_argv = sys.argv
        sys.argv = ["/var/runtime/bootstrap.py"]
        self.saved_tempdir = tempfile.tempdir
        tempfile.tempdir = env.sandbox.tmp_dir
        self.saved_streams = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self.output
        root = logging.getLogger()
        self.saved_level = root.level
        self.saved_converter = logging.Formatter.converter
        root.setLevel(env._root_level)
        level = os.environ.get("AWS_LAMBDA_LOG_LEVEL") if self.initializing else None
        self.log_handler = logs.setup_logging(spec.get("log_format") or "Text", level, stream=self.output)
        self.saved_hook = sys.breakpointhook
        sys.breakpointhook = self._breakpoint
        self.saved_os_exit = os._exit
        os._exit = _os_exit_raiser(os.getpid(), self.saved_os_exit)
        env._install_modules()

    def _swap_out(self) -> None:
        env = self.env
        logs.set_request_id("")
        os._exit = self.saved_os_exit
        sys.breakpointhook = self.saved_hook
        root = logging.getLogger()
        root.removeHandler(self.log_handler)
        env._root_level = root.level
        root.setLevel(self.saved_level)
        logging.Formatter.converter = self.saved_converter
        sys.stdout, sys.stderr = self.saved_streams
        tempfile.tempdir = self.saved_tempdir
        sys.argv = self.saved_argv
        if self.saved_cwd is not None:
            try:
                os.chdir(self.saved_cwd)
            except OSError:
                pass
        env._sys_path = list(sys.path)
        sys.path[:] = self.saved_path
        env._environ = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.saved_environ)

    def _breakpoint(self, *args, **kwargs):
        """``breakpoint()`` in the handler: the debugger talks to the test's own streams.

        From here to the end of the invocation the handler's output goes there
        too (pytest suspends and resumes its capture around the debugger), and
        the timeout is not applied: time spent at the prompt is not the handler's.
        """
        self.debugged = True
        sys.stdout, sys.stderr = self.saved_streams
        me = sys._getframe()
        # The hook arms its debugger at its caller, this frame. Its lines must not stop
        # there: the debugger is moved to the handler's frame, where the prompt shows
        # the line after breakpoint().
        me.f_trace_lines = False
        # The test's PYTHONBREAKPOINT chooses the debugger, not the function's variables.
        choice = self.saved_environ.get("PYTHONBREAKPOINT")
        added = choice is not None and "PYTHONBREAKPOINT" not in os.environ
        if added:
            os.environ["PYTHONBREAKPOINT"] = choice
        try:
            answer = self.saved_hook(*args, **kwargs)
        finally:
            if added:
                os.environ.pop("PYTHONBREAKPOINT", None)
        debugger = getattr(sys.gettrace(), "__self__", None)
        if isinstance(debugger, bdb.Bdb):
            sys.settrace(None)
            me.f_trace = None
            debugger.set_trace(me.f_back)
        return answer

    # --- outcomes -----------------------------------------------------------

    def reply(self, outcome: Outcome, header: Optional[dict] = None, body: bytes = b"") -> Reply:
        _flush(self.output)
        seconds = _clock.monotonic() - self.started
        if outcome is Outcome.TIMEOUT:
            self.env.reset()
        return Reply(outcome, header or {}, body, self.output.getvalue(), seconds)

    def late(self, deadline: float) -> bool:
        """Whether the handler returned after its deadline (then it is a timeout, with a warning)."""
        if self.debugged or _clock.monotonic() <= deadline:
            return False
        self.pending.append(("timeout", {}))
        return True

    def error(self, doc: dict, ensure_ascii: bool, deadline: float) -> Reply:
        if self.late(deadline):
            return self.reply(Outcome.TIMEOUT)
        sys.stdout.write(errors.log_error_text(doc))
        logs.set_request_id("")
        return self.reply(Outcome.ERROR, {"op": "error", "error_type": doc["errorType"], "maxrss_kb": _rss_kb()},
                          errors.dumps_error(doc, ensure_ascii=ensure_ascii))

    def exited(self, exc: BaseException) -> Optional[Reply]:
        """The runtime "exits" (``sys.exit``, ``os._exit``, an uncaught ``BaseException``), as a process
        would; None for ``KeyboardInterrupt``, which stops the test run instead."""
        if isinstance(exc, KeyboardInterrupt):
            self.env.reset()
            return None
        if isinstance(exc, _Exit):
            code = exc.code
            self.pending.append(("exit", {"how": f"os._exit({code})", "detail": "os._exit() was intercepted: "
                                          "finally blocks and context managers of the handler did run"}))
        elif isinstance(exc, SystemExit):
            code = exc.code
            self.pending.append(("exit", {"how": f"sys.exit({code!r})", "detail": "atexit handlers did not run, "
                                          "threads the handler started keep running"}))
            if code is None:
                code = 0
            elif not isinstance(code, int):
                sys.stderr.write("%s\n" % (code,))
                code = 1
        else:
            # Uncaught and not an Exception: the interpreter prints it and exits with status 1.
            tb = exc.__traceback__.tb_next if exc.__traceback__ is not None else None
            traceback.print_exception(type(exc), exc, tb, file=sys.stderr)
            code = 1
        self.env.reset()
        reply = self.reply(Outcome.EXIT)
        reply.exit_status = (code & 0xFF) << 8
        return reply


class _Capture(io.TextIOBase):
    """``sys.stdout`` and ``sys.stderr`` of a call: one buffer, in the order written."""

    encoding = "utf-8"
    errors = "backslashreplace"

    def __init__(self) -> None:
        super().__init__()
        self._data = bytearray()
        self.buffer = _BinaryCapture(self._data)

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._data += text.encode("utf-8", "backslashreplace")
        return len(text)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def getvalue(self) -> bytes:
        return bytes(self._data)


class _BinaryCapture(io.RawIOBase):
    """``sys.stdout.buffer``: bytes into the same log."""

    def __init__(self, data: bytearray) -> None:
        super().__init__()
        self._data = data

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._data += bytes(data)
        return len(data)


_DEFAULT_SYS_PATH: Optional[List[str]] = None


def _default_sys_path() -> List[str]:
    """This interpreter's own ``sys.path``, as a runtime process starts with it (DESIGN §3.2).

    A real environment starts from the zygote's path: the interpreter started in ``/``
    without the test's ``PYTHONPATH``, so what the test process added (its rootdir,
    conftest directories, ``PYTHONPATH``) is not there. Asked once per process.
    """
    global _DEFAULT_SYS_PATH
    if _DEFAULT_SYS_PATH is None:
        import json
        import subprocess

        completed = subprocess.run(
            [sys.executable, "-c", "import json, sys; print(json.dumps(sys.path))"],
            cwd="/", env={"PYTHONUNBUFFERED": "1"}, capture_output=True, text=True, timeout=60, check=True,
        )
        _DEFAULT_SYS_PATH = [entry for entry in json.loads(completed.stdout) if entry]
    return _DEFAULT_SYS_PATH


def _os_exit_raiser(owner: int, real: Callable) -> Callable:
    def _exit(code: int) -> None:
        if os.getpid() != owner:
            real(code)  # A child the handler forked: a real exit.
        raise _Exit(code)

    return _exit


def _error_document(exc: Exception, request_id: str) -> dict:
    """The error document, its stack starting at the handler (not at this module's frame)."""
    tb = exc.__traceback__
    if tb is None or tb.tb_next is None:
        return errors.error_document(exc, request_id)
    exc.__traceback__ = tb.tb_next
    try:
        return errors.error_document(exc, request_id)
    finally:
        exc.__traceback__ = tb


def _module_paths(module: object) -> List[str]:
    """Where a module was loaded from: its file, or a namespace package's directories."""
    try:
        file = getattr(module, "__file__", None)
        if isinstance(file, str):
            return [file]
        if file is None:
            return [p for p in getattr(module, "__path__", ()) if isinstance(p, str)]
    except Exception:
        pass
    return []


def _user_code(module: object) -> bool:
    """Whether ``module`` is user code: loaded from a file that is neither the standard
    library, an installed package nor lambdasim (those are shared with the test process)."""
    paths = _module_paths(module)
    return bool(paths) and all(
        not path.startswith(_SHARED_PREFIXES) and not any(part in path for part in _INSTALLED) for path in paths
    )


def _owned_by(module: object, task_root: str) -> bool:
    """Whether ``module`` is the function's own code: user code loaded from under its task root."""
    prefix = os.path.join(task_root, "")
    return _user_code(module) and any(path.startswith(prefix) for path in _module_paths(module))


_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _rss_kb() -> int:
    """The test process's resident size now (what Max Memory Used reports inline)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_KB
    except (OSError, ValueError, IndexError):
        return 0


def _flush(stream) -> None:
    try:
        stream.flush()
    except Exception:
        pass


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside lambdasim."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level

"""One inline call (init or invoke): the process's state swapped in and back, the output captured.

A runtime process owns its ``os.environ``, ``sys.path``, working directory,
``sys.argv``, standard streams and root logger; an inline environment borrows
the test process's for the duration of one call (``Call`` is the context
manager), and keeps what the handler changed for its next call, as a warm
process keeps it. Calls are serialised by ``LOCK`` (re-entrant, so that a
handler may invoke another inline function). ``Call`` also turns how the call
ended into the ``Reply`` a process environment would give.
"""

from __future__ import annotations

import bdb
import io
import logging
import os
import sys
import tempfile
import threading
import traceback
from typing import TYPE_CHECKING, Callable, List, Optional

from . import _clock
from ._runtime import errors, logs
from ._sandbox._environment import Outcome, Reply

if TYPE_CHECKING:
    from ._inline import InlineEnvironment

#: One inline call at a time in the whole process: os.environ, sys.path, sys.stdout and
#: sys.modules are the process's. Re-entrant, so a handler may invoke another function.
LOCK = threading.RLock()
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
_PACKAGE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "")


class RuntimeExit(BaseException):
    """``os._exit()`` called by a handler in the test process: unwinds the handler instead."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class Call:
    """One init or invoke: the process state swapped in, the output captured, the result as a ``Reply``."""

    def __init__(self, env: "InlineEnvironment", *, initializing: bool, pending: List[tuple]) -> None:
        self.env = env
        self.initializing = initializing
        self.pending = pending
        self.debugged = False
        self.output = _Capture()

    def __enter__(self) -> "Call":
        if not LOCK.acquire(blocking=False):
            # Said before waiting: the wait may be long (another thread at a breakpoint).
            self.env._warn("serialised")
            LOCK.acquire()
        try:
            self._swap_in()
        except BaseException:
            LOCK.release()
            raise
        self.started = _clock.monotonic()
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self._swap_out()
        finally:
            LOCK.release()
        if exc_info[0] is None:  # A warning must not replace an exception on its way out.
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
        env.modules.install()

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

    def error(self, doc: dict, ensure_ascii: bool, deadline: float, exception: Optional[BaseException] = None) -> Reply:
        if self.late(deadline):
            return self.reply(Outcome.TIMEOUT)
        sys.stdout.write(errors.log_error_text(doc))
        logs.set_request_id("")
        header = {"op": "error", "error_type": doc["errorType"], "maxrss_kb": rss_kb(), "exception": exception}
        return self.reply(Outcome.ERROR, header, errors.dumps_error(doc, ensure_ascii=ensure_ascii))

    def exited(self, exc: BaseException) -> Optional[Reply]:
        """The runtime "exits" (``sys.exit``, ``os._exit``, an uncaught ``BaseException``), as a process
        would; None for ``KeyboardInterrupt``, which stops the test run instead."""
        if isinstance(exc, KeyboardInterrupt):
            self.env.reset()
            return None
        if isinstance(exc, RuntimeExit):
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
            # From the first frame that is not lambdasim's, as a runtime process prints it.
            tb = exc.__traceback__
            while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR):
                tb = tb.tb_next
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
        raise RuntimeExit(code)

    return _exit


def rss_kb() -> int:
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

"""The life of one runtime process, from the zygote's fork to its exit.

Standard library only. What the managed Python runtime does at start-up (spec
§0, §7, §8) happens here: enter the sandbox, take the function's environment
variables, build ``sys.path``, import the handler (init), then answer invoke
frames one at a time until the test process closes the channel.
"""

import hashlib
import importlib
import importlib.util
import os
import random
import resource
import select
import sys
import time

from . import context as lambda_context
from . import custom, errors, linux, logs, marshal, protocol

_ASCII_RUNTIMES = ("python3.9", "python3.10", "python3.11")
_poll, _POLLIN = select.poll, select.POLLIN
_RESULT_HEAD = b'{"op":"result","maxrss_kb":%d}'
_RAW_RESULT_HEAD = b'{"op":"result","maxrss_kb":%d,"raw":true}'


def run(spec, fds):
    """Run an environment; return the process exit code."""
    commands, control, log_fd = fds[0], fds[1], fds[2]
    os.setpgid(0, 0)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    new_sandbox = _enter_sandbox(spec["sandbox"], commands, control, fds[3:])
    if "bootstrap" in spec:
        # A custom runtime (provided.*): the process becomes its bootstrap, once
        # the test process holds its sandbox.
        if new_sandbox:
            _await_sandbox_held(commands)
        return custom.exec_bootstrap(spec, commands, control)
    _take_environment(spec)
    logs.setup_logging(spec.get("log_format") or "Text", os.environ.get("AWS_LAMBDA_LOG_LEVEL"))
    if new_sandbox:
        # The test process holds the new sandbox's namespaces before any of the
        # function's code runs (it did that while we set up the environment).
        _await_sandbox_held(commands)
    try:
        injected = spec.get("inject_init_error")
        if injected:
            # sim.faults.init_error: fail as a real init failure does.
            raise errors.InitError({"errorMessage": injected[1], "errorType": injected[0], "requestId": "", "stackTrace": []})
        handler = errors.resolve_handler(spec["handler"])
    except errors.InitError as failure:
        doc = failure.document
        ensure_ascii = spec["runtime"] in _ASCII_RUNTIMES
        import logging

        logging.warning(errors.INIT_WARNING)
        try:
            sys.stdout.write(_log_error(doc, ensure_ascii))
        except (ValueError, OSError):
            pass  # The module closed stdout while it was imported.
        _flush()
        protocol.write_frame(
            control, {"op": "init_error", "error_type": doc["errorType"]},
            errors.dumps_error(doc, ensure_ascii=ensure_ascii),
        )
        return 1
    _flush()
    protocol.write_frame(control, {"op": "ready", "maxrss_kb": _max_rss_kb()})
    _serve(commands, control, handler, spec["runtime"] not in _ASCII_RUNTIMES, spec.get("spin"))
    return 0


def _enter_sandbox(sandbox, commands, control, namespace_fds):
    """Enter the sandbox; return True when it is a new one, whose hand-over is under way."""
    if sandbox["mode"] != "namespace":
        return False
    staged = _stage_interpreter_paths(sandbox["staging_root"])
    if namespace_fds:
        linux.join_sandbox(*namespace_fds)
        for fd in namespace_fds:
            os.close(fd)
    else:
        for _, target in staged:
            os.makedirs(target, exist_ok=True)
        binds = list(sandbox.get("binds", ())) + staged
        layers, empty_dir = sandbox.get("layers", ()), sandbox.get("empty_dir")
        if sandbox.get("unshared"):
            # A spare of the zygote: the namespaces are made, only the mounts are left.
            linux.mount_sandbox(sandbox["tmp_size_mb"], binds, layers, empty_dir)
        else:
            linux.enter_new_sandbox(sandbox["tmp_size_mb"], binds, layers, empty_dir)
        _hand_over_sandbox(control)
    if staged:
        # Only when something moved: walking sys.modules touches every module
        # object, and in a fresh fork each touched page is a copy-on-write fault
        # (~0.3 ms of a cold start here).
        moved = dict(staged)
        sys.path[:] = [moved.get(entry, entry) for entry in sys.path]
        for mapping in _editable_mappings():
            for name, path in list(mapping.items()):
                mapping[name] = moved.get(path, path)
    return not namespace_fds


def interpreter_paths_under_tmp():
    """This interpreter's own directories under ``/tmp``: ``sys.path`` entries (say, a
    virtualenv's site-packages) and the packages of editable installs. The zygote
    computes them once, before it forks anything."""
    global _INTERPRETER_TMP_PATHS
    paths = list(sys.path)
    for mapping in _editable_mappings():
        paths.extend(mapping.values())
    _INTERPRETER_TMP_PATHS = [
        entry for entry in dict.fromkeys(paths)
        if isinstance(entry, str) and entry.startswith("/tmp/") and os.path.isdir(entry)
    ]
    return _INTERPRETER_TMP_PATHS


_INTERPRETER_TMP_PATHS = None


def warm_compiler():
    """Make what ``compile()`` makes on its first call in a process, before the zygote
    forks anything.

    Every ``compile()`` asks whether its source is an AST object, and the first one
    builds the AST node types to ask it: about 2 ms, more in a fresh fork. An
    interpreter whose start-up compiled nothing (a virtualenv's, usually) leaves
    that to the first handler imported from source, that is, to the Init Duration
    of every environment whose code has no ``.pyc`` yet (a test's new directory).
    """
    compile("", "<lambdasim>", "exec")


def _stage_interpreter_paths(staging_root):
    """Where the interpreter's directories under ``/tmp`` are bound, so the private ``/tmp``
    does not hide them."""
    paths = _INTERPRETER_TMP_PATHS if _INTERPRETER_TMP_PATHS is not None else interpreter_paths_under_tmp()
    return [
        (entry, os.path.join(staging_root, hashlib.sha256(entry.encode()).hexdigest()[:16]))
        for entry in paths
    ]


def _editable_mappings():
    """The package-to-directory maps of setuptools' editable-install finders."""
    for name, module in list(sys.modules.items()):
        if name.startswith("__editable__") and name.endswith("_finder"):
            mapping = getattr(module, "MAPPING", None)
            if isinstance(mapping, dict):
                yield mapping


def _hand_over_sandbox(control):
    # The test process opens this sandbox's namespaces: holding them keeps the
    # sandbox (and its /tmp) alive when this process is reset after a timeout
    # or crash. It answers "sandbox_held" (see _await_sandbox_held).
    protocol.write_frame(control, {"op": "sandbox"})


def _await_sandbox_held(commands):
    protocol.read_frame(commands)


def _take_environment(spec):
    os.chdir(spec["task_root"])
    os.environ.clear()
    os.environ.update(spec["env"])
    sys.argv = ["/var/runtime/bootstrap.py"]
    runtime_dirs = set(spec.get("drop_sys_path", ()))
    rest = [entry for entry in sys.path if entry and entry not in runtime_dirs]
    sys.path[:] = list(spec["sys_path"]) + rest
    if "PYTHONPATH" not in os.environ:
        os.environ["PYTHONPATH"] = os.environ.get("LAMBDA_RUNTIME_DIR", "/var/runtime")


def _serve(commands, control, handler, utf8, spin=None):
    encode_result = marshal.encode_result
    ensure_ascii = not utf8
    next_command = _poll()  # bound at import: a handler may patch select (eventlet removes poll)
    next_command.register(commands, _POLLIN)
    commands = open(commands, "rb", buffering=1 << 16)
    pause = protocol.PollPause()  # after polls that ran out, commands read without polling
    first = True  # the poll for the invoke that follows init: a miss there counts for nothing
    #: The second of the unsampled trace header set ahead for this invoke, if one was,
    #: and the context's variables, read ahead (both once the last invoke answered).
    trace_second = variables = None
    while True:
        if spin:
            if _poll_briefly(next_command, spin):
                pause.answered()
            elif not first:
                pause.missed()
        first = False
        try:
            header, body = protocol.read_frame(commands)
        except EOFError:
            return
        # The test process asks for the next command to be polled for, not slept
        # on, while it sends invokes back to back (see _sandbox/_environment.py).
        # After polls that ran out (say, the test process was waiting for this
        # CPU), a pause.
        spin = header.get("spin")
        if spin and pause.skip():
            spin = None
        request_id = header["request_id"]
        logs.set_request_id(request_id)
        # Lambda sends every invoke a trace header, unsampled unless tracing is Active;
        # the test process sends only sampled ones and the runtime makes the others
        # (usually ahead: see _trace_ahead).
        trace = header.get("trace_id")
        if trace is None and (trace_second is None or "now" in header or int(time.time()) != trace_second):
            trace = _unsampled_trace(header.get("now"))
        if trace is not None:
            _set_trace(trace)
        trace_second = None
        ahead, variables = variables, None
        crash = header.get("crash")
        if crash:
            _crash(crash)
        frozen = _freeze(header["now"]) if "now" in header else None
        try:
            event = marshal.decode_event(body)
            context = lambda_context.LambdaContext(
                request_id,
                header.get("client_context"),
                header.get("cognito_identity"),
                header["deadline_ms"],
                header["invoked_function_arn"],
                header.get("tenant_id"),
                ahead,
            )
            result = handler(event, context)
        except Exception as exc:
            if frozen is not None:
                frozen.stop()
            _send_error(control, errors.error_document(exc, request_id), ensure_ascii, log=True)
            continue
        if frozen is not None:
            frozen.stop()
        try:
            payload = encode_result(result, ensure_ascii)
        except Exception as exc:
            doc = errors.marshal_error_document(exc, request_id)
            _send_error(control, doc, ensure_ascii, log=True)
            continue
        _flush()
        if _background_work():
            reply = {"op": "result", "maxrss_kb": _max_rss_kb()}
            if isinstance(result, bytes):
                reply["raw"] = True
            reply["background"] = True
            if _first_answer_waiters:
                _answered()  # before the answer: the test process may stop us once it has it
            protocol.write_frame(control, reply, payload)
        else:
            # The reply header's JSON, written directly: the bytes protocol.pack's
            # encoder would produce for {"op": "result", "maxrss_kb": N[, "raw": true]}.
            head = _RAW_RESULT_HEAD if isinstance(result, bytes) else _RESULT_HEAD
            protocol.write_all(control, protocol.pack_encoded(head % _max_rss_kb(), payload))
            try:
                trace_second = _trace_ahead()
                variables = lambda_context._function_variables()
            except Exception:
                # A handler left os.environ unwritable (or unreadable): the next invoke
                # does it again, and fails there, as it would have without this.
                trace_second = variables = None
        logs.set_request_id("")
        if _first_answer_waiters:
            _answered()


def _poll_briefly(poller, seconds, _clock=time.clock_gettime, _monotonic=time.CLOCK_MONOTONIC):
    """Poll for the next command for up to ``seconds``, so that it is read without a
    wake-up; return whether it came. The real clock is bound here: a handler's
    freezegun cannot stop it."""
    until = _clock(_monotonic) + seconds
    for _ in range(_MAX_POLLS):
        if poller.poll(0):
            return True
        if _clock(_monotonic) >= until:
            return False
    return False


#: A bound on the polls of one wait, whatever the clock does (about 10 ms of polling,
#: the most ``LAMBDASIM_SPIN_US`` allows).
_MAX_POLLS = 20_000


def prepare_spare(interrupted=None):
    """What a spare does while it waits for a request: a rehearsal of an environment's
    start and first invoke, on stand-in data, paid ahead of the cold start.

    In a fresh fork, the first write to each page the parent left (and Python writes
    to every object it touches: reference counts) is a copy-on-write fault, and the
    first run of each piece of code misses every cache: decoding the request, taking
    the environment variables, setting up logging, importing the handler and running
    the first invoke cost about twice as much the first time as the second. The
    rehearsal takes those faults now. Nothing of it is kept: the stand-in variables
    are removed (the zygote's stay: coverage reads them after the request), the
    logging handler is removed, the stand-in module is forgotten.

    ``interrupted()`` is asked before each step: once a request is waiting, the rest
    of the rehearsal would only delay it. A failure here is the environment's
    business no more than the spare's: it is ignored.
    """
    for step in _REHEARSAL:
        if interrupted is not None and interrupted():
            return
        try:
            step()
        except Exception:  # noqa: BLE001 - a warm-up only
            pass


def _rehearse():
    """The whole rehearsal, its errors raised (for the tests)."""
    for step in _REHEARSAL:
        step()


#: The stand-in handler module's directory and name (``_rehearsal.py`` beside this file).
_REHEARSAL_DIR = os.path.dirname(os.path.abspath(__file__))
_REHEARSAL_MODULE = "_rehearsal"
_STAND_IN_VARIABLES = tuple("_LAMBDASIM_SPARE_%02d" % index for index in range(24))


def _rehearse_request():
    import json

    json.loads(json.dumps({"op": "fork", "id": 0, "spec": {
        "handler": "app.handler", "runtime": "python3.12", "task_root": _REHEARSAL_DIR,
        "env": dict.fromkeys(_STAND_IN_VARIABLES, "x" * 40), "sys_path": [_REHEARSAL_DIR] * 4,
        "sandbox": {"mode": "namespace", "tmp_size_mb": 512, "binds": [], "layers": []},
    }}).encode())


def _rehearse_environment():
    try:
        os.environ.update(dict.fromkeys(_STAND_IN_VARIABLES, "x" * 40))
    finally:
        for name in _STAND_IN_VARIABLES:
            os.environ.pop(name, None)


def _rehearse_logging():
    import io
    import logging

    logging.getLogger().removeHandler(logs.setup_logging("Text", None, stream=io.StringIO()))


def _rehearse_import():
    importlib.util.find_spec("_lambdasim_spare_probe")  # the search along sys.path, once
    finder = sys.path_importer_cache.pop(_REHEARSAL_DIR, None)  # the runtime package's own
    sys.path.insert(0, _REHEARSAL_DIR)
    try:
        importlib.import_module(_REHEARSAL_MODULE)
    finally:
        sys.path.remove(_REHEARSAL_DIR)
        sys.modules.pop(_REHEARSAL_MODULE, None)
        if finder is None:
            sys.path_importer_cache.pop(_REHEARSAL_DIR, None)
        else:
            sys.path_importer_cache[_REHEARSAL_DIR] = finder


def _rehearse_compile():
    # The first compile in a fork takes about a hundred copy-on-write faults (0.4 ms):
    # taken here, not by the import of a handler that has no .pyc yet.
    compile(_REHEARSAL_SOURCE, "<rehearsal>", "exec")


_REHEARSAL_SOURCE = "def handler(event, context):\n    return {'event': event, 'items': [1, 2.5, None]}\n"


def _rehearse_invoke():
    context = lambda_context.LambdaContext("rehearsal", None, None, 0, "arn:aws:lambda:::function:rehearsal")
    event = marshal.decode_event(b'{"key": [1, 2.5, "value", null, true]}')
    result = {"event": event, "function": context.function_name}
    protocol.pack_encoded(_RESULT_HEAD % _max_rss_kb(), marshal.encode_result(result, ensure_ascii=True))
    logs.set_request_id("rehearsal")
    logs.set_request_id("")
    _unsampled_trace(None)  # seeds this environment's trace ids
    _background_work()


_REHEARSAL = (
    _rehearse_request, _rehearse_environment, _rehearse_logging, _rehearse_import, _rehearse_compile, _rehearse_invoke,
)


#: What closes once the first invoke is answered: a spare's socket to the zygote.
_first_answer_waiters = []


def close_after_first_answer(channel):
    """Say ``answered`` on ``channel`` and close it once the first invoke is answered
    (it closes at exit or exec if none is). Saying it, not only closing: a process
    the handler forked may hold the socket open.

    An answer that leaves background work behind says it first, as the test
    process freezes (stops) such an environment once it has the answer.
    """
    stat = os.fstat(channel.fileno())
    _first_answer_waiters.append((channel, (stat.st_dev, stat.st_ino)))


def _answered():
    while _first_answer_waiters:
        channel, identity = _first_answer_waiters.pop()
        try:
            stat = os.fstat(channel.fileno())
        except OSError:
            stat = None
        if stat is None or (stat.st_dev, stat.st_ino) != identity:
            # The handler closed the descriptor (and may have reused its number):
            # neither write to it nor close it.
            channel.detach()
            continue
        try:
            channel.send(b"answered")
        except OSError:
            pass
        channel.close()


def _send_error(control, doc, ensure_ascii, log):
    if log:
        try:
            sys.stdout.write(_log_error(doc, ensure_ascii))
        except (ValueError, OSError):
            pass  # The handler closed stdout: the error goes unlogged, as its prints do.
    _flush()
    reply = {"op": "error", "error_type": doc["errorType"], "maxrss_kb": _max_rss_kb()}
    if _background_work():
        reply["background"] = True
        if _first_answer_waiters:
            _answered()  # before the answer: the test process may stop us once it has it
    protocol.write_frame(control, reply, errors.dumps_error(doc, ensure_ascii=ensure_ascii))
    logs.set_request_id("")
    if _first_answer_waiters:
        _answered()


def _flush():
    """Flush the handler's output; a handler may have closed stdout or stderr (that is its business)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (ValueError, OSError, AttributeError):
            pass


_trace_ids = None


def _unsampled_trace(now):
    """``Root=1-<time>-<24 hex>;Parent=<16 hex>;Sampled=0`` (spec §7.1), on the test's clock when given.

    One draw per header, not batches made ahead: the invoke that made a batch would
    pay for all of it.
    """
    global _trace_ids
    if _trace_ids is None:
        # Seeded here, after the fork: environments must not share a sequence.
        _trace_ids = random.Random(os.urandom(16))
    digits = _trace_ids.getrandbits(160).to_bytes(20, "big").hex()
    return "Root=1-%08x-%s;Parent=%s;Sampled=0" % (int(now or time.time()), digits[:24], digits[24:])


def _trace_ahead():
    """Set the next invoke's unsampled trace header now, while the test process reads
    this answer (the runtime would wait for it otherwise); return its second.

    The next invoke keeps it when it comes in the same second, without a trace
    header of its own or a simulated time. Only when no thread or child process
    of the handler's is left: nothing else can see the variable change early.
    """
    second = int(time.time())
    _set_trace(_unsampled_trace(second))
    return second


_Environ = type(os.environ)
_TRACE_KEY = b"_X_AMZN_TRACE_ID"


def _set_trace(value, _putenv=os.putenv):
    """``os.environ["_X_AMZN_TRACE_ID"] = value``, straight into the mapping's bytes and
    the process environment (what its ``__setitem__`` does, in three calls fewer), unless
    a handler has replaced ``os.environ``."""
    environ = os.environ
    data = getattr(environ, "_data", None) if type(environ) is _Environ else None
    if type(data) is not dict:
        environ["_X_AMZN_TRACE_ID"] = value
        return
    encoded = value.encode("utf-8", "surrogateescape")
    _putenv(_TRACE_KEY, encoded)
    data[_TRACE_KEY] = encoded


def _background_work():
    """Whether anything of the handler's may run after the answer: another thread, or a child process.

    The test process freezes the environment only then (a stop and a continue cost
    about 20 microseconds per invoke). Threads made outside ``threading`` and
    processes that left this process's children are not seen.
    """
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return True
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return True


def _log_error(doc, ensure_ascii):
    # JSON functions log errors as one JSON object (spec §2.4).
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT") == "JSON":
        return errors.log_error_json(doc, time.time(), ensure_ascii=ensure_ascii)
    return errors.log_error_text(doc)


def _crash(crash):
    """End this process as sim.faults.crash asked: by an exit code or a signal."""
    _flush()
    number = crash.get("signal")
    if number is not None:
        import signal

        if number not in (signal.SIGKILL, signal.SIGSTOP):  # those cannot be handled anyway
            signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(crash.get("exit_code") or 0)


def _freeze(now):
    """Show the handler the test's simulated time (it runs under freezegun when that is installed)."""
    try:
        import datetime

        import freezegun
    except ImportError:
        return None
    frozen = freezegun.freeze_time(datetime.datetime.fromtimestamp(now, datetime.timezone.utc), tick=True)
    frozen.start()
    return frozen


def _max_rss_kb():
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children)

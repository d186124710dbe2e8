"""Handlers for the core tests: each is small and does one observable thing."""

import decimal
import json
import logging
import os
import sys
import tempfile
import time
from collections import namedtuple

COUNTER = 0
Point = namedtuple("Point", "x y")


def echo(event, context):
    return event


def count(event, context):
    global COUNTER
    COUNTER += 1
    return {"count": COUNTER, "pid": os.getpid()}


def env(event, context):
    return dict(os.environ)


def path(event, context):
    return {"sys_path": sys.path, "cwd": os.getcwd()}


def context_info(event, context):
    return {
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "memory_limit_type": type(context.memory_limit_in_mb).__name__,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "identity_is_none": context.identity is None,
        "cognito_identity_id": context.identity.cognito_identity_id,
        "client_context_is_none": context.client_context is None,
        "client_custom": context.client_context.custom if context.client_context else None,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }


def write_tmp(event, context):
    with open("/tmp/" + event["name"], "w") as file:
        file.write(event["text"])
    return sorted(os.listdir("/tmp"))


def read_tmp(event, context):
    try:
        with open("/tmp/" + event["name"]) as file:
            return file.read()
    except FileNotFoundError:
        return None


def noisy(event, context):
    print("printed line")
    logging.getLogger().warning("a warning")
    logging.getLogger().info("an info that the default level drops")
    os.write(2, b"raw stderr\n")
    os.system("echo from a child process")
    return "done"


def fail(event, context):
    raise ValueError("handler fails")


def returns(event, context):
    kind = event["kind"]
    return {
        "none": None,
        "bytes": b"\x00raw bytes",
        "decimal": decimal.Decimal("1.10"),
        "nan": float("nan"),
        "namedtuple": Point(1, 2),
        "unicode": "h\u00e9llo",
        "set": {1},
    }[kind]


def sleep(event, context):
    print("starting wait")
    time.sleep(event.get("seconds", 10))
    print("done waiting")
    return "slept"


def exit_with(event, context):
    how = event["how"]
    if how == "exit0":
        sys.exit(0)
    if how == "exit1":
        sys.exit(1)
    if how == "exit_msg":
        sys.exit("goodbye")
    if how == "os_exit":
        os._exit(3)
    if how == "segfault":
        import ctypes

        ctypes.string_at(0)
    if how == "abort":
        os.abort()
    if how == "sigkill":
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
    return "no exit"


def big_response(event, context):
    return "x" * event["size"]


def remaining(event, context):
    return context.get_remaining_time_in_millis()


HOARD = []


def allocate(event, context):
    # Touch every page so the memory is resident, not just reserved.
    HOARD.append(bytearray(b"\1" * (event["mb"] * 1024 * 1024)))
    time.sleep(event.get("hold", 0))
    return len(HOARD)


def spawn_escapee(event, context):
    """Fork a child that leaves the environment's process group and sleeps on."""
    pid = os.fork()
    if pid == 0:
        os.setsid()
        time.sleep(60)
        os._exit(0)
    return pid


def ignore_sigterm_and_sleep(event, context):
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(event.get("seconds", 60))
    return "slept"


def stateful(event, context):
    """Count invokes in a global, keep a note in /tmp, and sleep when asked.

    The note's directory is ``tempfile.gettempdir()``: the private ``/tmp`` of a
    real environment, and in inline mode (which has no private ``/tmp``) the
    environment's stand-in, so the test leaves nothing in the host's ``/tmp``.
    """
    global COUNTER
    COUNTER += 1
    note_path = os.path.join(tempfile.gettempdir(), "note")
    if "note" in event:
        with open(note_path, "w") as file:
            file.write(event["note"])
    time.sleep(event.get("sleep", 0))
    try:
        with open(note_path) as file:
            note = file.read()
    except FileNotFoundError:
        note = None
    return {"count": COUNTER, "note": note, "pid": os.getpid()}


def now(event, context):
    import datetime

    return {"time": time.time(), "datetime": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "remaining_ms": context.get_remaining_time_in_millis()}


def interrupt(event, context):
    if event.get("signal") == "SIGTERM":
        import signal

        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    if event.get("base_exception"):
        raise GeneratorExit("not an Exception")
    raise KeyboardInterrupt

"""Handlers that misbehave on purpose: each attacks the simulator or its own environment.

The reliability tests (tests/test_reliability_handlers.py) check that the
simulator and the other environments keep working and that the results are Lambda's.
"""

import os
import signal
import sys
import time


def echo(event, context):
    return event


def spin(event, context):
    """An infinite loop that never yields."""
    while True:
        pass


def fork_and_exit(event, context):
    """Fork a child that leaves the process group and holds every inherited fd, then exit."""
    pid = os.fork()
    if pid == 0:
        os.setsid()
        time.sleep(120)
        os._exit(0)
    if event.get("exit") is not None:
        os._exit(event["exit"])
    return pid


def std_streams(event, context):
    """Close stdout and stderr (Python's objects and the fds under them), or print to them."""
    if event.get("close"):
        print("before closing")
        sys.stdout.close()
        sys.stderr.close()
        os.close(1)
        os.close(2)
        return "closed"
    try:
        print("after closing")
    except (ValueError, OSError) as error:
        return type(error).__name__
    return "printed"


def flood(event, context):
    """Write ``mb`` MiB to stdout through the file descriptor, without newlines."""
    chunk = b"x" * (1 << 20)
    for _ in range(event["mb"]):
        os.write(1, chunk)
    return event["mb"]


def flood_lines(event, context):
    """Write ``mb`` MiB to stdout as lines, through print()."""
    line = "y" * 1023
    for _ in range(event["mb"] * 1024):
        print(line)
    return event["mb"]


def ignore_signals(event, context):
    """Ignore every signal that can be ignored, then sleep or return."""
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGPIPE):
        signal.signal(number, signal.SIG_IGN)
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return "ignoring"


def new_session(event, context):
    """Leave the session (or fail to: the runtime leads its process group), and start a
    child in a session of its own; then sleep or return."""
    try:
        os.setsid()
    except OSError:
        pass
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        os.write(write_end, b"x")
        time.sleep(120)
        os._exit(0)
    os.read(read_end, 1)
    os.close(read_end)
    os.close(write_end)
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {"child": pid, "child_sid": os.getsid(pid), "pid": os.getpid()}


def close_all_fds(event, context):
    """Close every file descriptor above stderr: the runtime's own pipes too."""
    os.closerange(3, 65536)
    return "closed"


def kill_parent(event, context):
    """Signal the parent process: the zygote that forked this environment."""
    parent = os.getppid()
    try:
        os.kill(parent, event["signal"])
    except OSError as error:
        return {"parent": parent, "error": error.errno}
    time.sleep(event.get("sleep", 0))
    return {"parent": parent, "error": None}


def marked(event, context):
    """Print a marker naming the event, then return the event: logs show whose output is whose."""
    print("marker %s" % event["id"])
    return event


def background_writer(event, context):
    """Leave a child writing to stdout as fast as it can, for ever, and return at once."""
    pid = os.fork()
    if pid == 0:
        chunk = b"z" * 65536
        try:
            while True:
                os.write(1, chunk)
        finally:
            os._exit(0)
    return pid

"""Handlers for the inline mode's own tests: what only a handler in the test process can show."""

import logging
import os
import sys
import tempfile
import threading
import time

#: A new object at every import: tells a fresh import from a reused module.
TOKEN = object()
#: Set by tests through the module, as mock.patch would: gates, a simulator.
GATE = None
ENTERED = None
SIM = None


def fetch():
    return "real"


def uses_fetch(event, context):
    return fetch()


def identity(event, context):
    return {"pid": os.getpid(), "thread": threading.get_ident(), "token": id(TOKEN)}


def process_state(event, context):
    """What the handler sees of the process-wide state the inline mode swaps."""
    os.environ.update(event.get("set", {}))
    if event.get("log_level"):
        logging.getLogger().setLevel(event["log_level"])
    return {
        "cwd": os.getcwd(),
        "argv": sys.argv,
        "tempdir": tempfile.gettempdir(),
        "vars": {name: os.environ.get(name) for name in event.get("get", [])},
        "root_level": logging.getLogger().level,
    }


def wait_at_gate(event, context):
    ENTERED.set()
    GATE.wait(30)
    return "passed the gate"


def invoke_other(event, context):
    """Lambda calling Lambda, through the same simulator (re-entrant in inline mode)."""
    print("outer before")
    inner = SIM.invoke(event["function"], event["event"])
    print("outer after")
    return {"inner": inner.payload, "inner_logs": inner.logs}


def debug_me(event, context):
    answer = event["value"] * 2
    print("before the breakpoint")
    breakpoint()
    time.sleep(event.get("sleep", 0))
    return answer


def interrupted(event, context):
    raise KeyboardInterrupt

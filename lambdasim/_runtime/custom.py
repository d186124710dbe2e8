"""Start a custom runtime: find the ``bootstrap`` executable and become it.

Standard library only. Runs in the forked environment process after it has
entered its sandbox; from then on the process *is* the bootstrap (same pid,
process group, ``/tmp``, memory accounting), which talks to the test process
through the Runtime API at ``AWS_LAMBDA_RUNTIME_API``. The reply pipe stays
open across ``exec`` only so that the test process sees the runtime die.

Lookup order as Lambda's (spec/lambda-controlplane.md §8): ``bootstrap`` in the
task root, then ``/opt/bootstrap`` (from a layer). A candidate counts when it
exists and is not a directory; one that cannot be executed fails when it is
executed, with Go's wording for the error, as Lambda reports it.
"""

import json
import os

from . import protocol

ERROR_TYPE = "Runtime.InvalidEntrypoint"


def exec_bootstrap(spec, commands, control):
    """Replace this process with the bootstrap; return an exit code only if that fails."""
    task_root = spec["task_root"]
    os.chdir(task_root)
    candidates = spec["bootstrap"]
    path = next((c for c in candidates if os.path.exists(c) and not os.path.isdir(c)), None)
    if path is None:
        return _fail("Couldn't find valid bootstrap(s): [%s]" % " ".join(candidates), control)
    os.close(commands)
    os.set_inheritable(control, True)
    try:
        os.execve(path, [path], spec["env"])
    except OSError as error:
        return _fail("fork/exec %s: %s" % (path, _go_error_text(error)), control)


def _go_error_text(error):
    # Go prints errno texts in lower case ("permission denied", "exec format error").
    text = os.strerror(error.errno) if error.errno else str(error)
    return text[:1].lower() + text[1:]


def _fail(message, control):
    """Report an entry point that cannot start, as the platform does (an init error)."""
    os.write(1, ("Error: %s\n%s\n" % (message, ERROR_TYPE)).encode())
    document = {"errorType": ERROR_TYPE, "errorMessage": "Error: " + message}
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    protocol.write_frame(control, {"op": "init_error", "error_type": ERROR_TYPE}, body)
    return 1

"""What a runtime process is told at fork: its variables, ``sys.path`` and sandbox (spec §7, §8)."""

from __future__ import annotations

import os
import time
from typing import Mapping, Optional, Sequence

#: Harmless credentials so a handler can never reach real AWS with the developer's keys.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "ASIALAMBDASIMFAKEKEY",
    "AWS_SECRET_ACCESS_KEY": "lambdasim/fake/secret/access/key/not/valid00",
    "AWS_SESSION_TOKEN": "lambdasim-fake-session-token",
}

_RUNTIME_API = "169.254.100.1:9001"
_XRAY_HOST, _XRAY_PORT = "169.254.100.1", "2000"
_PATH = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
_LD_LIBRARY_PATH = (
    "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
)


def log_stream_name(version: str, now: float) -> str:
    """``YYYY/MM/DD/[<version>]<32 hex>``, dated on the (simulated) UTC clock."""
    day = time.strftime("%Y/%m/%d", time.gmtime(now))
    return f"{day}/[{version}]{os.urandom(16).hex()}"


def environment_variables(
    *,
    function_name: str,
    version: str,
    runtime: str,
    handler: str,
    memory_size: int,
    region: str,
    task_root: str,
    log_group: str,
    log_stream: str,
    user_variables: Optional[Mapping[str, str]],
    passthrough: Mapping[str, str],
    tmp_dir: Optional[str],
    service_variables: Optional[Mapping[str, str]] = None,
    lambda_endpoint: Optional[str] = None,
) -> dict:
    """The complete environment of a runtime process, built from nothing (spec §7.1).

    ``lambda_endpoint`` (a chaining server's URL) becomes ``AWS_ENDPOINT_URL_LAMBDA``,
    which boto3 honours; the function's own variables can still override it.
    """
    env = {
        "_HANDLER": handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_size),
        "AWS_LAMBDA_FUNCTION_VERSION": version,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_RUNTIME_API": _RUNTIME_API,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        **FAKE_CREDENTIALS,
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": f"{_XRAY_HOST}:{_XRAY_PORT}",
        "_AWS_XRAY_DAEMON_ADDRESS": _XRAY_HOST,
        "_AWS_XRAY_DAEMON_PORT": _XRAY_PORT,
        "LAMBDA_TASK_ROOT": task_root,
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "LANG": "en_US.UTF-8",
        "LD_LIBRARY_PATH": _LD_LIBRARY_PATH,
        "PATH": _PATH,
        "PWD": task_root,
        "SHLVL": "0",
        "TZ": ":UTC",
    }
    if _version_tuple(runtime) >= (3, 12):
        env["LC_CTYPE"] = "C.UTF-8"
    if runtime.startswith("provided"):
        # Not set for provided runtimes (spec/lambda-controlplane.md §2.4).
        del env["AWS_EXECUTION_ENV"]
    env.update(passthrough)
    if lambda_endpoint is not None:
        env["AWS_ENDPOINT_URL_LAMBDA"] = lambda_endpoint
    if tmp_dir is not None:
        # Without namespaces, /tmp cannot be private; TMPDIR points at the sandbox's.
        env["TMPDIR"] = tmp_dir
    if service_variables:
        # Set by the simulator (AWS endpoints of moto's server); the function's own variables win.
        env.update(service_variables)
    if user_variables:
        env.update(user_variables)
    return env


def python_path(
    runtime: str, user_variables: Optional[Mapping[str, str]], task_root: str,
    layer_roots: Optional[Sequence[str]] = None,
) -> list:
    """The entries the runtime puts before the interpreter's own ``sys.path`` (spec §8).

    ``layer_roots`` stand in for ``/opt`` where it cannot be private (no
    namespaces): each layer's directories, later layers first.
    """
    entries = [task_root]
    if user_variables and "PYTHONPATH" in user_variables:
        # The interpreter would have read PYTHONPATH at start-up; the zygote
        # started long before, so its entries are placed here instead.
        entries += [entry for entry in user_variables["PYTHONPATH"].split(":") if entry]
    else:
        major, minor = _version_tuple(runtime)
        site = f"python/lib/python{major}.{minor}/site-packages"
        if layer_roots is None:
            entries += [f"/opt/{site}", "/opt/python"]
        else:
            roots = list(reversed(layer_roots))
            entries += [os.path.join(root, site) for root in roots]
            entries += [os.path.join(root, "python") for root in roots]
    return entries


def bootstrap_candidates(task_root: str) -> list:
    """Where a custom runtime's executable is looked for, in Lambda's order (controlplane §8):
    the code's ``bootstrap``, then a layer's ``/opt/bootstrap``."""
    return [os.path.join(task_root, "bootstrap"), "/opt/bootstrap"]


def _version_tuple(runtime: str) -> tuple:
    try:
        major, minor = runtime[len("python"):].split(".")
        return int(major), int(minor)
    except ValueError:
        return (0, 0)


def passthrough_variables(names) -> dict:
    return {name: os.environ[name] for name in names if name in os.environ}

"""Handlers that use the literal path /tmp."""

import os
import time


def tmp(event, context):
    """Optionally write ``/tmp/<name>``, then crash, or wait until ``/tmp/<until>`` exists.

    Returns the file's text and the listing of /tmp.
    """
    path = "/tmp/" + event.get("name", "x")
    if "write" in event:
        with open(path, "w") as file:
            file.write(event["write"])
    if event.get("crash"):
        os._exit(1)
    if "until" in event:
        # The test creates this file through the environment's tmp_path.
        while not os.path.exists("/tmp/" + event["until"]):
            time.sleep(0.002)
    try:
        with open(path) as file:
            text = file.read()
    except FileNotFoundError:
        text = None
    return {"text": text, "listing": sorted(os.listdir("/tmp"))}


def fill(event, context):
    """Write 1 MB chunks to /tmp until the disk is full (or ``limit_mb``); free them again."""
    chunk = b"\1" * (1 << 20)
    written = 0
    fd = os.open("/tmp/fill", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        while written < event["limit_mb"] << 20:
            written += os.write(fd, chunk)
    except OSError as error:
        return {"errno": error.errno, "mb": written >> 20}
    finally:
        os.close(fd)
        os.remove("/tmp/fill")
    return {"errno": None, "mb": written >> 20}


def clear_tmp(event, context):
    """Empty /tmp, as handlers often do at start; refuse outside a private mount namespace."""
    import shutil

    if os.readlink("/proc/self/ns/mnt") == event["host_mount_namespace"]:
        return "refused: /tmp is the host's"
    for name in os.listdir("/tmp"):
        path = os.path.join("/tmp", name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.remove(path)
    return sorted(os.listdir("/tmp"))

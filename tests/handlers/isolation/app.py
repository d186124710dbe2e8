"""Handlers that look at what an environment can see and do: variables, identity, capabilities."""

import os
import resource


def environ(event, context):
    """The variables as Python sees them and as the process was started with (/proc/self/environ)."""
    with open("/proc/self/environ", "rb") as file:
        started = [entry.decode("utf-8", "replace") for entry in file.read().split(b"\0") if entry]
    return {"os_environ": dict(os.environ), "proc_environ": started}


def privileges(event, context):
    """Identity, capability sets and user namespace, and whether a hard limit can be raised
    (that needs CAP_SYS_RESOURCE in the initial user namespace)."""
    status = {}
    with open("/proc/self/status") as file:
        for line in file:
            key, _, value = line.partition(":")
            status[key] = value.strip()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard + 1))
        raised = True
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    except (ValueError, OSError):
        raised = False
    return {
        "uid": [os.getuid(), os.geteuid()], "gid": [os.getgid(), os.getegid()], "groups": os.getgroups(),
        "CapEff": status["CapEff"], "CapPrm": status["CapPrm"], "CapAmb": status["CapAmb"],
        "user_namespace": os.readlink("/proc/self/ns/user"), "raised_hard_limit": raised,
    }

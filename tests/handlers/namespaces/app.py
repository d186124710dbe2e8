"""Reports which user and mount namespaces the environment runs in."""

import os


def handler(event, context):
    return {kind: os.readlink(f"/proc/self/ns/{kind}") for kind in ("user", "mnt")}

"""The benchmark's holding handler: it stays busy until the benchmark lets it go.

It connects to the abstract Unix socket named in the event and waits for the
benchmark to close the connection, so the benchmark counts the environments
that are running at the same moment (each accepted connection is one) and
decides when they all return. Environments share the test's network
namespace, so the abstract socket reaches them.
"""

import socket


def handler(event, context):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(event.get("timeout", 60))
        connection.connect("\0" + event["socket"])
        connection.recv(1)
    return None

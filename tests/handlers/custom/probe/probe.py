"""A custom runtime for the tests, standard library only.

It speaks the Runtime API through raw sockets, so the tests see every response
byte for byte: each one is printed to the log as ``PROBE {"name": ..., "raw": ...}``.

Init: ``PROBE_INIT`` (a function environment variable) may ask to post an init
error (``init_error``), to exit with a code (``exit:3``) or to hang (``hang``).
Invoke: the event lists ``steps``, HTTP requests made in order (``{id}`` in a
path is the current request id); then ``exit`` ends the process with a code,
``allocate_mb`` takes memory, ``sleep`` waits, ``write`` creates that file and ``print`` is written to stdout. Without a step that answers,
the probe posts ``{"echo": <event>}`` as the response.
"""

import json
import os
import socket
import sys
import time

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
HOST, PORT = API.split(":")
BASE = "/2018-06-01/runtime"


def request(method, path, body=b"", headers=(), chunked=False):
    connection = socket.create_connection((HOST, int(PORT)))
    head = "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n" % (method, path, API)
    for name, value in headers:
        head += "%s: %s\r\n" % (name, value)
    if chunked:
        head += "Transfer-Encoding: chunked\r\n"
        half = len(body) // 2
        body = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:half], body[half:]) if part) + b"0\r\n\r\n"
    elif method == "POST":
        head += "Content-Length: %d\r\n" % len(body)
    connection.sendall(head.encode() + b"\r\n" + body)
    data = b""
    while True:
        chunk = connection.recv(1 << 16)
        if not chunk:
            break
        data += chunk
    connection.close()
    return data


def emit(name, raw):
    print("PROBE " + json.dumps({"name": name, "raw": raw.decode("latin-1")}), flush=True)


def body_of(raw):
    head, body = raw.split(b"\r\n\r\n", 1)
    if header(raw, "Transfer-Encoding") != "chunked":
        return body
    data = b""
    while True:
        size_line, body = body.split(b"\r\n", 1)
        size = int(size_line, 16)
        if not size:
            return data
        data, body = data + body[:size], body[size + 2:]


def header(raw, name):
    for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        key, _, value = line.partition(b": ")
        if key.lower() == name.lower().encode():
            return value.decode()
    return None


def run_steps(steps, request_id):
    answered = False
    for step in steps:
        path = step["path"].replace("{id}", request_id or "")
        body = step.get("body", "")
        body = body.encode() if isinstance(body, str) else b"x" * body["size"]
        raw = request(step.get("method", "POST"), BASE + path, body, step.get("headers", {}).items(), step.get("chunked", False))
        emit(step.get("name", path), raw)
        # Answered: the current invoke's response or error was taken (202, or 413 for one too large).
        answered = answered or (path.startswith("/invocation/") and raw.startswith((b"HTTP/1.1 202", b"HTTP/1.1 413")))
    return answered


def main():
    init = os.environ.get("PROBE_INIT", "")
    print("probe init", flush=True)
    if init == "init_error":
        body = os.environ.get("PROBE_INIT_BODY", '{"errorMessage": "no config", "errorType": "Runtime.ConfigMissing"}')
        kind = os.environ.get("PROBE_INIT_TYPE", "Runtime.ConfigMissing")
        emit("init_error", request("POST", BASE + "/init/error", body.encode(), [("Lambda-Runtime-Function-Error-Type", kind)]))
        if os.environ.get("PROBE_INIT_THEN") == "next":
            emit("next_after_init_error", request("GET", BASE + "/invocation/next"))
        sys.exit(1)
    if init.startswith("exit:"):
        sys.exit(int(init[5:]))
    if init == "hang":
        time.sleep(3600)
    for step in json.loads(os.environ.get("PROBE_INIT_STEPS", "[]")):
        run_steps([step], None)
    while True:
        raw = request("GET", BASE + "/invocation/next")
        emit("next", raw)
        request_id = header(raw, "Lambda-Runtime-Aws-Request-Id")
        event = json.loads(body_of(raw))
        if not isinstance(event, dict):
            event = {}
        answered = run_steps(event.get("steps", []), request_id)
        if "write" in event:
            with open(event["write"], "w") as file:
                file.write("written by the probe")
        if "print" in event:
            print(event["print"], flush=True)
        if "allocate_mb" in event:
            hold = bytearray(event["allocate_mb"] << 20)
            hold[::4096] = b"x" * len(hold[::4096])
        if "sleep" in event:
            time.sleep(event["sleep"])
        if "exit" in event:
            sys.exit(event["exit"])
        if not answered:
            body = json.dumps({"echo": event}).encode()
            emit("response", request("POST", BASE + "/invocation/%s/response" % request_id, body))
        if "after" in event:
            print(event["after"], flush=True)


main()

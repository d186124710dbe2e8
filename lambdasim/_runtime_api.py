"""The Lambda Runtime API (version 2018-06-01) that a custom runtime's ``bootstrap`` talks to.

One server per runtime process, on a loopback port of its own, so requests need
no other way to tell environments apart, and a killed runtime's leftover
connections can never reach its successor. It is an adapter: it turns the
runtime's HTTP calls into the same frames a Python runtime writes to its reply
pipe (``ready``, ``result``, ``error``, ``init_error``), written to a pipe the
environment polls, so the invoke path above it does not know which kind of
runtime answered.

Routes, status codes, bodies and the runtime state machine follow
spec/lambda-controlplane.md §8 and the Runtime Interface Emulator it cites:
state names and the "State transition from X to Y failed" wording are
Lambda's own. Every JSON body this server writes is compact and followed by a
newline, with ``Content-Type: application/json``, and headers and framing
follow Go's HTTP server, as Lambda's Go code writes them.
"""

from __future__ import annotations

import email.utils
import http.server
import json
import re
import socket
import threading
from typing import Callable, List, Optional

import attrs

from ._runtime.protocol import pack, write_all

#: Lambda's limit on a response body (``MaxPayloadSize``: 6 MiB + 100 bytes).
MAX_PAYLOAD = 6 * 1024 * 1024 + 100

_PREFIX = "/2018-06-01/runtime"
_INVOCATION = re.compile(r"/2018-06-01/runtime/invocation/([^/]*)/(response|error)")
#: Go's status texts (Python's differ across versions: 413 is "Content Too Large" in 3.13).
_REASONS = {
    200: "OK", 202: "Accepted", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 413: "Request Entity Too Large",
}
#: Go's server buffers this much of a body before it switches to chunked framing.
_CHUNKING_THRESHOLD = 2048
#: How long closing waits for each of the server's threads.
_JOIN_SECONDS = 2.0

# Runtime states, named as Lambda names them in its state-transition errors.
STARTED = "Started"
INIT_ERROR = "InitError"
READY = "Ready"
RUNNING = "Running"
RESPONSE_SENT = "RuntimeResponseSentState"
# The states a request asks for.
_TO_RESPONSE = "InvocationResponse"
_TO_ERROR = "InvocationErrorResponse"


@attrs.frozen
class Invocation:
    """One event for the runtime, with what ``/next`` tells about it."""

    request_id: str
    deadline_ms: int
    invoked_function_arn: str
    payload: bytes
    trace_id: Optional[str] = None
    client_context: Optional[str] = None
    cognito_identity: Optional[str] = None
    tenant_id: Optional[str] = None

    def headers(self) -> List[tuple]:
        """The ``/next`` headers; empty ones are left out, as Lambda does."""
        headers = [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", self.request_id),
            ("Lambda-Runtime-Aws-Tenant-Id", self.tenant_id),
            ("Lambda-Runtime-Client-Context", self.client_context),
            ("Lambda-Runtime-Cognito-Identity", self.cognito_identity),
            ("Lambda-Runtime-Deadline-Ms", str(self.deadline_ms)),
            ("Lambda-Runtime-Invoked-Function-Arn", self.invoked_function_arn),
            ("Lambda-Runtime-Trace-Id", self.trace_id),
        ]
        return [(name, value) for name, value in headers if value]


def _error_body(error_type: str, message: str) -> bytes:
    return _json({"errorMessage": message, "errorType": error_type})


def _json(document: dict) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode() + b"\n"


ACCEPTED = _json({"status": "OK"})
INVALID_REQUEST_ID = _error_body("InvalidRequestID", "Invalid request ID")
INVALID_RESPONSE_MODE = _error_body("InvalidFunctionResponseMode", "Invalid function response mode")
TOO_LARGE = _error_body(
    "RequestEntityTooLarge", f"Exceeded maximum allowed payload size ({MAX_PAYLOAD} bytes)."
)


def transition_error(current: str, wanted: str) -> bytes:
    """The 403 body for a call the runtime's state does not allow."""
    return _error_body(
        "InvalidStateTransition",
        f"State transition from {current} to {wanted} failed for runtime. Error: State transition is not allowed",
    )


class RuntimeApiServer:
    """The Runtime API of one runtime process.

    ``frames_fd`` is the write end of a pipe the environment reads: every
    state change the environment must know about is written there as one
    frame *before* the runtime gets its HTTP answer, so a runtime that exits
    right after its response cannot overtake it. ``peak_rss_kb`` tells the
    runtime process's memory for the frames.
    """

    def __init__(self, frames_fd: int, peak_rss_kb: Callable[[], int]) -> None:
        self._frames_fd = frames_fd
        self._peak_rss_kb = peak_rss_kb
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.address = "127.0.0.1:%d" % self._listener.getsockname()[1]
        self._cond = threading.Condition()
        self.state = STARTED
        self._current: Optional[Invocation] = None
        self._pending: Optional[Invocation] = None
        self._closed = False
        self._connections: List[socket.socket] = []
        self._threads: List[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, name="lambdasim-runtime-api", daemon=True)
        self._acceptor.start()

    # --- the environment's side ----------------------------------------------

    def deliver(self, invocation: Invocation) -> None:
        """Hand ``invocation`` to the runtime's (current or next) ``/next``."""
        with self._cond:
            self._pending = invocation
            self._cond.notify_all()

    def close(self) -> None:
        """Stop serving: end pending long polls, close every connection, join the threads."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify_all()
            connections = list(self._connections)
        _shutdown(self._listener)
        for connection in connections:
            _shutdown(connection)
        self._acceptor.join(_JOIN_SECONDS)
        with self._cond:
            threads = list(self._threads)
        for thread in threads:
            thread.join(_JOIN_SECONDS)
        self._listener.close()

    # --- serving -------------------------------------------------------------

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            with self._cond:
                if self._closed:
                    connection.close()
                    return
                thread = threading.Thread(
                    target=self._serve, args=(connection,), name="lambdasim-runtime-api-conn", daemon=True
                )
                self._connections.append(connection)
                self._threads = [t for t in self._threads if t.is_alive()]
                self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            _Handler(connection, connection.getpeername(), self)
        except Exception:
            # A malformed request (say, a bad Content-Length) ends its connection,
            # never the server, nor the test through an unhandled thread error.
            pass
        finally:
            with self._cond:
                if connection in self._connections:
                    self._connections.remove(connection)
            connection.close()

    def _frame(self, header: dict, body: bytes = b"") -> None:
        header["maxrss_kb"] = self._peak_rss_kb()
        try:
            write_all(self._frames_fd, pack(header, body))
        except OSError:
            pass  # The environment stopped listening: the process is being discarded.

    # --- the routes (called from connection threads) -------------------------

    def next_invocation(self) -> Optional[Invocation]:
        """``GET /invocation/next``: block until there is an event; None when closing.

        Raises ``_Refused`` when the state does not allow it.
        """
        with self._cond:
            if self.state == RUNNING:
                # A second /next while an invoke is outstanding gets the same
                # invoke again (what the emulator does; spec §8).
                return self._current
            if self.state == INIT_ERROR:
                raise _Refused(403, transition_error(self.state, READY))
            if self.state in (STARTED, RESPONSE_SENT):
                # The init phase, or the invoke phase, ends when the runtime
                # asks for its next event.
                self._frame({"op": "ready"})
            self.state = READY
            self._current = None
            while self._pending is None and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            self._current, self._pending = self._pending, None
            self.state = RUNNING
            return self._current

    def invocation_response(self, request_id: str, kind: str, body: bytes, error_type: str) -> tuple:
        """``POST /invocation/{id}/response`` or ``/error``: (status, body)."""
        with self._cond:
            if self._current is None or request_id != self._current.request_id:
                return 400, INVALID_REQUEST_ID
            wanted = _TO_RESPONSE if kind == "response" else _TO_ERROR
            if self.state != RUNNING:
                return 403, transition_error(self.state, wanted)
            self.state = RESPONSE_SENT
            if kind == "error":
                self._frame({"op": "error", "error_type": error_type}, body)
                return 202, ACCEPTED
            if len(body) > MAX_PAYLOAD:
                # The invoker gets Function.ResponseSizeTooLarge; only the
                # length matters there, so the rest of the body stays here.
                self._frame({"op": "result"}, body[: MAX_PAYLOAD + 1])
                return 413, TOO_LARGE
            self._frame({"op": "result"}, body)
            return 202, ACCEPTED

    def init_error(self, body: bytes, error_type: str) -> tuple:
        """``POST /init/error``: (status, body)."""
        with self._cond:
            if self.state != STARTED:
                return 403, transition_error(self.state, INIT_ERROR)
            self.state = INIT_ERROR
            self._frame({"op": "init_error", "error_type": error_type}, body)
            return 202, ACCEPTED


class _Refused(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class _Handler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; headers written in the sorted order Go's server uses."""

    protocol_version = "HTTP/1.1"
    server: RuntimeApiServer  # type: ignore[assignment]

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path == _PREFIX + "/invocation/next":
            try:
                invocation = self.server.next_invocation()
            except _Refused as refused:
                self._reply(refused.status, refused.body)
                return
            if invocation is None:
                self.close_connection = True
                return
            self._reply(200, invocation.payload, invocation.headers())
            return
        self._not_routed()

    def do_POST(self) -> None:  # noqa: N802
        body = self._body()
        if body is None:
            return
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type", "")
        if self.path == _PREFIX + "/init/error":
            self._reply(*self.server.init_error(body, error_type))
            return
        match = _INVOCATION.fullmatch(self.path)
        if match:
            request_id, kind = match.groups()
            mode = self.headers.get("Lambda-Runtime-Function-Response-Mode")
            if kind == "response" and mode is not None and mode != "streaming":
                self._reply(400, INVALID_RESPONSE_MODE)
                return
            self._reply(*self.server.invocation_response(request_id, kind, body, error_type))
            return
        self._not_routed()

    def _not_routed(self) -> None:
        path = self.path
        if path == _PREFIX + "/invocation/next" or path == _PREFIX + "/init/error" or _INVOCATION.fullmatch(path):
            # A known path with the other method: Go's router answers 405 with no body.
            self._reply(405, b"", content_type=None)
        else:
            self._reply(404, b"404 page not found\n", [
                ("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff"),
            ])

    def _body(self) -> Optional[bytes]:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    return None
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        if len(data) < length:
            self.close_connection = True
            return None
        return data

    def _reply(
        self, status: int, body: bytes, headers: Optional[List[tuple]] = None,
        content_type: Optional[str] = "application/json",
    ) -> None:
        """Write a response as Go's HTTP server does: the handler's headers in sorted
        order, then ``Date``, ``Content-Length`` (or chunked framing for a body over
        2 KB), and ``Connection: close`` when the request asked for it."""
        if headers is None:
            headers = [("Content-Type", content_type)] if content_type else []
        fields = sorted(headers, key=lambda field: field[0])
        fields.append(("Date", email.utils.formatdate(usegmt=True)))
        chunked = len(body) > _CHUNKING_THRESHOLD
        if not chunked:
            fields.append(("Content-Length", str(len(body))))
        if self.close_connection:
            fields.append(("Connection", "close"))
        if chunked:
            fields.append(("Transfer-Encoding", "chunked"))
            body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        phrase = _REASONS[status]
        head = f"HTTP/1.1 {status} {phrase}\r\n" + "".join(f"{name}: {value}\r\n" for name, value in fields)
        self.wfile.write(head.encode("latin-1") + b"\r\n" + body)
        self.wfile.flush()

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        """The runtime's requests are not the function's log."""


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


__all__ = ["Invocation", "MAX_PAYLOAD", "RuntimeApiServer"]

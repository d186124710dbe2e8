"""Lambda's REST API over HTTP: ``sim.serve()`` and ``lambdasim serve``.

The server is a thin HTTP/1.1 front for ``RestRouter``: it frames requests
(``Content-Length`` or ``Transfer-Encoding: chunked``), keeps connections alive,
and hands method, path, query, headers and body to the router, whose answer it
writes back unchanged. What an answer contains is the router's business; this
module only adds what the HTTP layer itself must decide:

- **Size limits before reading.** Lambda refuses an oversized request from its
  declared size: ``Invoke`` above 6,291,456 bytes, ``CreateFunction`` and
  ``UpdateFunctionCode`` above 69,905,067 bytes (a 50 MB zip in base64) answer
  413 ``RequestEntityTooLargeException`` ``Request must be smaller than N bytes
  for the <operation> operation``. Other requests are limited to 6,291,456 bytes
  (lambdasim's choice, docs/server.md). The body of a refused request is never
  buffered: it is read and thrown away (bounded), so a client that sends it
  whole still reads the answer, and then the connection closes. A client that
  sends ``Expect: 100-continue`` is refused before it sends the body.
- **Malformed requests** get the same JSON error shape as the service's errors
  (``x-amzn-ErrorType``, ``Type``, ``message``) instead of the stdlib's HTML page;
  which code each framing error gets is listed in docs/server.md.
- **Shutdown** is bounded: ``close()`` stops accepting, closes at once the
  connections that are not answering a request (idle keep-alive ones, and those
  whose request has not fully arrived: a stalled client must not hold shutdown
  up), waits (``shutdown_timeout``) for requests in progress, then cuts what is
  left, joins every thread and closes every socket.

Every connection has its own thread; a handler that calls Lambda back through
this server (chaining, ``chain=True``) is answered on another connection while
its own invoke waits.
"""

from __future__ import annotations

import http.server
import socket
import socketserver
import sys
import threading
import time
import traceback
import uuid
import warnings
from typing import Any, Dict, List, Optional, Set, TextIO, Tuple
from urllib.parse import urlsplit

from ._errors import InvalidRequestContentException, LambdaSimError, RequestTooLargeException, ServiceException
from ._rest import ROUTES, RestResponse, RestRouter, error_response

__all__ = ["DEFAULT_HOST", "DEFAULT_REQUEST_LIMIT", "REQUEST_LIMITS", "LambdaServer"]

DEFAULT_HOST = "127.0.0.1"
#: Largest request of an operation not listed in ``REQUEST_LIMITS`` (lambdasim's choice).
DEFAULT_REQUEST_LIMIT = 6_291_456
#: operation -> (the name AWS's message uses, the largest request body in bytes).
REQUEST_LIMITS: Dict[str, Tuple[str, int]] = {
    "Invoke": ("InvokeFunction", 6_291_456),
    "CreateFunction": ("CreateFunction", 69_905_067),
    "UpdateFunctionCode": ("UpdateFunctionCode", 69_905_067),
}
#: How much of a refused body is read and thrown away so that the client reads the 413.
_DISCARD_LIMIT = 2 * 69_905_067
#: Seconds without data after which discarding a refused body stops.
_DISCARD_IDLE = 1.0
#: Seconds an idle keep-alive connection (or a stalled request) is kept open.
_CONNECTION_TIMEOUT = 120.0
_MAX_LINE = 65536
#: Control characters (C0, DEL, C1) and the backslash, escaped in the request log: a request line
#: holding ESC sequences or a carriage return must not rewrite the terminal that shows the log.
_LOG_ESCAPES = {code: f"\\x{code:02x}" for code in [*range(0x20), *range(0x7F, 0xA0)]}
_LOG_ESCAPES[ord("\\")] = "\\\\"


class _ProtocolError(LambdaSimError):
    """A request the HTTP layer cannot take; ``code`` and ``status_code`` are set per instance."""

    message_key = "message"

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code


#: HTTP-level refusals of the stdlib's request parser: status -> error code.
_PROTOCOL_CODES = {
    400: "InvalidRequestContentException",
    413: "RequestEntityTooLargeException",
    414: "RequestURITooLong",
    431: "RequestHeaderFieldsTooLarge",
    501: "NotImplemented",
    505: "HTTPVersionNotSupported",
}


def _operation_limit(method: str, path: str, query: str) -> Tuple[Optional[str], int]:
    """The operation a request is for (as AWS's size message names it) and its size limit."""
    values = {}
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        values.setdefault(key, value)
    path = path.rstrip("/") or "/"
    for route in ROUTES:
        if route.match(method, path, values) is not None:
            name, limit = REQUEST_LIMITS.get(route.operation, (route.operation, DEFAULT_REQUEST_LIMIT))
            return name, limit
    return None, DEFAULT_REQUEST_LIMIT


def _too_large(operation: Optional[str], limit: int) -> RequestTooLargeException:
    where = f" for the {operation} operation" if operation else ""
    return RequestTooLargeException(f"Request must be smaller than {limit} bytes{where}")


class _Refused(Exception):
    """Raised while reading a request: answer ``error``, then close the connection."""

    def __init__(self, error: LambdaSimError, *, discard: int = 0) -> None:
        super().__init__(error.message)
        self.error = error
        #: Bytes of body still on the wire that are read and dropped before closing.
        self.discard = discard


class _RequestHandler(http.server.BaseHTTPRequestHandler):
    """One connection: reads requests one after another (keep-alive) and answers each from the router.

    Every method reaches the router (there are no ``do_<METHOD>`` methods), which
    names the operation or answers that none matches.
    """

    protocol_version = "HTTP/1.1"
    timeout = _CONNECTION_TIMEOUT
    server: "_HTTPServer"

    # --- the request loop -----------------------------------------------------

    def handle_one_request(self) -> None:
        self.requestline, self.command, self.request_version = "", "", self.default_request_version
        try:
            self.raw_requestline = self.rfile.readline(_MAX_LINE + 1)
        except OSError:  # timed out, reset, or cut by close()
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        try:
            if len(self.raw_requestline) > _MAX_LINE:
                self.send_error(414, f"The request line is longer than {_MAX_LINE} bytes")
                return
            if not self.parse_request():
                return
            if self.request_version == "HTTP/0.9":
                self.send_error(505, "HTTP/0.9 requests are not supported; send HTTP/1.1")
                return
            self._answer()
        finally:
            if self.server.closing:
                self.close_connection = True

    def handle_expect_100(self) -> bool:
        # A client that waits for "100 Continue" learns of a body it must not send before sending it.
        try:
            operation, limit = _operation_limit(self.command, *self._target())
            length = self._framing()
            if length is not None and length > limit:
                raise _Refused(_too_large(operation, limit))
        except _Refused as refused:
            self._refuse(refused)
            return False
        return super().handle_expect_100()

    def _answer(self) -> None:
        try:
            path, query = self._target()
            body = self._read_body(path, query)
        except _Refused as refused:
            self._refuse(refused)
            return
        # The request is whole: from here on close() waits for it (receiving one is not waited for).
        if not self.server.mark_busy(self.connection, True):
            self.close_connection = True  # close() has begun: the request is not started
            return
        try:
            try:
                response = self.server.router.handle(self.command, path, query, dict(self.headers.items()), body)
            except Exception as error:  # a bug: answer 500 and keep it for the test (server.errors)
                self.server.record_error(error)
                internal = ServiceException(f"lambdasim internal error: {type(error).__name__}: {error}")
                response = error_response(internal, str(uuid.uuid4()))
            self._send(response)
            self.wfile.flush()
        finally:
            self.server.mark_busy(self.connection, False)

    def _target(self) -> Tuple[str, str]:
        target = self.path
        if not target.startswith("/"):  # absolute-form: http://host:port/path?query
            try:
                parts = urlsplit(target)
            except ValueError as error:  # "http://[": an unclosed IPv6 host
                raise _Refused(_bad_request(f"Bad request target {target[:200]!r}: {error}")) from None
            return parts.path or "/", parts.query
        path, _, query = target.partition("?")
        return path, query

    # --- the body -------------------------------------------------------------

    def _read_body(self, path: str, query: str) -> bytes:
        operation, limit = _operation_limit(self.command, path, query)
        length = self._framing()
        if length is None:
            return self._read_chunked(operation, limit)
        if length > limit:
            raise _Refused(_too_large(operation, limit), discard=length)
        body = self.rfile.read(length)
        if len(body) < length:
            raise _Refused(_bad_request(
                f"The body ended after {len(body)} of the {length} bytes that Content-Length announced"
            ))
        return body

    def _framing(self) -> Optional[int]:
        """The body's declared length (``None``: chunked); framing the server does not take is ``_Refused``."""
        encodings = self.headers.get_all("Transfer-Encoding") or []
        lengths = self.headers.get_all("Content-Length") or []
        if encodings:
            coding = ",".join(encodings).strip().lower()
            if coding != "chunked":
                raise _Refused(_ProtocolError(
                    501, "NotImplemented",
                    f"Transfer-Encoding {coding!r} is not supported: send the body with Content-Length "
                    "or Transfer-Encoding: chunked",
                ))
            if lengths:
                raise _Refused(_bad_request(
                    "A request must not have both Content-Length and Transfer-Encoding (RFC 9112 §6.3)"
                ))
            return None
        if not lengths:
            return 0  # HTTP/1.1: a request without either header has no body
        if len(set(value.strip() for value in lengths)) > 1:
            raise _Refused(_bad_request(f"Conflicting Content-Length headers: {', '.join(lengths)}"))
        text = lengths[0].strip()
        if not text.isdigit() or not text.isascii():
            raise _Refused(_bad_request(
                f"Content-Length must be a non-negative decimal integer (got {lengths[0]!r})"
            ))
        digits = text.lstrip("0")
        # int() refuses more than 4,300 digits (Python 3.11+); so long a length is over every limit anyway.
        return int(digits or "0") if len(digits) <= 18 else 10**18

    def _read_chunked(self, operation: Optional[str], limit: int) -> bytes:
        parts: List[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(_MAX_LINE + 1)
            if not line.endswith(b"\n"):
                raise _Refused(_bad_request("The chunked body ended before its last chunk"))
            size_text = line.split(b";", 1)[0].strip()
            try:
                if not size_text or size_text.lstrip(b"0123456789abcdefABCDEF"):
                    raise ValueError(size_text)
                size = int(size_text, 16)
            except ValueError:
                raise _Refused(_bad_request(
                    f"Bad chunk size line {line[:80]!r}: expected hexadecimal digits"
                )) from None
            if size == 0:
                break
            total += size
            if total > limit:
                raise _Refused(_too_large(operation, limit), discard=_DISCARD_LIMIT)
            data = self.rfile.read(size)
            if len(data) < size or self.rfile.read(2) != b"\r\n":
                raise _Refused(_bad_request("A chunk of the chunked body is shorter than its size line says"))
            parts.append(data)
        while True:  # the trailer section ends with an empty line
            line = self.rfile.readline(_MAX_LINE + 1)
            if not line.endswith(b"\n"):
                raise _Refused(_bad_request("The chunked body ended inside its trailer section"))
            if line in (b"\r\n", b"\n"):
                return b"".join(parts)

    # --- answers --------------------------------------------------------------

    def _refuse(self, refused: _Refused) -> None:
        self.close_connection = True
        self._send(error_response(refused.error, str(uuid.uuid4())))
        if refused.discard:
            self._discard(refused.discard)

    def _discard(self, size: int) -> None:
        """Read and drop up to ``size`` bytes of a refused body, so the client can read the answer.

        Closing a socket with unread data makes the kernel send a reset, which
        can reach the client before it reads the 413.
        """
        left = min(size, _DISCARD_LIMIT)
        try:
            self.wfile.flush()
            self.connection.settimeout(_DISCARD_IDLE)
            while left > 0 and not self.server.closing:
                data = self.rfile.read1(min(left, 65536))
                if not data:
                    return
                left -= len(data)
        except OSError:
            return

    def send_error(self, code: int, message: Optional[str] = None, explain: Optional[str] = None) -> None:
        """Errors the stdlib's parser raises, in AWS's JSON shape; the connection closes after."""
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.1"  # so that the answer has a status line
        self.close_connection = True
        text = message or explain or http.server.BaseHTTPRequestHandler.responses.get(code, ("",))[0]
        error_code = _PROTOCOL_CODES.get(code, "InvalidRequestContentException" if code < 500 else "ServiceException")
        self._send(error_response(_ProtocolError(code, error_code, text), str(uuid.uuid4())))

    def _send(self, response: RestResponse) -> None:
        if self.server.closing:
            self.close_connection = True  # so that the client does not send another request on it
        self.send_response(response.status)
        headers = dict(response.headers)
        has_body = response.status not in (204, 304) and response.status >= 200
        if has_body and not any(name.lower() == "content-length" for name in headers):
            headers["Content-Length"] = str(len(response.body))
        for name, value in headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if has_body and self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    def version_string(self) -> str:
        return "lambdasim"

    def log_message(self, format: str, *args: Any) -> None:
        stream = self.server.log
        if stream is not None:
            message = (format % args).translate(_LOG_ESCAPES)
            stream.write(f"{self.address_string()} - [{self.log_date_time_string()}] {message}\n")
            stream.flush()


def _bad_request(message: str) -> InvalidRequestContentException:
    return InvalidRequestContentException(message)


class _HTTPServer(http.server.HTTPServer):
    """An HTTP server with a thread per connection that it tracks, so that ``close()`` can end them all."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: Tuple[str, int], router: RestRouter, log: Optional[TextIO]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.router = router
        self.log = log
        self.closing = False
        self.errors: List[BaseException] = []
        self._lock = threading.Lock()
        self._connections: Dict[socket.socket, bool] = {}  # socket -> busy
        self._threads: Set[threading.Thread] = set()
        super().__init__(address, _RequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (socket.getfqdn), which can stall on DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection, args=(request, client_address),
            name=f"lambdasim-http-{client_address[1]}", daemon=True,
        )
        with self._lock:
            if self.closing:
                self.shutdown_request(request)
                return
            self._connections[request] = False
            self._threads.add(thread)
        try:
            thread.start()
        except BaseException:  # no thread to be had: socketserver records the error and closes the socket
            with self._lock:
                self._connections.pop(request, None)
                self._threads.discard(thread)
            raise

    def _serve_connection(self, request: socket.socket, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception as error:
            if not isinstance(error, OSError):
                self.record_error(error)
        finally:
            with self._lock:
                self._connections.pop(request, None)
                self._threads.discard(threading.current_thread())
            self.shutdown_request(request)

    def mark_busy(self, connection: socket.socket, busy: bool) -> bool:
        """Mark a connection as answering a request (or not); False, and nothing marked, once closing."""
        with self._lock:
            if busy and self.closing:
                return False
            if connection in self._connections:
                self._connections[connection] = busy
            return True

    def record_error(self, error: BaseException) -> None:
        with self._lock:
            self.errors.append(error)
        if self.log is not None:
            traceback.print_exception(type(error), error, error.__traceback__, file=self.log)

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.record_error(sys.exc_info()[1] or RuntimeError("unknown error"))

    def cut_connections(self, *, busy: bool) -> None:
        """Shut down idle connections (and busy ones too when ``busy``); their threads then end."""
        with self._lock:
            chosen = [conn for conn, is_busy in self._connections.items() if busy or not is_busy]
        for connection in chosen:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def join_threads(self, deadline: float) -> List[threading.Thread]:
        """Wait for connection threads until ``deadline`` (monotonic); return those still alive."""
        while True:
            with self._lock:
                threads = list(self._threads)
            if not threads:
                return []
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                with self._lock:
                    return [thread for thread in self._threads if thread.is_alive()]


class LambdaServer:
    """A ``LambdaSim`` served over HTTP on ``host:port`` (``port=0`` picks a free port).

    Made by ``sim.serve()``; a context manager, or call ``close()``. ``url`` is
    what to give boto3 (``endpoint_url=``) or the AWS CLI (``--endpoint-url``).
    With ``chain=True``, environments the simulator starts while the server runs
    get ``AWS_ENDPOINT_URL_LAMBDA=<url>``, so a handler's own boto3 Lambda
    client calls this simulator (docs/server.md, "Chaining").

    ``errors`` lists exceptions the server hit while answering (bugs in
    lambdasim; each was answered with a 500). ``log`` (a text stream) gets one
    line per request. ``shutdown_timeout`` bounds how long ``close()`` waits for
    requests in progress before it cuts their connections.
    """

    def __init__(
        self,
        sim: Any,
        host: str = DEFAULT_HOST,
        port: int = 0,
        *,
        chain: bool = False,
        log: Optional[TextIO] = None,
        shutdown_timeout: float = 10.0,
    ) -> None:
        self.sim = sim
        self.shutdown_timeout = shutdown_timeout
        self._httpd = _HTTPServer((host, port), RestRouter(sim), log)
        self.host = str(self._httpd.server_address[0])
        self.port = int(self._httpd.server_address[1])
        self.url = f"http://{_url_host(self.host)}:{self.port}"
        self._closed = False
        self._chain = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
            name=f"lambdasim-http-server-{self.port}", daemon=True,
        )
        self._thread.start()
        if chain:
            try:
                sim._set_lambda_endpoint(self.chain_url)
            except BaseException:
                self.close()
                raise
            self._chain = True

    @property
    def chain_url(self) -> str:
        """The URL a handler inside an environment uses: a wildcard address becomes loopback."""
        host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        return f"http://{_url_host(host)}:{self.port}"

    @property
    def chain(self) -> bool:
        """Whether environments get ``AWS_ENDPOINT_URL_LAMBDA`` pointing here."""
        return self._chain

    @property
    def errors(self) -> List[BaseException]:
        with self._httpd._lock:
            return list(self._httpd.errors)

    def __enter__(self) -> "LambdaServer":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving: refuse new connections, finish or cut requests in progress, join every thread."""
        if self._closed:
            return
        self._closed = True
        httpd = self._httpd
        if self._chain:
            self._chain = False
            self.sim._set_lambda_endpoint(None)
        httpd.shutdown()  # serve_forever returns within its poll interval
        self._thread.join(self.shutdown_timeout)
        with httpd._lock:
            httpd.closing = True
        httpd.server_close()
        httpd.cut_connections(busy=False)
        left = httpd.join_threads(time.monotonic() + self.shutdown_timeout)
        if left:
            httpd.cut_connections(busy=True)
            left = httpd.join_threads(time.monotonic() + 1.0)
            warnings.warn(
                f"lambdasim: {self.url}: requests still running after {self.shutdown_timeout} s were cut off "
                "(LambdaServer(shutdown_timeout=...) sets the wait)",
                RuntimeWarning, stacklevel=2,
            )

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            warnings.warn(f"unclosed {self!r}: call close() or use 'with sim.serve()'", ResourceWarning)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "serving"
        return f"<LambdaServer {self.url} {state}{' chain' if self._chain else ''}>"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host

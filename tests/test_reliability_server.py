"""Bad input over real sockets: ``sim.serve()`` fuzzed with hypothesis, its limits, and its shutdown.

Every request, however malformed, gets well-formed HTTP answers whose errors have
AWS's shape (``x-amzn-ErrorType``, a JSON body with a message), or a closed
connection: never a hang (every socket has a timeout), never a 500 (a bug, which
the server keeps in ``server.errors``), and the server goes on answering valid
requests. Example counts are modest so the suite stays fast; LAMBDASIM_HEAVY=1
runs 20 times as many with a random seed. See docs/reliability.md.
"""

import http.client
import io
import json
import os
import re
import socket
import threading
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import BASIC
from lambdasim import LambdaServer, LambdaSim
from lambdasim._rest import ROUTES

HEAVY = 20 if os.environ.get("LAMBDASIM_HEAVY") else 1
#: Seconds a socket waits for the server: far above any answer, so reaching it means a hang.
HANG = 30.0
INVOKE_LIMIT = 6291456
CODE_LIMIT = 69905067
#: The function the liveness check invokes; the fuzzed requests never name it.
ALIVE = "alive-after-fuzzing"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _settings(examples):
    return settings(
        max_examples=examples * HEAVY, deadline=None, derandomize=not os.environ.get("LAMBDASIM_HEAVY"),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="module")
def served(zygote):
    """One simulator and server for all fuzz examples (a server per example would dominate the run time)."""
    with LambdaSim(zygote=zygote) as sim:
        sim.create_function(ALIVE, handler="app.echo", code=str(BASIC))
        sim.create_function("echo", handler="app.echo", code=str(BASIC))
        log = io.StringIO()
        with sim.serve(log=log) as server:
            yield server, log
        assert server.errors == []


# --- talking to the server ------------------------------------------------------


def exchange(server, raw):
    """Send ``raw`` on a new connection, then read until the server closes it.

    The client then says it has sent everything (``SHUT_WR``), so a request that
    announced more body than it sent is answered instead of waited for. Returns
    the bytes read and whether the connection ended in a reset (the server closed
    with request bytes unread), which may cost the end of an answer.
    A socket timeout is a hang and fails the test.
    """
    chunks, reset = [], False
    with socket.create_connection((server.host, server.port), timeout=HANG) as sock:
        try:
            sock.sendall(raw)
            sock.shutdown(socket.SHUT_WR)
        except socket.timeout:
            pytest.fail(f"the server stopped reading within {HANG} s: {raw[:300]!r}")
        except OSError:  # EPIPE, ECONNRESET, ENOTCONN: the server answered and closed before taking all of it
            reset = True
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                return b"".join(chunks), True
            except socket.timeout:
                pytest.fail(f"the server neither answered nor closed within {HANG} s: {raw[:300]!r}")
            if not data:
                return b"".join(chunks), reset
            chunks.append(data)


def split_answers(data, method, *, reset=False):
    """The answers in ``data``, each ``(status, headers, body)``; fails on anything that is not HTTP/1.1.

    ``method`` is the first request's (a HEAD's answer has no body); after a reset a
    cut-off last answer is dropped.
    """
    answers = []
    while data:
        head, separator, rest = data.partition(b"\r\n\r\n")
        if not separator:
            assert reset, f"an answer cut off: {data[:300]!r}"
            break
        status_line, *lines = head.decode("latin-1").split("\r\n")
        version, status, _reason = (status_line.split(" ", 2) + [""])[:3]
        assert version == "HTTP/1.1" and status.isdigit() and len(status) == 3, status_line
        headers = {}
        for line in lines:
            name, colon, value = line.partition(": ")
            assert colon and name and "\n" not in value and "\r" not in value, line
            headers[name.lower()] = value
        status = int(status)
        # The answer to a HEAD has no body, unless the server refused the request line before it saw the method.
        if status < 200 or status in (204, 304) or (method == "HEAD" and (not rest or rest.startswith(b"HTTP/1.1 "))):
            body = b""
        else:
            length = int(headers["content-length"])
            body, rest = rest[:length], rest[length:]
            if len(body) < length:
                assert reset, f"an answer's body cut off: {data[:300]!r}"
                break
        answers.append((status, headers, body))
        method, data = None, rest
    return answers


def check_aws_shaped(answers, method):
    """Each answer is a Lambda answer: never a 500; errors carry x-amzn-ErrorType and a JSON message."""
    for status, headers, body in answers:
        assert 100 <= status < 600 and status != 500, (status, headers, body)
        if status < 200:
            continue
        assert headers.get("x-amzn-requestid"), headers
        if status >= 400:
            assert headers.get("x-amzn-errortype"), headers
            if body or method != "HEAD":
                document = json.loads(body)
                assert isinstance(document.get("message", document.get("Message")), str), document
        method = None


def check_still_serving(server, known_errors):
    """A valid invoke is answered, and the example added no error to ``server.errors`` (a bug, answered 500)."""
    assert server.errors[known_errors:] == []
    connection = http.client.HTTPConnection(server.host, server.port, timeout=HANG)
    try:
        connection.request("POST", f"/2015-03-31/functions/{ALIVE}/invocations", body=b'{"alive": true}')
        answer = connection.getresponse()
        assert (answer.status, json.loads(answer.read())) == (200, {"alive": True})
    finally:
        connection.close()


def check_log(log, start):
    """The request log since ``start``: one line per answer, no control character a terminal would act on."""
    text = log.getvalue()[start:]
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) >= 2, text  # at least the liveness check's line
    for line in lines[:-1]:
        assert line.startswith("127.0.0.1 - [") and not CONTROL.search(line), line


# --- strategies -------------------------------------------------------------------

latin1 = st.text(st.characters(max_codepoint=255), max_size=30)
labels = st.one_of(
    st.sampled_from([
        "echo", "nope", "echo:1", "echo:$LATEST", "arn:aws:lambda:us-east-1:123456789012:function:echo",
        "123456789012:function:echo", "", "..", "%", "%zz", "%00", "a" * 300, "\u00e9",
    ]),
    st.text(max_size=40),
)
templates = [route.template.split("?")[0] for route in ROUTES]
lambda_paths = st.builds(
    lambda template, label, encode: template.replace(
        "{FunctionName}", quote(label, safe="") if encode else label
    ).replace("{Qualifier}", "1").replace("{Name}", label).replace("{LayerName}", label).replace(
        "{Arn}", label).replace("{Resource}", label).replace("{UUID}", label),
    st.sampled_from(templates), labels, st.booleans(),
)
queries = st.one_of(
    st.just(""),
    st.lists(
        st.tuples(st.sampled_from(["Qualifier", "MaxItems", "Marker", "FunctionVersion", "find", "x", ""]),
                  st.text(max_size=20)),
        max_size=3,
    ).map(lambda pairs: "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)),
    latin1.map(lambda text: "?" + text),
)
targets = st.one_of(
    st.builds(lambda path, query: path + query, lambda_paths, queries),
    st.builds(lambda path, query: "http://127.0.0.1" + path + query, lambda_paths, queries),
    st.sampled_from(["*", "/", "", "http://[::1/2015-03-31/functions", "http://[", "//x", "/?", "/%"]),
    latin1,
)
methods = st.one_of(
    st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "get"]),
    st.text(st.characters(min_codepoint=33, max_codepoint=255), min_size=1, max_size=10),
)
versions = st.one_of(
    st.sampled_from(["HTTP/1.1"] * 6 + ["HTTP/1.0", "HTTP/2.0", "HTTP/0.9", "HTTP/1.1x", "HTTP/1", "http/1.1",
                                        "HTTP/1.99999999999", "", "HTTP/x.y"]),
    latin1,
)
json_documents = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=10,
)
bodies = st.one_of(
    st.binary(max_size=300),
    json_documents.map(lambda document: json.dumps(document).encode()),
    st.just(b""),
)
#: Content-Length values: "right" is replaced by the body's length.
content_lengths = st.one_of(
    st.just("right"), st.just("right"),
    st.integers(0, 400).map(str),
    st.integers(0, 10**20).map(str),
    st.integers(-(10**6), -1).map(str),
    st.sampled_from(["9" * 5000, "0" * 5000 + "1", "\u00b2", "\u00b9\u00b2", "1e3", "0x10", "+5", " 5 ", "5, 5",
                     "", "abc", str(INVOKE_LIMIT + 1), str(CODE_LIMIT + 1), str(2**64)]),
    latin1,
)
transfer_encodings = st.one_of(
    st.sampled_from(["chunked", "Chunked", " chunked ", "gzip", "gzip, chunked", "chunked, gzip", "identity", "",
                     "chunked, chunked", "chunked;q=1"]),
    latin1,
)
other_headers = st.tuples(
    st.one_of(
        st.sampled_from(["X-Amz-Invocation-Type", "X-Amz-Log-Type", "X-Amz-Client-Context", "Content-Type",
                         "Connection", "Host", "Expect", "X-Amz-Tenant-Id", "Upgrade"]),
        st.text(st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters=":"), min_size=1, max_size=12),
    ),
    st.one_of(
        st.sampled_from(["RequestResponse", "Event", "DryRun", "Tail", "None", "close", "keep-alive",
                         "100-continue", "application/json", "h2c"]),
        latin1,
    ),
)


def _chunked(body, cuts, bad):
    """``body`` as chunks cut at ``cuts``; ``bad`` spoils the framing one way or another."""
    points = sorted({0, len(body), *(cut % (len(body) + 1) for cut in cuts)})
    chunks = [body[a:b] for a, b in zip(points, points[1:])]
    framed = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks)
    ending = b"0\r\n\r\n"
    spoilers = {
        "none": framed + ending,
        "extension": b"".join(b"%x;name=value\r\n%s\r\n" % (len(c), c) for c in chunks) + ending,
        "trailer": framed + b"0\r\nX-Trailer: 1\r\n\r\n",
        "no end": framed,
        "size too big": b"%x\r\n%s\r\n" % (len(body) + 7, body) + ending,
        "size not hex": b"zz\r\n" + body + b"\r\n" + ending,
        "negative size": b"-5\r\n" + body + b"\r\n" + ending,
        "huge size": b"ffffffffffffffffffff\r\n" + body[:10],
        "many digits": b"1" * 200 + b"\r\n" + body,
        "no crlf after data": b"%x\r\n%sXY" % (len(body), body) + ending,
        "0x prefix": b"0x%x\r\n%s\r\n" % (len(body), body) + ending,
        "bare lf": framed.replace(b"\r\n", b"\n") + b"0\n\n",
    }
    return spoilers[bad]


@st.composite
def http_requests(draw):
    """A request as bytes, and its method: Lambda's paths and random ones, any headers, any framing."""
    method, target, version = draw(methods), draw(targets), draw(versions)
    body = draw(bodies)
    header_list = draw(st.lists(other_headers, max_size=4))
    framing = draw(st.sampled_from(["content-length", "content-length", "chunked", "both", "none", "two lengths"]))
    if framing in ("content-length", "both", "two lengths"):
        for _ in range(2 if framing == "two lengths" else 1):
            value = draw(content_lengths)
            header_list.append(("Content-Length", str(len(body)) if value == "right" else value))
    if framing in ("chunked", "both"):
        header_list.append(("Transfer-Encoding", draw(transfer_encodings)))
        body = _chunked(body, draw(st.lists(st.integers(0, 400), max_size=4)), draw(st.sampled_from([
            "none", "none", "none", "extension", "trailer", "no end", "size too big", "size not hex",
            "negative size", "huge size", "many digits", "no crlf after data", "0x prefix", "bare lf",
        ])))
    header_list = draw(st.permutations(header_list))
    line = " ".join(part for part in (method, target, version) if part or part is target)
    head = line + "\r\n" + "".join(f"{name}: {value}\r\n" for name, value in header_list) + "\r\n"
    return head.encode("latin-1", "replace") + body, method


# --- fuzzing ------------------------------------------------------------------------


@_settings(250)
@example(request=(b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nContent-Length: " + b"9" * 5000
                  + b"\r\n\r\n{}", "POST"))  # was an internal error: int() refuses over 4,300 digits
@example(request=(b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nExpect: 100-continue\r\n"
                  b"Content-Length: \xb2\r\n\r\n{}", "POST"))  # was an internal error: a digit int() refuses
@example(request=(b"GET http://[/ HTTP/1.1\r\n\r\n", "GET"))  # was an internal error: urlsplit raised
@given(request=http_requests())
def test_any_http_request_gets_aws_shaped_answers_or_a_closed_connection(served, request):
    server, log = served
    raw, method = request
    known, logged = len(server.errors), log.tell()
    data, reset = exchange(server, raw)
    check_aws_shaped(split_answers(data, method, reset=reset), method)
    check_still_serving(server, known)
    check_log(log, logged)


@_settings(100)
@example(garbage=b"\r\n\r\n")
@example(garbage=b"GET /\x1b[2J\x1b[1;1Hfake\rlog line HTTP/1.1\r\n\r\n")  # was logged raw, escapes and all
@example(garbage=b"GARBAGE\r\n\r\n")
@example(garbage=b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # a TLS ClientHello on the plain port
@example(garbage=b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n")  # too many headers
@example(garbage=b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n")  # a request line too long
@example(garbage=b"GET / HTTP/1.1\r\nX: " + b"y" * 70000 + b"\r\n\r\n")  # a header line too long
@example(garbage=b"GET / HTTP/1.1\r\n folded: header\r\n\r\n")
@example(garbage=b"GET / HTTP/1.1\r\nno colon here\r\nContent-Length: 2\r\n\r\n{}")
@given(garbage=st.one_of(
    st.binary(max_size=400),
    st.builds(lambda line, rest: line + b"\r\n" + rest, st.binary(max_size=80), st.binary(max_size=200)),
    st.lists(st.binary(max_size=30), max_size=8).map(b"\r\n".join),
))
def test_raw_garbage_gets_aws_shaped_answers_or_a_closed_connection(served, garbage):
    server, log = served
    known, logged = len(server.errors), log.tell()
    data, reset = exchange(server, garbage)
    check_aws_shaped(split_answers(data, None, reset=reset), None)
    check_still_serving(server, known)
    check_log(log, logged)


# --- isolation: where it listens, what it reads ---------------------------------------


def test_the_server_binds_loopback_by_default(sim):
    from lambdasim._cli import _parser

    with sim.serve() as served, LambdaServer(sim) as direct:
        for server in (served, direct):
            assert server._httpd.socket.getsockname()[0] == "127.0.0.1"
            assert server.host == "127.0.0.1" and server.url == f"http://127.0.0.1:{server.port}"
    assert _parser().parse_args(["serve"]).host == "127.0.0.1"


def _read_one_answer(sock):
    """Read one whole answer without closing the client's side; fails if the server closes or stalls first."""
    data = b""
    while True:
        head, separator, rest = data.partition(b"\r\n\r\n")
        if separator and len(rest) >= int(_length(head)):
            (answer,) = split_answers(head + separator + rest[:int(_length(head))], "POST")
            return answer
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            pytest.fail(f"no answer within {HANG} s")
        assert chunk, f"the server closed the connection before answering: {data!r}"
        data += chunk


def _length(head):
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            return value.strip()
    return "0"


@pytest.mark.parametrize("path, headers, more, message", [
    ("/2015-03-31/functions/echo/invocations", "Content-Length: 1000000000000000\r\n", b'{"a": 1',
     f"Request must be smaller than {INVOKE_LIMIT} bytes for the InvokeFunction operation"),
    ("/2015-03-31/functions/echo/invocations", "Content-Length: " + "9" * 5000 + "\r\n", b"{}",
     f"Request must be smaller than {INVOKE_LIMIT} bytes for the InvokeFunction operation"),
    ("/2015-03-31/functions", f"Content-Length: {CODE_LIMIT + 1}\r\n", b'{"FunctionName": "x"',
     f"Request must be smaller than {CODE_LIMIT} bytes for the CreateFunction operation"),
    ("/2015-03-31/functions/echo/invocations", "Transfer-Encoding: chunked\r\n", b"fffffffffffff\r\n{}",
     f"Request must be smaller than {INVOKE_LIMIT} bytes for the InvokeFunction operation"),
])
def test_an_oversized_request_is_refused_from_its_declared_size_without_reading_its_body(
    sim, path, headers, more, message
):
    with sim.serve() as server:
        with socket.create_connection((server.host, server.port), timeout=HANG) as sock:
            sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode() + more)
            # The client's side stays open and nearly all of the declared body is never sent:
            # the 413 arrives all the same.
            status, answer_headers, body = _read_one_answer(sock)
        assert (status, answer_headers["x-amzn-errortype"]) == (413, "RequestEntityTooLargeException")
        assert answer_headers["connection"] == "close"
        assert json.loads(body) == {"Type": "User", "message": message}
        check_still_serving_simple(server)
    assert server.errors == []


def check_still_serving_simple(server):
    connection = http.client.HTTPConnection(server.host, server.port, timeout=HANG)
    try:
        connection.request("GET", "/2015-03-31/functions")
        answer = connection.getresponse()
        assert answer.status == 200 and "Functions" in json.loads(answer.read())
    finally:
        connection.close()


@pytest.mark.parametrize("length", ["-1", "-9999999999", "\u00b2", "5, 5"])
def test_a_negative_or_malformed_content_length_is_a_400(sim, length):
    with sim.serve() as server:
        raw = f"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nContent-Length: {length}\r\n\r\n{{}}"
        for expect in ("", "Expect: 100-continue\r\n"):
            data, reset = exchange(server, raw.replace("\r\n\r\n", "\r\n" + expect + "\r\n", 1).encode("latin-1"))
            (status, headers, body), = split_answers(data, "POST", reset=reset)
            assert (status, headers["x-amzn-errortype"]) == (400, "InvalidRequestContentException")
            assert json.loads(body)["message"].startswith("Content-Length must be a non-negative decimal integer")
    assert server.errors == []


def test_a_request_target_that_is_no_url_is_a_400(sim):
    with sim.serve() as server:
        for expect in ("", "Expect: 100-continue\r\nContent-Length: 2\r\n"):
            data, reset = exchange(server, f"POST http://[ HTTP/1.1\r\n{expect}\r\n{{}}".encode())
            (status, headers, body), = split_answers(data, "POST", reset=reset)
            assert (status, headers["x-amzn-errortype"]) == (400, "InvalidRequestContentException")
            assert json.loads(body) == {"Type": "User", "message": "Bad request target 'http://[': Invalid IPv6 URL"}
    assert server.errors == []


def test_the_request_log_escapes_control_characters(sim):
    log = io.StringIO()
    with sim.serve(log=log) as server:
        exchange(server, b"GET /\x1b[2J\x1b[1;1Hfake\rlog\\x0d line HTTP/1.1\r\n\r\n")
    (line,) = log.getvalue().splitlines()
    assert line.split("] ", 1)[1] == '"GET /\\x1b[2J\\x1b[1;1Hfake\\x0dlog\\\\x0d line HTTP/1.1" 400 -'
    assert server.errors == []


# --- many connections, then close() ------------------------------------------------------


def _in_progress(server, client):
    """Whether the server is answering the request sent on ``client`` (it marks the connection busy)."""
    with server._httpd._lock:
        return any(busy and conn.getpeername() == client.getsockname()
                   for conn, busy in server._httpd._connections.items())


def _open_fds():
    return set(os.listdir("/proc/self/fd"))


def test_many_concurrent_connections_then_close_leave_no_thread_or_socket(sim):
    sim.create_function("echo", handler="app.echo", code=str(BASIC))
    sim.create_function("sleep", handler="app.sleep", code=str(BASIC), timeout=30)
    assert sim.invoke("sleep", {"seconds": 0}).function_error is None  # its environment exists before counting
    for _ in range(1000):  # and the zygote has offered its next spare (a socket this process holds)
        if sim._zygote._spare is not None:
            break
        threading.Event().wait(0.01)
    fds_before, threads_before = _open_fds(), set(threading.enumerate())
    server = sim.serve()
    clients = []
    try:
        clients.extend(socket.create_connection((server.host, server.port), timeout=HANG) for _ in range(60))
        stalled = [
            b"",  # connected, nothing sent
            b"GET /2015-03-31/fun",  # half a request line
            b"GET /2015-03-31/functions HTTP/1.1\r\nHost: x\r\n",  # headers not ended
            b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nContent-Length: 100\r\n\r\n{",  # body cut short
            b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n",
            b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n{",  # 413
        ]
        answered = []

        def ask(sock, n):
            sock.sendall(b"GET /2015-03-31/functions/echo/configuration?n=%d HTTP/1.1\r\nHost: x\r\n\r\n" % n)
            status, _headers, body = _read_one_answer(sock)
            answered.append((status, json.loads(body)["FunctionName"]))

        askers = [threading.Thread(target=ask, args=(sock, n)) for n, sock in enumerate(clients[:30])]
        for thread in askers:
            thread.start()
        for n, sock in enumerate(clients[30:]):
            sock.sendall(stalled[n % len(stalled)])
        for thread in askers:
            thread.join(HANG)
        assert answered == [(200, "echo")] * 30  # and their connections are kept alive

        # One request in progress when close() begins: it is answered in full.
        slow = socket.create_connection((server.host, server.port), timeout=HANG)
        clients.append(slow)
        slow.sendall(b"POST /2015-03-31/functions/sleep/invocations HTTP/1.1\r\nContent-Length: 16\r\n\r\n"
                     b'{"seconds": 0.5}')
        pause = threading.Event()
        for _ in range(int(HANG * 100)):  # until the router has it
            if _in_progress(server, slow):
                break
            pause.wait(0.01)
        else:
            pytest.fail(f"the request was not taken within {HANG} s")

        server.close()  # neither waits for the stalled requests nor warns that requests were cut off

        status, headers, _body = _read_one_answer(slow)
        assert (status, headers["connection"]) == (200, "close")
        for sock in clients:  # the server closed every connection
            try:
                while sock.recv(65536):
                    pass
            except ConnectionResetError:
                pass
    finally:
        for sock in clients:
            sock.close()
        server.close()
    assert set(threading.enumerate()) == threads_before
    assert _open_fds() == fds_before
    assert server.errors == []


def test_a_connection_without_a_thread_is_closed_and_close_still_joins_everything(sim, monkeypatch):
    threads_before = set(threading.enumerate())
    server = sim.serve()
    start = threading.Thread.start

    def start_no_connection_thread(thread):
        if thread.name.startswith("lambdasim-http-") and not thread.name.startswith("lambdasim-http-server-"):
            raise RuntimeError("can't start new thread")  # what the thread limit gives
        start(thread)

    try:
        with monkeypatch.context() as patch:
            patch.setattr(threading.Thread, "start", start_no_connection_thread)
            assert exchange(server, b"GET /2015-03-31/functions HTTP/1.1\r\n\r\n")[0] == b""
        assert [str(error) for error in server.errors] == ["can't start new thread"]
        check_still_serving_simple(server)
    finally:
        server.close()  # raised "cannot join thread before it is started"
    assert set(threading.enumerate()) == threads_before

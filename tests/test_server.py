"""``sim.serve()``: the REST router over real HTTP, for boto3 with ``endpoint_url`` and raw clients."""

import base64
import http.client
import json
import socket
import threading
import zipfile

import pytest

from conftest import BASIC
from lambdasim import LambdaServer, LambdaSim

boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::boto3.exceptions.PythonDeprecationWarning")
pytest_plugins = ["pytester"]

ROLE = "arn:aws:iam::123456789012:role/lambdasim-test"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
INVOKE_LIMIT = 6291456
CODE_LIMIT = 69905067


@pytest.fixture
def server(sim):
    with sim.serve() as server:
        yield server
    assert server.errors == []


@pytest.fixture
def zip_bytes(tmp_path):
    path = tmp_path / "code.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(BASIC / "app.py", "app.py")
    return path.read_bytes()


@pytest.fixture
def client(server):
    return boto3.client(
        "lambda", endpoint_url=server.url, region_name="us-east-1",
        aws_access_key_id="AKIDLAMBDASIMTEST", aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 1}),
    )


@pytest.fixture
def create(client, zip_bytes):
    def create(name, handler="app.echo", **members):
        return client.create_function(
            FunctionName=name, Role=ROLE, Handler=handler, Runtime="python3.12", Code={"ZipFile": zip_bytes},
            **members,
        )

    return create


def client_error(call, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response


def connect(server):
    return http.client.HTTPConnection(server.host, server.port, timeout=60)


def exchange(server, raw):
    """Send raw bytes on a new connection; return the whole answer (the server closes the connection)."""
    with socket.create_connection((server.host, server.port), timeout=60) as sock:
        sock.sendall(raw)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)


def parse(answer):
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value for name, _, value in (line.partition(": ") for line in lines)}
    return int(status_line.split()[1]), headers, body


# --- boto3 with endpoint_url ------------------------------------------------------


def test_boto3_creates_and_invokes_through_the_server(sim, server, client, create):
    assert server.url == f"http://127.0.0.1:{server.port}" and server.port > 0
    created = create("echo")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["FunctionArn"] == ARN + "echo"
    response = client.invoke(FunctionName="echo", Payload=b'{"id": 1}', LogType="Tail")
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert response["Payload"].read() == b'{"id": 1}'
    record = sim.invocations("echo")[0]
    assert response["ResponseMetadata"]["RequestId"] == record.request_id
    assert base64.b64decode(response["LogResult"]).decode() == record.result.logs[-4096:]
    assert f"START RequestId: {record.request_id} Version: $LATEST" in record.result.logs


def test_function_errors_and_service_errors_reach_boto3_as_on_aws(sim, client, create):
    create("fail", handler="app.fail")
    response = client.invoke(FunctionName="fail", Payload=b"{}")
    assert (response["StatusCode"], response["FunctionError"]) == (200, "Unhandled")
    assert json.loads(response["Payload"].read())["errorMessage"] == "handler fails"

    missing = client_error(client.invoke, FunctionName="nope", Payload=b"{}")
    assert missing["Error"] == {"Code": "ResourceNotFoundException", "Message": f"Function not found: {ARN}nope:$LATEST"}
    assert (missing["ResponseMetadata"]["HTTPStatusCode"], missing["Type"]) == (404, "User")

    bad = client_error(client.invoke, FunctionName="fail", Payload=b"{not json")
    assert bad["Error"]["Code"] == "InvalidRequestContentException"
    assert bad["Error"]["Message"].startswith("Could not parse request body into json: ")

    client.put_function_concurrency(FunctionName="fail", ReservedConcurrentExecutions=0)
    throttled = client_error(client.invoke, FunctionName="fail", Payload=b"{}")
    assert throttled["Error"] == {"Code": "TooManyRequestsException", "Message": "Rate Exceeded."}
    assert throttled["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert throttled["ResponseMetadata"]["HTTPStatusCode"] == 429

    unimplemented = client_error(client.get_policy, FunctionName="fail")
    assert unimplemented["Error"]["Code"] == "NotImplemented"
    assert "GetPolicy" in unimplemented["Error"]["Message"]
    assert unimplemented["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_the_server_answers_byte_for_byte_what_the_router_answers(sim, server, create):
    create("echo")
    from lambdasim._rest import RestRouter

    expected = RestRouter(sim).handle("GET", "/2015-03-31/functions/echo/configuration")
    connection = connect(server)
    connection.request("GET", "/2015-03-31/functions/echo/configuration")
    answer = connection.getresponse()
    assert answer.status == expected.status == 200
    assert answer.read() == expected.body
    for name, value in expected.headers.items():
        if name != "x-amzn-RequestId":
            assert answer.getheader(name) == value
    assert answer.getheader("x-amzn-RequestId")
    connection.close()


def test_the_pytest_fixture_serves_the_tests_simulator(lambda_sim, lambda_sim_server):
    lambda_sim.create_function("echo", handler="app.echo", code=str(BASIC))
    connection = connect(lambda_sim_server)
    connection.request("POST", "/2015-03-31/functions/echo/invocations", body=b'"hi"')
    assert connection.getresponse().read() == b'"hi"'
    connection.close()
    assert lambda_sim.invocations("echo")[0].event == "hi"


# --- HTTP: keep-alive, chunked bodies --------------------------------------------


def test_requests_reuse_one_kept_alive_connection(sim, server, create):
    create("echo")
    connection = connect(server)
    sockets = []
    for number in range(3):
        connection.request("POST", "/2015-03-31/functions/echo/invocations", body=json.dumps(number))
        answer = connection.getresponse()
        assert answer.read() == str(number).encode()
        assert answer.getheader("Connection") is None
        sockets.append(connection.sock)
    assert sockets[0] is sockets[1] is sockets[2] is not None
    connection.close()
    assert len(sim.invocations("echo")) == 3


def test_a_chunked_request_body_is_read(server, create):
    create("echo")
    body = b'{"parts": ["a", "b"]}'
    chunks = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(part), part) for part in (body[:5], body[5:]))
    answer = exchange(server, (
        b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n" + chunks + b"0\r\nX-Trailer: t\r\n\r\n"
    ))
    status, headers, payload = parse(answer)
    assert (status, payload) == (200, body)
    assert headers["x-amz-executed-version"] == "$LATEST"


# --- malformed and oversized requests ----------------------------------------------


def error_of(answer):
    status, headers, body = parse(answer)
    document = json.loads(body)
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    assert headers["x-amzn-requestid"]
    return status, headers["x-amzn-errortype"], document


def test_an_unknown_path_is_unknown_operation(server):
    connection = connect(server)
    connection.request("GET", "/2015-03-31/nothing-here")
    answer = connection.getresponse()
    assert answer.status == 404
    assert answer.getheader("x-amzn-ErrorType") == "UnknownOperationException"
    assert json.loads(answer.read()) == {
        "Type": "User", "Message": "No Lambda operation matches GET /2015-03-31/nothing-here"
    }
    connection.close()


def test_a_body_that_is_not_json_is_invalid_request_content(server):
    connection = connect(server)
    connection.request("POST", "/2015-03-31/functions", body=b"{nope")
    answer = connection.getresponse()
    assert (answer.status, answer.getheader("x-amzn-ErrorType")) == (400, "InvalidRequestContentException")
    document = json.loads(answer.read())
    assert document["Type"] == "User"
    assert document["message"].startswith("Could not parse request body into json: ")
    connection.close()


@pytest.mark.parametrize("headers, status, code, message", [
    (b"Content-Length: abc\r\n", 400, "InvalidRequestContentException",
     "Content-Length must be a non-negative decimal integer (got 'abc')"),
    (b"Content-Length: -1\r\n", 400, "InvalidRequestContentException",
     "Content-Length must be a non-negative decimal integer (got '-1')"),
    (b"Content-Length: 2\r\nContent-Length: 3\r\n", 400, "InvalidRequestContentException",
     "Conflicting Content-Length headers: 2, 3"),
    (b"Transfer-Encoding: gzip\r\n", 501, "NotImplemented",
     "Transfer-Encoding 'gzip' is not supported: send the body with Content-Length or Transfer-Encoding: chunked"),
    (b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n", 400, "InvalidRequestContentException",
     "A request must not have both Content-Length and Transfer-Encoding (RFC 9112 §6.3)"),
])
def test_bad_framing_gets_an_aws_error_and_the_connection_closes(server, headers, status, code, message):
    answer = exchange(server, b"POST /2015-03-31/functions/f/invocations HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n{}")
    got_status, got_code, document = error_of(answer)
    assert (got_status, got_code) == (status, code)
    assert document == {"Type": "Service" if status >= 500 else "User", "message": message}


def test_a_bad_chunk_size_is_invalid_request_content(server):
    answer = exchange(server, (
        b"POST /2015-03-31/functions/f/invocations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"zz\r\n{}\r\n0\r\n\r\n"
    ))
    status, code, document = error_of(answer)
    assert (status, code) == (400, "InvalidRequestContentException")
    assert document["message"] == "Bad chunk size line b'zz\\r\\n': expected hexadecimal digits"


def test_a_garbage_request_line_gets_a_json_answer_with_a_status_line(server):
    status, code, document = error_of(exchange(server, b"GARBAGE\r\n\r\n"))
    assert (status, code) == (400, "InvalidRequestContentException")
    assert document == {"Type": "User", "message": "Bad request syntax ('GARBAGE')"}


@pytest.mark.parametrize("request_head, status, code, message", [
    (b"GET /2016-08-19/account-settings\r\n\r\n", 505, "HTTPVersionNotSupported",
     "HTTP/0.9 requests are not supported; send HTTP/1.1"),
    (b"GET /2016-08-19/account-settings HTTP/2.0\r\n\r\n", 505, "HTTPVersionNotSupported",
     "Invalid HTTP version (2.0)"),
    (b"GET /" + b"a" * 65536 + b" HTTP/1.1\r\n\r\n", 414, "RequestURITooLong",
     "The request line is longer than 65536 bytes"),
    (b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 65536 + b"\r\n\r\n", 431, "RequestHeaderFieldsTooLarge", "Line too long"),
    (b"GET / HTTP/1.1\r\n" + b"X-Many: 1\r\n" * 101 + b"\r\n", 431, "RequestHeaderFieldsTooLarge", "Too many headers"),
])
def test_requests_the_parser_refuses_get_aws_shaped_errors(server, request_head, status, code, message):
    got_status, got_code, document = error_of(exchange(server, request_head))
    assert (got_status, got_code) == (status, code)
    assert document == {"Type": "Service" if status >= 500 else "User", "message": message}


def test_the_server_listens_on_ipv6_loopback(sim):
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    try:
        server = sim.serve("::1")
    except OSError as error:
        pytest.skip(f"no IPv6 loopback here: {error}")
    with server:
        assert server.url == f"http://[::1]:{server.port}"
        connection = http.client.HTTPConnection("::1", server.port, timeout=60)
        connection.request("GET", "/2016-08-19/account-settings")
        assert connection.getresponse().status == 200
        connection.close()


def test_a_body_shorter_than_its_content_length_is_refused(server):
    with socket.create_connection((server.host, server.port), timeout=60) as sock:
        sock.sendall(b"POST /2015-03-31/functions/f/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{}")
        sock.shutdown(socket.SHUT_WR)
        answer = sock.makefile("rb").read()
    status, code, document = error_of(answer)
    assert (status, code) == (400, "InvalidRequestContentException")
    assert document["message"] == "The body ended after 2 of the 10 bytes that Content-Length announced"


def test_a_client_that_expects_100_continue_gets_it_then_the_answer(server, create):
    create("echo")
    with socket.create_connection((server.host, server.port), timeout=60) as sock:
        sock.sendall(b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                     b"Expect: 100-continue\r\nConnection: close\r\n\r\n")
        stream = sock.makefile("rb")
        assert stream.readline() == b"HTTP/1.1 100 Continue\r\n"
        assert stream.readline() == b"\r\n"
        sock.sendall(b"{}")
        status, _, body = parse(stream.read())
        stream.close()
    assert (status, body) == (200, b"{}")


def test_an_oversized_invoke_is_refused_from_its_content_length_when_the_client_expects_100(server):
    # The client waits for "100 Continue"; the answer comes first and the body is never sent.
    answer = exchange(server, (
        b"POST /2015-03-31/functions/f/invocations HTTP/1.1\r\nHost: x\r\n"
        b"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % (INVOKE_LIMIT + 1)
    ))
    status, code, document = error_of(answer)
    assert (status, code) == (413, "RequestEntityTooLargeException")
    assert document == {
        "Type": "User", "message": f"Request must be smaller than {INVOKE_LIMIT} bytes for the InvokeFunction operation"
    }


@pytest.mark.parametrize("path, operation, limit", [
    ("/2015-03-31/functions", "CreateFunction", CODE_LIMIT),
    ("/2015-03-31/functions/f/code", "UpdateFunctionCode", CODE_LIMIT),
    ("/2015-03-31/functions/f/configuration", "UpdateFunctionConfiguration", INVOKE_LIMIT),
])
def test_each_operation_has_its_request_size_limit(server, path, operation, limit):
    method = b"POST" if path == "/2015-03-31/functions" else b"PUT"
    answer = exchange(server, b"%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n" % (
        method, path.encode(), limit + 1,
    ))
    status, code, document = error_of(answer)
    assert (status, code) == (413, "RequestEntityTooLargeException")
    assert document["message"] == f"Request must be smaller than {limit} bytes for the {operation} operation"


def test_a_client_that_sends_an_oversized_body_whole_still_reads_the_413(server, create):
    create("echo")
    connection = connect(server)
    connection.request("POST", "/2015-03-31/functions/echo/invocations", body=b"x" * (INVOKE_LIMIT + 1))
    answer = connection.getresponse()
    assert (answer.status, answer.getheader("x-amzn-ErrorType")) == (413, "RequestEntityTooLargeException")
    assert json.loads(answer.read())["message"] == (
        f"Request must be smaller than {INVOKE_LIMIT} bytes for the InvokeFunction operation"
    )
    connection.close()


def test_an_oversized_chunked_body_is_refused_once_it_passes_the_limit(server):
    with socket.create_connection((server.host, server.port), timeout=60) as sock:
        sock.sendall(b"POST /2015-03-31/functions/f/invocations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        sock.sendall(b"%x\r\n" % (INVOKE_LIMIT + 1))  # the size line alone passes the limit
        answer = sock.makefile("rb").read()
    status, code, _ = error_of(answer)
    assert (status, code) == (413, "RequestEntityTooLargeException")


def test_a_payload_of_exactly_the_limit_is_accepted(sim, server, create):
    create("echo")
    payload = b'"' + b"a" * (INVOKE_LIMIT - 2) + b'"'
    connection = connect(server)
    connection.request("POST", "/2015-03-31/functions/echo/invocations", body=payload)
    answer = connection.getresponse()
    status, body = answer.status, answer.read()
    connection.close()
    assert status == 200
    assert body == payload


# --- errors inside the server ---------------------------------------------------------


def test_a_bug_while_answering_is_a_500_and_is_kept_for_the_test(sim):
    with sim.serve() as server:
        def broken(*args, **kwargs):
            raise KeyError("boom")

        server._httpd.router.handle = broken
        connection = connect(server)
        connection.request("GET", "/2016-08-19/account-settings")
        answer = connection.getresponse()
        assert (answer.status, answer.getheader("x-amzn-ErrorType")) == (500, "ServiceException")
        assert json.loads(answer.read()) == {"Type": "Service", "Message": "lambdasim internal error: KeyError: 'boom'"}
        connection.close()
    assert [type(error) for error in server.errors] == [KeyError]


def test_the_fixture_raises_what_the_server_hit_when_the_test_ends(pytester):
    pytester.makepyfile(test_inner="""
        import urllib.error
        import urllib.request

        def test_bug(lambda_sim_server):
            def broken(*args, **kwargs):
                raise KeyError("boom")

            lambda_sim_server._httpd.router.handle = broken
            try:
                urllib.request.urlopen(lambda_sim_server.url + "/2016-08-19/account-settings")
            except urllib.error.HTTPError as error:
                assert error.code == 500
                error.close()
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_bug*", "*KeyError: 'boom'*"])


# --- lifecycle ---------------------------------------------------------------------------


def http_threads():
    return [thread for thread in threading.enumerate() if thread.name.startswith("lambdasim-http")]


def test_close_ends_idle_kept_alive_connections_and_joins_every_thread(sim):
    before = http_threads()
    server = sim.serve()
    connection = connect(server)
    connection.request("GET", "/2016-08-19/account-settings")
    assert connection.getresponse().read()
    assert len(http_threads()) == len(before) + 2  # the accept loop and the open connection
    server.close()  # would warn (an error here) if it had to wait for the idle connection
    assert http_threads() == before
    with pytest.raises(OSError):
        socket.create_connection((server.host, server.port), timeout=60).close()
    connection.close()
    server.close()  # a second close does nothing


def test_close_lets_a_request_in_progress_finish(sim):
    sim.create_function("sleep", handler="app.sleep", code=str(BASIC), timeout=10)
    server = sim.serve()
    answers = []
    started = threading.Event()

    def invoke():
        connection = connect(server)
        connection.request("POST", "/2015-03-31/functions/sleep/invocations", body=b'{"seconds": 0.5}')
        started.set()
        answer = connection.getresponse()
        answers.append((answer.status, answer.getheader("Connection"), answer.read()))
        connection.close()

    caller = threading.Thread(target=invoke)
    caller.start()
    assert started.wait(60)
    while not answers and not any(server._httpd._connections.values()):  # until the request is in progress
        started.wait(0.01)
    server.close()
    caller.join(60)
    assert answers and answers[0][0] == 200
    assert http_threads() == []


def test_close_cuts_requests_that_outlast_the_shutdown_timeout(zygote):
    sim = LambdaSim(zygote=zygote)
    sim.create_function("sleep", handler="app.sleep", code=str(BASIC), timeout=60)
    server = sim.serve(shutdown_timeout=0.2)
    outcomes = []

    def invoke():
        connection = connect(server)
        try:
            connection.request("POST", "/2015-03-31/functions/sleep/invocations", body=b'{"seconds": 50}')
            outcomes.append(connection.getresponse().status)
        except (OSError, http.client.HTTPException) as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    caller = threading.Thread(target=invoke)
    caller.start()
    while not any(server._httpd._connections.values()):  # until the request is in progress
        caller.join(0.01)
    with pytest.warns(RuntimeWarning, match=r"requests still running after 0.2 s were cut off \(LambdaServer"):
        server.close()
    caller.join(60)
    assert outcomes == ["RemoteDisconnected"]
    sim.close()  # ends the handler, and with it the invoke the cut connection was waiting for
    for thread in http_threads():
        thread.join(60)
    assert http_threads() == []
    assert server.errors == []


def test_concurrent_requests_are_answered_side_by_side(sim, server):
    sim.create_function("sleep", handler="app.sleep", code=str(BASIC), timeout=60)
    statuses = []
    barrier = threading.Barrier(4)

    def invoke():
        connection = connect(server)
        barrier.wait(60)
        connection.request("POST", "/2015-03-31/functions/sleep/invocations", body=b'{"seconds": 0.3}')
        answer = connection.getresponse()
        statuses.append((answer.status, answer.read()))
        connection.close()

    callers = [threading.Thread(target=invoke) for _ in range(4)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(60)
    assert statuses == [(200, b'"slept"')] * 4
    # Four environments: the invokes overlapped, each on its own connection thread.
    assert len({record.environment_id for record in sim.invocations("sleep")}) == 4


def test_repr_and_a_closed_simulator_cannot_serve(zygote):
    sim = LambdaSim(zygote=zygote)
    server = sim.serve()
    assert repr(server) == f"<LambdaServer {server.url} serving>"
    server.close()
    assert repr(server) == f"<LambdaServer {server.url} closed>"
    sim.close()
    with pytest.raises(RuntimeError, match="closed"):
        sim.serve()


def test_the_class_is_public():
    import lambdasim

    assert lambdasim.LambdaServer is LambdaServer and "LambdaServer" in lambdasim.__all__

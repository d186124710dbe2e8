"""Custom runtimes (provided.al2023 / provided.al2): a bootstrap against the Runtime API.

The probe runtime (tests/handlers/custom/probe) speaks raw HTTP, so every
Runtime API answer is checked byte for byte; only the ``Date`` header's value
is replaced, after its format is checked.
"""

import base64
import json
import os
import re
import shutil
import stat
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from conftest import HANDLERS
from lambdasim import LambdaSim

CUSTOM = HANDLERS / "custom"
PROBE = CUSTOM / "probe"
_DATE = re.compile(rb"\r\nDate: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

def response(status, body, headers=(("Content-Type", "application/json"),)):
    """A response as the probe receives it (it asks to close each connection), Date masked:
    the handler's headers, then Date, Content-Length and Connection, as Go's server orders them."""
    head = "".join("%s: %s\r\n" % field for field in headers)
    return (
        "HTTP/1.1 %s\r\n%sDate: <date>\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % (status, head, len(body))
    ).encode() + body


ACCEPTED = response("202 Accepted", b'{"status":"OK"}\n')
INVALID_REQUEST_ID = response(
    "400 Bad Request", b'{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}\n'
)


def forbidden(current, wanted):
    body = (
        '{"errorMessage":"State transition from %s to %s failed for runtime. Error: State transition is not '
        'allowed","errorType":"InvalidStateTransition"}\n' % (current, wanted)
    ).encode()
    return response("403 Forbidden", body)


def probe(sim, name="probe", environment=None, runtime="provided.al2023", code=PROBE, **settings):
    sim.create_function(
        name, handler="any:thing/goes", code=str(code), runtime=runtime,
        environment={"PROBE_PYTHON": sys.executable, **(environment or {})}, **settings,
    )
    return name


def probed(result):
    """The probe's records in a result's log: ``[(name, raw bytes with the Date masked)]``."""
    records = []
    for line in result.logs.splitlines():
        if line.startswith("PROBE "):
            record = json.loads(line[len("PROBE "):])
            raw = record["raw"].encode("latin-1")
            masked, count = _DATE.subn(b"\r\nDate: <date>\r\n", raw)
            assert count == 1, raw
            records.append((record["name"], masked))
    return records


def raw_of(result, name):
    matches = [raw for found, raw in probed(result) if found == name]
    assert len(matches) == 1, probed(result)
    return matches[0]


# --- /next ------------------------------------------------------------------


def test_next_gives_the_event_with_lambdas_headers_byte_for_byte(sim):
    name = probe(sim)
    result = sim.invoke(name, {"hello": "world"})
    assert result.function_error is None
    assert result.payload == {"echo": {"hello": "world"}}
    raw = raw_of(result, "next")
    deadline = re.search(rb"Lambda-Runtime-Deadline-Ms: (\d+)\r\n", raw).group(1)
    trace = re.search(rb"Lambda-Runtime-Trace-Id: (Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0)\r\n", raw)
    body = b'{"hello":"world"}'
    assert raw == response("200 OK", body, [
        ("Content-Type", "application/json"),
        ("Lambda-Runtime-Aws-Request-Id", result.request_id),
        ("Lambda-Runtime-Deadline-Ms", deadline.decode()),
        ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:probe"),
        ("Lambda-Runtime-Trace-Id", trace.group(1).decode()),
    ])
    assert raw_of(result, "response") == ACCEPTED


def test_the_deadline_is_the_invoke_start_plus_the_timeout_in_epoch_milliseconds(sim):
    import time

    name = probe(sim, timeout=7)
    before = int(time.time() * 1000)
    result = sim.invoke(name, {})
    after = int(time.time() * 1000)
    deadline = int(re.search(rb"Lambda-Runtime-Deadline-Ms: (\d+)\r\n", raw_of(result, "next")).group(1))
    assert before + 7000 - 1000 <= deadline <= after + 7000


def test_client_context_is_passed_as_json_text_and_empty_headers_are_left_out(sim):
    name = probe(sim)
    result = sim.invoke(name, {}, client_context={"custom": {"user": "u1"}})
    raw = raw_of(result, "next")
    assert b'\r\nLambda-Runtime-Client-Context: {"custom": {"user": "u1"}}\r\n' in raw
    assert b"Cognito-Identity" not in raw and b"Tenant-Id" not in raw
    assert b"\r\nLambda-Runtime-Trace-Id: Root=1-" in raw  # every invoke carries a trace header


def test_an_empty_payload_reaches_the_runtime_as_an_empty_object(sim):
    name = probe(sim)
    result = sim.invoke(name)
    raw = raw_of(result, "next")
    assert raw.endswith(b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
    assert result.payload == {"echo": {}}


def test_an_event_over_2_kb_comes_with_chunked_framing_as_gos_server_sends_it(sim):
    name = probe(sim)
    event = {"text": "x" * 3000}
    result = sim.invoke(name, event)
    raw = raw_of(result, "next")
    body = json.dumps(event, separators=(",", ":")).encode()
    assert raw.endswith(
        b"\r\nDate: <date>\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n"
        % (len(body), body)
    )
    assert b"Content-Length" not in raw
    assert result.payload == {"echo": event}


def test_a_second_next_during_an_invoke_gets_the_same_invoke_again(sim):
    name = probe(sim)
    steps = [{"name": "again", "method": "GET", "path": "/invocation/next"}]
    result = sim.invoke(name, {"steps": steps})
    first, again = raw_of(result, "next"), raw_of(result, "again")
    assert again == first
    assert result.payload == {"echo": {"steps": steps}}


# --- /response and /error -----------------------------------------------------


def test_the_response_body_is_the_invoke_payload_unchanged(sim):
    name = probe(sim)
    body = '{"b": 1,   "a": [1, 2]}'
    result = sim.invoke(name, {"steps": [{"name": "answer", "path": "/invocation/{id}/response", "body": body}]})
    assert raw_of(result, "answer") == ACCEPTED
    assert result.raw_payload == body.encode()
    assert result.function_error is None


def test_a_chunked_response_body_is_read_whole(sim):
    name = probe(sim)
    body = '{"chunked": "yes, in two parts"}'
    steps = [{"name": "answer", "path": "/invocation/{id}/response", "body": body, "chunked": True}]
    result = sim.invoke(name, {"steps": steps})
    assert raw_of(result, "answer") == ACCEPTED
    assert result.raw_payload == body.encode()


def test_an_error_is_returned_as_posted_with_function_error_unhandled(sim):
    name = probe(sim)
    body = '{"errorMessage": "boom", "errorType": "Runtime.HandlerFailed", "stackTrace": ["line 1"]}'
    steps = [{
        "name": "error", "path": "/invocation/{id}/error", "body": body,
        "headers": {"Lambda-Runtime-Function-Error-Type": "Runtime.HandlerFailed",
                    "Content-Type": "application/vnd.aws.lambda.error+json"},
    }]
    result = sim.invoke(name, {"steps": steps})
    assert raw_of(result, "error") == ACCEPTED
    assert result.function_error == "Unhandled"
    assert result.raw_payload == body.encode()
    # A reported error does not reset the environment.
    again = sim.invoke(name, {"n": 2})
    assert not again.cold_start and again.payload == {"echo": {"n": 2}}


def test_a_second_response_for_the_same_invoke_is_forbidden(sim):
    name = probe(sim)
    steps = [
        {"name": "first", "path": "/invocation/{id}/response", "body": '"one"'},
        {"name": "second", "path": "/invocation/{id}/response", "body": '"two"'},
        {"name": "error", "path": "/invocation/{id}/error", "body": "{}"},
    ]
    result = sim.invoke(name, {"steps": steps})
    assert result.payload == "one"
    assert raw_of(result, "first") == ACCEPTED
    assert raw_of(result, "second") == forbidden("RuntimeResponseSentState", "InvocationResponse")
    assert raw_of(result, "error") == forbidden("RuntimeResponseSentState", "InvocationErrorResponse")


def test_an_unknown_or_empty_request_id_is_rejected(sim):
    name = probe(sim)
    steps = [
        {"name": "unknown", "path": "/invocation/not-the-id/response", "body": "{}"},
        {"name": "empty", "path": "/invocation//error", "body": "{}"},
    ]
    result = sim.invoke(name, {"steps": steps})
    assert raw_of(result, "unknown") == INVALID_REQUEST_ID
    assert raw_of(result, "empty") == INVALID_REQUEST_ID
    assert result.payload == {"echo": {"steps": steps}}


def test_a_response_for_the_previous_invoke_is_rejected_once_the_runtime_moved_on(sim):
    name = probe(sim)
    first = sim.invoke(name, {})
    late = [{"name": "late", "path": "/invocation/%s/response" % first.request_id, "body": "{}"}]
    result = sim.invoke(name, {"steps": late})
    assert raw_of(result, "late") == INVALID_REQUEST_ID


def test_an_oversize_response_is_refused_and_the_invoker_gets_response_size_too_large(sim):
    name = probe(sim)
    steps = [{"name": "big", "path": "/invocation/{id}/response", "body": {"size": 6 * 1024 * 1024 + 101}}]
    result = sim.invoke(name, {"steps": steps})
    body = b'{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}\n'
    assert raw_of(result, "big") == response("413 Request Entity Too Large", body)
    assert result.function_error == "Unhandled"
    assert result.raw_payload == (
        b'{"errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).", '
        b'"errorType": "Function.ResponseSizeTooLarge"}'
    )
    assert "\tStatus: error\tError Type: Function.ResponseSizeTooLarge\n" in result.logs


def test_a_response_of_exactly_the_limit_is_accepted(sim):
    name = probe(sim)
    steps = [{"name": "big", "path": "/invocation/{id}/response", "body": {"size": 6 * 1024 * 1024 + 100}}]
    result = sim.invoke(name, {"steps": steps})
    assert raw_of(result, "big") == ACCEPTED
    assert result.function_error is None and len(result.raw_payload) == 6291556


def test_an_unknown_response_mode_is_rejected_and_streaming_is_taken_whole(sim):
    name = probe(sim)
    steps = [
        {"name": "bad", "path": "/invocation/{id}/response", "body": '"x"',
         "headers": {"Lambda-Runtime-Function-Response-Mode": "buffered"}},
        {"name": "streamed", "path": "/invocation/{id}/response", "body": '"streamed"', "chunked": True,
         "headers": {"Lambda-Runtime-Function-Response-Mode": "streaming"}},
    ]
    result = sim.invoke(name, {"steps": steps})
    body = b'{"errorMessage":"Invalid function response mode","errorType":"InvalidFunctionResponseMode"}\n'
    assert raw_of(result, "bad") == response("400 Bad Request", body)
    assert raw_of(result, "streamed") == ACCEPTED
    assert result.payload == "streamed"


def test_unknown_paths_and_wrong_methods_answer_as_lambdas_router_does(sim):
    name = probe(sim)
    steps = [
        {"name": "unknown", "method": "GET", "path": "/invocation/whatever"},
        {"name": "method", "method": "POST", "path": "/invocation/next", "body": ""},
    ]
    result = sim.invoke(name, {"steps": steps})
    assert raw_of(result, "unknown") == response("404 Not Found", b"404 page not found\n", [
        ("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff"),
    ])
    assert raw_of(result, "method") == response("405 Method Not Allowed", b"", [])


def test_init_error_after_init_is_forbidden(sim):
    name = probe(sim)
    result = sim.invoke(name, {"steps": [{"name": "late", "path": "/init/error", "body": "{}"}]})
    assert raw_of(result, "late") == forbidden("Running", "InitError")
    assert result.function_error is None


# --- init ---------------------------------------------------------------------


def test_an_init_error_is_the_payload_of_every_invoke_and_init_runs_again(sim):
    body = '{"errorMessage": "no config", "errorType": "Runtime.ConfigMissing"}'
    name = probe(sim, environment={"PROBE_INIT": "init_error", "PROBE_INIT_THEN": "next"})
    for _ in range(2):
        result = sim.invoke(name, {})
        assert result.function_error == "Unhandled"
        assert result.raw_payload == body.encode()
        assert result.cold_start
        assert raw_of(result, "init_error") == ACCEPTED
        # The runtime is ended after its init error; it gets no event.
        assert raw_of(result, "next_after_init_error") == forbidden("InitError", "Ready")
        lines = result.logs.splitlines()
        assert lines[0].startswith("INIT_START Runtime Version: provided:al2023.v89\tRuntime Version ARN: ")
        assert re.fullmatch(
            r"INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: error\tError Type: Runtime.ConfigMissing",
            lines[-4],
        )
        assert lines[-3] == f"START RequestId: {result.request_id} Version: $LATEST"
        assert lines[-2] == f"END RequestId: {result.request_id}"
        assert "\tStatus: error\tError Type: Runtime.ConfigMissing" in lines[-1]


def test_an_init_error_type_lambda_does_not_accept_is_reported_as_runtime_unknown(sim):
    name = probe(sim, environment={"PROBE_INIT": "init_error", "PROBE_INIT_TYPE": "Unhandled"})
    result = sim.invoke(name, {})
    assert "\tStatus: error\tError Type: Runtime.Unknown\n" in result.logs


def test_a_bootstrap_that_exits_during_init_gives_runtime_exit_error(sim):
    name = probe(sim, environment={"PROBE_INIT": "exit:3"})
    result = sim.invoke(name, {})
    assert result.function_error == "Unhandled"
    assert result.raw_payload == (
        b'{"errorType":"Runtime.ExitError","errorMessage":"Error: Runtime exited with error: exit status 3"}'
    )
    assert "probe init\nError: Runtime exited with error: exit status 3\nRuntime.ExitError\nINIT_REPORT " in result.logs


def test_a_missing_bootstrap_is_an_invalid_entrypoint(sim):
    name = probe(sim, code=CUSTOM / "missing")
    result = sim.invoke(name, {})
    root = sim.environments(name)[0].task_root
    message = f"Error: Couldn't find valid bootstrap(s): [{root}/bootstrap /opt/bootstrap]"
    assert result.function_error == "Unhandled"
    assert result.payload == {"errorType": "Runtime.InvalidEntrypoint", "errorMessage": message}
    assert f"{message}\nRuntime.InvalidEntrypoint\nINIT_REPORT " in result.logs
    assert "\tStatus: error\tError Type: Runtime.InvalidEntrypoint\n" in result.logs


def test_a_bootstrap_that_is_not_executable_cannot_start(sim, tmp_path):
    code = tmp_path / "code"
    shutil.copytree(PROBE, code)
    os.chmod(code / "bootstrap", 0o644)
    name = probe(sim, code=code)
    result = sim.invoke(name, {})
    root = sim.environments(name)[0].task_root
    assert result.payload == {
        "errorType": "Runtime.InvalidEntrypoint",
        "errorMessage": f"Error: fork/exec {root}/bootstrap: permission denied",
    }


def test_a_bootstrap_whose_interpreter_is_missing_cannot_start(sim, tmp_path):
    code = tmp_path / "code"
    code.mkdir()
    (code / "bootstrap").write_text("#!/nonexistent/interpreter\n")
    os.chmod(code / "bootstrap", 0o755)
    name = probe(sim, code=code)
    result = sim.invoke(name, {})
    root = sim.environments(name)[0].task_root
    assert result.payload == {
        "errorType": "Runtime.InvalidEntrypoint",
        "errorMessage": f"Error: fork/exec {root}/bootstrap: no such file or directory",
    }


def test_a_zip_package_keeps_the_bootstraps_executable_bit(sim, tmp_path):
    archive = tmp_path / "code.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in PROBE.iterdir():
            zipped.write(file, file.name)
    assert stat.S_IMODE(zipfile.ZipFile(archive).getinfo("bootstrap").external_attr >> 16) & 0o111
    name = probe(sim, code=archive)
    assert sim.invoke(name, {"z": 1}).payload == {"echo": {"z": 1}}


# --- the environment ------------------------------------------------------------


def test_the_runtime_sees_the_variables_of_a_provided_runtime(sim):
    name = probe(sim, environment={"MY_SETTING": "on"}, runtime="provided.al2")
    result = sim.invoke(name, {})
    env = sim.environments(name)[0]
    variables = _environment_of(env.pid)
    assert variables["_HANDLER"] == "any:thing/goes"
    assert variables["LAMBDA_TASK_ROOT"] == env.task_root
    assert variables["AWS_LAMBDA_RUNTIME_API"] == env.runtime_api
    assert re.fullmatch(r"127\.0\.0\.1:\d+", env.runtime_api)
    assert variables["MY_SETTING"] == "on"
    assert variables["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert "AWS_EXECUTION_ENV" not in variables and "PYTHONPATH" not in variables
    assert result.logs.startswith("INIT_START Runtime Version: provided:al2.v89\t")


def _environment_of(pid):
    with open(f"/proc/{pid}/environ", "rb") as environ:
        entries = environ.read().split(b"\0")
    return dict(entry.decode().split("=", 1) for entry in entries if entry)


def test_the_log_holds_what_the_runtime_writes_until_it_asks_for_the_next_event(sim):
    name = probe(sim)
    result = sim.invoke(name, {"print": "during", "after": "after the response"}, log_type="Tail")
    lines = result.logs.splitlines()
    assert lines[1] == "probe init"
    assert lines[2] == f"START RequestId: {result.request_id} Version: $LATEST"
    assert "during" in lines and lines[-3] == "after the response"
    assert lines[-2] == f"END RequestId: {result.request_id}"
    assert re.fullmatch(
        rf"REPORT RequestId: {_UUID}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB"
        r"\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t",
        lines[-1],
    )
    assert base64.b64decode(result.log_result) == result.logs.encode()[-4096:]
    warm = sim.invoke(name, {"n": 2})
    assert "after the response" not in warm.logs
    assert warm.logs.startswith(f"START RequestId: {warm.request_id} Version: $LATEST\n")


def test_a_hanging_runtime_times_out_and_is_reset_keeping_tmp(sim):
    name = probe(sim, timeout=1)
    steps = [{"name": "mark", "method": "GET", "path": "/invocation/next"}]
    sim.invoke(name, {"steps": steps})
    env = sim.environments(name)[0]
    with open(os.path.join(env.tmp_path, "mark"), "w") as mark:
        mark.write("kept")
    result = sim.invoke(name, {"print": "going to sleep", "sleep": 60})
    assert result.function_error == "Unhandled"
    assert result.raw_payload == (
        b'{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: %s Error: Task timed out after 1.00 seconds"}'
        % result.request_id.encode()
    )
    assert "going to sleep\n" in result.logs
    assert "\tDuration: 1000.00 ms\t" in result.logs and result.logs.endswith("\tStatus: timeout\n")
    again = sim.invoke(name, {"n": 3})
    assert again.cold_start and again.payload == {"echo": {"n": 3}}
    assert sim.environments(name)[0] is env
    with open(os.path.join(env.tmp_path, "mark")) as mark:
        assert mark.read() == "kept"


def test_a_runtime_that_exits_during_an_invoke_gives_runtime_exit_error_and_is_reset(sim):
    name = probe(sim)
    sim.invoke(name, {})
    result = sim.invoke(name, {"exit": 2})
    assert result.raw_payload == (
        b'{"errorType":"Runtime.ExitError","errorMessage":"RequestId: %s Error: Runtime exited with error: exit status 2"}'
        % result.request_id.encode()
    )
    assert f"RequestId: {result.request_id} Error: Runtime exited with error: exit status 2\nRuntime.ExitError\n" in result.logs
    assert sim.invoke(name, {}).cold_start


def test_a_runtime_that_answers_and_then_exits_keeps_its_answer(sim):
    name = probe(sim)
    steps = [{"name": "answer", "path": "/invocation/{id}/response", "body": '"done"'}]
    result = sim.invoke(name, {"steps": steps, "exit": 0})
    assert result.function_error is None and result.payload == "done"
    assert sim.invoke(name, {}).cold_start


def test_concurrent_invokes_get_environments_with_their_own_runtime_api(sim):
    import time

    name = probe(sim)
    results = []
    busy = threading.Thread(target=lambda: results.append(sim.invoke(name, {"sleep": 2})))
    busy.start()
    waited_until = time.monotonic() + 10
    while not sim.environments(name) and time.monotonic() < waited_until:
        time.sleep(0.01)
    # The first environment is busy with its invoke: this one scales out.
    second = sim.invoke(name, {"n": 2})
    busy.join(30)
    assert second.cold_start and second.payload == {"echo": {"n": 2}}
    assert [r.payload for r in results] == [{"echo": {"sleep": 2}}]
    environments = sim.environments(name)
    assert len(environments) == 2
    assert environments[0].runtime_api != environments[1].runtime_api


def test_the_runtimes_tmp_is_private_and_survives_warm_invokes(sim):
    name = probe(sim)
    path = "/tmp/lambdasim-probe-%s" % os.urandom(8).hex()
    sim.invoke(name, {"write": path})
    env = sim.environments(name)[0]
    if env.sandbox.mode != "namespace":
        pytest.skip("private namespaces are unavailable here")
    assert not os.path.exists(path)
    assert sim.invoke(name, {}).cold_start is False
    with open(os.path.join(env.tmp_path, os.path.basename(path))) as written:
        assert written.read() == "written by the probe"


def test_closing_the_simulator_ends_idle_custom_runtimes(zygote):
    with LambdaSim(zygote=zygote) as sim:
        name = probe(sim)
        sim.invoke(name, {})
        pid = sim.environments(name)[0].pid
    assert not os.path.exists(f"/proc/{pid}") or _is_zombie(pid)


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat_file:
            return stat_file.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_a_runtime_hanging_in_init_is_retried_within_the_invoke_and_times_out(zygote):
    with LambdaSim(zygote=zygote, init_timeout=0.5) as sim:
        name = probe(sim, environment={"PROBE_INIT": "hang"}, timeout=1)
        result = sim.invoke(name, {})
    assert result.payload == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert re.search(r"INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: timeout\n", result.logs)
    assert result.logs.endswith("\tStatus: timeout\n")


def test_a_runtime_over_its_memory_size_is_killed_as_out_of_memory(sim):
    name = probe(sim, memory_size=128)
    result = sim.invoke(name, {"steps": [], "allocate_mb": 400, "sleep": 30})
    assert result.raw_payload == (
        b'{"errorType":"Runtime.OutOfMemory","errorMessage":"RequestId: %s Error: Runtime exited with error: '
        b'signal: killed"}' % result.request_id.encode()
    )
    assert "\tStatus: error\tError Type: Runtime.OutOfMemory\n" in result.logs


def test_expect_100_continue_is_answered_before_the_body(sim):
    name = probe(sim)
    steps = [{"name": "answer", "path": "/invocation/{id}/response", "body": '"ok"',
              "headers": {"Expect": "100-continue"}}]
    result = sim.invoke(name, {"steps": steps})
    assert raw_of(result, "answer") == b"HTTP/1.1 100 Continue\r\n\r\n" + ACCEPTED
    assert result.payload == "ok"


def test_injected_faults_apply_to_custom_runtimes(sim):
    import signal

    name = probe(sim)
    sim.faults.init_error(name, error_type="Runtime.Injected", error_message="injected")
    failed = sim.invoke(name, {})
    assert failed.payload == {"errorMessage": "injected", "errorType": "Runtime.Injected"}
    assert "\tStatus: error\tError Type: Runtime.Injected\n" in failed.logs
    assert sim.invoke(name, {"n": 1}).payload == {"echo": {"n": 1}}
    sim.faults.crash(name, signal=signal.SIGSEGV)
    crashed = sim.invoke(name, {})
    assert crashed.payload["errorMessage"].endswith("Error: Runtime exited with error: signal: segmentation fault")
    sim.faults.timeout(name)
    timed_out = sim.invoke(name, {})
    assert timed_out.payload["errorType"] == "Sandbox.Timedout"
    assert sim.invoke(name, {"n": 2}).payload == {"echo": {"n": 2}}


# --- real runtimes ---------------------------------------------------------------


@pytest.mark.skipif(shutil.which("curl") is None, reason="the shell bootstrap needs curl, which is not installed")
def test_a_shell_bootstrap_using_curl(sim):
    sim.create_function("shell", handler="function.handler", code=str(CUSTOM / "shell"), runtime="provided.al2023")
    first = sim.invoke("shell", {"n": 1})
    second = sim.invoke("shell", {"n": 2})
    assert first.payload == {"echo": {"n": 1}} and second.payload == {"echo": {"n": 2}}
    assert "shell runtime ready, handler function.handler\n" in first.logs
    assert f"handling {second.request_id}\n" in second.logs
    assert not second.cold_start


def test_awslambdaric_runs_a_python_handler(sim):
    pytest.importorskip("awslambdaric")
    environment = {"PROBE_PYTHON": sys.executable}
    sim.create_function("ric", handler="app.handler", code=str(CUSTOM / "ric"), runtime="provided.al2023",
                        environment=environment, memory_size=256)
    result = sim.invoke("ric", {"k": "v"})
    assert result.function_error is None
    assert result.payload == {"event": {"k": "v"}, "function_name": "ric", "memory": "256"}
    assert f"handling {result.request_id}\n" in result.logs
    assert not sim.invoke("ric", {}).cold_start


def test_awslambdaric_reports_a_handler_exception(sim):
    pytest.importorskip("awslambdaric")
    sim.create_function("ric-fails", handler="app.fails", code=str(CUSTOM / "ric"), runtime="provided.al2023",
                        environment={"PROBE_PYTHON": sys.executable})
    result = sim.invoke("ric-fails", {})
    assert result.function_error == "Unhandled"
    document = result.payload
    assert document["errorType"] == "ValueError" and document["errorMessage"] == "bad input"
    assert document["requestId"] == result.request_id
    assert "[ERROR] ValueError: bad input" in result.logs


def test_awslambdaric_reports_an_import_error_through_init_error(sim):
    pytest.importorskip("awslambdaric")
    sim.create_function("ric-missing", handler="nowhere.handler", code=str(CUSTOM / "ric"),
                        runtime="provided.al2023", environment={"PROBE_PYTHON": sys.executable})
    result = sim.invoke("ric-missing", {})
    assert result.function_error == "Unhandled"
    assert result.payload == {
        "errorMessage": "Unable to import module 'nowhere': No module named 'nowhere'",
        "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": [],
    }
    assert "\tPhase: init\tStatus: error\tError Type: Runtime.ImportModuleError\n" in result.logs


# --- documentation ----------------------------------------------------------------

_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
_PAGE = Path(__file__).resolve().parent.parent / "docs" / "custom-runtimes.md"


@pytest.mark.parametrize(
    "code", [pytest.param(m.group(1), id=f"line{_PAGE.read_text().count(chr(10), 0, m.start()) + 1}")
             for m in _BLOCK.finditer(_PAGE.read_text())]
)
def test_documentation_example_runs(code, tmp_path):
    if "curl" in code and shutil.which("curl") is None:
        pytest.skip("the example's bootstrap needs curl, which is not installed")
    import subprocess

    root = Path(__file__).resolve().parent.parent
    completed = subprocess.run(
        [sys.executable, "-W", "error::ResourceWarning", "-c", code],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr


def test_a_bootstrap_from_a_layer_runs_when_the_code_has_none(sim, tmp_path):
    import shutil

    layer = tmp_path / "runtime-layer"
    layer.mkdir()
    shutil.copy(PROBE / "probe.py", layer / "probe.py")
    bootstrap = layer / "bootstrap"
    bootstrap.write_text('#!/bin/sh\nexec "$PROBE_PYTHON" /opt/probe.py\n')
    bootstrap.chmod(0o755)
    code = tmp_path / "code"
    code.mkdir()
    (code / "README").write_text("the runtime comes from the layer\n")
    arn = sim.publish_layer_version("probe-runtime", content=str(layer))["LayerVersionArn"]
    probe(sim, name="layered", code=code, layers=[arn])
    result = sim.invoke("layered", {"from": "layer"})
    assert result.function_error is None, result.payload
    assert result.payload == {"echo": {"from": "layer"}}

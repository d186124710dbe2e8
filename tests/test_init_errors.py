"""Init errors end to end through invoke: documents (spec §1.2, §1.3), retries (§1.4), logs (§1.5)."""

import json
import math
import os
import re

import pytest

from conftest import BROKEN, LAMBDA_WARNING, task_root

NBSP = "\u00a0"


def _syntax_error():
    path = BROKEN / "bad_syntax.py"
    try:
        compile(path.read_text(), str(path), "exec")
    except SyntaxError as error:
        return error
    raise AssertionError("bad_syntax.py compiles")


SYNTAX = _syntax_error()


def _syntax_trace_line(root):
    """The trace line of bad_syntax.py's syntax error (without its indent) when run from ``root``."""
    return f'File "{os.path.join(root, "bad_syntax.py")}" Line {SYNTAX.lineno}\n'


def _no_trace(root):
    return []


def _syntax_trace(root):
    return [f"  {_syntax_trace_line(root)}    {SYNTAX.text}"]


# (handler, errorType, errorMessage, stackTrace), one row per line of the spec §1.2 table. The
# stack trace is a function of the environment's task root, where the file names point.
RESOLUTION_FAILURES = [
    pytest.param(
        "bad_handler",
        "Runtime.MalformedHandlerName",
        "Bad handler 'bad_handler': not enough values to unpack (expected 2, got 1)",
        _no_trace,
        id="no-dot",
    ),
    pytest.param(
        "sys.handler",
        "Runtime.BuiltInModuleConflict",
        "Cannot use built-in module sys as a handler module",
        _no_trace,
        id="builtin-module",
    ),
    pytest.param(
        "lambda_function.lambda_handler",
        "Runtime.ImportModuleError",
        "Unable to import module 'lambda_function': No module named 'lambda_function'",
        _no_trace,
        id="module-missing",
    ),
    pytest.param(
        "src/hello_world.app.lambda_handler",
        "Runtime.ImportModuleError",
        "Unable to import module 'src/hello_world.app': No module named 'src'",
        _no_trace,
        id="module-missing-quoted-as-written",
    ),
    pytest.param(
        "missing_dependency.handler",
        "Runtime.ImportModuleError",
        "Unable to import module 'missing_dependency': No module named 'a_module_that_is_not_installed'",
        _no_trace,
        id="dependency-missing",
    ),
    pytest.param(
        "bad_syntax.handler",
        "Runtime.UserCodeSyntaxError",
        f"Syntax error in module 'bad_syntax': {SYNTAX}",
        _syntax_trace,
        id="syntax-error",
    ),
    pytest.param(
        "no_handler.handler",
        "Runtime.HandlerNotFound",
        "Handler 'handler' missing on module 'no_handler'",
        _no_trace,
        id="handler-missing",
    ),
]


@pytest.fixture
def broken(sim):
    """Create ``broken`` on tests/handlers/broken with the given handler string."""

    def create(handler, **settings):
        sim.create_function("broken", handler=handler, code=str(BROKEN), **settings)
        return "broken"

    return create


@pytest.mark.parametrize("handler, error_type, message, stack_trace", RESOLUTION_FAILURES)
def test_resolution_failure_returns_the_init_error_document(
    sim, broken, handler, error_type, message, stack_trace
):
    broken(handler)
    result = sim.invoke("broken")
    assert result.status_code == 200
    assert result.function_error == "Unhandled"
    trace = stack_trace(task_root(sim, "broken"))
    expected = {"errorMessage": message, "errorType": error_type, "requestId": "", "stackTrace": trace}
    # Key order, separators and the empty request id are those of spec §1.3.
    assert result.raw_payload == json.dumps(expected).encode()


def test_exception_at_import_keeps_its_type_and_importlib_frames(sim, broken):
    broken("raises_at_import.handler")
    result = sim.invoke("broken")
    document = json.loads(result.raw_payload)
    assert list(document) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert document["errorMessage"] == "Runtime startup fails"
    assert document["errorType"] == "Exception"
    assert document["requestId"] == ""
    trace = document["stackTrace"]
    assert re.fullmatch(
        r'  File "[^"]*/importlib/__init__\.py", line \d+, in import_module\n    return .*\n', trace[0]
    )
    assert any(frame.startswith('  File "<frozen importlib._bootstrap>"') for frame in trace)
    root = task_root(sim, "broken")
    assert trace[-1] == (
        f'  File "{os.path.join(root, "raises_at_import.py")}", line 1, in <module>\n'
        '    raise Exception("Runtime startup fails")\n'
    )
    # No frame of lambdasim's runtime; the task root itself may be a lambdasim staging directory.
    assert not [frame for frame in trace if "lambdasim" in frame.replace(root, "")]


def test_init_is_retried_on_every_later_invoke_and_fails_the_same_way(sim, broken):
    broken("missing_dependency.handler")
    results = [sim.invoke("broken") for _ in range(3)]
    assert [r.cold_start for r in results] == [True, True, True]
    assert [r.function_error for r in results] == ["Unhandled"] * 3
    assert len({r.raw_payload for r in results}) == 1
    assert json.loads(results[0].raw_payload)["errorType"] == "Runtime.ImportModuleError"
    assert all(r.logs.startswith("INIT_START ") for r in results)


def test_init_is_retried_after_an_exit_at_import_too(sim, broken):
    broken("exits_at_import.handler")
    results = [sim.invoke("broken") for _ in range(3)]
    assert [r.cold_start for r in results] == [True, True, True]
    assert len({r.raw_payload for r in results}) == 1


def test_exit_at_import_is_a_runtime_exit_error_without_a_request_id(sim, broken):
    broken("exits_at_import.handler")
    result = sim.invoke("broken")
    assert result.function_error == "Unhandled"
    assert result.raw_payload == (
        b'{"errorType":"Runtime.ExitError","errorMessage":"Error: Runtime exited with error: exit status 1"}'
    )


def test_non_callable_handler_attribute_resolves_and_fails_at_invoke_with_the_request_id(sim, broken):
    broken("no_handler.VALUE")
    result = sim.invoke("broken")
    document = json.loads(result.raw_payload)
    assert result.function_error == "Unhandled"
    assert document["errorType"] == "TypeError"
    assert document["errorMessage"] == "'int' object is not callable"
    assert document["requestId"] == result.request_id
    # An invoke-time error: the environment stays warm.
    assert not sim.invoke("broken").cold_start


# --- logs ---------------------------------------------------------------------


def _failed_init_log(result, error_block, platform_error_type):
    """The whole log of a failed init, as a regex: literal text escaped, numbers as patterns."""
    rid = re.escape(result.request_id)
    return (
        r"INIT_START Runtime Version: python:3\.12\.v\d+\tRuntime Version ARN: "
        r"arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}\n"
        r"\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t\t" + re.escape(LAMBDA_WARNING) + r"\n"
        + re.escape(error_block)
        + r"INIT_REPORT Init Duration: (?P<init>\d+\.\d\d) ms\tPhase: init\tStatus: error\tError Type: "
        + re.escape(platform_error_type) + r"\n"
        rf"START RequestId: {rid} Version: \$LATEST\n"
        rf"END RequestId: {rid}\n"
        rf"REPORT RequestId: {rid}\tDuration: (?P<duration>\d+\.\d\d) ms\tBilled Duration: (?P<billed>\d+) ms"
        r"\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tStatus: error\tError Type: "
        + re.escape(platform_error_type) + r"\n"
    )


def test_failed_import_logs_warning_error_block_and_platform_lines(sim, broken):
    broken("missing_dependency.handler")
    result = sim.invoke("broken")
    block = (
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'missing_dependency': "
        "No module named 'a_module_that_is_not_installed'\n"
        "Traceback (most recent call last):\n"
    )
    match = re.fullmatch(_failed_init_log(result, block, "Runtime.ImportModuleError"), result.logs)
    assert match, result.logs
    assert int(match["billed"]) == math.ceil(float(match["duration"]))


def test_syntax_error_block_indents_trace_lines_with_no_break_spaces(sim, broken):
    broken("bad_syntax.handler")
    result = sim.invoke("broken")
    block = (
        f"[ERROR] Runtime.UserCodeSyntaxError: Syntax error in module 'bad_syntax': {SYNTAX}\n"
        "Traceback (most recent call last):\n"
        f"{NBSP * 2}{_syntax_trace_line(task_root(sim, 'broken'))}"
        f"{NBSP * 4}{SYNTAX.text}"
    )
    assert re.fullmatch(_failed_init_log(result, block, "Runtime.UserCodeSyntaxError"), result.logs), result.logs


def test_exception_at_import_is_runtime_unknown_in_platform_lines(sim, broken):
    broken("raises_at_import.handler")
    result = sim.invoke("broken")
    lines = result.logs.splitlines()
    assert "[ERROR] Exception: Runtime startup fails" in lines
    init_report = [line for line in lines if line.startswith("INIT_REPORT ")]
    report = [line for line in lines if line.startswith("REPORT ")]
    assert init_report[0].endswith("\tPhase: init\tStatus: error\tError Type: Runtime.Unknown")
    assert report[0].endswith("\tStatus: error\tError Type: Runtime.Unknown")
    trace = lines[lines.index("Traceback (most recent call last):") + 1 : lines.index(init_report[0])]
    assert trace and all(line.startswith(NBSP * 2) for line in trace)
    assert trace[-1] == NBSP * 4 + 'raise Exception("Runtime startup fails")'


def test_exit_at_import_logs_the_platform_fault_and_reports(sim, broken):
    broken("exits_at_import.handler")
    result = sim.invoke("broken")
    rid = re.escape(result.request_id)
    expected = (
        r"INIT_START Runtime Version: python:3\.12\.v\d+\tRuntime Version ARN: "
        r"arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}\n"
        r"Error: Runtime exited with error: exit status 1\nRuntime\.ExitError\n"
        r"INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: error\tError Type: Runtime\.ExitError\n"
        rf"START RequestId: {rid} Version: \$LATEST\n"
        rf"END RequestId: {rid}\n"
        rf"REPORT RequestId: {rid}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms"
        r"\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tStatus: error\tError Type: Runtime\.ExitError\n"
    )
    assert re.fullmatch(expected, result.logs), result.logs

"""Function logs: platform line formats (spec §5.1), capture order, logging format (§5.2), Tail (§5.5)."""

import base64
import math
import re

import pytest

from conftest import HANDLERS

INIT_LOG = HANDLERS / "init_log"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
MS = r"\d+\.\d\d"
INIT_START = re.compile(
    r"INIT_START Runtime Version: python:3\.12\.v\d+\tRuntime Version ARN: "
    r"arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}"
)
LOGGING_TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def _start(result, version="$LATEST"):
    return f"START RequestId: {result.request_id} Version: {version}"


def _end(result):
    return f"END RequestId: {result.request_id}"


def _report_pattern(result, *, memory_size=128, tail):
    return re.compile(
        rf"REPORT RequestId: {re.escape(result.request_id)}\tDuration: (?P<duration>{MS}) ms"
        rf"\tBilled Duration: (?P<billed>\d+) ms\tMemory Size: {memory_size} MB"
        rf"\tMax Memory Used: (?P<max_memory>\d+) MB{tail}"
    )


def _lines(result):
    """The log split into lines; every event ends in a newline, so the last piece is empty."""
    lines = result.logs.split("\n")
    assert lines[-1] == ""
    return lines[:-1]


@pytest.fixture
def init_log(sim):
    def create(handler="handler", name="init-log", **settings):
        sim.create_function(name, handler=f"app.{handler}", code=str(INIT_LOG), **settings)
        return name

    return create


# --- platform lines -------------------------------------------------------------


def test_cold_invoke_logs_init_start_init_output_start_handler_output_end_report(sim, init_log):
    init_log()
    result = sim.invoke("init-log")
    lines = _lines(result)
    assert INIT_START.fullmatch(lines[0]), lines[0]
    assert lines[1] == "init output"
    assert re.fullmatch(rf"\[WARNING\]\t{LOGGING_TIMESTAMP}\t\tinit warning", lines[2]), lines[2]
    assert lines[3:6] == [_start(result), "handler output", _end(result)]
    assert len(lines) == 7


def test_report_line_of_a_cold_invoke_ends_with_init_duration_and_a_tab(sim, init_log):
    init_log(memory_size=256)
    result = sim.invoke("init-log")
    report = _lines(result)[-1]
    match = _report_pattern(result, memory_size=256, tail=rf"\tInit Duration: (?P<init>{MS}) ms\t").fullmatch(report)
    assert match, repr(report)
    assert match["duration"] == f"{result.duration_ms:.2f}"
    assert match["init"] == f"{result.init_duration_ms:.2f}"
    assert int(match["billed"]) == result.billed_duration_ms
    assert int(match["max_memory"]) == result.max_memory_used_mb > 0


def test_warm_invoke_has_no_init_lines_and_its_report_ends_with_a_tab(sim, init_log):
    init_log()
    sim.invoke("init-log")
    result = sim.invoke("init-log")
    lines = _lines(result)
    assert lines[:3] == [_start(result), "handler output", _end(result)]
    assert len(lines) == 4
    assert _report_pattern(result, tail=r"\t").fullmatch(lines[3]), repr(lines[3])
    assert "INIT_START" not in result.logs and "Init Duration" not in result.logs


def test_billed_duration_includes_init_duration_on_a_cold_invoke(sim, init_log):
    init_log()
    cold = sim.invoke("init-log")
    assert cold.billed_duration_ms == math.ceil(cold.duration_ms + cold.init_duration_ms)


def test_billed_duration_is_the_duration_rounded_up_on_a_warm_invoke(sim, init_log):
    init_log()
    sim.invoke("init-log")
    warm = sim.invoke("init-log")
    assert warm.billed_duration_ms == math.ceil(warm.duration_ms)


def test_init_start_names_the_runtime_version_consistently_with_get_function(sim, init_log):
    init_log(runtime="python3.12")
    result = sim.invoke("init-log")
    arn = sim.get_function("init-log")["Configuration"]["RuntimeVersionConfig"]["RuntimeVersionArn"]
    assert _lines(result)[0].endswith(f"\tRuntime Version ARN: {arn}")


def test_timeout_report_has_status_timeout_the_timeout_as_duration_and_no_trailing_tab(sim, basic):
    basic("sleep", timeout=1)
    sim.invoke("sleep", {"seconds": 0})
    result = sim.invoke("sleep", {"seconds": 30})
    lines = _lines(result)
    # Output up to the kill is kept; no "Task timed out" line is written (spec §3.1, 2026).
    assert lines[:3] == [_start(result), "starting wait", _end(result)]
    assert len(lines) == 4
    assert re.fullmatch(
        rf"REPORT RequestId: {result.request_id}\tDuration: 1000\.00 ms\tBilled Duration: 1000 ms"
        r"\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tStatus: timeout",
        lines[3],
    ), repr(lines[3])
    assert result.payload == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds",
    }


def test_crash_logs_the_platform_fault_and_reports_status_error_with_the_error_type(sim, basic):
    name = basic("exit_with")
    sim.invoke(name, {"how": "none"})
    result = sim.invoke(name, {"how": "exit1"})
    lines = _lines(result)
    assert lines[:4] == [
        _start(result),
        f"RequestId: {result.request_id} Error: Runtime exited with error: exit status 1",
        "Runtime.ExitError",
        _end(result),
    ]
    assert len(lines) == 5
    assert _report_pattern(result, tail=r"\tStatus: error\tError Type: Runtime\.ExitError").fullmatch(
        lines[4]
    ), repr(lines[4])


def test_crash_on_a_cold_invoke_reports_init_duration_before_the_status(sim, basic):
    name = basic("exit_with")
    result = sim.invoke(name, {"how": "exit1"})
    tail = rf"\tInit Duration: {MS} ms\tStatus: error\tError Type: Runtime\.ExitError"
    assert _report_pattern(result, tail=tail).fullmatch(_lines(result)[-1]), repr(_lines(result)[-1])


def test_handler_exception_report_is_an_ordinary_success_report(sim, basic):
    basic("fail")
    sim.invoke("fail")
    result = sim.invoke("fail")
    lines = _lines(result)
    assert lines[1] == "[ERROR] ValueError: handler fails"
    assert lines[2] == "Traceback (most recent call last):"
    assert lines[3].startswith("\u00a0\u00a0File ")
    assert _report_pattern(result, tail=r"\t").fullmatch(lines[-1]), repr(lines[-1])


# --- what the handler writes ------------------------------------------------------


def test_print_logging_raw_stderr_and_child_process_output_are_captured_in_order(sim, basic):
    basic("noisy")
    sim.invoke("noisy")
    result = sim.invoke("noisy")
    lines = _lines(result)
    assert lines[0] == _start(result)
    assert lines[1] == "printed line"
    assert re.fullmatch(rf"\[WARNING\]\t{LOGGING_TIMESTAMP}\t{result.request_id}\ta warning", lines[2]), lines[2]
    assert lines[3:6] == ["raw stderr", "from a child process", _end(result)]
    assert len(lines) == 7


def test_logging_info_is_dropped_at_the_default_level(sim, basic):
    basic("noisy")
    assert "an info that the default level drops" not in sim.invoke("noisy").logs


def test_each_invocation_log_holds_only_its_own_request_id(sim, basic):
    basic("noisy")
    first, second = sim.invoke("noisy"), sim.invoke("noisy")
    assert first.request_id != second.request_id
    assert set(re.findall(UUID, first.logs)) == {first.request_id}
    assert set(re.findall(UUID, second.logs)) == {second.request_id}


# --- LogType=Tail ---------------------------------------------------------------


def test_tail_is_base64_of_the_last_4096_bytes_of_a_long_log(sim, init_log):
    init_log("shout", name="shout")
    result = sim.invoke("shout", {"lines": 200}, log_type="Tail")
    assert len(result.logs.encode()) > 4096
    tail = base64.b64decode(result.log_result)
    assert len(tail) == 4096
    assert tail == result.logs.encode()[-4096:]
    assert tail.decode().endswith("\t\n") and "REPORT RequestId: " in tail.decode()


def test_tail_of_a_short_log_is_the_whole_log(sim, basic):
    basic("echo")
    result = sim.invoke("echo", log_type="Tail")
    assert base64.b64decode(result.log_result) == result.logs.encode()


def test_no_tail_unless_asked(sim, basic):
    basic("echo")
    assert sim.invoke("echo").log_result is None
    assert sim.invoke("echo", log_type="None").log_result is None


# --- END and REPORT written when the log is first read -------------------------------


def _slot(result):
    """What ``InvokeResult``'s ``logs`` slot holds now, without finishing it."""
    return type(result).__dict__["logs"]._slot.__get__(result)


def _as_written_at_once(result):
    """The log as it would have been written with the result: START and output as kept,
    END and REPORT from the result's figures."""
    report = _report_pattern(result, memory_size=result.memory_size_mb, tail=r"(\tInit Duration: \d+\.\d\d ms)?\t")
    *head, end, report_line = _lines(result)
    assert end == _end(result) and report.fullmatch(report_line)
    init = "" if result.init_duration_ms is None else f"\tInit Duration: {result.init_duration_ms:.2f} ms"
    return (
        "".join(line + "\n" for line in head) + _end(result) + "\n"
        + f"REPORT RequestId: {result.request_id}\tDuration: {result.duration_ms:.2f} ms"
        f"\tBilled Duration: {result.billed_duration_ms} ms\tMemory Size: {result.memory_size_mb} MB"
        f"\tMax Memory Used: {result.max_memory_used_mb} MB{init}\t\n"
    )


@pytest.mark.parametrize("handler", ["echo", "noisy", "fail"])
def test_the_report_written_on_first_read_holds_the_results_own_figures(sim, basic, handler):
    basic(handler, name="f", memory_size=256)
    for result in (sim.invoke("f", {"x": 1}), sim.invoke("f", {"x": 2})):  # cold, then warm
        assert type(_slot(result)) is bytes  # not written yet
        logs = result.logs
        assert type(logs) is str and _slot(result) is logs  # written once, then kept
        assert logs == _as_written_at_once(result)


def test_the_log_is_written_the_same_whether_it_waited_or_not(sim, basic):
    """The same invoke, once with the log left to its first read and once written at
    once (LogType Tail): the same lines but for the request id and the figures."""
    basic("noisy", name="f")
    sim.invoke("f", {})
    waited, at_once = sim.invoke("f", {}), sim.invoke("f", {}, log_type="Tail")
    assert type(_slot(waited)) is bytes and type(_slot(at_once)) is str

    def shape(result):
        text = result.logs.replace(result.request_id, "<id>")
        text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", "<time>", text)
        return re.sub(r"\d+(\.\d\d)? (ms|MB)", r"<n> \2", text)

    assert shape(waited) == shape(at_once)


def _unread(sim):
    result = sim.invoke("f", {})
    assert type(_slot(result)) is bytes
    return result


def test_everything_that_reads_a_result_sees_its_whole_log(sim, basic):
    import copy
    import pickle

    import attrs

    basic("echo", name="f")
    sim.invoke("f", {})

    result = _unread(sim)
    assert "REPORT RequestId: " + result.request_id in repr(result)
    result = _unread(sim)
    assert attrs.asdict(result)["logs"].endswith("\t\n")
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        result = _unread(sim)
        loaded = pickle.loads(pickle.dumps(result, protocol))
        assert type(_slot(loaded)) is str and loaded.logs.startswith("START") and "REPORT" in loaded.logs
    for make in (copy.copy, copy.deepcopy):
        result = _unread(sim)
        made = make(result)
        assert type(_slot(made)) is str and made.logs == result.logs and "REPORT" in made.logs
    result = _unread(sim)
    evolved = attrs.evolve(result, duration_ms=999.0)  # the log keeps the figures it was written with
    assert type(_slot(evolved)) is str and evolved.logs == result.logs and "Duration: 999.00" not in evolved.logs
    result = _unread(sim)
    written = attrs.evolve(result, logs=copy.copy(result).logs)  # the same, its log already a str
    assert written == result and hash(written) == hash(result)
    assert attrs.evolve(_unread(sim), logs="other") != written
    assert attrs.evolve(_unread(sim), logs="replaced").logs == "replaced"
    result = _unread(sim)
    assert sim.invocations("f")[-1].result.logs.startswith("START RequestId: " + result.request_id)


def test_tail_json_traced_and_platform_failures_are_written_with_the_result(sim, basic):
    """What cannot wait: the Tail header is made of the log, JSON records carry the time
    they were written, a sampled trace adds its line, and a platform failure's REPORT
    has a status. A handler's own error waits like a success (the test above)."""
    basic("echo", name="f")
    basic("echo", name="j", logging_config={"LogFormat": "JSON"})
    basic("echo", name="x", tracing_config={"Mode": "Active"})
    basic("sleep", name="t", timeout=1)
    sim.faults.timeout("t")
    results = [sim.invoke("f", {}, log_type="Tail"), sim.invoke("j", {}), sim.invoke("x", {}), sim.invoke("t", 0)]
    for result in results:
        assert type(_slot(result)) is str
    tail = results[0]
    assert base64.b64decode(tail.log_result).decode() == tail.logs
    assert "XRAY TraceId: " in results[2].logs
    assert "Status: timeout" in results[3].logs

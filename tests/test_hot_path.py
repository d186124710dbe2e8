"""The warm invoke's shortcuts: polling instead of sleeping, and the protocol's fast encoders/decoders.

Each shortcut must give exactly what the plain path gives; these tests check that
(and the bounds of polling), never how fast anything is.
"""

import io
import json
import math
import os
import random
import re
import select
import subprocess
import sys
import threading
import time
import uuid

import attrs
import pytest

from lambdasim import LambdaSim
from lambdasim._event import RequestIds
from lambdasim._runtime import bootstrap, marshal, protocol
from lambdasim._runtime.context import LambdaContext
from lambdasim._sandbox import _polling
from lambdasim._sandbox._polling import spin_seconds

HANDLER = """
import os
import random
def handler(event, context):
    return {"event": event, "trace": os.environ["_X_AMZN_TRACE_ID"][:7], "name": context.function_name}
"""


def _code(tmp_path):
    (tmp_path / "app.py").write_text(HANDLER)
    return str(tmp_path)


# --- polling -----------------------------------------------------------------------


def test_spin_setting_from_the_environment(monkeypatch):
    monkeypatch.setenv("LAMBDASIM_SPIN_US", "0")
    assert spin_seconds() == 0.0
    monkeypatch.setenv("LAMBDASIM_SPIN_US", "150")
    assert spin_seconds() == pytest.approx(0.00015)
    for bad in ("fast", "-1", "inf", "nan", "10001"):
        monkeypatch.setenv("LAMBDASIM_SPIN_US", bad)
        with pytest.raises(ValueError, match=rf"LAMBDASIM_SPIN_US must be microseconds from 0 to 10000 \(got '{bad}'\)"):
            spin_seconds()


def test_no_polling_with_one_cpu(monkeypatch):
    monkeypatch.delenv("LAMBDASIM_SPIN_US", raising=False)
    monkeypatch.setattr(_polling, "cpus_available", lambda: 1.0)
    assert spin_seconds() == 0.0
    monkeypatch.setattr(_polling, "cpus_available", lambda: 2.0)
    assert spin_seconds() == _polling.SPIN_SECONDS


def test_cpus_available_counts_affinity_capped_by_a_cgroup_quota():
    cpus = _polling.cpus_available()
    assert 0 < cpus <= len(os.sched_getaffinity(0))


@pytest.mark.parametrize("spin_us", ["0", "200", "10000"])
def test_back_to_back_invokes_answer_the_same_with_polling_on_or_off(tmp_path, monkeypatch, spin_us):
    monkeypatch.setenv("LAMBDASIM_SPIN_US", spin_us)
    with LambdaSim() as sim:
        sim.create_function("echo", handler="app.handler", code=_code(tmp_path))
        results = [sim.invoke("echo", {"n": n}) for n in range(50)]
        env = sim.environments("echo")[0]
    assert [result.payload for result in results] == [
        {"event": {"n": n}, "trace": "Root=1-", "name": "echo"} for n in range(50)
    ]
    assert [result.cold_start for result in results] == [True] + [False] * 49
    assert env.invocations == 50
    if spin_us == "0":
        assert env._spin == 0.0 and not env._answered_quickly


def test_a_slow_answer_stops_the_polling(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMBDASIM_SPIN_US", "10000")  # 10 ms, the most: every quick answer counts as quick
    (tmp_path / "app.py").write_text("import time\ndef handler(event, context):\n    time.sleep(event)\n")
    with LambdaSim() as sim:
        sim.create_function("sleepy", handler="app.handler", code=str(tmp_path))
        sim.invoke("sleepy", 0).raise_for_error()
        sim.invoke("sleepy", 0).raise_for_error()
        env = sim.environments("sleepy")[0]
        # As after quick answers on a calm machine (a busy one may have missed a poll already).
        env._answered_quickly, env._pause = True, protocol.PollPause()
        sim.invoke("sleepy", 0.3).raise_for_error()  # longer than the polling budget
        assert env._sent_spin and not env._answered_quickly
        assert env._pause.left == 0  # one poll ran out: the runtime may only have been slow this once
        env._answered_quickly = True
        sim.invoke("sleepy", 0.3).raise_for_error()
        assert env._sent_spin and env._pause.left == 1  # the second in a row: the next invoke sleeps
        env._answered_quickly = True
        sim.invoke("sleepy", 0).raise_for_error()
        assert not env._sent_spin and env._pause.left == 0
        env._answered_quickly = True
        sim.invoke("sleepy", 0).raise_for_error()
        assert env._sent_spin  # the pause is over


def test_polls_that_keep_running_out_pause_polling_for_longer_each_time():
    pause = protocol.PollPause()
    paused = []
    for _ in range(9):
        pause.missed()
        paused.append(pause.left)
        while pause.skip():
            pass
    assert paused == [0, 1, 2, 4, 8, 16, 32, 64, 64]
    assert pause.skip() is False
    pause.answered()  # a poll was answered: the next one that runs out pauses nothing
    pause.missed()
    assert pause.left == 0 and pause.skip() is False
    pause.missed()
    assert [pause.skip(), pause.skip()] == [True, False]


def test_the_runtime_polls_for_the_next_command_within_its_bounds():
    read_fd, write_fd = os.pipe()
    try:
        poller = select.poll()
        poller.register(read_fd, select.POLLIN)
        assert bootstrap._poll_briefly(poller, 0.001) is False  # nothing came: ran out
        os.write(write_fd, b"x")
        assert bootstrap._poll_briefly(poller, 0.001) is True
        os.read(read_fd, 1)
        # A clock that never moves (a frozen one) still ends the wait: the polls are counted.
        assert bootstrap._poll_briefly(poller, 1.0, _clock=lambda _: 0.0) is False
    finally:
        os.close(read_fd)
        os.close(write_fd)


# --- the protocol's encoders and decoders ------------------------------------------------

VALUES = [
    None, True, 0, -7, 2**70, 1.5, math.inf, "", "é ☃ \u2028 \ud83d\ude00", "quote\"back\\slash\n",
    [], {}, [1, [2, [3]]], {"a": {"b": [1.25, None, "x"]}, "2": (1, 2)}, {1: "int key", 2.5: "float key"},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
@pytest.mark.parametrize("options", [
    {"ensure_ascii": True, "allow_nan": True},
    {"ensure_ascii": False, "allow_nan": True},
    {"ensure_ascii": True, "allow_nan": True, "separators": (",", ":")},
])
def test_one_shot_encoder_writes_what_the_stdlib_writes(value, options):
    assert protocol.one_shot_encoder(**options)(value) == json.JSONEncoder(**options).encode(value)


def test_one_shot_encoder_raises_what_the_stdlib_raises():
    encode = protocol.one_shot_encoder(allow_nan=False, separators=(",", ":"))
    circular = []
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular reference detected"):
        encode(circular)
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        encode({"x": math.nan})
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        encode({"x": {1}})
    assert encode({"ok": 1}) == '{"ok":1}'  # nothing left over from the failures


@pytest.mark.parametrize("head", [
    b'{"op":"result","maxrss_kb":12345}',
    b'{"op":"invoke","request_id":"r","deadline_ms":1,"invoked_function_arn":"arn:aws:lambda:x"}',
    b' {"op":"ready"} ',
    '{"op":"error","error_type":"\u00e9"}'.encode(),
])
def test_frame_headers_decode_as_json_loads_does(head):
    assert protocol._loads(head) == json.loads(head)


@pytest.mark.parametrize("head", [b"", b"{", b'{"op":"result"} x', b"\xff", b"[1]"])
def test_bad_frame_headers_fail_as_json_loads_does(head):
    try:
        expected = json.loads(head)
    except ValueError as error:
        with pytest.raises(type(error)):
            protocol._loads(head)
    else:
        assert protocol._loads(head) == expected


def test_a_handler_returning_none_is_marshalled_as_null():
    assert marshal.encode_result(None, ensure_ascii=True) == b"null"
    assert marshal.encode_result(None, ensure_ascii=False) == b"null"


def test_the_context_reads_the_function_variables_as_os_environ_get_does(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-\udcff")  # undecodable byte, as os.environ keeps it
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
    monkeypatch.delenv("AWS_LAMBDA_LOG_GROUP_NAME", raising=False)
    context = LambdaContext("id", None, None, 0, "arn")
    assert context.function_name == os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    assert context.memory_limit_in_mb == "256"
    assert context.log_group_name is None
    # A handler may replace os.environ with a plain mapping: that is what is read then.
    monkeypatch.setattr(os, "environ", {"AWS_LAMBDA_FUNCTION_NAME": "replaced"})
    assert LambdaContext("id", None, None, 0, "arn").function_name == "replaced"


def test_large_events_and_results_cross_enlarged_pipes_whole(tmp_path):
    (tmp_path / "app.py").write_text(
        "def handler(event, context):\n    return {'echo': event, 'more': 'y' * event['extra']}\n"
    )
    with LambdaSim() as sim:
        sim.create_function("big", handler="app.handler", code=str(tmp_path), timeout=30)
        small = sim.invoke("big", {"data": "", "extra": 10})
        env = sim.environments("big")[0]
        assert small.ok and not env._large_pipes
        for size in (70_000, 1_000_000, 3_000_000):  # the response stays under 6 MB
            event = {"data": "x" * size, "extra": size // 2}
            result = sim.invoke("big", event)
            assert result.payload == {"echo": event, "more": "y" * (size // 2)}
        assert env._large_pipes


# --- request ids, trace ids, the trace variable, the event decoder, faults -------------


def test_request_ids_are_uuid4_and_never_repeat():
    ids = RequestIds()
    made = [ids.next() for _ in range(1000)]
    assert len(set(made)) == len(made)
    for text in made:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
    assert {text[19] for text in made} == set("89ab")  # every variant digit is drawn


def test_a_pinned_request_id_holds_in_its_own_thread_only():
    ids = RequestIds()
    seen = {}

    def other_thread():
        seen["other"] = ids.next()

    with ids.pinned("pinned-id"):
        assert ids.next() == ids.next() == "pinned-id"
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert seen["other"] != "pinned-id" and uuid.UUID(seen["other"]).version == 4
    assert ids.next() != "pinned-id"


def _function_of(sim, directory, source):
    """Function ``f`` whose ``app.handler`` is ``source``."""
    (directory / "app.py").write_text(source)
    sim.create_function("f", handler="app.handler", code=str(directory))


def test_the_context_sees_what_a_handler_did_to_its_variables_in_the_invoke_before(sim, tmp_path):
    """The runtime reads the context's variables once an invoke has answered, for the next."""
    _function_of(sim, tmp_path, (
        "import os\n"
        "def handler(event, context):\n"
        "    seen = context.function_name\n"
        "    if 'set' in event:\n"
        "        os.environ['AWS_LAMBDA_FUNCTION_NAME'] = event['set']\n"
        "    elif 'unset' in event:\n"
        "        del os.environ['AWS_LAMBDA_FUNCTION_NAME']\n"
        "    return seen\n"
    ))
    assert sim.invoke("f", {}).payload == "f"
    assert sim.invoke("f", {"set": "renamed"}).payload == "f"
    assert sim.invoke("f", {"unset": True}).payload == "renamed"
    assert sim.invoke("f", {}).payload is None
    assert sim.invoke("f", {"set": "again"}).payload is None
    assert sim.invoke("f", {}).payload == "again"


def test_an_id_drawn_ahead_is_the_next_one_and_is_drawn_once():
    ids = RequestIds()
    ids.draw_ahead()
    ids.draw_ahead()  # one is waiting already: no second
    (ahead,) = ids._ahead
    assert uuid.UUID(ahead).version == 4
    assert ids.next() == ahead
    assert ids._ahead == [] and ids.next() != ahead


def test_a_pinned_id_comes_before_one_drawn_ahead():
    ids = RequestIds()
    ids.draw_ahead()
    (ahead,) = ids._ahead
    with ids.pinned("pinned-id"):
        assert ids.next() == "pinned-id"
    assert ids.next() == ahead


def test_each_warm_invoke_draws_the_next_ones_id_while_its_handler_runs(sim, basic):
    basic("echo")
    sim.invoke("echo")
    ahead = list(sim._request_ids._ahead)
    assert len(ahead) == 1
    assert sim.invoke("echo").request_id == ahead[0]
    assert len(set(result.request_id for result in (sim.invoke("echo") for _ in range(50)))) == 50


def test_unsampled_trace_headers_differ_and_follow_the_format():
    headers = [bootstrap._unsampled_trace(1_700_000_000) for _ in range(200)]
    assert len(set(headers)) == len(headers)
    for header in headers:
        assert re.fullmatch(r"Root=1-6553f100-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0", header)


def test_the_trace_variable_reaches_os_environ_and_child_processes(monkeypatch):
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "before")
    bootstrap._set_trace("Root=1-00000001-abc;Parent=def;Sampled=0")
    assert os.environ["_X_AMZN_TRACE_ID"] == "Root=1-00000001-abc;Parent=def;Sampled=0"
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.environ['_X_AMZN_TRACE_ID'])"],
        capture_output=True, text=True, check=True,
    )
    assert child.stdout.strip() == "Root=1-00000001-abc;Parent=def;Sampled=0"
    # A handler may replace os.environ with a plain mapping: then that is what is set.
    replaced = {}
    monkeypatch.setattr(os, "environ", replaced)
    bootstrap._set_trace("Root=1-00000002-abc;Parent=def;Sampled=0")
    assert replaced == {"_X_AMZN_TRACE_ID": "Root=1-00000002-abc;Parent=def;Sampled=0"}


@pytest.mark.parametrize(
    "data",
    [b'{"a":1}', b' \t{"a": [1, 2]}\r\n', b"\xef\xbb\xbf{}", b"\xef\xbb\xbf", b"   ", b"[1,2", b"1 2",
     b'"x"\n', b'{"a":1}x', b"\n"],
)
def test_events_decode_as_the_decoders_raw_decode_did(data):
    """decode_event calls the scanner itself; what it returns and raises is raw_decode's
    (NaN and the other constants, which it refuses, are test_runtime_marshal's)."""
    def reference():
        text = data.decode("utf-8")
        start = 1 if text[:1] == "\ufeff" else 0
        value, end = json.JSONDecoder().raw_decode(text, json.decoder.WHITESPACE.match(text, start).end())
        end = json.decoder.WHITESPACE.match(text, end).end()
        if end != len(text):
            raise json.JSONDecodeError("Extra data", text, end)
        return value

    try:
        expected = reference()
    except json.JSONDecodeError as error:
        with pytest.raises(json.JSONDecodeError) as raised:
            marshal.decode_event(data)
        assert (raised.value.msg, raised.value.pos) == (error.msg, error.pos)
    else:
        assert marshal.decode_event(data) == expected


def test_faults_are_armed_while_any_is_pending_or_set():
    with LambdaSim() as sim:
        faults = sim.faults
        assert not faults.armed
        for arm in (lambda: faults.throttle("f"), lambda: faults.latency("f", invoke=0.1),
                    lambda: faults.cold_start("f", always=True), lambda: faults.cold_start(),
                    lambda: faults.timeout("f")):
            arm()
            assert faults.armed
            faults.clear()
            assert not faults.armed


@pytest.mark.parametrize(
    "arm",
    [lambda f: f.kms("f"), lambda f: f.crash("f"), lambda f: f.init_error("f"), lambda f: f.timeout()],
    ids=["kms", "crash", "init_error", "timeout for every function"],
)
def test_each_counted_fault_arms_the_faults_until_cleared(arm):
    with LambdaSim() as sim:
        arm(sim.faults)
        assert sim.faults.armed
        sim.faults.clear()
        assert not sim.faults.armed


def test_faults_are_no_longer_armed_once_the_last_counted_one_is_used():
    with LambdaSim() as sim:
        sim.create_function("f", handler="app.echo", code="tests/handlers/basic")
        sim.faults.timeout("f", times=2)
        for _ in range(2):
            assert sim.faults.armed
            assert sim.invoke("f", {}).function_error == "Unhandled"
        assert not sim.faults.armed
        assert sim.invoke("f", {"id": 1}).payload == {"id": 1}


def test_a_fault_added_while_an_invoke_waits_for_its_environment_is_that_invokes(monkeypatch):
    """The invoke reads ``armed`` again once it has its environment: a fault added during a
    cold start is taken by that invoke, as when faults were always looked up."""
    with LambdaSim() as sim:
        sim.create_function("f", handler="app.echo", code="tests/handlers/basic")
        acquire = sim._acquire

        def acquire_then_add_a_fault(*args):
            env = acquire(*args)
            sim.faults.timeout("f")
            return env

        monkeypatch.setattr(sim, "_acquire", acquire_then_add_a_fault)
        assert not sim.faults.armed
        result = sim.invoke("f", {})
        assert result.function_error == "Unhandled" and b"Task timed out" in result.raw_payload
        assert not sim.faults.armed


def test_pinned_ids_stop_being_looked_up_once_no_thread_holds_one():
    ids = RequestIds()
    with ids.pinned("a"):
        with ids.pinned("b"):  # nested: the count, not a flag
            assert ids._pinning == 2 and ids.next() == "b"
        assert ids._pinning == 1
    assert ids._pinning == 0 and ids.next() not in ("a", "b")


def _drawn_ahead_then_next(ids=RequestIds()):
    ids.draw_ahead()
    return ids.next()


@pytest.mark.parametrize("make", [RequestIds().next, _drawn_ahead_then_next, lambda: bootstrap._unsampled_trace(1)],
                         ids=["request ids", "request ids drawn ahead", "trace ids"])
def test_ids_are_safe_to_make_from_many_threads(make):
    """Each id is its own draw from a generator that is safe across threads (the
    inline mode runs handlers in threads of the test process)."""
    interval = sys.getswitchinterval()
    made, errors = [], []

    def worker():
        try:
            made.extend(make() for _ in range(5000))
        except Exception as error:  # pragma: no cover - what the test is for
            errors.append(error)

    sys.setswitchinterval(1e-6)  # switch threads as often as CPython allows
    try:
        workers = [threading.Thread(target=worker) for _ in range(8)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == [] and len(made) == 40000 and len(set(made)) == 40000


# --- a result made while its invoke runs ------------------------------------------------


@pytest.mark.parametrize("function_error", [None, "Unhandled"])
@pytest.mark.parametrize("log_result", [None, "U1RBUlQ="])
@pytest.mark.parametrize("init_ms", [None, 123.46])
@pytest.mark.parametrize("content_type", ["application/json", "application/unknown"])
@pytest.mark.parametrize("exception", [None, ValueError("boom")])
def test_a_result_made_ahead_and_completed_is_the_result_built_at_once(
    function_error, log_result, init_ms, content_type, exception
):
    from lambdasim._result import InvokeResult, complete, made_ahead

    answer = (b'{"a": 1}', function_error, "START RequestId: id\n", log_result, init_ms, 1.25, 2, 41, content_type, exception)
    ahead = made_ahead("f", "id", "3", init_ms is not None, 256)
    completed = complete(ahead, *answer)
    built = InvokeResult(
        "f", answer[0], 200, "id", "3", function_error, answer[2], log_result, init_ms is not None, init_ms,
        1.25, 2, 41, 256, content_type, exception,
    )
    assert completed is ahead
    assert attrs.asdict(completed, recurse=False) == attrs.asdict(built, recurse=False)
    assert completed == built and hash(completed) == hash(built)


# --- the invoke header from a template ----------------------------------------------------

_PLAIN_HEADER = {
    "op": "invoke",
    "request_id": "3f1c9a2e-6b7d-4e0a-9c51-2d8e4f6a7b90",
    "deadline_ms": 1_800_000_000_123,
    "invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:orders:live",
}


@pytest.mark.parametrize("spin", [None, 0.0002, 1e-05, 0.01, 0.000123456789])
@pytest.mark.parametrize("header", [
    _PLAIN_HEADER,
    {**_PLAIN_HEADER, "request_id": 'quote " backslash \\ newline \n é \u2028 \x00'},
    {**_PLAIN_HEADER, "invoked_function_arn": "arn:aws:lambda:eu-west-1:1:function:ünïcode"},
    {**_PLAIN_HEADER, "deadline_ms": 0},
    {**_PLAIN_HEADER, "deadline_ms": 1.5e12},  # not an int: the encoder writes it
    {**_PLAIN_HEADER, "client_context": {"custom": {"a": 1}}},
    {**_PLAIN_HEADER, "now": 1_700_000_000.25, "trace_id": "Root=1-x;Parent=y;Sampled=1"},
    {**_PLAIN_HEADER, "crash": {"signal": 9, "exit_code": None}},
    {**_PLAIN_HEADER, "op": "other"},
    {key: value for key, value in _PLAIN_HEADER.items() if key != "deadline_ms"},
])
def test_the_invoke_header_template_writes_what_the_encoder_writes(header, spin):
    body = b'{"order_id":"A-1"}'
    expected = protocol.pack(header if spin is None else {**header, "spin": spin}, body)
    assert protocol.pack_invoke(dict(header), body, spin) == expected
    assert protocol.pack_invoke(dict(header), body, spin) == expected  # the spin text, kept
    assert protocol.read_frame(io.BytesIO(expected))[0] == (header if spin is None else {**header, "spin": spin})


# --- the frame reader -----------------------------------------------------------------------


def _frames_in_order(count, seed):
    rng = random.Random(seed)
    return [
        ({"op": "result", "n": index, "pad": "x" * rng.choice([0, 1, 7, 300, 70000])}, bytes(rng.choice([0, 3, 65536, 100000])))
        for index in range(count)
    ]


@pytest.mark.parametrize("seed", range(12))
def test_the_frame_reader_gives_back_every_frame_however_the_bytes_come(seed):
    rng = random.Random(seed)
    sent = _frames_in_order(6, seed)
    stream = b"".join(protocol.pack(header, body) for header, body in sent)
    reader, got, position = protocol.FrameReader(), [], 0
    while position < len(stream):
        # Whole frames, several at once, and pieces cut anywhere (inside the prefix too).
        size = rng.choice([1, 5, 8, 9, 100, 4096, 70000, len(stream)])
        reader.feed(stream[position:position + size])
        position += size
        assert reader.wanted() >= 1 << 16
        frame = reader.take()
        while frame is not None:
            got.append(frame)
            frame = reader.take()
    assert got == sent
    assert reader.take() is None


def test_a_read_of_one_whole_frame_is_taken_as_it_came_and_keeps_its_order():
    first, second = protocol.pack({"op": "a"}, b"1"), protocol.pack({"op": "b"}, b"22")
    reader = protocol.FrameReader()
    reader.feed(first)  # kept whole
    reader.feed(second[:3])  # a piece after it: both go to the buffer, in order
    assert reader.take() == ({"op": "a"}, b"1")
    assert reader.take() is None
    reader.feed(second[3:])
    assert reader.take() == ({"op": "b"}, b"22") and reader.take() is None
    reader.feed(first + second)  # two frames in one read
    assert [reader.take(), reader.take(), reader.take()] == [({"op": "a"}, b"1"), ({"op": "b"}, b"22"), None]


def test_a_handler_that_leaves_os_environ_unwritable_fails_the_next_invoke_as_before(sim, tmp_path):
    """The runtime sets the next trace header once it has answered; when a handler has
    made that impossible, the next invoke fails (its runtime exits), not the idle time."""
    _function_of(sim, tmp_path, (
        "import os, types\n"
        "def handler(event, context):\n"
        "    if event.get('break'):\n"
        "        os.environ = types.MappingProxyType(dict(os.environ))\n"
        "    return 'ok'\n"
    ))
    assert sim.invoke("f", {}).payload == "ok"
    assert sim.invoke("f", {"break": True}).payload == "ok"
    time.sleep(0.3)  # an environment that died while idle would be replaced by now
    failed = sim.invoke("f", {})
    assert not failed.cold_start
    assert failed.function_error == "Unhandled" and failed.payload["errorType"] == "Runtime.ExitError"
    assert "TypeError" in failed.logs and "does not support item assignment" in failed.logs


@pytest.mark.parametrize("log_format, order", [("Text", ["send", "start"]), ("JSON", ["start", "send"])])
def test_a_text_start_is_written_while_the_handler_runs_and_a_json_one_before(sim, basic, monkeypatch, log_format, order):
    """A JSON record carries the time it was written: it must not come after the handler's."""
    from lambdasim._platform_log import LogLines
    from lambdasim._sandbox._environment import ExecutionEnvironment

    basic("echo", name="f", logging_config={"LogFormat": log_format})
    sim.invoke("f", {})
    seen = []
    start, send = LogLines.start, ExecutionEnvironment.send
    monkeypatch.setattr(LogLines, "start", lambda self, *args: (seen.append("start"), start(self, *args))[1])
    monkeypatch.setattr(ExecutionEnvironment, "send", lambda self, *args: (seen.append("send"), send(self, *args))[1])
    assert sim.invoke("f", {"x": 1}).payload == {"x": 1}
    assert seen == order


_CHILDREN_SCRIPT = r"""
import os, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from lambdasim._runtime import bootstrap
seen = [bootstrap._background_work()]
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
seen.append(bootstrap._background_work())
child.kill()
while open("/proc/%d/stat" % child.pid).read().split(") ")[1][0] != "Z":
    time.sleep(0.01)
seen.append(bootstrap._background_work())  # a zombie not yet waited for is a child still
child.wait()
seen.append(bootstrap._background_work())
print(seen)
"""


def test_the_runtime_sees_a_child_process_of_the_handler_until_it_is_waited_for():
    # In a process of its own: this one may have threads (pytest-xdist), which answer first.
    checkout = os.path.abspath(os.path.join(os.path.dirname(bootstrap.__file__), "..", ".."))
    out = subprocess.run(
        [sys.executable, "-c", _CHILDREN_SCRIPT, checkout], capture_output=True, text=True, check=True, timeout=60,
    ).stdout
    assert out.strip() == "[False, True, True, False]"


_ARN_HANDLER = """
import os
def handler(event, context):
    print("hello")
    return {"arn": context.invoked_function_arn, "trace": os.environ["_X_AMZN_TRACE_ID"][-9:]}
"""


def test_what_invokes_share_follows_the_reference_and_every_change_of_configuration(tmp_path):
    (tmp_path / "app.py").write_text(_ARN_HANDLER)
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    with LambdaSim() as sim:
        sim.create_function("f", handler="app.handler", code=str(tmp_path))
        sim.publish_version("f")
        sim.create_alias("f", "live", "1")
        for reference, invoked in [
            ("f", arn), ("f:$LATEST", f"{arn}:$LATEST"), ("f:1", f"{arn}:1"), ("f:live", f"{arn}:live"),
            (arn, arn), (f"{arn}:live", f"{arn}:live"), ("f", arn),
        ]:
            assert sim.invoke(reference).payload["arn"] == invoked
        assert sim.invoke("f").logs.startswith("START RequestId: ")
        sim.update_function_configuration("f", logging_config={"LogFormat": "JSON"})
        assert json.loads(sim.invoke("f").logs.splitlines()[0])["type"] == "platform.initStart"  # retired: cold
        assert json.loads(sim.invoke("f").logs.splitlines()[0])["type"] == "platform.start"
        assert sim.invoke("f:live").logs.startswith("START RequestId: ")  # version 1: Text still
        assert sim.invoke("f").payload["trace"] == "Sampled=0"
        sim.update_function_configuration("f", tracing_config={"Mode": "Active"})
        assert sim.invoke("f").payload["trace"] == "Sampled=1"
        assert sim.invoke("f:1").payload["trace"] == "Sampled=0"

"""Bad input: every public input fuzzed with hypothesis.

Only documented exceptions come out — ``LambdaSimError`` subclasses (AWS's errors),
``TypeError`` for keyword names a call does not take or an event that is not JSON,
``NotImplementedError`` for what lambdasim says it does not support yet — and over
REST only AWS error responses: never another exception, a traceback or a hang.
Example counts are modest so the suite stays fast; LAMBDASIM_HEAVY=1 runs 20 times
as many. See docs/reliability.md.
"""

import base64
import io
import json
import os
import zipfile
from urllib.parse import quote

import attrs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import BASIC
from lambdasim import LambdaSim, LambdaSimError
from lambdasim._config import FunctionConfig
from lambdasim._rest import ROUTES, RestRouter

HEAVY = 20 if os.environ.get("LAMBDASIM_HEAVY") else 1
ROLE = "arn:aws:iam::123456789012:role/lambda-role"
FIELDS = [field.name for field in attrs.fields(FunctionConfig) if field.name != "function_name"]


def _settings(examples):
    return settings(
        max_examples=examples * HEAVY, deadline=None, derandomize=not os.environ.get("LAMBDASIM_HEAVY"),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# --- strategies ----------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.integers(-5, 20000),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=80), st.binary(max_size=40),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6), st.tuples(inner, inner), st.dictionaries(st.text(max_size=12), inner, max_size=5),
    ),
    max_leaves=12,
)
#: Strings shaped like the ones the API takes: names, ARNs, qualifiers, with edits.
names = st.one_of(
    st.text(max_size=80),
    st.from_regex(r"[a-zA-Z0-9_-]{1,70}", fullmatch=True),
    st.builds(
        lambda region, account, name, qualifier: f"arn:aws:lambda:{region}:{account}:function:{name}{qualifier}",
        st.sampled_from(["us-east-1", "eu-west-1", "", "us-east-1x"]),
        st.sampled_from(["123456789012", "000000000000", "12345", ""]),
        st.sampled_from(["echo", "nope", "", "echo:extra"]),
        st.sampled_from(["", ":$LATEST", ":1", ":alias", ":", ":$LATEST.PUBLISHED", ":bad qualifier"]),
    ),
    st.sampled_from(["echo", "echo:$LATEST", "echo:1", "123456789012:function:echo", "function:echo", "echo:"]),
)
qualifiers = st.one_of(st.none(), st.text(max_size=140), st.sampled_from(["$LATEST", "1", "prod", "$LATEST.PUBLISHED", ""]))
handlers = st.one_of(
    st.text(max_size=140),
    st.from_regex(r"[a-zA-Z0-9_./-]{1,40}\.[a-zA-Z_][a-zA-Z0-9_]{0,10}", fullmatch=True),
    st.sampled_from([
        "app.echo", "app", ".echo", "app.", "../app.echo", "/etc/passwd.handler", "os.getcwd", "sys.exit",
        "app.echo.x", "a/b/../c.handler", "app..echo", "builtins.print", "\u00e9t\u00e9.handler",
    ]),
)
json_documents = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text()),
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)),
    max_leaves=20,
)
events = st.one_of(
    json_documents, values, st.binary(max_size=200), st.text(max_size=200),
    json_documents.map(lambda doc: json.dumps(doc).encode()),
    st.sampled_from([b"NaN", b"[1,]", b"\xff\xfe", b"{\"a\": Infinity}", b"  ", "\ud800", b"1" * 400, b"{}" * 2]),
)


def _zip_of_basic():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(BASIC / "app.py", "app.py")
    return buffer.getvalue()


@pytest.fixture
def fuzz_sim(zygote):
    with LambdaSim(zygote=zygote) as sim:
        sim.create_function("echo", handler="app.echo", code=str(BASIC))
        yield sim


def _documented(call):
    """Run ``call``; return its value or the documented exception it raised."""
    try:
        return call()
    except (LambdaSimError, TypeError, NotImplementedError) as error:
        return error


# --- the Python API ------------------------------------------------------------


@_settings(60)
@example(name="found-by-fuzzing", settings_={"logging_config": (1, True, None)})
@example(name="found-by-fuzzing", settings_={"tracing_config": (None, None)})
@given(name=names, settings_=st.dictionaries(st.sampled_from(FIELDS), values, max_size=5))
def test_create_function_with_any_settings_raises_only_lambdasim_errors(fuzz_sim, name, settings_):
    settings_.setdefault("handler", "app.echo")
    try:
        fuzz_sim.create_function(name, code=str(BASIC), **settings_)
    except LambdaSimError:
        return
    fuzz_sim.delete_function(name)


@_settings(30)
@given(settings_=st.dictionaries(st.text(max_size=20), values, min_size=1, max_size=3))
def test_unknown_keywords_are_type_errors_naming_them(fuzz_sim, settings_):
    unknown = set(settings_) - set(FIELDS)
    try:
        fuzz_sim.update_function_configuration("echo", **settings_)
    except TypeError as error:
        assert unknown and all(repr(key) in str(error) for key in unknown)
    except LambdaSimError:
        assert not unknown
    else:
        assert not unknown


@_settings(60)
@given(changes=st.dictionaries(st.sampled_from([f for f in FIELDS if f != "handler"]), values, max_size=4))
def test_update_function_configuration_raises_only_lambdasim_errors(fuzz_sim, changes):
    before = fuzz_sim.get_function_configuration("echo")
    try:
        fuzz_sim.update_function_configuration("echo", **changes)
    except LambdaSimError:
        assert fuzz_sim.get_function_configuration("echo") == before  # nothing half-applied
    else:
        fuzz_sim.delete_function("echo")
        fuzz_sim.create_function("echo", handler="app.echo", code=str(BASIC))


@_settings(25)
@given(handler=handlers)
def test_any_handler_string_gives_a_result_or_a_validation_error(fuzz_sim, handler):
    try:
        fuzz_sim.create_function("fuzzed", handler=handler, code=str(BASIC), timeout=5)
    except LambdaSimError:
        return
    try:
        result = fuzz_sim.invoke("fuzzed", {"x": 1})
        assert result.status_code == 200
        if result.function_error:
            assert set(result.payload) >= {"errorType", "errorMessage"}
    finally:
        fuzz_sim.delete_function("fuzzed")


@_settings(80)
@example(event="\ud800")  # a lone surrogate: found by fuzzing
@given(event=events)
def test_any_event_gives_a_result_or_a_documented_error(fuzz_sim, event):
    answer = _documented(lambda: fuzz_sim.invoke("echo", event))
    if isinstance(answer, Exception):
        assert not isinstance(answer, NotImplementedError)
        return
    assert answer.function_error is None, answer.payload
    if isinstance(event, (bytes, str)):
        body = event.encode() if isinstance(event, str) else event
        assert answer.payload == (json.loads(body) if body.strip() else {})
    else:
        assert answer.payload == (json.loads(json.dumps(event)) if event is not None else {})


@_settings(80)
@given(
    name=names, qualifier=qualifiers,
    invocation_type=st.one_of(st.sampled_from(["RequestResponse", "DryRun", "Event"]), st.text(max_size=20)),
    log_type=st.one_of(st.none(), st.sampled_from(["None", "Tail"]), st.text(max_size=10)),
    client_context=st.one_of(st.none(), values, st.builds(lambda d: base64.b64encode(json.dumps(d).encode()).decode(), json_documents)),
)
def test_any_reference_and_invoke_options_give_a_result_or_a_documented_error(
    fuzz_sim, name, qualifier, invocation_type, log_type, client_context
):
    _documented(lambda: fuzz_sim.invoke(
        name, {"k": 1}, qualifier=qualifier, invocation_type=invocation_type, log_type=log_type,
        client_context=client_context,
    ))
    for operation in (fuzz_sim.get_function, fuzz_sim.get_function_configuration):
        answer = _documented(lambda: operation(name, qualifier=qualifier))
        assert not isinstance(answer, (TypeError, NotImplementedError)), answer
    answer = _documented(lambda: fuzz_sim.put_function_concurrency(name, 5))
    assert not isinstance(answer, (TypeError, NotImplementedError)), answer


@_settings(40)
@example(code="~0")  # an unknown ~user: found by fuzzing
@example(code="\x00")  # a NUL in the path: found by fuzzing
@given(code=st.one_of(st.binary(max_size=300), st.text(max_size=50), st.integers(), st.none(), st.lists(st.integers())))
def test_any_code_argument_raises_only_lambdasim_errors(fuzz_sim, code):
    try:
        fuzz_sim.create_function("coded", handler="app.echo", code=code)
    except LambdaSimError:
        return
    fuzz_sim.delete_function("coded")


# --- the REST API --------------------------------------------------------------

ZIP = base64.b64encode(_zip_of_basic()).decode()
members = st.fixed_dictionaries(
    {},
    optional={
        "FunctionName": names, "Role": st.one_of(st.just(ROLE), values), "Handler": st.one_of(handlers, values),
        "Runtime": st.one_of(st.sampled_from(["python3.12", "python3.9", "nodejs20.x"]), values),
        "Code": st.one_of(st.just({"ZipFile": ZIP}), st.dictionaries(st.sampled_from(["ZipFile", "S3Bucket", "ImageUri"]), values)),
        "Timeout": values, "MemorySize": values, "Environment": st.one_of(values, st.builds(lambda v: {"Variables": v}, values)),
        "EphemeralStorage": st.one_of(values, st.builds(lambda v: {"Size": v}, values)),
        "ReservedConcurrentExecutions": values, "Description": values, "Publish": values,
        "Architectures": values, "Layers": values, "ZipFile": st.one_of(st.just(ZIP), values),
    },
)
templates = [route.template.split("?")[0] for route in ROUTES]
paths = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda template, label, encode: template.replace("{FunctionName}", quote(label, safe="") if encode else label)
        .replace("{Qualifier}", "1").replace("{Name}", label).replace("{LayerName}", label)
        .replace("{Arn}", label).replace("{Resource}", label),
        st.sampled_from(templates), names, st.booleans(),
    ),
)
queries = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.tuples(st.sampled_from(["Qualifier", "MaxItems", "Marker", "FunctionVersion", "find", "x"]), st.text(max_size=20)),
        max_size=3,
    ).map(lambda pairs: "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)),
)
headers = st.dictionaries(
    st.sampled_from(["X-Amz-Invocation-Type", "X-Amz-Log-Type", "X-Amz-Client-Context", "Content-Type",
                     "X-Amz-Tenant-Id", "X-Amz-Durable-Execution-Name", "x"]),
    st.one_of(st.text(max_size=40), st.binary(max_size=20), st.sampled_from(["RequestResponse", "DryRun", "Tail", "None"])),
    max_size=3,
)
bodies = st.one_of(
    st.binary(max_size=200), members.map(lambda document: json.dumps(document, default=repr).encode()),
    json_documents.map(lambda document: json.dumps(document).encode()),
)


@_settings(150)
@given(
    method=st.one_of(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]), st.text(max_size=8)),
    path=paths, query=queries, headers_=headers, body=bodies,
)
def test_any_rest_request_gets_an_aws_response(fuzz_sim, method, path, query, headers_, body):
    response = RestRouter(fuzz_sim).handle(method, path, query, headers_, body)
    assert isinstance(response.status, int) and 200 <= response.status < 600
    assert response.headers.get("x-amzn-RequestId")
    if response.status >= 400:
        assert response.status < 500 or response.status == 501, response
        assert response.headers["x-amzn-ErrorType"]
        document = json.loads(response.body)
        assert isinstance(document.get("message", document.get("Message")), str), document
    # Whatever was asked, the simulator still answers.
    if not any(f["FunctionName"] == "echo" for f in fuzz_sim.list_functions()["Functions"]):
        fuzz_sim.create_function("echo", handler="app.echo", code=str(BASIC))
    assert fuzz_sim.invoke("echo", {"still": True}).payload == {"still": True}


# --- the simulator's own options and sim.faults ---------------------------------


@_settings(40)
@example(options={"init_timeout": None})  # found by fuzzing: a TypeError from inside the first invoke
@example(options={"minimum_unreserved": None})  # found by fuzzing: a TypeError from inside the first invoke
@example(options={"region": "us-east-1\x00"})  # found by fuzzing: crashed the runtime process
@given(
    options=st.fixed_dictionaries(
        {},
        optional={
            "region": st.one_of(st.sampled_from(["us-east-1", "eu-central-1"]), values),
            "account_id": st.one_of(st.sampled_from(["123456789012", "000000000001"]), values),
            "idle_timeout": st.one_of(st.none(), st.floats(0, 3600), values),
            "concurrency_limit": st.one_of(st.integers(0, 2000), values),
            "minimum_unreserved": st.one_of(st.integers(0, 200), values),
            "init_timeout": st.one_of(st.floats(0.5, 20), values),
            "cold_start": st.one_of(st.sampled_from(["reuse", "always"]), values),
            "private_tmp": st.one_of(st.booleans(), values),
            "enforce_memory": st.one_of(st.booleans(), values),
        },
    )
)
def test_any_simulator_options_raise_only_lambdasim_errors_or_work(zygote, options):
    try:
        sim = LambdaSim(zygote=zygote, **options)
    except LambdaSimError:
        return
    with sim:
        answer = _documented(lambda: sim.create_function("echo", handler="app.echo", code=str(BASIC)))
        if isinstance(answer, Exception):
            assert isinstance(answer, LambdaSimError), answer
            return
        answer = _documented(lambda: sim.invoke("echo", {"ok": 1}))
        assert not isinstance(answer, (TypeError, NotImplementedError)), answer
        if not isinstance(answer, Exception):
            assert answer.payload == {"ok": 1}


fault_names = st.one_of(st.none(), st.just("echo"), values)


@_settings(60)
@given(
    fault=st.sampled_from(["cold_start", "throttle", "timeout", "crash", "init_error", "latency"]),
    name=fault_names,
    keywords=st.dictionaries(
        st.sampled_from(["times", "reason", "exit_code", "signal", "error_type", "error_message", "init", "invoke",
                         "always"]),
        st.one_of(values, st.integers(-2, 300), st.floats(-1, 5)),
        max_size=3,
    ),
)
def test_any_fault_arguments_raise_only_documented_errors_and_invokes_still_answer(
    fuzz_sim, fault, name, keywords
):
    answer = _documented(lambda: getattr(fuzz_sim.faults, fault)(name, **keywords))
    assert not isinstance(answer, NotImplementedError), answer
    if isinstance(answer, TypeError):
        return  # a keyword this fault does not take
    answer = _documented(lambda: fuzz_sim.invoke("echo", {"ok": 1}))
    assert not isinstance(answer, (TypeError, NotImplementedError)), answer
    fuzz_sim.faults.clear()
    assert fuzz_sim.invoke("echo", {"ok": 2}).payload == {"ok": 2}

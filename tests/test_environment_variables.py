"""The environment variables a handler sees: Lambda's set (spec §7.1), built from nothing."""

import os
import re
import time

import pytest

from conftest import BASIC

from lambdasim import LambdaSim
from lambdasim._sandbox._zygote import PASSTHROUGH_ENV

#: Spec §7.1 (``_X_AMZN_TRACE_ID`` is set per invoke, ``Sampled=0`` without active tracing).
LAMBDA_VARIABLES = {
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_XRAY_CONTEXT_MISSING",
    "AWS_XRAY_DAEMON_ADDRESS",
    "_AWS_XRAY_DAEMON_ADDRESS",
    "_AWS_XRAY_DAEMON_PORT",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
    "LANG",
    "LD_LIBRARY_PATH",
    "PATH",
    "PWD",
    "PYTHONPATH",
    "SHLVL",
    "TZ",
}
LOG_STREAM = re.compile(r"(\d{4}/\d{2}/\d{2})/\[\$LATEST\][0-9a-f]{32}")
HOST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAHOSTDEVELOPERKEY",
    "AWS_SECRET_ACCESS_KEY": "host/developer/secret/access/key/do/not/leak",
    "AWS_SESSION_TOKEN": "host-developer-session-token",
}


def _coverage_passthrough():
    # Coverage's variables pass through on purpose (DESIGN §3.4), when the test run has them.
    return {name for name in PASSTHROUGH_ENV if name in os.environ}


def test_handler_sees_exactly_lambdas_variables(sim, basic):
    basic("env", runtime="python3.12")
    seen = sim.invoke("env").payload
    assert set(seen) == LAMBDA_VARIABLES | {"LC_CTYPE"} | _coverage_passthrough()


def test_variables_have_lambdas_values(sim, basic):
    basic("env", memory_size=1024, runtime="python3.12")
    seen = sim.invoke("env").payload
    expected = {
        "_HANDLER": "app.env",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_LAMBDA_FUNCTION_NAME": "env",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/env",
        "AWS_LAMBDA_RUNTIME_API": "169.254.100.1:9001",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": "169.254.100.1:2000",
        "_AWS_XRAY_DAEMON_ADDRESS": "169.254.100.1",
        "_AWS_XRAY_DAEMON_PORT": "2000",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "LANG": "en_US.UTF-8",
        "LC_CTYPE": "C.UTF-8",
        "LD_LIBRARY_PATH": (
            "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
        ),
        "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "PYTHONPATH": "/var/runtime",
        "SHLVL": "0",
        "TZ": ":UTC",
    }
    assert {name: seen[name] for name in expected} == expected


def test_task_root_and_pwd_are_the_working_directory(sim, basic):
    basic("env")
    basic("path")
    seen = sim.invoke("env").payload
    cwd = sim.invoke("path").payload["cwd"]
    assert seen["LAMBDA_TASK_ROOT"] == seen["PWD"] == cwd


@pytest.mark.parametrize(
    "runtime, has_lc_ctype",
    [
        ("python3.10", False),
        ("python3.11", False),
        ("python3.12", True),
        ("python3.13", True),
        ("python3.14", True),
    ],
)
def test_execution_env_follows_the_runtime_and_lc_ctype_is_set_from_python312(
    sim, basic, runtime, has_lc_ctype
):
    basic("env", runtime=runtime)
    seen = sim.invoke("env").payload
    assert seen["AWS_EXECUTION_ENV"] == f"AWS_Lambda_{runtime}"
    assert ("LC_CTYPE" in seen) is has_lc_ctype
    assert set(seen) - {"LC_CTYPE"} == LAMBDA_VARIABLES | _coverage_passthrough()


def test_host_credentials_and_variables_never_reach_the_handler(monkeypatch):
    for name, value in HOST_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_PROFILE", "developer")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("LAMBDASIM_TEST_SECRET", "host-only-secret")
    # A simulator with its own zygote, started after the host variables were set.
    with LambdaSim() as sim:
        sim.create_function("env", handler="app.env", code=str(BASIC))
        seen = sim.invoke("env").payload
    assert "LAMBDASIM_TEST_SECRET" not in seen
    assert "AWS_PROFILE" not in seen
    assert seen["AWS_DEFAULT_REGION"] == "us-east-1"
    for name, host_value in HOST_CREDENTIALS.items():
        assert seen[name] and seen[name] != host_value
    leaked = {name for name, value in seen.items() if value in HOST_CREDENTIALS.values()}
    assert leaked == set()
    assert "host-only-secret" not in seen.values()


def test_credentials_are_the_same_harmless_values_in_every_function(sim, basic):
    basic("env", name="one")
    basic("env", name="two")
    first, second = sim.invoke("one").payload, sim.invoke("two").payload
    credentials = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    assert {name: first[name] for name in credentials} == {name: second[name] for name in credentials}


def test_user_variables_are_present_and_override_unreserved_ones(sim, basic):
    user = {
        "TABLE": "orders",
        "PATH": "/custom/bin:/usr/bin",
        "LANG": "C.UTF-8",
        "LD_LIBRARY_PATH": "/custom/lib",
    }
    basic("env", environment=user)
    seen = sim.invoke("env").payload
    assert {name: seen[name] for name in user} == user


def test_pythonpath_is_the_runtime_directory_when_the_user_sets_none(sim, basic):
    basic("env", environment={"TABLE": "orders"})
    assert sim.invoke("env").payload["PYTHONPATH"] == "/var/runtime"


def test_user_pythonpath_is_kept_as_given(sim, basic):
    basic("env", environment={"PYTHONPATH": "/opt/custom"})
    assert sim.invoke("env").payload["PYTHONPATH"] == "/opt/custom"


def test_log_stream_name_has_the_dated_lambda_format(sim, basic):
    basic("env")
    before = time.strftime("%Y/%m/%d", time.gmtime())
    stream = sim.invoke("env").payload["AWS_LAMBDA_LOG_STREAM_NAME"]
    after = time.strftime("%Y/%m/%d", time.gmtime())
    match = LOG_STREAM.fullmatch(stream)
    assert match, stream
    assert match.group(1) in (before, after)
    assert stream == sim.environments("env")[0].log_stream_name


def test_log_stream_name_is_kept_by_a_warm_environment_and_new_for_a_new_one(sim, basic):
    basic("env")
    first = sim.invoke("env").payload["AWS_LAMBDA_LOG_STREAM_NAME"]
    warm = sim.invoke("env").payload["AWS_LAMBDA_LOG_STREAM_NAME"]
    sim.update_function_configuration("env", description="retire the environment")
    cold = sim.invoke("env").payload["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert warm == first
    assert cold != first and LOG_STREAM.fullmatch(cold)


def test_log_stream_date_follows_the_simulated_clock(sim, basic):
    freezegun = pytest.importorskip("freezegun")
    basic("env")
    with freezegun.freeze_time("2024-02-29 23:59:00"):
        stream = sim.invoke("env").payload["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert stream.startswith("2024/02/29/[$LATEST]")


def test_trace_id_is_set_per_invoke_unsampled_without_active_tracing(sim, basic):
    basic("env")
    first = sim.invoke("env").payload["_X_AMZN_TRACE_ID"]
    second = sim.invoke("env").payload["_X_AMZN_TRACE_ID"]
    pattern = r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0"
    assert re.fullmatch(pattern, first) and re.fullmatch(pattern, second)
    assert first != second

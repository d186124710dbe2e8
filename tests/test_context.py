"""The context object a handler receives (spec §6)."""

import base64
import json

import pytest

from conftest import HANDLERS

ARN = "arn:aws:lambda:us-east-1:123456789012:function:ctx"
CLIENT_CONTEXT = {
    "client": {"installation_id": "install-1", "app_title": "Orders", "app_version_code": "42"},
    "custom": {"tenant": "acme"},
    "env": {"platform": "Android"},
}
DESCRIBED_CLIENT_CONTEXT = {
    "custom": {"tenant": "acme"},
    "env": {"platform": "Android"},
    "client": {
        "installation_id": "install-1",
        "app_title": "Orders",
        "app_version_name": None,
        "app_version_code": "42",
        "app_package_name": None,
    },
}


@pytest.fixture
def context_function(sim):
    """Create ``ctx`` with a handler of tests/handlers/context/app.py."""

    def create(handler="describe", **settings):
        sim.create_function("ctx", handler=f"app.{handler}", code=str(HANDLERS / "context"), **settings)
        return "ctx"

    return create


def test_members_have_lambdas_types_and_memory_limit_is_a_string(sim, context_function):
    context_function(memory_size=256)
    seen = sim.invoke("ctx").payload
    assert seen["types"] == dict.fromkeys(seen["types"], "str")
    assert seen["memory_limit_in_mb"] == "256"
    assert seen["remaining_type"] == "int"


def test_members_describe_the_function_and_its_environment(sim, context_function):
    context_function()
    result = sim.invoke("ctx")
    seen = result.payload
    assert seen["aws_request_id"] == result.request_id
    assert seen["function_name"] == "ctx"
    assert seen["function_version"] == "$LATEST"
    assert seen["log_group_name"] == "/aws/lambda/ctx"
    assert seen["log_stream_name"] == sim.environments("ctx")[0].log_stream_name
    assert seen["tenant_id"] is None


def test_each_invocation_gets_its_own_request_id(sim, context_function):
    context_function()
    first, second = sim.invoke("ctx"), sim.invoke("ctx")
    assert first.payload["aws_request_id"] == first.request_id
    assert second.payload["aws_request_id"] == second.request_id
    assert first.request_id != second.request_id


def test_identity_is_never_none_and_its_ids_are_none(sim, context_function):
    context_function()
    assert sim.invoke("ctx").payload["identity"] == {
        "type": "CognitoIdentity",
        "cognito_identity_id": None,
        "cognito_identity_pool_id": None,
    }


def test_client_context_is_none_when_the_caller_sent_none(sim, context_function):
    context_function()
    assert sim.invoke("ctx").payload["client_context"] is None


def test_client_context_from_a_dict_fills_the_slots_and_missing_keys_are_none(sim, context_function):
    context_function()
    seen = sim.invoke("ctx", client_context=CLIENT_CONTEXT).payload
    assert seen["client_context"] == DESCRIBED_CLIENT_CONTEXT


@pytest.mark.parametrize("as_type", [str, bytes])
def test_client_context_from_base64_json_is_decoded(sim, context_function, as_type):
    context_function()
    encoded = base64.b64encode(json.dumps(CLIENT_CONTEXT).encode())
    value = encoded.decode() if as_type is str else encoded
    assert sim.invoke("ctx", client_context=value).payload["client_context"] == DESCRIBED_CLIENT_CONTEXT


def test_client_context_without_client_has_client_none(sim, context_function):
    context_function()
    seen = sim.invoke("ctx", client_context={"custom": {"k": "v"}}).payload
    assert seen["client_context"] == {"custom": {"k": "v"}, "env": None, "client": None}


def test_client_context_is_per_invocation(sim, context_function):
    context_function()
    sim.invoke("ctx", client_context=CLIENT_CONTEXT)
    assert sim.invoke("ctx").payload["client_context"] is None


def test_invoked_function_arn_is_unqualified_when_invoked_by_name(sim, context_function):
    context_function()
    assert sim.invoke("ctx").payload["invoked_function_arn"] == ARN


def test_invoked_function_arn_is_unqualified_when_invoked_by_unqualified_arn(sim, context_function):
    context_function()
    assert sim.invoke(ARN).payload["invoked_function_arn"] == ARN


def test_invoked_function_arn_carries_latest_when_invoked_with_that_qualifier(sim, context_function):
    context_function()
    seen = sim.invoke("ctx", qualifier="$LATEST").payload
    assert seen["invoked_function_arn"] == ARN + ":$LATEST"
    assert seen["function_version"] == "$LATEST"


@pytest.mark.parametrize("reference", ["ctx:$LATEST", ARN + ":$LATEST"])
def test_invoked_function_arn_carries_a_qualifier_given_inside_the_name(sim, context_function, reference):
    context_function()
    assert sim.invoke(reference).payload["invoked_function_arn"] == ARN + ":$LATEST"


def test_remaining_time_starts_near_the_timeout_and_counts_down(sim, context_function):
    context_function("countdown", timeout=30)
    first, second = sim.invoke("ctx", {"sleep": 0.05}).payload
    # Generous bounds: only the order and the rough size are behaviour.
    assert 20_000 < first <= 30_000
    assert second < first


def test_remaining_time_follows_the_configured_timeout(sim, context_function):
    context_function("countdown", timeout=7)
    first, _ = sim.invoke("ctx", {"sleep": 0}).payload
    assert 2_000 < first <= 7_000


def test_remaining_time_restarts_for_each_invocation(sim, context_function):
    context_function("countdown", timeout=30)
    sim.invoke("ctx", {"sleep": 0})
    first, _ = sim.invoke("ctx", {"sleep": 0}).payload
    assert 20_000 < first <= 30_000


def test_log_method_writes_without_adding_a_newline_and_context_takes_attributes(sim, context_function):
    context_function("log_and_annotate")
    result = sim.invoke("ctx")
    assert result.payload == "contexts take new attributes"
    assert "\nno newline added; this ends the line\nEND RequestId: " in result.logs

"""The context object has Lambda's members, types and repr (spec §6)."""

import time

import pytest

from lambdasim._runtime.context import Client, ClientContext, CognitoIdentity, LambdaContext

ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders"


@pytest.fixture
def lambda_environment(monkeypatch):
    values = {
        "AWS_LAMBDA_FUNCTION_NAME": "orders",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/orders",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2025/12/30/[$LATEST]41972b372dcc43b08a2594e45e84e3bd",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def make_context(client_context=None, cognito_identity=None, deadline_ms=0, tenant_id=None):
    return LambdaContext("req-1", client_context, cognito_identity, deadline_ms, ARN, tenant_id)


def test_members_come_from_the_invocation_and_the_environment(lambda_environment):
    context = make_context()
    assert context.aws_request_id == "req-1"
    assert context.invoked_function_arn == ARN
    assert context.function_name == "orders"
    assert context.function_version == "$LATEST"
    assert context.memory_limit_in_mb == "1024"
    assert context.log_group_name == "/aws/lambda/orders"
    assert context.log_stream_name == lambda_environment["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert context.tenant_id is None
    assert context.client_context is None


def test_environment_is_read_when_the_context_is_built(lambda_environment, monkeypatch):
    context = make_context()
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
    assert context.memory_limit_in_mb == "1024"
    assert make_context().memory_limit_in_mb == "128"


def test_missing_environment_variables_read_as_none(monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    assert make_context().function_name is None


def test_identity_is_never_none():
    identity = make_context().identity
    assert isinstance(identity, CognitoIdentity)
    assert (identity.cognito_identity_id, identity.cognito_identity_pool_id) == (None, None)


def test_identity_comes_from_the_cognito_header_keys():
    identity = make_context(
        cognito_identity={"cognitoIdentityId": "us-east-1:abc", "cognitoIdentityPoolId": "us-east-1:pool"}
    ).identity
    assert identity.cognito_identity_id == "us-east-1:abc"
    assert identity.cognito_identity_pool_id == "us-east-1:pool"
    assert make_context(cognito_identity={}).identity.cognito_identity_id is None


def test_client_context_maps_its_keys_and_missing_ones_to_none():
    context = make_context(
        client_context={
            "custom": {"user": "1"},
            "env": {"locale": "en"},
            "client": {"installation_id": "i-1", "app_title": "Shop"},
        }
    )
    client_context = context.client_context
    assert isinstance(client_context, ClientContext)
    assert client_context.custom == {"user": "1"}
    assert client_context.env == {"locale": "en"}
    client = client_context.client
    assert isinstance(client, Client)
    assert (client.installation_id, client.app_title) == ("i-1", "Shop")
    assert (client.app_version_name, client.app_version_code, client.app_package_name) == (None, None, None)


def test_empty_client_context_has_no_client():
    client_context = make_context(client_context={}).client_context
    assert (client_context.custom, client_context.env, client_context.client) == (None, None, None)


def test_tenant_id_is_kept():
    assert make_context(tenant_id="tenant-a").tenant_id == "tenant-a"


def test_context_takes_attributes_but_nested_objects_have_slots():
    context = make_context(client_context={"client": {}})
    context.anything = 1
    assert context.anything == 1
    for nested in (context.identity, context.client_context, context.client_context.client):
        with pytest.raises(AttributeError):
            nested.anything = 1


def test_remaining_time_counts_down_to_the_deadline_and_stops_at_zero():
    now_ms = int(time.time() * 1000)
    remaining = make_context(deadline_ms=now_ms + 3000).get_remaining_time_in_millis()
    assert isinstance(remaining, int)
    assert 2000 < remaining <= 3000
    assert make_context(deadline_ms=now_ms - 5000).get_remaining_time_in_millis() == 0


def test_remaining_time_uses_the_real_clock_under_freezegun():
    freezegun = pytest.importorskip("freezegun")
    deadline_ms = int(time.time() * 1000) + 3000
    with freezegun.freeze_time("2000-01-01"):
        assert time.time() < 1e9
        remaining = make_context(deadline_ms=deadline_ms).get_remaining_time_in_millis()
    assert 2000 < remaining <= 3000


def test_log_writes_the_text_without_a_newline(capsys):
    context = make_context()
    context.log("first")
    context.log(42)
    assert capsys.readouterr().out == "first42"


def test_repr_lists_the_members_in_the_runtimes_format(lambda_environment):
    context = make_context(
        client_context={"custom": {"a": 1}, "client": {"app_title": "Shop"}},
        cognito_identity={"cognitoIdentityId": "id-1"},
        tenant_id="t",
    )
    assert repr(context) == (
        "LambdaContext([aws_request_id=req-1,log_group_name=/aws/lambda/orders,"
        "log_stream_name=2025/12/30/[$LATEST]41972b372dcc43b08a2594e45e84e3bd,function_name=orders,"
        "memory_limit_in_mb=1024,function_version=$LATEST,invoked_function_arn=" + ARN + ","
        "client_context=ClientContext([custom={'a': 1},env=None,client=Client([installation_id=None,"
        "app_title=Shop,app_version_name=None,app_version_code=None,app_package_name=None])]),"
        "identity=CognitoIdentity([cognito_identity_id=id-1,cognito_identity_pool_id=None]),"
        "tenant_id=t])"
    )


def test_repr_without_client_context():
    assert repr(make_context()).endswith(
        ",client_context=None,identity=CognitoIdentity([cognito_identity_id=None,"
        "cognito_identity_pool_id=None]),tenant_id=None])"
    )

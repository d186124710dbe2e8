"""Chaining: with ``sim.serve(chain=True)`` a handler's own boto3 Lambda client reaches the same simulator."""

import json
from pathlib import Path

import pytest

from conftest import BASIC
from lambdasim import InvalidParameterValueException

boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::boto3.exceptions.PythonDeprecationWarning")

CHAIN = Path(__file__).parent / "handlers" / "chain"


@pytest.fixture
def chained(sim):
    sim.create_function("caller", handler="app.caller", code=str(CHAIN), timeout=60)
    sim.create_function("callee", handler="app.callee", code=str(CHAIN))
    with sim.serve(chain=True) as server:
        yield server
    assert server.errors == []


def test_a_handler_invokes_another_function_of_the_same_simulator(sim, chained):
    assert chained.chain
    result = sim.invoke("caller", {"target": "callee", "payload": {"n": 1}})
    assert result.function_error is None, result.payload
    callee = sim.invocations("callee")[0]
    assert result.payload == {
        "endpoint": chained.url,
        "status": 200,
        "result": {"callee_saw": {"n": 1}, "request_id": callee.request_id},
        "request_id": callee.request_id,
        "has_log": True,
    }
    assert [record.function_name for record in sim.invocations()] == ["callee", "caller"]


def test_errors_reach_the_calling_handler_as_client_errors(sim, chained):
    sim.create_function("missing", handler="app.missing", code=str(CHAIN), timeout=60)
    result = sim.invoke("missing")
    assert result.payload == {
        "code": "ResourceNotFoundException",
        "message": "Function not found: arn:aws:lambda:us-east-1:123456789012:function:does-not-exist:$LATEST",
    }


def test_a_chain_started_over_http_is_answered_on_another_connection(sim, chained):
    client = boto3.client(
        "lambda", endpoint_url=chained.url, region_name="us-east-1", aws_access_key_id="a",
        aws_secret_access_key="b", config=Config(retries={"total_max_attempts": 1}),
    )
    response = client.invoke(FunctionName="caller", Payload=json.dumps({"target": "callee", "payload": [1, 2]}))
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read())["result"]["callee_saw"] == [1, 2]


def test_only_environments_of_a_chaining_server_get_the_endpoint(sim):
    sim.create_function("env", handler="app.env", code=str(BASIC))
    assert "AWS_ENDPOINT_URL_LAMBDA" not in sim.invoke("env").payload
    with sim.serve() as plain:
        assert not plain.chain
        assert "AWS_ENDPOINT_URL_LAMBDA" not in sim.invoke("env").payload
    with sim.serve(chain=True) as server:
        first = sim.invoke("env")  # the warm environment from before was retired
        assert first.cold_start
        assert first.payload["AWS_ENDPOINT_URL_LAMBDA"] == server.url
    after = sim.invoke("env")
    assert after.cold_start
    assert "AWS_ENDPOINT_URL_LAMBDA" not in after.payload


def test_the_functions_own_variable_wins(sim):
    sim.create_function("env", handler="app.env", code=str(BASIC),
                        environment={"AWS_ENDPOINT_URL_LAMBDA": "http://lambda.example.invalid"})
    with sim.serve(chain=True):
        assert sim.invoke("env").payload["AWS_ENDPOINT_URL_LAMBDA"] == "http://lambda.example.invalid"


def test_a_wildcard_address_chains_through_loopback(sim):
    with sim.serve("0.0.0.0", chain=True) as server:
        assert server.chain_url == f"http://127.0.0.1:{server.port}"


def test_only_one_server_at_a_time_chains(sim):
    with sim.serve(chain=True) as first:
        message = (rf"environments already chain to {first.url}: close that server before serving with "
                   r"chain=True on http://127\.0\.0\.1:\d+$")
        with pytest.raises(InvalidParameterValueException, match=message):
            sim.serve(chain=True)
        with sim.serve() as second:  # a server that does not chain is fine
            assert not second.chain

"""boto3 against the simulator, exactly as boto3 users see AWS: ``sim.client()`` and ``sim.patch_boto3()``."""

import base64
import io
import json
import zipfile

import pytest

from conftest import BASIC

boto3 = pytest.importorskip("boto3")
botocore_session = pytest.importorskip("botocore.session")
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

# boto3.client() warns under Python 3.9 that boto3 will drop it: boto3's news, not what these tests check.
pytestmark = pytest.mark.filterwarnings("ignore::boto3.exceptions.PythonDeprecationWarning")

ROLE = "arn:aws:iam::123456789012:role/lambdasim-test"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


@pytest.fixture
def zip_bytes(tmp_path):
    path = tmp_path / "code.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(BASIC / "app.py", "app.py")
    return path.read_bytes()


@pytest.fixture
def client(sim):
    return sim.client()


@pytest.fixture
def create(client, zip_bytes):
    def create(name, handler="app.echo", **members):
        return client.create_function(
            FunctionName=name, Role=ROLE, Handler=handler, Runtime="python3.12", Code={"ZipFile": zip_bytes},
            **members,
        )

    return create


@pytest.fixture
def no_aws_configuration(monkeypatch, tmp_path):
    """Nothing to find outside the process: no credentials, no region, no metadata service."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA",
                 "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


def client_error(call, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response


# --- invoke -----------------------------------------------------------------------


def test_create_and_invoke_with_zip_file_bytes_and_a_payload(sim, client, create):
    created = create("echo")
    assert created["State"] == "Pending"
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    response = client.invoke(FunctionName="echo", Payload=b'{"id": 1}')
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    assert response["Payload"].read() == b'{"id": 1}'
    assert response["ResponseMetadata"]["RequestId"] == sim.invocations("echo")[0].request_id


def test_payload_may_be_a_file_object(client, create):
    create("echo")
    response = client.invoke(FunctionName="echo", Payload=io.BytesIO(b"[1, 2]"))
    assert json.load(response["Payload"]) == [1, 2]


def test_a_failing_handler_comes_back_as_function_error_with_the_error_document(client, create):
    create("fail", handler="app.fail")
    response = client.invoke(FunctionName="fail", Payload=b"{}")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    document = json.loads(response["Payload"].read())
    assert (document["errorType"], document["errorMessage"]) == ("ValueError", "handler fails")
    assert document["stackTrace"]


def test_tail_returns_the_log_base64_encoded(client, create):
    create("echo")
    response = client.invoke(FunctionName="echo", Payload=b"{}", LogType="Tail")
    log = base64.b64decode(response["LogResult"]).decode()
    request_id = response["ResponseMetadata"]["RequestId"]
    assert f"START RequestId: {request_id} Version: $LATEST" in log
    assert f"REPORT RequestId: {request_id}" in log


def test_dry_run_is_204_with_an_empty_payload(sim, client, create):
    create("echo")
    response = client.invoke(FunctionName="echo", InvocationType="DryRun")
    assert response["StatusCode"] == 204
    assert response["Payload"].read() == b""
    assert sim.invocations() == []


def test_client_context_reaches_the_handler(client, create):
    create("ctx", handler="app.context_info")
    context = base64.b64encode(json.dumps({"custom": {"tenant": "a"}}).encode()).decode()
    response = client.invoke(FunctionName="ctx", ClientContext=context)
    assert json.loads(response["Payload"].read())["client_custom"] == {"tenant": "a"}


# --- errors ------------------------------------------------------------------------


def test_unknown_function_is_resource_not_found_with_awss_message(client):
    response = client_error(client.invoke, FunctionName="nope", Payload=b"{}")
    assert response["Error"] == {"Code": "ResourceNotFoundException",
                                 "Message": f"Function not found: {ARN}nope:$LATEST"}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert response["Type"] == "User"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function(FunctionName="nope")


def test_invalid_parameter_value(client, create):
    response = client_error(create, name="f", Environment={"Variables": {"AWS_REGION": "eu-west-1"}})
    assert response["Error"]["Code"] == "InvalidParameterValueException"
    assert response["Error"]["Message"].endswith("Reserved keys used in this request: AWS_REGION")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_validation_exception_is_a_plain_client_error_without_type(client, create):
    response = client_error(create, name="f", MemorySize=99999)
    assert response["Error"] == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value '99999' at 'memorySize' failed to satisfy constraint: "
                   "Member must have value less than or equal to 10240",
    }
    assert "Type" not in response


def test_creating_a_function_twice_is_a_conflict(client, create):
    create("echo")
    with pytest.raises(client.exceptions.ResourceConflictException) as caught:
        create("echo")
    assert caught.value.response["Error"]["Message"] == "Function already exist: echo"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_reserved_concurrency_zero_throttles_with_the_reason(sim, client, create):
    create("echo")
    client.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=0)
    with pytest.raises(client.exceptions.TooManyRequestsException) as caught:
        client.invoke(FunctionName="echo", Payload=b"{}")
    response = caught.value.response
    assert response["Error"] == {"Code": "TooManyRequestsException", "Message": "Rate Exceeded."}
    assert response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert response["ResponseMetadata"]["RetryAttempts"] == 0


def test_a_payload_over_6_mb_is_request_entity_too_large(client, create):
    create("echo")
    response = client_error(client.invoke, FunctionName="echo", Payload=b'"' + b"x" * 6_291_455 + b'"')
    assert response["Error"] == {
        "Code": "RequestEntityTooLargeException",
        "Message": "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
    }
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_operations_lambdasim_does_not_implement_say_so(client, create):
    create("echo")
    response = client_error(client.get_policy, FunctionName="echo")
    assert response["Error"]["Code"] == "NotImplemented"
    assert "GetPolicy" in response["Error"]["Message"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501


# --- control plane ----------------------------------------------------------------------


def test_get_list_update_and_delete(client, create):
    create("echo", Environment={"Variables": {"TABLE": "t"}})
    function = client.get_function(FunctionName="echo")
    assert function["Configuration"]["State"] == "Active"
    assert function["Configuration"]["Environment"] == {"Variables": {"TABLE": "t"}}
    assert client.get_function_configuration(FunctionName=ARN + "echo")["FunctionName"] == "echo"
    assert [f["FunctionName"] for f in client.list_functions()["Functions"]] == ["echo"]
    updated = client.update_function_configuration(FunctionName="echo", Timeout=30, MemorySize=512)
    assert (updated["Timeout"], updated["MemorySize"], updated["LastUpdateStatus"]) == (30, 512, "InProgress")
    deleted = client.delete_function(FunctionName="echo")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert client.list_functions()["Functions"] == []


def test_update_function_code_runs_the_new_code(client, create, zip_bytes, tmp_path):
    create("f", handler="app.handler")
    path = tmp_path / "v2.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 'v2'\n")
    client.update_function_code(FunctionName="f", ZipFile=path.read_bytes())
    client.get_waiter("function_updated_v2").wait(FunctionName="f")
    assert client.invoke(FunctionName="f")["Payload"].read() == b'"v2"'


def test_list_functions_paginates(client, create):
    for index in range(3):
        create(f"f{index}")
    pages = client.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2})
    assert [[f["FunctionName"] for f in page["Functions"]] for page in pages] == [["f0", "f1"], ["f2"]]


def test_concurrency_and_account_settings(client, create):
    create("echo")
    assert client.get_function_concurrency(FunctionName="echo").get("ReservedConcurrentExecutions") is None
    client.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=5)
    assert client.get_function_concurrency(FunctionName="echo")["ReservedConcurrentExecutions"] == 5
    assert client.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 995
    client.delete_function_concurrency(FunctionName="echo")
    assert client.get_account_settings()["AccountUsage"]["FunctionCount"] == 1


def test_waiters_see_the_state_changes(client, create):
    create("echo")
    client.get_waiter("function_active_v2").wait(FunctionName="echo", WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    client.update_function_configuration(FunctionName="echo", Timeout=5)
    client.get_waiter("function_updated_v2").wait(FunctionName="echo", WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    assert client.get_function_configuration(FunctionName="echo")["LastUpdateStatus"] == "Successful"


# --- retries ----------------------------------------------------------------------------


def test_a_throttled_invoke_is_not_retried(sim, client, create):
    create("echo")
    sim.faults.throttle("echo", times=1)
    response = client_error(client.invoke, FunctionName="echo", Payload=b"{}")
    assert response["Error"]["Code"] == "TooManyRequestsException"
    assert response["ResponseMetadata"]["RetryAttempts"] == 0
    assert sim.invocations("echo") == []
    assert client.invoke(FunctionName="echo")["StatusCode"] == 200
    assert len(sim.invocations("echo")) == 1


def test_a_failing_invoke_runs_the_handler_once(sim, client, create):
    create("fail", handler="app.fail")
    client.invoke(FunctionName="fail")
    sim.assert_invoked("fail", times=1)


def test_retries_configured_by_the_caller_are_kept(sim, create):
    create("echo")
    retrying = sim.client(config=Config(retries={"mode": "standard", "max_attempts": 2}))
    sim.faults.throttle("echo", times=1)
    response = retrying.invoke(FunctionName="echo", Payload=b"{}")
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    sim.assert_invoked("echo", times=1)


# --- sim.client() -------------------------------------------------------------------------


def test_the_client_is_a_real_boto3_client_pointing_nowhere_real(sim, client):
    assert type(client).__module__ == "botocore.client"
    assert client.meta.region_name == sim.region
    assert client.meta.endpoint_url == "https://lambda.us-east-1.lambdasim.invalid"


def test_a_client_for_another_region_is_refused(sim):
    with pytest.raises(ValueError, match="must be the simulator's region 'us-east-1' \\(got 'eu-west-1'\\)"):
        sim.client(region_name="eu-west-1")


# --- patch_boto3() -------------------------------------------------------------------------


def test_patch_routes_clients_made_by_the_code_under_test(sim, zip_bytes, no_aws_configuration):
    earlier_session = boto3.session.Session()
    with sim.patch_boto3():
        lambda_client = boto3.client("lambda")
        lambda_client.create_function(FunctionName="echo", Role=ROLE, Handler="app.echo",
                                      Code={"ZipFile": zip_bytes})
        from_session = earlier_session.client("lambda")
        from_botocore = botocore_session.get_session().create_client("lambda")
        assert from_session.invoke(FunctionName="echo", Payload=b"[1]")["Payload"].read() == b"[1]"
        assert from_botocore.invoke(FunctionName="echo", Payload=b"[2]")["Payload"].read() == b"[2]"
    assert lambda_client.meta.region_name == sim.region
    assert len(sim.invocations("echo")) == 2


def test_patch_restores_create_client_exactly_and_clients_keep_their_routing(sim, create):
    original = vars(botocore_session.Session)["create_client"]
    create("echo")
    with sim.patch_boto3():
        inside = boto3.client("lambda", region_name="us-east-1")
        assert vars(botocore_session.Session)["create_client"] is not original
    assert vars(botocore_session.Session)["create_client"] is original
    assert inside.invoke(FunctionName="echo", Payload=b"{}")["StatusCode"] == 200


def test_patch_leaves_other_services_alone(sim, no_aws_configuration):
    with sim.patch_boto3():
        s3 = boto3.client("s3", region_name="us-east-1")
    assert s3.meta.endpoint_url == "https://s3.amazonaws.com"


def test_patched_clients_keep_retries_their_creator_configured(sim, create):
    create("echo")
    with sim.patch_boto3():
        default = boto3.client("lambda", region_name="us-east-1")
        configured = boto3.client("lambda", region_name="us-east-1",
                                  config=Config(retries={"mode": "standard", "max_attempts": 2}))
    sim.faults.throttle("echo", times=1)
    assert client_error(default.invoke, FunctionName="echo")["Error"]["Code"] == "TooManyRequestsException"
    sim.faults.throttle("echo", times=1)
    assert configured.invoke(FunctionName="echo")["ResponseMetadata"]["RetryAttempts"] == 1
    sim.assert_invoked("echo", times=1)


def test_the_innermost_patch_wins_and_sim_client_always_answers_for_its_own_simulator(sim, zygote, create):
    from lambdasim import LambdaSim

    create("echo")
    with LambdaSim(zygote=zygote) as other, other.patch_boto3():
        with sim.patch_boto3():
            assert boto3.client("lambda", region_name="us-east-1").list_functions()["Functions"]
        assert boto3.client("lambda", region_name="us-east-1").list_functions()["Functions"] == []
        assert sim.client().list_functions()["Functions"]


# --- moto --------------------------------------------------------------------------------------


def test_moto_answers_other_services_while_lambdasim_answers_lambda(sim, zip_bytes, no_aws_configuration):
    moto = pytest.importorskip("moto")
    with moto.mock_aws(), sim.patch_boto3():
        iam = boto3.client("iam")
        role = iam.create_role(RoleName="runner", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="orders")
        lambda_client = boto3.client("lambda", region_name="us-east-1")
        # moto knows this role, so moto would create the function too if it saw the request.
        lambda_client.create_function(FunctionName="echo", Role=role, Handler="app.echo",
                                      Code={"ZipFile": zip_bytes})
        # A list payload: moto's own Lambda backend fails on it if it sees the request.
        assert lambda_client.invoke(FunctionName="echo", Payload=b"[1]")["Payload"].read() == b"[1]"
        assert sim.client().list_functions()["Functions"][0]["Role"] == role
        assert [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]] == ["orders"]
        from moto.backends import get_backend

        assert get_backend("lambda")["123456789012"]["us-east-1"].list_functions() == []

"""The REST router on its own: routes and date prefixes, request translation, AWS's wire format byte for byte."""

import base64
import io
import json
import re
import zipfile

import pytest

from conftest import BASIC

from lambdasim import TooManyRequestsException
from lambdasim._rest import ROUTES, RestRouter, error_response

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
LABEL = re.compile(r"\{[^}]+\}")
ROLE = "arn:aws:iam::123456789012:role/lambdasim-test"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


@pytest.fixture
def router(sim):
    return RestRouter(sim)


def call(router, method, path, body=None, query="", headers=None):
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return router.handle(method, path, query, headers or {}, body or b"")


def zip_of_basic():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(BASIC / "app.py", "app.py")
    return base64.b64encode(buffer.getvalue()).decode()


def create(router, name="echo", handler="app.echo", **members):
    document = {"FunctionName": name, "Role": ROLE, "Handler": handler, "Runtime": "python3.12",
                "Code": {"ZipFile": zip_of_basic()}, **members}
    response = call(router, "POST", "/2015-03-31/functions", document)
    assert response.status == 201, response.body
    return json.loads(response.body)


def error_of(response):
    return response.status, response.headers["x-amzn-ErrorType"], json.loads(response.body)


# --- the table --------------------------------------------------------------------


def test_the_table_routes_every_operation_the_service_implements_under_its_own_date_prefix():
    implemented = {(r.method, r.template): r.operation for r in ROUTES if r.handler is not None}
    assert implemented == {
        ("POST", "/2015-03-31/functions"): "CreateFunction",
        ("GET", "/2015-03-31/functions"): "ListFunctions",
        ("GET", "/2015-03-31/functions/{FunctionName}"): "GetFunction",
        ("DELETE", "/2015-03-31/functions/{FunctionName}"): "DeleteFunction",
        ("GET", "/2015-03-31/functions/{FunctionName}/configuration"): "GetFunctionConfiguration",
        ("PUT", "/2015-03-31/functions/{FunctionName}/configuration"): "UpdateFunctionConfiguration",
        ("PUT", "/2015-03-31/functions/{FunctionName}/code"): "UpdateFunctionCode",
        ("POST", "/2015-03-31/functions/{FunctionName}/invocations"): "Invoke",
        ("POST", "/2015-03-31/functions/{FunctionName}/versions"): "PublishVersion",
        ("GET", "/2015-03-31/functions/{FunctionName}/versions"): "ListVersionsByFunction",
        ("POST", "/2015-03-31/functions/{FunctionName}/aliases"): "CreateAlias",
        ("GET", "/2015-03-31/functions/{FunctionName}/aliases"): "ListAliases",
        ("GET", "/2015-03-31/functions/{FunctionName}/aliases/{Name}"): "GetAlias",
        ("PUT", "/2015-03-31/functions/{FunctionName}/aliases/{Name}"): "UpdateAlias",
        ("DELETE", "/2015-03-31/functions/{FunctionName}/aliases/{Name}"): "DeleteAlias",
        ("PUT", "/2017-10-31/functions/{FunctionName}/concurrency"): "PutFunctionConcurrency",
        ("GET", "/2019-09-30/functions/{FunctionName}/concurrency"): "GetFunctionConcurrency",
        ("DELETE", "/2017-10-31/functions/{FunctionName}/concurrency"): "DeleteFunctionConcurrency",
        ("GET", "/2016-08-19/account-settings"): "GetAccountSettings",
        ("POST", "/2014-11-13/functions/{FunctionName}/invoke-async"): "InvokeAsync",
        ("PUT", "/2019-09-25/functions/{FunctionName}/event-invoke-config"): "PutFunctionEventInvokeConfig",
        ("POST", "/2019-09-25/functions/{FunctionName}/event-invoke-config"): "UpdateFunctionEventInvokeConfig",
        ("GET", "/2019-09-25/functions/{FunctionName}/event-invoke-config"): "GetFunctionEventInvokeConfig",
        ("DELETE", "/2019-09-25/functions/{FunctionName}/event-invoke-config"): "DeleteFunctionEventInvokeConfig",
        ("GET", "/2019-09-25/functions/{FunctionName}/event-invoke-config/list"): "ListFunctionEventInvokeConfigs",
        ("POST", "/2015-03-31/event-source-mappings"): "CreateEventSourceMapping",
        ("GET", "/2015-03-31/event-source-mappings"): "ListEventSourceMappings",
        ("GET", "/2015-03-31/event-source-mappings/{UUID}"): "GetEventSourceMapping",
        ("PUT", "/2015-03-31/event-source-mappings/{UUID}"): "UpdateEventSourceMapping",
        ("DELETE", "/2015-03-31/event-source-mappings/{UUID}"): "DeleteEventSourceMapping",
        # layers
        ("GET", "/2018-10-31/layers?find=LayerVersion"): "GetLayerVersionByArn",
        ("POST", "/2018-10-31/layers/{LayerName}/versions"): "PublishLayerVersion",
        ("GET", "/2018-10-31/layers/{LayerName}/versions"): "ListLayerVersions",
        ("GET", "/2018-10-31/layers"): "ListLayers",
        ("GET", "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}"): "GetLayerVersion",
        ("DELETE", "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}"): "DeleteLayerVersion",
    }


def test_every_route_has_the_method_and_path_of_botocores_lambda_model():
    botocore_session = pytest.importorskip("botocore.session")
    model = botocore_session.get_session().get_service_model("lambda")
    checked = 0
    for route in ROUTES:
        if route.operation not in model.operation_names:
            continue  # an older botocore than the table's (1.43.11)
        http = model.operation_model(route.operation).http
        # Label names changed between model versions ({ARN} became {Resource}); positions did not.
        modeled = LABEL.sub("{}", http["requestUri"].rstrip("/"))
        assert (route.method, LABEL.sub("{}", route.template)) == (http["method"], modeled)
        checked += 1
    assert checked >= 40


def test_get_function_concurrency_lives_only_under_its_2019_prefix(router, sim, basic):
    basic("echo")
    assert call(router, "PUT", "/2017-10-31/functions/echo/concurrency", {"ReservedConcurrentExecutions": 2}).status == 200
    assert call(router, "GET", "/2019-09-30/functions/echo/concurrency").body == b'{"ReservedConcurrentExecutions":2}'
    status, code, _ = error_of(call(router, "GET", "/2017-10-31/functions/echo/concurrency"))
    assert (status, code) == (404, "UnknownOperationException")


# --- unknown routes and unimplemented operations ----------------------------------


def test_a_request_matching_no_lambda_operation_is_404_naming_method_and_path(router):
    response = call(router, "PATCH", "/2015-03-31/functions/echo")
    assert response.status == 404
    assert response.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert response.body == b'{"Type":"User","Message":"No Lambda operation matches PATCH /2015-03-31/functions/echo"}'


def test_an_operation_lambdasim_does_not_implement_is_501_naming_it(router, basic):
    basic("echo")
    status, code, body = error_of(call(router, "GET", "/2015-03-31/functions/echo/policy"))
    assert (status, code) == (501, "NotImplemented")
    assert body["Type"] == "Service"
    assert body["Message"].startswith(
        "lambdasim does not implement the Lambda operation GetPolicy "
        "(GET /2015-03-31/functions/{FunctionName}/policy) yet; it implements CreateAlias, "
    )


def test_operations_told_apart_by_their_query_are_named_correctly(router):
    path = "/2019-09-30/functions/echo/provisioned-concurrency"
    _, _, listing = error_of(call(router, "GET", path, query="List=ALL"))
    _, _, single = error_of(call(router, "GET", path, query="Qualifier=1"))
    assert "ListProvisionedConcurrencyConfigs" in listing["Message"]
    assert "GetProvisionedConcurrencyConfig " in single["Message"]


def test_asynchronous_invokes_answer_202_with_no_body_and_no_executed_version(router, basic):
    basic("echo")
    response = call(router, "POST", "/2015-03-31/functions/echo/invocations", b"{}",
                    headers={"X-Amz-Invocation-Type": "Event"})
    assert response.status == 202
    assert response.body == b""
    assert "X-Amz-Executed-Version" not in response.headers
    assert UUID.fullmatch(response.headers["x-amzn-RequestId"])


def test_invoke_async_answers_202_with_its_status_body_with_or_without_the_trailing_slash(router, basic):
    basic("echo")
    for path in ("/2014-11-13/functions/echo/invoke-async", "/2014-11-13/functions/echo/invoke-async/"):
        response = call(router, "POST", path, b'{"k": 1}')
        assert (response.status, response.body) == (202, b'{"Status":202}')
    router.sim.drain()


def test_event_invoke_config_last_modified_is_epoch_seconds_on_the_wire(router, basic):
    basic("echo")
    response = call(router, "PUT", "/2019-09-25/functions/echo/event-invoke-config", {"MaximumRetryAttempts": 1})
    document = json.loads(response.body)
    assert response.status == 200
    assert isinstance(document["LastModified"], float)
    assert document["FunctionArn"] == ARN + "echo:$LATEST"
    assert document["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}


# --- success responses --------------------------------------------------------------


def test_get_account_settings_answers_the_exact_bytes(router):
    response = call(router, "GET", "/2016-08-19/account-settings")
    assert response.status == 200
    assert response.body == (
        b'{"AccountLimit":{"TotalCodeSize":80530636800,"CodeSizeUnzipped":262144000,'
        b'"CodeSizeZipped":52428800,"ConcurrentExecutions":1000,"UnreservedConcurrentExecutions":1000},'
        b'"AccountUsage":{"TotalCodeSize":0,"FunctionCount":0}}'
    )
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Content-Length"] == str(len(response.body))
    assert UUID.fullmatch(response.headers["x-amzn-RequestId"])


def test_create_function_is_201_and_translates_pascal_case_members(router):
    configuration = create(
        router, MemorySize=256, Timeout=10, Description="d", Environment={"Variables": {"TABLE": "t"}},
        EphemeralStorage={"Size": 1024}, Architectures=["arm64"], TracingConfig={"Mode": "Active"},
        LoggingConfig={"LogFormat": "JSON"}, KMSKeyArn="arn:aws:kms:us-east-1:123456789012:key/k",
        Layers=[], Publish=False, Tags={}, SnapStart={"ApplyOn": "None"}, PackageType="Zip",
    )
    assert configuration["State"] == "Pending"
    assert configuration["Role"] == ROLE
    assert (configuration["MemorySize"], configuration["Timeout"], configuration["Description"]) == (256, 10, "d")
    assert configuration["Environment"] == {"Variables": {"TABLE": "t"}}
    assert configuration["EphemeralStorage"] == {"Size": 1024}
    assert configuration["Architectures"] == ["arm64"]
    assert configuration["TracingConfig"] == {"Mode": "Active"}
    assert configuration["LoggingConfig"] == {
        "LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO", "LogGroup": "/aws/lambda/echo",
    }


def test_an_environment_without_variables_is_an_empty_map(router):
    assert create(router, Environment={})["Environment"] == {"Variables": {}}


def test_function_names_in_the_path_are_url_decoded(router, basic):
    basic("echo")
    path = "/2015-03-31/functions/" + (ARN + "echo").replace(":", "%3A") + "/configuration"
    response = call(router, "GET", path)
    assert response.status == 200
    assert json.loads(response.body)["FunctionArn"] == ARN + "echo"


def test_a_trailing_slash_is_ignored(router, basic):
    basic("echo")
    assert call(router, "GET", "/2015-03-31/functions/").status == 200
    assert call(router, "GET", "/2015-03-31/functions/echo/").status == 200


def test_get_function_and_its_qualifier(router, basic):
    basic("echo")
    answer = json.loads(call(router, "GET", "/2015-03-31/functions/echo", query="Qualifier=%24LATEST").body)
    assert answer["Configuration"]["FunctionName"] == "echo"
    assert answer["Code"]["RepositoryType"] == "S3"
    status, code, body = error_of(call(router, "GET", "/2015-03-31/functions/echo", query="Qualifier=prod"))
    assert (status, code, body["Message"]) == (404, "ResourceNotFoundException", f"Function not found: {ARN}echo:prod")


def test_update_function_configuration_and_code(router, sim, basic):
    create(router, name="f", handler="app.echo")
    response = call(router, "PUT", "/2015-03-31/functions/f/configuration",
                    {"Timeout": 30, "Environment": {"Variables": {"KEY": "v"}}, "Handler": "app.count"})
    configuration = json.loads(response.body)
    assert response.status == 200
    assert (configuration["Timeout"], configuration["Handler"]) == (30, "app.count")
    assert configuration["Environment"] == {"Variables": {"KEY": "v"}}
    assert configuration["LastUpdateStatus"] == "InProgress"
    response = call(router, "PUT", "/2015-03-31/functions/f/code", {"ZipFile": zip_of_basic()})
    assert response.status == 200
    assert json.loads(response.body)["CodeSha256"] == configuration["CodeSha256"]
    assert sim.invoke("f").payload["count"] == 1


def test_list_functions_pages_with_max_items_and_markers(router, basic):
    for name in ("a", "b", "c"):
        basic("echo", name=name)
    first = json.loads(call(router, "GET", "/2015-03-31/functions", query="MaxItems=2").body)
    assert [f["FunctionName"] for f in first["Functions"]] == ["a", "b"]
    second = json.loads(call(router, "GET", "/2015-03-31/functions",
                             query=f"MaxItems=2&Marker={first['NextMarker']}").body)
    assert [f["FunctionName"] for f in second["Functions"]] == ["c"]
    assert "NextMarker" not in second
    assert "State" not in second["Functions"][0]


def test_list_functions_with_every_version_qualifies_the_latest_arn(router, basic):
    basic("echo")
    answer = json.loads(call(router, "GET", "/2015-03-31/functions", query="FunctionVersion=ALL").body)
    assert answer["Functions"][0]["FunctionArn"] == ARN + "echo:$LATEST"
    response = call(router, "GET", "/2015-03-31/functions", query="FunctionVersion=invalid")
    assert response.status == 400
    assert response.body == (
        b'{"message":"1 validation error detected: Value \'invalid\' at \'functionVersion\' failed to '
        b'satisfy constraint: Member must satisfy enum value set: [ALL]"}'
    )


def test_delete_function_and_delete_concurrency_are_204_with_no_body(router, sim, basic):
    basic("echo")
    assert call(router, "DELETE", "/2017-10-31/functions/echo/concurrency").status == 204
    response = call(router, "DELETE", "/2015-03-31/functions/echo")
    assert (response.status, response.body) == (204, b"")
    assert set(response.headers) == {"x-amzn-RequestId"}
    assert sim.list_functions() == {"Functions": []}


# --- invoke ---------------------------------------------------------------------------


def test_invoke_answers_the_payload_and_headers_with_the_invocations_request_id(router, sim, basic):
    basic("echo")
    response = call(router, "POST", "/2015-03-31/functions/echo/invocations", b'{"a":1}')
    assert response.status == 200
    assert response.body == b'{"a": 1}'
    assert response.headers == {
        "x-amzn-RequestId": sim.invocations()[-1].request_id,
        "Content-Type": "application/json",
        "Content-Length": "8",
        "X-Amz-Executed-Version": "$LATEST",
    }


def test_invoke_passes_qualifier_log_type_and_client_context(router, sim, basic):
    basic("context_info", name="ctx")
    context = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
    response = call(router, "POST", "/2015-03-31/functions/ctx/invocations", b"",
                    query="Qualifier=%24LATEST",
                    headers={"X-Amz-Log-Type": "Tail", "X-Amz-Client-Context": context})
    info = json.loads(response.body)
    assert info["client_custom"] == {"k": "v"}
    assert info["invoked_function_arn"] == ARN + "ctx:$LATEST"
    assert "REPORT RequestId: " in base64.b64decode(response.headers["X-Amz-Log-Result"]).decode()


def test_a_function_error_is_200_with_the_function_error_header(router, basic):
    basic("fail")
    response = call(router, "POST", "/2015-03-31/functions/fail/invocations", b"{}")
    assert response.status == 200
    assert response.headers["X-Amz-Function-Error"] == "Unhandled"
    assert json.loads(response.body)["errorMessage"] == "handler fails"


def test_dry_run_is_204_with_no_body(router, basic):
    basic("echo")
    response = call(router, "POST", "/2015-03-31/functions/echo/invocations", b"{}",
                    headers={"X-Amz-Invocation-Type": "DryRun"})
    assert (response.status, response.body) == (204, b"")
    assert set(response.headers) == {"x-amzn-RequestId"}


def test_invoke_headers_lambdasim_does_not_support_are_refused_by_name(router, basic):
    basic("echo")
    response = call(router, "POST", "/2015-03-31/functions/echo/invocations", b"{}",
                    headers={"X-Amz-Tenant-Id": "t1"})
    status, code, body = error_of(response)
    assert (status, code) == (400, "InvalidParameterValueException")
    assert body == {"Type": "User", "message": "lambdasim does not support X-Amz-Tenant-Id in Invoke yet"}


# --- errors: status, headers, body keys per exception --------------------------------


def test_resource_not_found_uses_capital_message(router):
    response = call(router, "POST", "/2015-03-31/functions/nope/invocations", b"{}")
    assert response.status == 404
    assert response.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert response.headers["Content-Type"] == "application/json"
    assert UUID.fullmatch(response.headers["x-amzn-RequestId"])
    assert response.body == b'{"Type":"User","Message":"Function not found: ' + ARN.encode() + b'nope:$LATEST"}'


def test_throttling_carries_the_reason_and_lowercase_message_without_retry_after(router, sim, basic):
    basic("echo")
    sim.put_function_concurrency("echo", 0)
    response = call(router, "POST", "/2015-03-31/functions/echo/invocations", b"{}")
    assert response.status == 429
    assert response.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    assert "Retry-After" not in response.headers
    assert response.body == (
        b'{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}'
    )


def test_retry_after_is_sent_only_when_the_throttle_sets_it():
    error = TooManyRequestsException(reason="CallerRateLimitExceeded", retry_after_seconds=3)
    response = error_response(error, "rid")
    assert response.headers["Retry-After"] == "3"
    assert response.headers["x-amzn-RequestId"] == "rid"


def test_validation_exception_has_no_type(router):
    response = call(router, "POST", "/2015-03-31/functions",
                    {"FunctionName": "f", "Role": ROLE, "Handler": "app.echo", "Timeout": 901,
                     "Code": {"ZipFile": zip_of_basic()}})
    assert response.status == 400
    assert response.headers["x-amzn-ErrorType"] == "ValidationException"
    assert response.body == (
        b'{"message":"1 validation error detected: Value \'901\' at \'timeout\' failed to satisfy '
        b'constraint: Member must have value less than or equal to 900"}'
    )


def test_missing_required_members_are_validation_errors(router):
    _, code, body = error_of(call(router, "POST", "/2015-03-31/functions", {"Role": ROLE, "Code": {}}))
    assert code == "ValidationException"
    assert body == {"message": "1 validation error detected: Value null at 'functionName' failed to "
                               "satisfy constraint: Member must not be null"}


def test_conflict_and_invalid_parameter_use_lowercase_message(router):
    create(router)
    response = call(router, "POST", "/2015-03-31/functions",
                    {"FunctionName": "echo", "Role": ROLE, "Handler": "app.echo", "Code": {"ZipFile": zip_of_basic()}})
    assert (response.status, response.body) == (409, b'{"Type":"User","message":"Function already exist: echo"}')
    status, code, body = error_of(call(router, "PUT", "/2015-03-31/functions/echo/configuration",
                                       {"Environment": {"Variables": {"AWS_REGION": "x"}}}))
    assert (status, code, list(body)) == (400, "InvalidParameterValueException", ["Type", "message"])


def test_request_entity_too_large_is_413(router, basic):
    basic("echo")
    response = call(router, "POST", "/2015-03-31/functions/echo/invocations", b'"' + b"x" * 6_291_455 + b'"')
    status, code, body = error_of(response)
    assert (status, code) == (413, "RequestEntityTooLargeException")
    assert body == {"Type": "User",
                    "message": "Request must be smaller than 6291456 bytes for the InvokeFunction operation"}


def test_a_body_that_is_not_json_is_invalid_request_content(router):
    status, code, body = error_of(call(router, "POST", "/2015-03-31/functions", b"{nope"))
    assert (status, code) == (400, "InvalidRequestContentException")
    assert body["message"].startswith("Could not parse request body into json: ")


# --- members lambdasim does not support yet -------------------------------------------


@pytest.mark.parametrize("member, value, named", [
    ("PublishTo", "LATEST_PUBLISHED", "PublishTo"),
    ("Tags", {"team": "a"}, "Tags"),
    ("PackageType", "Image", "PackageType"),
    ("SnapStart", {"ApplyOn": "PublishedVersions"}, "SnapStart"),
])
def test_create_members_lambdasim_does_not_support_are_refused_by_name(router, member, value, named):
    response = call(router, "POST", "/2015-03-31/functions",
                    {"FunctionName": "f", "Role": ROLE, "Handler": "app.echo",
                     "Code": {"ZipFile": zip_of_basic()}, member: value})
    status, code, body = error_of(response)
    assert (status, code) == (400, "InvalidParameterValueException")
    assert body["message"].startswith(f"lambdasim does not support {named} in CreateFunction yet")


@pytest.mark.parametrize("member", ["S3Bucket", "S3Key"])
def test_code_from_s3_is_refused_naming_the_field(router, member):
    response = call(router, "POST", "/2015-03-31/functions",
                    {"FunctionName": "f", "Role": ROLE, "Handler": "app.echo", "Code": {member: "x"}})
    _, code, body = error_of(response)
    assert code == "InvalidParameterValueException"
    assert body["message"] == (
        f"lambdasim does not support Code.{member} in CreateFunction yet: give the deployment package as ZipFile"
    )


def test_update_code_from_s3_or_with_publish_to_is_refused(router, basic):
    basic("echo")
    for member, value in (("PublishTo", "LATEST_PUBLISHED"), ("S3Bucket", "b")):
        _, code, body = error_of(call(router, "PUT", "/2015-03-31/functions/echo/code",
                                      {"ZipFile": zip_of_basic(), member: value}))
        assert code == "InvalidParameterValueException"
        assert f"does not support {member} in UpdateFunctionCode" in body["message"]


def test_code_without_zip_file_is_refused(router):
    response = call(router, "POST", "/2015-03-31/functions",
                    {"FunctionName": "f", "Role": ROLE, "Handler": "app.echo", "Code": {}})
    _, code, body = error_of(response)
    assert code == "InvalidParameterValueException"
    assert body["message"] == (
        "lambdasim does not support Code without ZipFile in CreateFunction yet: give the deployment package as ZipFile"
    )


def test_a_marker_the_service_did_not_hand_out_is_refused(router):
    _, code, body = error_of(call(router, "GET", "/2015-03-31/functions", query="Marker=%25%25"))
    assert code == "InvalidParameterValueException"
    assert body["message"] == "Invalid Marker '%%': pass the NextMarker of the previous page"

"""Versions and aliases through boto3 and the REST routes, as boto3 users see them against AWS."""

import json

import pytest

from conftest import zip_of

boto3 = pytest.importorskip("boto3")
from botocore.exceptions import ClientError  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::boto3.exceptions.PythonDeprecationWarning")

ROLE = "arn:aws:iam::123456789012:role/lambdasim-test"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def source(answer):
    return zip_of(f"def handler(event, context):\n    return {answer!r}\n")


@pytest.fixture
def client(sim):
    client = sim.client()
    client.create_function(
        FunctionName="fn", Role=ROLE, Handler="app.handler", Runtime="python3.12",
        Code={"ZipFile": source("one")}, Publish=True,
    )
    client.update_function_code(FunctionName="fn", ZipFile=source("two"))
    return client


def error(call, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def test_publish_and_list_versions(client):
    published = client.publish_version(FunctionName="fn", Description="second")
    assert published["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (published["Version"], published["FunctionArn"], published["Description"]) == ("2", ARN + "fn:2", "second")
    versions = client.list_versions_by_function(FunctionName="fn")["Versions"]
    assert [v["FunctionArn"] for v in versions] == [ARN + "fn:$LATEST", ARN + "fn:1", ARN + "fn:2"]


def test_list_versions_pages_with_next_marker(client):
    for timeout in (4, 5, 6):
        client.update_function_configuration(FunctionName="fn", Timeout=timeout)
        client.publish_version(FunctionName="fn")
    first = client.list_versions_by_function(FunctionName="fn", MaxItems=2)
    assert [v["Version"] for v in first["Versions"]] == ["$LATEST", "1"]
    rest = client.list_versions_by_function(FunctionName="fn", MaxItems=2, Marker=first["NextMarker"])
    assert [v["Version"] for v in rest["Versions"]] == ["2", "3"]
    last = client.list_versions_by_function(FunctionName="fn", Marker=rest["NextMarker"])
    assert [v["Version"] for v in last["Versions"]] == ["4"] and "NextMarker" not in last
    paginated = client.get_paginator("list_versions_by_function").paginate(FunctionName="fn", PaginationConfig={"PageSize": 2})
    assert [v["Version"] for page in paginated for v in page["Versions"]] == ["$LATEST", "1", "2", "3", "4"]


def test_list_functions_with_function_version_all(client):
    listed = client.list_functions(FunctionVersion="ALL")["Functions"]
    assert [f["FunctionArn"] for f in listed] == [ARN + "fn:$LATEST", ARN + "fn:1"]


def test_invoke_a_version_and_an_alias_reports_the_executed_version(client):
    client.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
    by_alias = client.invoke(FunctionName="fn", Qualifier="live")
    assert (by_alias["ExecutedVersion"], json.loads(by_alias["Payload"].read())) == ("1", "one")
    latest = client.invoke(FunctionName="fn")
    assert (latest["ExecutedVersion"], json.loads(latest["Payload"].read())) == ("$LATEST", "two")
    by_arn = client.invoke(FunctionName=ARN + "fn:1")
    assert by_arn["ExecutedVersion"] == "1"


def test_alias_lifecycle(client):
    client.publish_version(FunctionName="fn")
    created = client.create_alias(
        FunctionName="fn", Name="live", FunctionVersion="1", Description="prod",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.5}}
    fetched = client.get_alias(FunctionName="fn", Name="live")
    assert fetched["RevisionId"] == created["RevisionId"]
    updated = client.update_alias(FunctionName="fn", Name="live", FunctionVersion="2", RoutingConfig={})
    assert (updated["FunctionVersion"], "RoutingConfig" in updated) == ("2", False)
    assert [a["Name"] for a in client.list_aliases(FunctionName="fn")["Aliases"]] == ["live"]
    deleted = client.delete_alias(FunctionName="fn", Name="live")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert client.list_aliases(FunctionName="fn")["Aliases"] == []


def test_errors_come_back_as_client_errors_with_awss_codes(client):
    assert error(client.get_alias, FunctionName="fn", Name="nope") == (
        404, "ResourceNotFoundException", f"Cannot find alias arn: {ARN}fn:nope",
    )
    assert error(client.publish_version, FunctionName="fn", RevisionId="stale") == (
        412, "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. "
        "Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
    )
    status, code, message = error(client.create_alias, FunctionName="fn", Name="2024", FunctionVersion="1")
    assert (status, code) == (400, "ValidationException")
    assert message.endswith("Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")
    assert error(client.delete_function, FunctionName="fn", Qualifier="$LATEST") == (
        400, "InvalidParameterValueException", "$LATEST version cannot be deleted without deleting the function.",
    )
    assert error(client.invoke, FunctionName="fn", Qualifier="9") == (
        404, "ResourceNotFoundException", f"Function not found: {ARN}fn:9",
    )


def test_update_code_with_publish_and_revision_id(client):
    revision = client.get_function(FunctionName="fn")["Configuration"]["RevisionId"]
    assert error(client.update_function_code, FunctionName="fn", ZipFile=source("x"), RevisionId="stale")[1] == (
        "PreconditionFailedException"
    )
    answer = client.update_function_code(FunctionName="fn", ZipFile=source("three"), Publish=True, RevisionId=revision)
    assert (answer["Version"], answer["FunctionArn"]) == ("2", ARN + "fn:2")
    assert json.loads(client.invoke(FunctionName="fn", Qualifier="2")["Payload"].read()) == "three"

"""Published versions (spec/lambda-controlplane.md §4): numbering, snapshots, qualified invokes, deletion."""


import pytest

from conftest import zip_of

from lambdasim import (
    InvalidParameterValueException,
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def source(answer):
    """A deployment package whose handler returns ``answer`` and its version from the context."""
    return zip_of(
        "import os\n"
        "def handler(event, context):\n"
        f"    return {{'answer': {answer!r}, 'version': context.function_version,\n"
        "            'arn': context.invoked_function_arn, 'env': os.environ['AWS_LAMBDA_FUNCTION_VERSION'],\n"
        "            'pid': os.getpid()}\n"
    )


@pytest.fixture
def fn(sim):
    sim.create_function("fn", handler="app.handler", code=source("one"))
    return "fn"


def test_publish_answers_the_new_versions_configuration_with_a_qualified_arn(sim, fn):
    latest = sim.get_function_configuration(fn)
    version = sim.publish_version(fn)
    assert version["Version"] == "1"
    assert version["FunctionArn"] == ARN + "fn:1"
    assert (version["State"], version["LastUpdateStatus"]) == ("Active", "Successful")
    assert version["CodeSha256"] == latest["CodeSha256"]
    assert version["RevisionId"] != latest["RevisionId"]


def test_publishing_without_a_change_answers_the_existing_version(sim, fn):
    first = sim.publish_version(fn)
    again = sim.publish_version(fn)
    assert again == first


def test_a_configuration_change_alone_makes_a_new_version(sim, fn):
    sim.publish_version(fn)
    sim.update_function_configuration(fn, description="second")
    second = sim.publish_version(fn)
    assert (second["Version"], second["Description"]) == ("2", "second")


def test_reserving_concurrency_is_not_a_change_that_publishes(sim, fn):
    sim.publish_version(fn)
    sim.put_function_concurrency(fn, 5)
    assert sim.publish_version(fn)["Version"] == "1"


def test_the_description_given_to_publish_is_the_versions_own(sim, fn):
    version = sim.publish_version(fn, description="release 1")
    assert version["Description"] == "release 1"
    assert sim.get_function_configuration(fn)["Description"] == ""
    assert sim.get_function_configuration(fn, qualifier="1")["Description"] == "release 1"


def test_version_numbers_are_never_reused(sim, fn):
    sim.publish_version(fn)
    sim.update_function_configuration(fn, timeout=5)
    sim.publish_version(fn)
    sim.delete_function(fn, qualifier="2")
    sim.update_function_configuration(fn, timeout=6)
    assert sim.publish_version(fn)["Version"] == "3"
    listed = [v["Version"] for v in sim.list_versions_by_function(fn)["Versions"]]
    assert listed == ["$LATEST", "1", "3"]


def test_publish_checks_code_sha256_and_revision_id_with_awss_messages(sim, fn):
    current = sim.get_function_configuration(fn)
    with pytest.raises(InvalidParameterValueException) as raised:
        sim.publish_version(fn, code_sha256="abc")
    assert raised.value.message == (
        f"CodeSHA256 (abc) is different from current CodeSHA256 in $LATEST ({current['CodeSha256']}). "
        "Please try again with the CodeSHA256 in $LATEST."
    )
    with pytest.raises(PreconditionFailedException) as raised:
        sim.publish_version(fn, revision_id="not-the-revision")
    assert raised.value.message == (
        "The Revision Id provided does not match the latest Revision Id. "
        "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
    )
    assert (raised.value.code, raised.value.status_code) == ("PreconditionFailedException", 412)
    assert sim.publish_version(fn, revision_id=current["RevisionId"], code_sha256=current["CodeSha256"])["Version"] == "1"


def test_updates_check_the_revision_id(sim, fn):
    revision = sim.get_function_configuration(fn)["RevisionId"]
    with pytest.raises(PreconditionFailedException):
        sim.update_function_configuration(fn, timeout=9, revision_id="stale")
    with pytest.raises(PreconditionFailedException):
        sim.update_function_code(fn, code=source("two"), revision_id="stale")
    assert sim.update_function_configuration(fn, timeout=9, revision_id=revision)["Timeout"] == 9


def test_a_version_keeps_its_code_and_runs_in_its_own_environments(sim, fn):
    sim.publish_version(fn)
    sim.update_function_code(fn, code=source("two"))
    latest = sim.invoke(fn)
    one = sim.invoke(fn, qualifier="1")
    assert latest.payload["answer"] == "two" and latest.executed_version == "$LATEST"
    assert one.payload == {
        "answer": "one", "version": "1", "arn": ARN + "fn:1", "env": "1", "pid": one.payload["pid"],
    }
    assert one.executed_version == "1"
    assert one.payload["pid"] != latest.payload["pid"]
    assert [e.id for e in sim.environments("fn:1")] != [e.id for e in sim.environments("fn")]
    assert sim.invoke("fn:1").payload["pid"] == one.payload["pid"]  # warm, in version 1's environment


def test_create_with_publish_answers_the_unqualified_arn_and_version_1(sim):
    answer = sim.create_function("p", handler="app.handler", code=source("one"), publish=True)
    assert (answer["FunctionArn"], answer["Version"], answer["State"]) == (ARN + "p", "1", "Pending")
    assert sim.invoke("p", qualifier="1").executed_version == "1"


def test_update_code_with_publish_answers_the_new_version(sim, fn):
    answer = sim.update_function_code(fn, code=source("two"), publish=True)
    assert (answer["FunctionArn"], answer["Version"]) == (ARN + "fn:1", "1")
    assert sim.invoke(fn, qualifier="1").payload["answer"] == "two"


def test_qualified_reads_name_the_qualifier_in_the_arn(sim, fn):
    sim.publish_version(fn)
    assert sim.get_function_configuration(fn)["FunctionArn"] == ARN + "fn"
    assert sim.get_function_configuration(fn, qualifier="$LATEST")["FunctionArn"] == ARN + "fn:$LATEST"
    assert sim.get_function(ARN + "fn:1")["Configuration"]["FunctionArn"] == ARN + "fn:1"


def test_an_unknown_version_is_not_found_with_its_qualified_arn(sim, fn):
    with pytest.raises(ResourceNotFoundException) as raised:
        sim.invoke(fn, qualifier="7")
    assert raised.value.message == f"Function not found: {ARN}fn:7"
    with pytest.raises(ResourceNotFoundException) as raised:
        sim.get_function_configuration("fn:nothere")
    assert raised.value.message == f"Function not found: {ARN}fn:nothere"


def test_deletion_rules_for_versions(sim, fn):
    sim.publish_version(fn)
    with pytest.raises(InvalidParameterValueException) as raised:
        sim.delete_function(fn, qualifier="$LATEST")
    assert raised.value.message == "$LATEST version cannot be deleted without deleting the function."
    sim.create_alias(fn, "live", "1")
    with pytest.raises(ResourceConflictException) as raised:
        sim.delete_function(fn, qualifier="1")
    assert raised.value.message == "Unable to delete version because the following aliases reference it: [live]"
    with pytest.raises(InvalidParameterValueException) as raised:
        sim.delete_function(fn, qualifier="live")
    assert raised.value.message == "Deletion of aliases is not currently supported."
    sim.delete_function(fn, qualifier="42")  # a version that does not exist: silent
    sim.delete_alias(fn, "live")
    sim.invoke(fn, qualifier="1")
    sim.invoke(fn)
    (version_env,) = sim.environments("fn:1")
    sim.delete_function(fn, qualifier="1")
    assert version_env.state == "closed"
    assert [e.state for e in sim.environments(fn)] == ["ready"]  # $LATEST's environment lives on
    with pytest.raises(ResourceNotFoundException):
        sim.invoke(fn, qualifier="1")


def test_deleting_the_function_deletes_its_versions_and_aliases(sim, fn):
    sim.publish_version(fn)
    sim.create_alias(fn, "live", "1")
    sim.delete_function(fn)
    sim.create_function("fn", handler="app.handler", code=source("again"))
    assert [v["Version"] for v in sim.list_versions_by_function(fn)["Versions"]] == ["$LATEST"]
    assert sim.list_aliases(fn) == {"Aliases": []}


def test_list_versions_shows_latest_first_without_state_fields(sim, fn):
    sim.publish_version(fn)
    versions = sim.list_versions_by_function(fn)["Versions"]
    assert [(v["Version"], v["FunctionArn"]) for v in versions] == [("$LATEST", ARN + "fn:$LATEST"), ("1", ARN + "fn:1")]
    for version in versions:
        assert not {"State", "StateReason", "StateReasonCode", "LastUpdateStatus", "RuntimeVersionConfig"} & set(version)


def test_list_functions_with_all_lists_every_version(sim, fn):
    sim.publish_version(fn)
    sim.create_function("other", handler="app.handler", code=source("x"))
    assert [f["FunctionArn"] for f in sim.list_functions()["Functions"]] == [ARN + "fn", ARN + "other"]
    assert [f["FunctionArn"] for f in sim.list_functions(function_version="ALL")["Functions"]] == [
        ARN + "fn:$LATEST", ARN + "fn:1", ARN + "other:$LATEST",
    ]


def test_a_versions_log_stream_names_its_version(sim, fn):
    sim.publish_version(fn)
    sim.invoke(fn, qualifier="1")
    (env,) = sim.environments("fn:1")
    assert "/[1]" in env.log_stream_name


def test_a_dead_letter_config_is_described_and_kept_by_versions(sim):
    target = "arn:aws:sqs:us-east-1:123456789012:failed"
    sim.create_function("dlq", handler="app.handler", code=source("x"), dead_letter_config={"TargetArn": target})
    assert sim.get_function_configuration("dlq")["DeadLetterConfig"] == {"TargetArn": target}
    assert sim.publish_version("dlq")["DeadLetterConfig"] == {"TargetArn": target}
    sim.create_function("plain", handler="app.handler", code=source("x"))
    assert "DeadLetterConfig" not in sim.get_function_configuration("plain")

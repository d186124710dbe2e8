"""Control plane: create, get, list, update, delete; forms of code (controlplane spec §1.2, §2.6, §3)."""

import base64
import hashlib
import importlib
import io
import re
import zipfile
from pathlib import Path

import pytest

from conftest import BASIC, HANDLERS, task_root

from lambdasim import InvalidParameterValueException, ResourceConflictException, ResourceNotFoundException

TESTS = HANDLERS.parent
ARN_PREFIX = "arn:aws:lambda:us-east-1:123456789012:function:"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Recorded AWS CreateFunction response of a fresh Zip function (spec §1.2).
FRESH_ZIP_KEYS = {
    "Architectures", "CodeSha256", "CodeSize", "Description", "EphemeralStorage", "FunctionArn",
    "FunctionName", "Handler", "LastModified", "LoggingConfig", "MemorySize", "PackageType",
    "RevisionId", "Role", "Runtime", "RuntimeVersionConfig", "SnapStart", "State", "StateReason",
    "StateReasonCode", "Timeout", "TracingConfig", "Version",
}  # fmt: skip
STATE_FIELDS = {
    "State", "StateReason", "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason",
    "LastUpdateStatusReasonCode", "RuntimeVersionConfig",
}  # fmt: skip
IN_PROGRESS = {
    "State": "Active",
    "LastUpdateStatus": "InProgress",
    "LastUpdateStatusReason": "The function is being created.",
    "LastUpdateStatusReasonCode": "Creating",
}


def _zip_bytes(source):
    """A deployment package holding one ``app.py``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def _version_source(version):
    return f"def handler(event, context):\n    return {version!r}\n"


def _sha256(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


# --- create and read --------------------------------------------------------------


def test_create_returns_the_configuration_of_a_fresh_zip_function(sim):
    config = sim.create_function("orders", handler="app.echo", code=str(BASIC), memory_size=256, timeout=5)
    assert set(config) == FRESH_ZIP_KEYS
    assert config["State"] == "Pending"
    assert config["StateReason"] == "The function is being created."
    assert config["StateReasonCode"] == "Creating"
    expected = {
        "Architectures": ["x86_64"],
        "Description": "",
        "EphemeralStorage": {"Size": 512},
        "FunctionArn": ARN_PREFIX + "orders",
        "FunctionName": "orders",
        "Handler": "app.echo",
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": "/aws/lambda/orders"},
        "MemorySize": 256,
        "PackageType": "Zip",
        "Runtime": "python3.12",
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "Timeout": 5,
        "TracingConfig": {"Mode": "PassThrough"},
        "Version": "$LATEST",
    }
    assert {key: config[key] for key in expected} == expected
    assert UUID.fullmatch(config["RevisionId"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", config["LastModified"])
    assert re.fullmatch(
        r"arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}", config["RuntimeVersionConfig"]["RuntimeVersionArn"]
    )
    assert re.fullmatch(r"[A-Za-z0-9+/]{43}=", config["CodeSha256"])


def test_environment_appears_in_the_configuration_only_when_set(sim):
    plain = sim.create_function("plain", handler="app.echo", code=str(BASIC))
    empty = sim.create_function("empty", handler="app.echo", code=str(BASIC), environment={})
    full = sim.create_function("full", handler="app.echo", code=str(BASIC), environment={"TABLE": "orders"})
    assert "Environment" not in plain
    assert empty["Environment"] == {"Variables": {}}
    assert full["Environment"] == {"Variables": {"TABLE": "orders"}}


def test_function_is_active_and_successful_when_read_after_create(sim):
    created = sim.create_function("orders", handler="app.echo", code=str(BASIC))
    config = sim.get_function_configuration("orders")
    assert config["State"] == "Active"
    assert config["LastUpdateStatus"] == "Successful"
    assert not {"StateReason", "StateReasonCode"} & set(config)
    assert UUID.fullmatch(config["RevisionId"])
    assert set(config) == FRESH_ZIP_KEYS - {"StateReason", "StateReasonCode"} | {"LastUpdateStatus"}
    unchanged = {key: value for key, value in created.items() if key not in STATE_FIELDS | {"RevisionId"}}
    assert {key: config[key] for key in unchanged} == unchanged


def test_revision_id_changes_when_the_function_becomes_active(sim):
    created = sim.create_function("orders", handler="app.echo", code=str(BASIC))
    assert sim.get_function_configuration("orders")["RevisionId"] != created["RevisionId"]


def test_creating_a_function_twice_is_a_conflict(sim):
    sim.create_function("orders", handler="app.echo", code=str(BASIC))
    with pytest.raises(ResourceConflictException) as caught:
        sim.create_function("orders", handler="app.echo", code=str(BASIC))
    assert caught.value.message == "Function already exist: orders"
    assert caught.value.status_code == 409


def test_get_function_has_configuration_and_code(sim):
    sim.create_function("orders", handler="app.echo", code=str(BASIC))
    answer = sim.get_function("orders")
    assert set(answer) == {"Configuration", "Code"}
    assert answer["Configuration"] == sim.get_function_configuration("orders")
    assert answer["Code"]["RepositoryType"] == "S3"
    assert isinstance(answer["Code"]["Location"], str) and answer["Code"]["Location"]


def test_get_function_shows_reserved_concurrency_when_set(sim):
    sim.create_function("orders", handler="app.echo", code=str(BASIC), reserved_concurrency=5)
    assert sim.get_function("orders")["Concurrency"] == {"ReservedConcurrentExecutions": 5}


def test_list_functions_is_sorted_by_name_and_omits_state_fields(sim):
    for name in ("charlie", "alpha", "bravo"):
        sim.create_function(name, handler="app.echo", code=str(BASIC))
    sim.update_function_configuration("bravo", timeout=9)
    listed = sim.list_functions()
    assert set(listed) == {"Functions"}
    assert [f["FunctionName"] for f in listed["Functions"]] == ["alpha", "bravo", "charlie"]
    for item in listed["Functions"]:
        assert not STATE_FIELDS & set(item), item
        assert item["FunctionArn"] == ARN_PREFIX + item["FunctionName"]
        assert item["Version"] == "$LATEST"
    assert listed["Functions"][1]["Timeout"] == 9


def test_list_functions_is_empty_without_functions(sim):
    assert sim.list_functions() == {"Functions": []}


# --- updates ----------------------------------------------------------------------


def test_update_function_code_retires_warm_environments_and_runs_the_new_code(sim):
    sim.create_function("versioned", handler="app.handler", code=_zip_bytes(_version_source("v1")))
    sim.invoke("versioned")
    assert not sim.invoke("versioned").cold_start
    old_pids = [env.pid for env in sim.environments("versioned")]
    sim.update_function_code("versioned", code=_zip_bytes(_version_source("v2")))
    result = sim.invoke("versioned")
    assert result.cold_start
    assert result.payload == "v2"
    assert all(_gone(pid) for pid in old_pids)


def test_update_function_code_answers_in_progress_with_the_new_code_digest(sim):
    first, second = _zip_bytes(_version_source("v1")), _zip_bytes(_version_source("v2"))
    created = sim.create_function("versioned", handler="app.handler", code=first)
    updated = sim.update_function_code("versioned", code=second)
    assert {key: updated[key] for key in IN_PROGRESS} == IN_PROGRESS
    assert updated["CodeSha256"] == _sha256(second) != created["CodeSha256"]
    assert updated["CodeSize"] == len(second)
    assert updated["RevisionId"] != created["RevisionId"]
    assert sim.get_function_configuration("versioned")["LastUpdateStatus"] == "Successful"


def test_update_function_configuration_retires_environments_and_applies_new_variables(sim, basic):
    basic("env", environment={"GREETING": "hello"})
    assert sim.invoke("env").payload["GREETING"] == "hello"
    sim.update_function_configuration("env", environment={"GREETING": "bonjour", "EXTRA": "1"})
    result = sim.invoke("env")
    assert result.cold_start
    assert result.payload["GREETING"] == "bonjour" and result.payload["EXTRA"] == "1"


def test_update_function_configuration_applies_a_new_timeout(sim, basic):
    basic("remaining", timeout=3)
    assert sim.invoke("remaining").payload <= 3000
    updated = sim.update_function_configuration("remaining", timeout=60)
    assert updated["Timeout"] == 60
    assert 30_000 < sim.invoke("remaining").payload <= 60_000


def test_update_function_configuration_answers_in_progress_then_successful(sim, basic):
    basic("echo")
    before = sim.get_function_configuration("echo")
    updated = sim.update_function_configuration("echo", description="second edition")
    assert {key: updated[key] for key in IN_PROGRESS} == IN_PROGRESS
    assert updated["Description"] == "second edition"
    assert updated["RevisionId"] != before["RevisionId"]
    after = sim.get_function_configuration("echo")
    assert after["LastUpdateStatus"] == "Successful"
    assert not {"LastUpdateStatusReason", "LastUpdateStatusReasonCode"} & set(after)


def test_revision_id_changes_again_when_an_update_completes(sim, basic):
    basic("echo")
    updated = sim.update_function_configuration("echo", description="second edition")
    assert sim.get_function_configuration("echo")["RevisionId"] != updated["RevisionId"]


# --- delete -----------------------------------------------------------------------


def test_deleted_function_cannot_be_invoked_and_the_error_lists_the_functions_left(sim, basic):
    basic("echo", name="doomed")
    basic("echo", name="survivor")
    sim.invoke("doomed")
    pids = [env.pid for env in sim.environments("doomed")]
    assert sim.delete_function("doomed") is None
    with pytest.raises(ResourceNotFoundException) as caught:
        sim.invoke("doomed")
    assert caught.value.message == f"Function not found: {ARN_PREFIX}doomed:$LATEST"
    assert "survivor" in str(caught.value) and "doomed" not in caught.value.existing
    assert caught.value.existing == ["survivor"]
    assert all(_gone(pid) for pid in pids)
    assert [f["FunctionName"] for f in sim.list_functions()["Functions"]] == ["survivor"]


def test_deleting_latest_alone_is_rejected(sim, basic):
    basic("echo")
    with pytest.raises(InvalidParameterValueException) as caught:
        sim.delete_function("echo", qualifier="$LATEST")
    assert caught.value.message == "$LATEST version cannot be deleted without deleting the function."
    assert sim.get_function("echo")


def test_deleting_an_unknown_function_is_not_found(sim):
    with pytest.raises(ResourceNotFoundException) as caught:
        sim.delete_function("ghost")
    assert caught.value.message.startswith(f"Function not found: {ARN_PREFIX}ghost")


def test_a_deleted_name_can_be_created_again(sim, basic):
    basic("echo")
    sim.delete_function("echo")
    basic("echo")
    assert sim.invoke("echo", {"again": True}).payload == {"again": True}


# --- forms of code ----------------------------------------------------------------


def test_code_from_zip_bytes_runs_and_is_described_by_its_digest_and_size(sim):
    package = _zip_bytes(_version_source("from bytes"))
    config = sim.create_function("zipped", handler="app.handler", code=package)
    assert config["CodeSha256"] == _sha256(package)
    assert config["CodeSize"] == len(package)
    assert sim.invoke("zipped").payload == "from bytes"


@pytest.mark.parametrize("as_type", [str, Path])
def test_code_from_a_zip_file_path_runs_and_is_described_by_the_files_digest(sim, tmp_path, as_type):
    package = _zip_bytes(_version_source("from a file"))
    path = tmp_path / "function.zip"
    path.write_bytes(package)
    config = sim.create_function("zipped", handler="app.handler", code=as_type(path))
    assert config["CodeSha256"] == _sha256(package)
    assert config["CodeSize"] == len(package)
    assert sim.invoke("zipped").payload == "from a file"


@pytest.mark.parametrize("data", [b"not a zip file", b"PK\x03\x04 truncated"])
def test_bytes_that_are_not_a_zip_are_rejected_with_aws_message(sim, data):
    with pytest.raises(InvalidParameterValueException) as caught:
        sim.create_function("broken-zip", handler="app.handler", code=data)
    assert caught.value.message == (
        "Could not unzip uploaded file. Please check your file, then try to upload again."
    )
    assert sim.list_functions() == {"Functions": []}


@pytest.fixture
def callable_mod(monkeypatch):
    """tests/handlers/callable_mod.py imported as ``handlers.callable_mod``.

    pytest's default import mode already puts tests/ on sys.path (for conftest);
    prepending it again keeps this working under ``--import-mode=importlib``.
    """
    monkeypatch.syspath_prepend(str(TESTS))
    return importlib.import_module("handlers.callable_mod")


def test_code_as_a_module_level_function_runs_that_function(sim, callable_mod):
    config = sim.create_function("greeter", code=callable_mod.greet)
    assert config["Handler"] == "handlers.callable_mod.greet"
    result = sim.invoke("greeter", {"name": "Ada"})
    assert result.function_error is None, result.payload
    assert result.payload == {
        "hello": "Ada",
        "module": "handlers.callable_mod",
        "task_root": task_root(sim, "greeter"),
    }


def test_code_as_a_lambda_is_rejected_with_a_clear_error(sim):
    with pytest.raises(InvalidParameterValueException, match="module-level function") as caught:
        sim.create_function("anonymous", code=lambda event, context: event)
    assert "<lambda>" in str(caught.value)


def test_code_as_a_closure_is_rejected_with_a_clear_error(sim):
    greeting = "hi"

    def handler(event, context):
        return greeting

    with pytest.raises(InvalidParameterValueException, match="module-level function") as caught:
        sim.create_function("closure", code=handler)
    assert "<locals>" in str(caught.value)
    assert sim.list_functions() == {"Functions": []}


def test_directory_code_is_described_by_a_stable_digest(sim):
    first = sim.create_function("one", handler="app.echo", code=str(BASIC))
    second = sim.create_function("two", handler="app.echo", code=str(BASIC))
    assert first["CodeSha256"] == second["CodeSha256"]
    assert first["CodeSize"] == second["CodeSize"] > 0

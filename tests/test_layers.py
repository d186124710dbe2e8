"""Layers: publishing versions, referencing them from functions, and their content under /opt
(spec/lambda-controlplane.md §1.2, §2.5; spec/lambda-dataplane.md §8)."""

import base64
import hashlib
import io
import json
import re
import zipfile

import pytest

from conftest import HANDLERS

from lambdasim import (
    InvalidParameterValueException,
    ResourceNotFoundException,
    ValidationException,
)

LAYERS = HANDLERS / "layers"
BASE, OVERRIDE, BIN = LAYERS / "base", LAYERS / "override", LAYERS / "bin_layer"
FUNCTION = str(LAYERS / "function")
ACCOUNT_ARN = "arn:aws:lambda:us-east-1:123456789012:layer"
ROLE = "arn:aws:iam::123456789012:role/test"
LAYERS_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}"
    r":layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)"
)


def zip_of(directory):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(directory).as_posix())
    return buffer.getvalue()


def function_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(f"{FUNCTION}/app.py", "app.py")
    return buffer.getvalue()


# --- publishing -------------------------------------------------------------------


def test_publishing_a_zip_answers_awss_shape_with_a_base64_sha_and_the_zip_size(sim):
    data = zip_of(BASE)
    answer = sim.publish_layer_version(
        "base", content=data, description="shared code", compatible_runtimes=["python3.12"],
        compatible_architectures=["x86_64"], license_info="MIT",
    )
    assert answer["LayerArn"] == f"{ACCOUNT_ARN}:base"
    assert answer["LayerVersionArn"] == f"{ACCOUNT_ARN}:base:1"
    assert answer["Version"] == 1
    assert answer["Content"]["CodeSha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert answer["Content"]["CodeSize"] == len(data)
    assert answer["Description"] == "shared code"
    assert answer["CompatibleRuntimes"] == ["python3.12"]
    assert answer["CompatibleArchitectures"] == ["x86_64"]
    assert answer["LicenseInfo"] == "MIT"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", answer["CreatedDate"])


def test_unset_optional_members_are_left_out_and_description_is_empty(sim):
    answer = sim.publish_layer_version("base", content=str(BASE))
    assert answer["Description"] == ""
    for member in ("CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"):
        assert member not in answer


def test_version_numbers_count_up_and_are_never_reused_after_a_delete(sim):
    for _ in range(2):
        sim.publish_layer_version("base", content=str(BASE))
    sim.delete_layer_version("base", 2)
    assert sim.publish_layer_version("base", content=str(BASE))["Version"] == 3
    assert [v["Version"] for v in sim.list_layer_versions("base")["LayerVersions"]] == [3, 1]


def test_get_layer_version_and_by_arn_answer_what_publish_answered(sim):
    published = sim.publish_layer_version("base", content=str(BASE))
    assert sim.get_layer_version("base", 1) == published
    assert sim.get_layer_version(f"{ACCOUNT_ARN}:base", 1) == published
    assert sim.get_layer_version_by_arn(published["LayerVersionArn"]) == published


def test_a_missing_layer_version_is_awss_resource_not_found(sim):
    with pytest.raises(ResourceNotFoundException) as raised:
        sim.get_layer_version("nothing", 1)
    assert raised.value.message == "The resource you requested does not exist."


def test_version_numbers_below_one_are_refused_with_awss_message(sim):
    with pytest.raises(InvalidParameterValueException) as raised:
        sim.get_layer_version("base", 0)
    assert raised.value.message == "Layer Version Cannot be less than 1"


def test_deleting_a_missing_version_is_a_silent_success(sim):
    assert sim.delete_layer_version("nothing", 4) is None


def test_a_bad_layer_name_is_a_validation_error_quoting_awss_pattern(sim):
    with pytest.raises(ValidationException) as raised:
        sim.publish_layer_version("bad name", content=str(BASE))
    assert raised.value.message == (
        "1 validation error detected: Value 'bad name' at 'layerName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: "
        r"(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+"
    )


def test_content_that_is_not_a_zip_is_refused_with_awss_message(sim):
    with pytest.raises(InvalidParameterValueException) as raised:
        sim.publish_layer_version("base", content=b"not a zip")
    assert raised.value.message == "Could not unzip uploaded file. Please check your file, then try to upload again."


def test_listings_filter_by_runtime_and_architecture(sim):
    sim.publish_layer_version("a", content=str(BASE), compatible_runtimes=["python3.12"])
    sim.publish_layer_version("a", content=str(BASE), compatible_runtimes=["python3.11"])
    sim.publish_layer_version("b", content=str(BASE), compatible_architectures=["arm64"])
    layers = sim.list_layers(compatible_runtime="python3.12")["Layers"]
    assert [(item["LayerName"], item["LatestMatchingVersion"]["Version"]) for item in layers] == [("a", 1)]
    assert [item["LayerName"] for item in sim.list_layers()["Layers"]] == ["a", "b"]
    assert sim.list_layers(compatible_architecture="arm64")["Layers"][0]["LayerArn"] == f"{ACCOUNT_ARN}:b"
    versions = sim.list_layer_versions("a", compatible_runtime="python3.11")["LayerVersions"]
    assert [v["LayerVersionArn"] for v in versions] == [f"{ACCOUNT_ARN}:a:2"]
    assert sim.list_layer_versions("unknown") == {"LayerVersions": []}


# --- functions that use layers -----------------------------------------------------


def test_layers_are_laid_out_under_opt_in_order_later_layers_overwriting_earlier(sim):
    base = sim.publish_layer_version("base", content=zip_of(BASE))["LayerVersionArn"]
    override = sim.publish_layer_version("override", content=str(OVERRIDE))["LayerVersionArn"]
    sim.create_function("f", handler="app.imports", code=FUNCTION, layers=[base, override])
    assert sim.invoke("f").payload == {
        "shared": "override",
        "shared_file": "/opt/python/shared.py",
        "only_base": "/opt/python/only_base.py",
    }
    sim.update_function_configuration("f", layers=[override, base])
    assert sim.invoke("f").payload["shared"] == "base"


def test_opt_holds_exactly_the_layers_files(sim):
    sim.create_function("f", handler="app.listing", code=FUNCTION, layers=[str(BASE), str(OVERRIDE)])
    assert sim.invoke("f").payload == [
        "/opt/python/lib/python3.12/site-packages/sitepkg.py",
        "/opt/python/only_base.py",
        "/opt/python/shared.py",
    ]


def test_the_runtimes_site_packages_directory_of_a_layer_is_importable(sim):
    sim.create_function("f", handler="app.site_packages", code=FUNCTION, layers=[str(BASE)])
    assert sim.invoke("f").payload == {
        "origin": "base site-packages",
        "file": "/opt/python/lib/python3.12/site-packages/sitepkg.py",
    }


def test_a_pythonpath_of_the_function_leaves_the_opt_python_paths_out(sim):
    sim.create_function(
        "f", handler="app.opt_paths", code=FUNCTION, layers=[str(BASE)], environment={"PYTHONPATH": "/nowhere"}
    )
    assert sim.invoke("f").payload == []
    sim.create_function("g", handler="app.opt_paths", code=FUNCTION, layers=[str(BASE)])
    assert sim.invoke("g").payload == ["/opt/python/lib/python3.12/site-packages", "/opt/python"]


def test_opt_is_read_only(sim):
    sim.create_function("f", handler="app.write_opt", code=FUNCTION, layers=[str(BASE)])
    assert sim.invoke("f").payload == "OSError"


def test_executables_of_a_layer_run_from_opt_bin_on_path(sim):
    sim.create_function("f", handler="app.run_bin", code=FUNCTION, layers=[str(BIN)])
    assert sim.invoke("f").payload == "hello from /opt/bin\n"


def test_a_function_keeps_a_layer_version_that_is_deleted_after_it_was_configured(sim):
    arn = sim.publish_layer_version("base", content=zip_of(BASE))["LayerVersionArn"]
    sim.create_function("f", handler="app.imports", code=FUNCTION, layers=[arn])
    sim.delete_layer_version("base", 1)
    sim.faults.cold_start("f")
    assert sim.invoke("f").payload["shared"] == "base"
    sim.update_function_configuration("f", layers=[arn], timeout=5)
    with pytest.raises(InvalidParameterValueException) as raised:
        sim.create_function("g", handler="app.imports", code=FUNCTION, layers=[arn])
    assert raised.value.message == f"Layer version {arn} does not exist."


def test_the_configuration_lists_each_layer_with_its_code_size(sim):
    data = zip_of(BASE)
    arn = sim.publish_layer_version("base", content=data)["LayerVersionArn"]
    answer = sim.create_function("f", handler="app.imports", code=FUNCTION, layers=[arn])
    assert answer["Layers"] == [{"Arn": arn, "CodeSize": len(data)}]
    assert "Layers" not in sim.create_function("g", handler="app.imports", code=FUNCTION)


def test_a_local_directory_layer_shows_its_path_as_arn(sim):
    answer = sim.create_function("f", handler="app.imports", code=FUNCTION, layers=[str(BASE)])
    size = sum(p.stat().st_size for p in BASE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    assert answer["Layers"] == [{"Arn": str(BASE.resolve()), "CodeSize": size}]


# --- validation of Layers ------------------------------------------------------------


def test_more_than_five_layers_are_refused(sim):
    with pytest.raises(InvalidParameterValueException) as raised:
        sim.create_function("f", handler="app.imports", code=FUNCTION, layers=[str(BASE)] * 6)
    assert raised.value.message == "Cannot reference more than 5 layers."


def test_a_reference_that_is_neither_an_arn_nor_a_directory_gets_awss_validation_message(sim):
    with pytest.raises(ValidationException) as raised:
        sim.create_function("f", handler="app.imports", code=FUNCTION, layers=["no-such-layer"])
    assert raised.value.message == (
        "1 validation error detected: Value '[no-such-layer]' at 'layers' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 2048, "
        "Member must have length greater than or equal to 1, Member must satisfy regular expression "
        f"pattern: {LAYERS_PATTERN}, Member must not be null]"
    )


def test_an_unknown_layer_version_does_not_exist(sim):
    with pytest.raises(InvalidParameterValueException) as raised:
        sim.create_function("f", handler="app.imports", code=FUNCTION, layers=[f"{ACCOUNT_ARN}:doesnotexist:1"])
    assert raised.value.message == f"Layer version {ACCOUNT_ARN}:doesnotexist:1 does not exist."


def test_a_layer_of_another_region_is_refused(sim):
    with pytest.raises(InvalidParameterValueException) as raised:
        sim.create_function(
            "f", handler="app.imports", code=FUNCTION,
            layers=["arn:aws:lambda:eu-west-1:123456789012:layer:base:1"],
        )
    assert raised.value.message == (
        "Layers are not in the same region as the function. Layers are expected to be in region us-east-1."
    )


def test_two_versions_of_one_layer_are_refused(sim):
    first = sim.publish_layer_version("base", content=str(BASE))["LayerVersionArn"]
    second = sim.publish_layer_version("base", content=str(BASE))["LayerVersionArn"]
    with pytest.raises(InvalidParameterValueException) as raised:
        sim.create_function("f", handler="app.imports", code=FUNCTION, layers=[first, second])
    assert raised.value.message == (
        "Two different versions of the same layer are not allowed to be referenced in the same function. "
        f"{first} and {second} are versions of the same layer."
    )


def test_function_and_layers_together_must_stay_under_the_unzipped_limit(sim, monkeypatch):
    from lambdasim import _layers

    monkeypatch.setattr(_layers, "UNZIPPED_LIMIT", 100)
    with pytest.raises(InvalidParameterValueException) as raised:
        sim.create_function("f", handler="app.imports", code=FUNCTION, layers=[str(BASE), str(OVERRIDE)])
    assert raised.value.message == "Unzipped size must be smaller than 100 bytes"


def test_a_failed_update_of_layers_keeps_the_old_ones(sim):
    sim.create_function("f", handler="app.imports", code=FUNCTION, layers=[str(BASE)])
    with pytest.raises(InvalidParameterValueException):
        sim.update_function_configuration("f", layers=[f"{ACCOUNT_ARN}:missing:1"])
    assert sim.get_function_configuration("f")["Layers"][0]["Arn"] == str(BASE.resolve())
    assert sim.invoke("f").payload["shared"] == "base"


# --- through boto3 ------------------------------------------------------------------


def test_the_layer_operations_work_through_boto3(sim):
    client = sim.client()
    data = zip_of(BASE)
    published = client.publish_layer_version(
        LayerName="base", Content={"ZipFile": data}, CompatibleRuntimes=["python3.12"]
    )
    assert published["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert published["LayerVersionArn"] == f"{ACCOUNT_ARN}:base:1"
    assert client.get_layer_version(LayerName="base", VersionNumber=1)["Content"]["CodeSize"] == len(data)
    assert client.get_layer_version_by_arn(Arn=published["LayerVersionArn"])["Version"] == 1
    for _ in range(2):
        client.publish_layer_version(LayerName="base", Content={"ZipFile": data})
    page = client.list_layer_versions(LayerName="base", MaxItems=2)
    assert [v["Version"] for v in page["LayerVersions"]] == [3, 2]
    rest = client.list_layer_versions(LayerName="base", MaxItems=2, Marker=page["NextMarker"])
    assert [v["Version"] for v in rest["LayerVersions"]] == [1] and "NextMarker" not in rest
    assert client.list_layers(CompatibleRuntime="python3.12")["Layers"][0]["LatestMatchingVersion"]["Version"] == 1
    client.create_function(
        FunctionName="f", Role=ROLE, Handler="app.imports", Runtime="python3.12",
        Code={"ZipFile": function_zip()}, Layers=[published["LayerVersionArn"]],
    )
    assert json.load(client.invoke(FunctionName="f")["Payload"])["shared"] == "base"
    layers = client.get_function(FunctionName="f")["Configuration"]["Layers"]
    assert layers == [{"Arn": published["LayerVersionArn"], "CodeSize": len(data)}]
    client.delete_layer_version(LayerName="base", VersionNumber=1)
    with pytest.raises(client.exceptions.ResourceNotFoundException) as raised:
        client.get_layer_version(LayerName="base", VersionNumber=1)
    assert raised.value.response["Error"]["Message"] == "The resource you requested does not exist."


def test_layer_errors_reach_boto3_with_awss_codes(sim):
    client = sim.client()
    with pytest.raises(client.exceptions.InvalidParameterValueException) as raised:
        client.create_function(
            FunctionName="f", Role=ROLE, Handler="app.imports", Runtime="python3.12",
            Code={"ZipFile": function_zip()}, Layers=[f"{ACCOUNT_ARN}:doesnotexist:1"],
        )
    assert raised.value.response["Error"]["Message"] == f"Layer version {ACCOUNT_ARN}:doesnotexist:1 does not exist."
    with pytest.raises(client.exceptions.InvalidParameterValueException) as raised:
        client.get_layer_version(LayerName="base", VersionNumber=-1)
    assert raised.value.response["Error"]["Message"] == "Layer Version Cannot be less than 1"


def test_without_a_private_sandbox_layers_are_imported_from_their_own_directories(zygote):
    from lambdasim import LambdaSim

    with LambdaSim(zygote=zygote, private_tmp=False) as sim:
        sim.create_function("f", handler="app.imports", code=FUNCTION, layers=[str(BASE), str(OVERRIDE)])
        answer = sim.invoke("f").payload
    assert answer["shared"] == "override"
    assert answer["shared_file"] == str(OVERRIDE / "python" / "shared.py")
    assert answer["only_base"] == str(BASE / "python" / "only_base.py")


_BUILD_OPT = """
import os, sys
from lambdasim._runtime import linux

base, override, empty, overlay = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "overlay"
uid, gid = os.getuid(), os.getgid()
linux.unshare(linux.CLONE_NEWUSER | linux.CLONE_NEWNS)
for path, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
    with open(f"/proc/self/{path}", "w") as file:
        file.write(text)
linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
linux.mount_layers([base, override], empty, overlay=overlay)
with open("/opt/python/shared.py") as file:
    origin = file.read().split("ORIGIN = ")[1].strip()
try:
    open("/opt/new", "w").close()
    writable = "writable"
except OSError:
    writable = "read-only"
print(origin, os.path.exists("/opt/python/only_base.py"), writable)
"""


@pytest.mark.parametrize("mode", ["overlay", "copy"])
def test_both_ways_of_building_opt_give_the_same_read_only_tree(tmp_path, mode):
    """The overlay, and the copy made where the kernel refuses overlays, in a throwaway namespace
    (a fresh single-threaded interpreter: the kernel refuses a user namespace to a threaded one)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    empty = tmp_path / "empty"
    empty.mkdir()
    root = str(Path(__file__).resolve().parent.parent)
    completed = subprocess.run(
        [sys.executable, "-c", _BUILD_OPT, str(BASE), str(OVERRIDE), str(empty), mode],
        capture_output=True, text=True, timeout=60, cwd=root, env={**os.environ, "PYTHONPATH": root},
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == '"override" True read-only\n'


def test_opt_survives_a_reset_of_the_environment(sim):
    sim.create_function("f", handler="app.imports", code=FUNCTION, layers=[str(BASE), str(OVERRIDE)])
    sim.invoke("f")
    sim.faults.crash("f")
    assert sim.invoke("f").function_error == "Unhandled"
    again = sim.invoke("f")
    assert again.cold_start and again.payload["shared"] == "override"


def test_publish_arguments_of_the_wrong_type_are_refused_by_name(sim):
    with pytest.raises(InvalidParameterValueException, match="'compatible_runtimes' must be a list of str"):
        sim.publish_layer_version("base", content=str(BASE), compatible_runtimes="python3.12")
    with pytest.raises(ValidationException) as raised:
        sim.publish_layer_version("base", content=str(BASE), compatible_architectures=["x86_64", "sparc"])
    assert raised.value.message == (
        "1 validation error detected: Value '[x86_64, sparc]' at 'compatibleArchitectures' failed to satisfy "
        "constraint: Member must satisfy constraint: [Member must have length less than or equal to 2, "
        "Member must satisfy enum value set: [x86_64, arm64]]"
    )
    assert sim.list_layers() == {"Layers": []}

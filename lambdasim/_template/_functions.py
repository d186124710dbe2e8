"""Function resources -> ``create_function`` keywords: which properties mean what, and SAM's ``Globals``.

Every property of ``AWS::Lambda::Function`` and ``AWS::Serverless::Function`` falls in
one of three sets: *mapped* to a ``create_function`` keyword, *accepted* because it
changes nothing a test can observe (tags, event sources, code signing), or
*unsupported* because it changes behaviour lambdasim does not simulate (SnapStart,
container images, file systems, provisioned concurrency, ...). An unsupported or
unknown property is an error naming its path.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Tuple

from ._errors import TemplateError

__all__ = [
    "ACCEPTED",
    "GLOBAL_FUNCTION_PROPERTIES",
    "UNSUPPORTED",
    "check_properties",
    "integer",
    "merge_globals",
    "settings_from",
    "string",
]

LAMBDA_FUNCTION = "AWS::Lambda::Function"
SAM_FUNCTION = "AWS::Serverless::Function"

_COMMON_MAPPED = (
    "Architectures", "Description", "Environment", "EphemeralStorage", "FunctionName", "Handler", "KmsKeyArn",
    "Layers", "LoggingConfig", "MemorySize", "PackageType", "ReservedConcurrentExecutions", "Role", "Runtime",
    "Timeout", "VpcConfig",
)  # fmt: skip
MAPPED = {
    LAMBDA_FUNCTION: frozenset(_COMMON_MAPPED + ("Code", "DeadLetterConfig", "TracingConfig")),
    SAM_FUNCTION: frozenset(
        _COMMON_MAPPED
        + (
            "CodeUri",
            "InlineCode",
            "DeadLetterQueue",
            "Tracing",
            "AutoPublishAlias",
            "VersionDescription",
            "Policies",
            "AssumeRolePolicyDocument",
            "RolePath",
            "PermissionsBoundary",
            "EventInvokeConfig",
        )
    ),
}
#: Accepted, with no effect in the simulator (listed in docs/templates.md).
ACCEPTED = {
    LAMBDA_FUNCTION: frozenset(("CodeSigningConfigArn", "RecursiveLoop", "RuntimeManagementConfig", "Tags")),
    SAM_FUNCTION: frozenset((
        "CodeSigningConfigArn", "RecursiveLoop", "RuntimeManagementConfig", "Tags", "PropagateTags", "Events",
        "DeploymentPreference", "AutoPublishAliasAllProperties", "AutoPublishCodeSha256", "VersionDeletionPolicy",
        "SourceKMSKeyArn",
    )),
}  # fmt: skip
#: Properties that change behaviour lambdasim does not simulate: property -> why.
UNSUPPORTED = {
    "SnapStart": "SnapStart snapshots are not simulated",
    "ImageUri": "container image functions are not simulated (lambdasim runs Zip packages)",
    "ImageConfig": "container image functions are not simulated (lambdasim runs Zip packages)",
    "FileSystemConfigs": "EFS file systems are not simulated",
    "ProvisionedConcurrencyConfig": "provisioned concurrency is not simulated",
    "FunctionUrlConfig": "function URLs are not simulated",
    "CapacityProviderConfig": "Lambda Managed Instances are not simulated",
    "FunctionScalingConfig": "Lambda Managed Instances are not simulated",
    "TenancyConfig": "tenant isolation is not simulated",
    "DurableConfig": "durable functions are not simulated",
    "PublishToLatestPublished": "Lambda Managed Instances are not simulated",
}
#: SAM's ``Globals.Function`` accepts every function property but these four.
GLOBAL_FUNCTION_PROPERTIES = frozenset(
    (MAPPED[SAM_FUNCTION] | ACCEPTED[SAM_FUNCTION] | set(UNSUPPORTED)) - {"Role", "Policies", "FunctionName", "Events"}
)


def check_properties(resource_type: str, properties: Mapping[str, Any], path: str) -> None:
    """Refuse unsupported and unknown properties, naming the first one's path."""
    for name in properties:
        if name in MAPPED[resource_type] or name in ACCEPTED[resource_type]:
            continue
        if name in UNSUPPORTED:
            raise TemplateError(f"{path}.{name}", f"not supported: {UNSUPPORTED[name]}")
        raise TemplateError(f"{path}.{name}", f"{resource_type} has no property {name!r}")


def merge_globals(global_value: Any, value: Any) -> Any:
    """SAM's merge: maps merge (resource keys win), lists concatenate globals first, else the resource wins."""
    if isinstance(global_value, Mapping) and isinstance(value, Mapping):
        merged = dict(global_value)
        for key, item in value.items():
            merged[key] = merge_globals(global_value[key], item) if key in global_value else item
        return merged
    if isinstance(global_value, list) and isinstance(value, list):
        return list(global_value) + list(value)
    return value


def integer(value: Any, path: str) -> int:
    """An integer property; CloudFormation also takes digit strings (what a parameter ``Ref`` gives)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise TemplateError(path, f"must be an integer (got {value!r})")


def string(value: Any, path: str) -> str:
    """A string property; numbers and booleans become their CloudFormation text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    raise TemplateError(path, f"must be a string (got {value!r})")


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TemplateError(path, f"must be a mapping (got {value!r})")
    return value


def _string_list(value: Any, path: str) -> List[str]:
    if not isinstance(value, list):
        raise TemplateError(path, f"must be a list (got {value!r})")
    return [string(item, f"{path}[{index}]") for index, item in enumerate(value)]


def settings_from(resource_type: str, properties: Mapping[str, Any], path: str) -> Tuple[Dict[str, Any], List[str]]:
    """``create_function`` keywords (other than the name, handler, code and role) and notes."""
    settings: Dict[str, Any] = {}
    notes: List[str] = []
    get = properties.get
    if get("PackageType", "Zip") != "Zip":
        raise TemplateError(f"{path}.PackageType", f"only Zip packages are simulated (got {get('PackageType')!r})")
    if "Runtime" in properties:
        settings["runtime"] = string(properties["Runtime"], f"{path}.Runtime")
    if "Description" in properties:
        settings["description"] = string(properties["Description"], f"{path}.Description")
    for prop, keyword in (
        ("Timeout", "timeout"),
        ("MemorySize", "memory_size"),
        ("ReservedConcurrentExecutions", "reserved_concurrency"),
    ):
        if prop in properties:
            settings[keyword] = integer(properties[prop], f"{path}.{prop}")
    if "EphemeralStorage" in properties:
        storage = _mapping(properties["EphemeralStorage"], f"{path}.EphemeralStorage")
        if "Size" not in storage:
            raise TemplateError(f"{path}.EphemeralStorage.Size", "is required")
        settings["ephemeral_storage"] = integer(storage["Size"], f"{path}.EphemeralStorage.Size")
    if "Environment" in properties:
        environment = _mapping(properties["Environment"], f"{path}.Environment")
        variables = _mapping(environment.get("Variables", {}), f"{path}.Environment.Variables")
        settings["environment"] = {
            key: string(value, f"{path}.Environment.Variables.{key}") for key, value in variables.items()
        }
    if "Architectures" in properties:
        settings["architectures"] = _string_list(properties["Architectures"], f"{path}.Architectures")
    if "Layers" in properties:
        settings["layers"] = _string_list(properties["Layers"], f"{path}.Layers")
    if "KmsKeyArn" in properties:
        settings["kms_key_arn"] = string(properties["KmsKeyArn"], f"{path}.KmsKeyArn")
    if "VpcConfig" in properties:
        vpc = dict(_mapping(properties["VpcConfig"], f"{path}.VpcConfig"))
        for key in ("SubnetIds", "SecurityGroupIds"):
            if key in vpc:
                vpc[key] = _string_list(vpc[key], f"{path}.VpcConfig.{key}")
        settings["vpc_config"] = vpc
    if "LoggingConfig" in properties:
        settings["logging_config"] = dict(_mapping(properties["LoggingConfig"], f"{path}.LoggingConfig"))
    if "DeadLetterConfig" in properties:
        settings["dead_letter_config"] = dict(_mapping(properties["DeadLetterConfig"], f"{path}.DeadLetterConfig"))
    if "DeadLetterQueue" in properties:
        queue = _mapping(properties["DeadLetterQueue"], f"{path}.DeadLetterQueue")
        if queue.get("Type") not in ("SQS", "SNS"):
            raise TemplateError(f"{path}.DeadLetterQueue.Type", f"must be SQS or SNS (got {queue.get('Type')!r})")
        if "TargetArn" not in queue:
            raise TemplateError(f"{path}.DeadLetterQueue.TargetArn", "is required")
        settings["dead_letter_config"] = {"TargetArn": string(queue["TargetArn"], f"{path}.DeadLetterQueue.TargetArn")}
    if "TracingConfig" in properties:
        settings["tracing_config"] = dict(_mapping(properties["TracingConfig"], f"{path}.TracingConfig"))
    if "Tracing" in properties:
        mode = properties["Tracing"]
        if mode not in ("Active", "PassThrough", "Disabled"):
            raise TemplateError(f"{path}.Tracing", f"must be Active, PassThrough or Disabled (got {mode!r})")
        if mode != "Disabled":
            settings["tracing_config"] = {"Mode": mode}
    for name in sorted(set(properties) & ACCEPTED[resource_type]):
        notes.append(f"{path}.{name} is accepted but has no effect in lambdasim")
    return settings, notes

"""Lambda request members (PascalCase JSON) → ``LambdaSim`` keywords (snake_case), for the REST router.

``settings`` maps the members of CreateFunction / UpdateFunctionConfiguration onto
``FunctionConfig`` keywords (``MemorySize`` → ``memory_size``,
``Environment.Variables`` → ``environment``, ``EphemeralStorage.Size`` →
``ephemeral_storage``); ``zip_file`` decodes ``ZipFile``. Members the service does
not model yet are refused by ``refuse_unsupported`` with
``InvalidParameterValueException`` naming them, unless they carry the value that
asks for nothing (``Publish=false``, ``Tags={}``): a request is never half obeyed.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Dict, Mapping, Optional, Tuple

from . import _errors
from ._errors import InvalidParameterValueException, InvalidRequestContentException

__all__ = [
    "CODE_UNSUPPORTED",
    "CREATE_UNSUPPORTED",
    "LAYER_CONTENT_UNSUPPORTED",
    "UPDATE_CODE_UNSUPPORTED",
    "UPDATE_CONFIGURATION_UNSUPPORTED",
    "event_invoke_config",
    "layer_settings",
    "refuse_unsupported",
    "settings",
    "structure",
    "zip_file",
]

#: Members that map one to one onto a ``FunctionConfig`` keyword.
_PLAIN_SETTINGS = {
    "Role": "role",
    "Handler": "handler",
    "Runtime": "runtime",
    "Description": "description",
    "Timeout": "timeout",
    "MemorySize": "memory_size",
    "Layers": "layers",
    "VpcConfig": "vpc_config",
    "DeadLetterConfig": "dead_letter_config",
    "KMSKeyArn": "kms_key_arn",
    "TracingConfig": "tracing_config",
    "LoggingConfig": "logging_config",
}

_ZIP_ONLY = "give the deployment package as ZipFile"

#: Modeled members the service does not support yet: the value that is harmless
#: (it asks for nothing), and what to say about any other value.
_UNSUPPORTED = {
    "PublishTo": (None, "publishing to LATEST_PUBLISHED is not simulated"),
    "DryRun": (False, ""),
    "PackageType": ("Zip", "container images are not supported"),
    "ImageConfig": ({}, "container images are not supported"),
    "Tags": ({}, ""),
    "FileSystemConfigs": ([], ""),
    "CodeSigningConfigArn": (None, ""),
    "SnapStart": ({"ApplyOn": "None"}, ""),
    "CapacityProviderConfig": (None, ""),
    "DurableConfig": (None, ""),
    "TenancyConfig": (None, ""),
    "SourceKMSKeyArn": (None, ""),
    "S3Bucket": (None, _ZIP_ONLY),
    "S3Key": (None, _ZIP_ONLY),
    "S3ObjectVersion": (None, _ZIP_ONLY),
    "ImageUri": (None, "container images are not supported"),
}

CREATE_UNSUPPORTED = (
    "PublishTo", "PackageType", "ImageConfig", "Tags", "FileSystemConfigs",
    "CodeSigningConfigArn", "SnapStart", "CapacityProviderConfig", "DurableConfig", "TenancyConfig",
)  # fmt: skip
CODE_UNSUPPORTED = ("S3Bucket", "S3Key", "S3ObjectVersion", "ImageUri", "SourceKMSKeyArn")
UPDATE_CODE_UNSUPPORTED = CODE_UNSUPPORTED + ("PublishTo", "DryRun", "Architectures")
UPDATE_CONFIGURATION_UNSUPPORTED = (
    "ImageConfig", "FileSystemConfigs", "SnapStart", "CapacityProviderConfig", "DurableConfig",
)  # fmt: skip


def refuse_unsupported(
    operation: str, document: Mapping[str, Any], members: Tuple[str, ...], prefix: str = ""
) -> None:
    """Raise ``InvalidParameterValueException`` for the first of ``members`` that asks for something."""
    for member in members:
        value = document.get(member)
        if value is None:
            continue
        harmless, hint = _UNSUPPORTED.get(member, (None, ""))
        if value != harmless:
            raise InvalidParameterValueException(_errors.member_not_supported(operation, prefix + member, hint))


def structure(document: Mapping[str, Any], member: str) -> Optional[Dict[str, Any]]:
    """``document[member]`` when it is a JSON object; None when absent or null."""
    value = document.get(member)
    if value is not None and not isinstance(value, dict):
        raise InvalidParameterValueException(_errors.wrong_type(member, "an object", value))
    return value


def settings(document: Mapping[str, Any], *, architectures: bool) -> Dict[str, Any]:
    """The ``FunctionConfig`` keywords for the members present (a null member is absent)."""
    keywords = {
        keyword: document[member]
        for member, keyword in _PLAIN_SETTINGS.items()
        if document.get(member) is not None
    }
    if architectures and document.get("Architectures") is not None:
        keywords["architectures"] = document["Architectures"]
    environment = structure(document, "Environment")
    if environment is not None:
        # Environment without Variables configures an empty map (AWS echoes {"Variables": {}}).
        keywords["environment"] = environment.get("Variables") or {}
    storage = structure(document, "EphemeralStorage")
    if storage is not None:
        keywords["ephemeral_storage"] = storage.get("Size")
    return keywords


def zip_file(document: Mapping[str, Any], operation: str, prefix: str = "") -> bytes:
    """The deployment package of ``document["ZipFile"]`` (base64 on the wire)."""
    encoded = document.get("ZipFile")
    if encoded is None:
        what = prefix.rstrip(".") or "a request"
        raise InvalidParameterValueException(
            _errors.member_not_supported(operation, f"{what} without ZipFile", _ZIP_ONLY)
        )
    if not isinstance(encoded, str):
        raise InvalidParameterValueException(_errors.wrong_type(f"{prefix}ZipFile", "base64 text", encoded))
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequestContentException(
            _errors.request_body_not_json(f"{prefix}ZipFile is not valid base64")
        ) from None


def boolean(document: Mapping[str, Any], member: str) -> bool:
    """``document[member]`` as a bool (absent or null: False)."""
    value = document.get(member)
    if value is not None and not isinstance(value, bool):
        raise InvalidParameterValueException(_errors.wrong_type(member, "a boolean", value))
    return bool(value)


def text(document: Mapping[str, Any], member: str) -> Optional[str]:
    """``document[member]`` as a string (absent or null: None)."""
    value = document.get(member)
    if value is not None and not isinstance(value, str):
        raise InvalidParameterValueException(_errors.wrong_type(member, "a string", value))
    return value


# --- layers ---------------------------------------------------------------------

LAYER_CONTENT_UNSUPPORTED = ("S3Bucket", "S3Key", "S3ObjectVersion")

_LAYER_SETTINGS = {
    "Description": "description",
    "CompatibleRuntimes": "compatible_runtimes",
    "CompatibleArchitectures": "compatible_architectures",
    "LicenseInfo": "license_info",
}


def layer_settings(document: Mapping[str, Any]) -> Dict[str, Any]:
    """``publish_layer_version`` keywords for the PublishLayerVersion members present."""
    return {
        keyword: document[member] for member, keyword in _LAYER_SETTINGS.items() if document.get(member) is not None
    }


def event_invoke_config(document: Mapping[str, Any]) -> Dict[str, Any]:
    """The keywords of Put/UpdateFunctionEventInvokeConfig for the members present."""
    members = {
        "MaximumRetryAttempts": "maximum_retry_attempts",
        "MaximumEventAgeInSeconds": "maximum_event_age_in_seconds",
        "DestinationConfig": "destination_config",
    }
    return {keyword: document[member] for member, keyword in members.items() if document.get(member) is not None}

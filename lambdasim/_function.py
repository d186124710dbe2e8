"""A function in the simulator's registry, and its description in AWS's ``FunctionConfiguration`` shape."""

from __future__ import annotations

import time
import uuid
from typing import Any, Dict, Optional

import attrs

from . import _clock
from ._code import CodePackage
from ._config import FunctionConfig
from ._platform import runtime_version_arn
from ._sandbox._pool import EnvironmentPool


@attrs.define(eq=False)
class FunctionRecord:
    """A function in the registry: its configuration, code, revision and environments."""

    config: FunctionConfig
    code: CodePackage
    revision_id: str
    last_modified: str
    pool: EnvironmentPool = attrs.Factory(EnvironmentPool)
    #: The transition the next read completes: create answers Pending and an
    #: update InProgress; the next read sees Active/Successful with a new
    #: RevisionId, as AWS's state change gives one (spec controlplane §3).
    transition: Optional[str] = "creating"
    #: lambdasim's debug mode for this function (not an AWS member): None follows the simulator.
    inline: Optional[bool] = None


def touch(function: FunctionRecord) -> None:
    """Record a change: a new RevisionId and LastModified."""
    function.revision_id = new_revision()
    function.last_modified = timestamp()


def describe(function: FunctionRecord, *, arn: str, region: str, updating: bool = False) -> dict:
    """The function's ``FunctionConfiguration`` as AWS answers it; a read completes a pending transition."""
    config, code = function.config, function.code
    answer: Dict[str, Any] = {
        "FunctionName": config.function_name,
        "FunctionArn": arn,
        "Runtime": config.runtime,
        "Role": config.role,
        "Handler": config.handler,
        "CodeSize": code.code_size,
        "Description": config.description,
        "Timeout": config.timeout,
        "MemorySize": config.memory_size,
        "LastModified": function.last_modified,
        "CodeSha256": code.code_sha256,
        "Version": "$LATEST",
        "TracingConfig": {"Mode": (config.tracing_config or {}).get("Mode", "PassThrough")},
        "RevisionId": function.revision_id,
        "PackageType": "Zip",
        "Architectures": list(config.architectures),
        "EphemeralStorage": {"Size": config.ephemeral_storage},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "RuntimeVersionConfig": {"RuntimeVersionArn": runtime_version_arn(config.runtime, region)},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": config.log_group, **dict(config.logging_config or {})},
    }
    if config.environment is not None:
        answer["Environment"] = {"Variables": dict(config.environment)}
    if function.transition == "creating" and not updating:
        answer.update(State="Pending", StateReason="The function is being created.", StateReasonCode="Creating")
        function.transition = "created"
    elif updating:
        answer.update(
            State="Active", LastUpdateStatus="InProgress",
            LastUpdateStatusReason="The function is being created.", LastUpdateStatusReasonCode="Creating",
        )
        function.transition = "updated"
    else:
        if function.transition is not None:
            function.transition = None
            function.revision_id = answer["RevisionId"] = new_revision()
        answer.update(State="Active", LastUpdateStatus="Successful")
    return answer


def new_revision() -> str:
    return str(uuid.uuid4())


def timestamp() -> str:
    now = _clock.wall()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}+0000"

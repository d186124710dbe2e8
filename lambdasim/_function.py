"""A function in the simulator's registry, and its description in AWS's ``FunctionConfiguration`` shape."""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional, Tuple

import attrs

from . import _clock
from ._code import CodePackage
from ._config import FunctionConfig
from ._config_checks import describe_vpc
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
    #: A state transition in flight: ``"create"`` (State Pending) or ``"update"``
    #: (LastUpdateStatus InProgress). It completes with a new RevisionId, as
    #: AWS's state changes do (spec controlplane §3): at the next read, or only
    #: at ``LambdaSim.settle()`` when the simulator holds transitions.
    transition: Optional[str] = "create"
    #: ``"$LATEST"``, or the number of a published version.
    version: str = "$LATEST"
    #: What invokes run while an update is held in progress: the configuration
    #: and code from before it (AWS keeps serving the previous code meanwhile).
    running: Optional[Tuple[FunctionConfig, CodePackage]] = None
    #: Published versions by number, aliases by name, and the next version
    #: number (never reused). Kept on the ``$LATEST`` record only.
    versions: Dict[str, "FunctionRecord"] = attrs.Factory(dict)
    aliases: Dict[str, "Alias"] = attrs.Factory(dict)
    next_version: int = 1
    #: ``(configuration, CodeSha256)`` of ``$LATEST`` when it was last published,
    #: so publishing again without a change returns that version.
    published: Optional[tuple] = None

    #: The function's layers as resolved when they were configured (``_layers.ResolvedLayer``).
    layers: tuple = ()
    #: lambdasim's debug mode for this function (not an AWS member): None follows the simulator.
    inline: Optional[bool] = None

    def active(self) -> Tuple[FunctionConfig, CodePackage]:
        """The configuration and code an invoke runs now."""
        return self.running if self.running is not None else (self.config, self.code)

    def records(self) -> List["FunctionRecord"]:
        """``$LATEST`` and every published version (each has its own environments)."""
        return [self, *self.versions.values()]


@attrs.define(eq=False)
class Alias:
    """A named pointer to a version, optionally sending a share of invokes to a second one."""

    name: str
    function_version: str
    description: str
    #: ``{version: weight}``: at most one additional version and its share of invokes.
    weights: Dict[str, float]
    revision_id: str

    def describe(self, arn: str) -> dict:
        answer: Dict[str, Any] = {
            "AliasArn": arn,
            "Name": self.name,
            "FunctionVersion": self.function_version,
            "Description": self.description,
        }
        if self.weights:
            answer["RoutingConfig"] = {"AdditionalVersionWeights": dict(self.weights)}
        answer["RevisionId"] = self.revision_id
        return answer

    def versions(self) -> List[str]:
        return [self.function_version, *self.weights]


def touch(function: FunctionRecord) -> None:
    """Record a change: a new RevisionId and LastModified."""
    function.revision_id = new_revision()
    function.last_modified = timestamp()


def describe(
    function: FunctionRecord, *, arn: str, region: str, creating: bool = False, updating: bool = False,
    hold: bool = False,
) -> dict:
    """The function's ``FunctionConfiguration`` as AWS answers it.

    ``creating``/``updating`` describe the answer of the create or update call
    itself (Pending, InProgress). Otherwise a read completes a transition in
    flight, unless ``hold`` (the simulator holds transitions until ``settle()``).
    """
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
        "Version": function.version,
        "TracingConfig": {"Mode": (config.tracing_config or {}).get("Mode", "PassThrough")},
        "RevisionId": function.revision_id,
        "PackageType": "Zip",
        "Architectures": list(config.architectures),
        "EphemeralStorage": {"Size": config.ephemeral_storage},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "RuntimeVersionConfig": {"RuntimeVersionArn": runtime_version_arn(config.runtime, region)},
        "LoggingConfig": _logging_config(config),
    }
    if config.environment is not None:
        answer["Environment"] = {"Variables": dict(config.environment)}
    if function.layers:
        answer["Layers"] = [layer.describe() for layer in function.layers]
    if config.vpc_config is not None:
        answer["VpcConfig"] = describe_vpc(config.vpc_config)
    if config.dead_letter_config is not None and config.dead_letter_config.get("TargetArn"):
        answer["DeadLetterConfig"] = {"TargetArn": config.dead_letter_config["TargetArn"]}
    if config.kms_key_arn:
        answer["KMSKeyArn"] = config.kms_key_arn
    transition = function.transition
    if updating:
        answer.update(
            State="Active", LastUpdateStatus="InProgress",
            LastUpdateStatusReason="The function is being created.", LastUpdateStatusReasonCode="Creating",
        )
    elif transition == "create" and (hold or creating):
        answer.update(State="Pending", StateReason="The function is being created.", StateReasonCode="Creating")
    elif transition == "update" and hold:
        answer.update(
            State="Active", LastUpdateStatus="InProgress",
            LastUpdateStatusReason="The function is being created.", LastUpdateStatusReasonCode="Creating",
        )
    else:
        if transition is not None:
            complete(function)
            answer["RevisionId"] = function.revision_id
        answer.update(State="Active", LastUpdateStatus="Successful")
    return answer


def complete(function: FunctionRecord) -> None:
    """Finish the transition in flight: Active/Successful, with a new RevisionId."""
    function.transition = None
    function.running = None
    function.revision_id = new_revision()


def _logging_config(config: FunctionConfig) -> Dict[str, Any]:
    """``LoggingConfig``: JSON functions show their levels, ``INFO`` unless set."""
    given = dict(config.logging_config or {})
    answer: Dict[str, Any] = {"LogFormat": given.get("LogFormat", "Text")}
    if answer["LogFormat"] == "JSON":
        answer["ApplicationLogLevel"] = given.get("ApplicationLogLevel", "INFO")
        answer["SystemLogLevel"] = given.get("SystemLogLevel", "INFO")
    answer["LogGroup"] = config.log_group
    return answer


def new_revision() -> str:
    import uuid  # here, not at the top: import lambdasim stays cheaper (changes are rare next to invokes)

    return str(uuid.uuid4())


def timestamp() -> str:
    now = _clock.wall()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}+0000"


#: Fields that list operations leave out of a configuration.
_HIDDEN_IN_LISTS = (
    "State", "StateReason", "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason",
    "LastUpdateStatusReasonCode", "RuntimeVersionConfig",
)


def listed(configuration: dict) -> dict:
    """A configuration as list operations show it: without the state fields."""
    return {key: value for key, value in configuration.items() if key not in _HIDDEN_IN_LISTS}

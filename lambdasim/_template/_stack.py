"""Load a template into a ``LambdaSim``: resources in dependency order, as CloudFormation creates them.

``load_template`` reads the file, resolves ``Parameters``, applies SAM's ``Globals``,
orders the resources by their references (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``) and
``DependsOn``, skips those whose ``Condition`` is false, and creates each one
through the simulator's public methods: ``create_function``, ``publish_version``,
``create_alias``, ``publish_layer_version`` and ``create_event_source_mapping``.
Roles are registered with the simulator (``register_role``), which checks the
functions that use them; other resource types get names and ARNs for
``Ref``/``Fn::GetAtt`` and a note. If anything fails, the
functions created so far are deleted again, like a rolled-back stack.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Set, Union

import attrs

from .._errors import LambdaSimError
from . import _code, _functions, _iam
from ._errors import TemplateError
from ._intrinsics import Resolver, dependencies, pseudo_parameters
from ._naming import generated_name
from ._parameters import resolve_parameters
from ._parse import read_template

__all__ = ["Stack", "load_template"]

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
DEFAULT_STACK_NAME = "lambdasim"
_SECTIONS = (
    "AWSTemplateFormatVersion", "Conditions", "Description", "Globals", "Mappings", "Metadata", "Outputs",
    "Parameters", "Resources", "Rules", "Transform",
)  # fmt: skip
_RESOURCE_KEYS = (
    "Condition", "CreationPolicy", "DeletionPolicy", "DependsOn", "Metadata", "Properties", "Type",
    "UpdatePolicy", "UpdateReplacePolicy",
)  # fmt: skip
_GLOBAL_SECTIONS = (
    "Function",
    "Api",
    "HttpApi",
    "SimpleTable",
    "StateMachine",
    "LayerVersion",
    "CapacityProvider",
    "WebSocketApi",
)
#: The members of a function's ``Code`` (``S3ObjectVersion`` plays no part in ``code_locations``).
_CODE_KEYS = ("ImageUri", "S3Bucket", "S3Key", "S3ObjectVersion", "SourceKMSKeyArn", "ZipFile")
#: Lambda resource types lambdasim does not simulate: an error, since the functions would behave differently.
_UNSUPPORTED_LAMBDA_TYPES = {"AWS::Lambda::Url": "function URLs are not simulated"}
#: ``AWS::Lambda::EventSourceMapping`` properties -> ``create_event_source_mapping`` keywords.
_MAPPING_PROPERTIES = {
    "EventSourceArn": "event_source_arn", "FunctionName": "function_name", "Enabled": "enabled",
    "BatchSize": "batch_size", "MaximumBatchingWindowInSeconds": "maximum_batching_window_in_seconds",
    "StartingPosition": "starting_position", "StartingPositionTimestamp": "starting_position_timestamp",
    "FunctionResponseTypes": "function_response_types", "MaximumRetryAttempts": "maximum_retry_attempts",
    "MaximumRecordAgeInSeconds": "maximum_record_age_in_seconds",
    "BisectBatchOnFunctionError": "bisect_batch_on_function_error", "ParallelizationFactor": "parallelization_factor",
}  # fmt: skip
_MAPPING_INTEGERS = (
    "batch_size", "maximum_batching_window_in_seconds", "maximum_retry_attempts", "maximum_record_age_in_seconds",
    "parallelization_factor",
)  # fmt: skip
#: Lambda-related types that change nothing a test can observe in lambdasim.
_ACCEPTED_LAMBDA_TYPES = (
    "AWS::Lambda::Permission",
    "AWS::Lambda::LayerVersionPermission",
    "AWS::Lambda::CodeSigningConfig",
)
#: For types lambdasim does not simulate: the property that names them, ``Ref`` and attribute forms.
_OTHER_TYPES: Dict[str, Dict[str, Any]] = {
    "AWS::SQS::Queue": {"name": "QueueName", "ref": "url", "arn": "arn:{p}:sqs:{r}:{a}:{n}", "names": ("QueueName",)},
    "AWS::SNS::Topic": {"name": "TopicName", "ref": "arn", "arn": "arn:{p}:sns:{r}:{a}:{n}", "names": ("TopicName",)},
    "AWS::DynamoDB::Table": {"name": "TableName", "ref": "name", "arn": "arn:{p}:dynamodb:{r}:{a}:table/{n}"},
    "AWS::S3::Bucket": {"name": "BucketName", "ref": "name", "arn": "arn:{p}:s3:::{n}", "lowercase": True},
    "AWS::Events::Rule": {"name": "Name", "ref": "name", "arn": "arn:{p}:events:{r}:{a}:rule/{n}"},
    "AWS::Logs::LogGroup": {"name": "LogGroupName", "ref": "name", "arn": "arn:{p}:logs:{r}:{a}:log-group:{n}:*"},
    "AWS::Serverless::SimpleTable": {"name": "TableName", "ref": "name", "arn": "arn:{p}:dynamodb:{r}:{a}:table/{n}"},
}


@attrs.define
class Stack:
    """What loading one template created: logical ids, the names they got, and notes.

    ``functions`` maps each function's logical id to its function name (given or
    generated); ``invoke`` and ``function_name`` accept either.
    """

    name: str
    template: Path
    sim: Any = attrs.field(repr=False)
    functions: Dict[str, str] = attrs.Factory(dict)
    #: Logical id -> resource type, for everything recorded (SAM's generated versions, aliases and roles too).
    resources: Dict[str, str] = attrs.Factory(dict)
    #: Things accepted without effect, and resources that are not simulated.
    notes: List[str] = attrs.Factory(list)
    parameters: Dict[str, Any] = attrs.Factory(dict)

    def function_name(self, function: str) -> str:
        """The function name for a logical id (or a function name of this stack, returned as is)."""
        if function in self.functions:
            return self.functions[function]
        if function in self.functions.values():
            return function
        known = ", ".join(f"{logical} ({name})" for logical, name in self.functions.items()) or "none"
        raise TemplateError(
            "", f"template {self.template.name} declares no function {function!r}; its functions: {known}"
        )

    def invoke(self, function: str, event: Any = None, **options: Any) -> Any:
        """``sim.invoke`` with a logical id or a function name of this stack."""
        return self.sim.invoke(self.function_name(function), event, **options)


def load_template(
    sim: Any,
    path: Union[str, Path],
    *,
    parameters: Optional[Mapping[str, Any]] = None,
    code_locations: Optional[Mapping[str, Union[str, Path]]] = None,
    stack_name: str = DEFAULT_STACK_NAME,
    environment_overrides: Optional[Mapping[str, Mapping[str, Any]]] = None,
) -> Stack:
    """Create the template's functions (and versions, aliases, layers) in ``sim``; return the ``Stack``."""
    if not isinstance(stack_name, str) or not re.fullmatch(r"[a-zA-Z][-a-zA-Z0-9]{0,127}", stack_name):
        raise TemplateError(
            "",
            f"'stack_name' must start with a letter and hold only letters, digits and '-', at most 128 "
            f"characters, as CloudFormation requires (got {stack_name!r})",
        )
    template_path = Path(path).expanduser().resolve()
    loader = _Loader(
        sim,
        template_path,
        dict(parameters or {}),
        dict(code_locations or {}),
        stack_name,
        dict(environment_overrides or {}),
    )
    return loader.load()


class _Loader:
    """One load of one template: the state that lives while its resources are created."""

    def __init__(
        self,
        sim: Any,
        path: Path,
        parameters: Dict[str, Any],
        code_locations: Dict[str, Any],
        stack_name: str,
        environment_overrides: Dict[str, Any],
    ) -> None:
        self.sim = sim
        self.path = path
        self.base = path.parent
        self.overrides = parameters
        self.code_locations = code_locations
        self.environment_overrides = environment_overrides
        self.stack = Stack(stack_name, path, sim)
        self.created_functions: List[str] = []

    # --- the whole template -------------------------------------------------------

    def load(self) -> Stack:
        data = read_template(self.path)
        for key in data:
            if key not in _SECTIONS:
                raise TemplateError(key, f"Invalid template property or properties [{key}]")
        resources = data.get("Resources")
        if not isinstance(resources, Mapping) or not resources:
            raise TemplateError("Resources", "the template must declare at least one resource")
        self.sam = self._transforms(data.get("Transform"))
        self.globals = self._globals(data.get("Globals"))
        self.template_resources = resources
        types = self._types(resources)
        values = resolve_parameters(data.get("Parameters"), self.overrides)
        self.stack.parameters = values
        region, account = self.sim.region, self.sim.account_id
        pseudo = pseudo_parameters(region, account, self.stack.name, "")
        pseudo["AWS::StackId"] = (
            f"arn:{pseudo['AWS::Partition']}:cloudformation:{region}:{account}:stack/{self.stack.name}/{uuid.uuid4()}"
        )
        self.partition = pseudo["AWS::Partition"]
        conditions = data.get("Conditions") or {}
        if not isinstance(conditions, Mapping):
            raise TemplateError("Conditions", f"must be a mapping (got {conditions!r})")
        self.resolver = Resolver(
            parameters=values,
            pseudo=pseudo,
            mappings=data.get("Mappings") or {},
            conditions=conditions,
            resource_types=types,
            region=region,
        )
        try:
            for logical_id in self._order(resources):
                self._create(logical_id, resources[logical_id])
        except BaseException:
            self._roll_back()
            raise
        return self.stack

    def _roll_back(self) -> None:
        for name in reversed(self.created_functions):
            try:
                self.sim.delete_function(name)
            except LambdaSimError:
                pass

    def _transforms(self, transform: Any) -> bool:
        names = transform if isinstance(transform, list) else ([] if transform is None else [transform])
        for name in names:
            if name != SAM_TRANSFORM:
                raise TemplateError("Transform", f"lambdasim applies only {SAM_TRANSFORM} (got {name!r})")
        return bool(names)

    def _globals(self, section: Any) -> Dict[str, Any]:
        if section is None:
            return {}
        if not self.sam:
            raise TemplateError("Globals", f"the Globals section needs 'Transform: {SAM_TRANSFORM}'")
        if not isinstance(section, Mapping):
            raise TemplateError("Globals", f"must be a mapping (got {section!r})")
        for name, values in section.items():
            if name not in _GLOBAL_SECTIONS:
                raise TemplateError(
                    f"Globals.{name}",
                    f"'Globals' section is invalid. '{name}' is not supported. "
                    f"Must be one of the following values - [{', '.join(_GLOBAL_SECTIONS)}]",
                )
            if not isinstance(values, Mapping):
                raise TemplateError(f"Globals.{name}", f"must be a mapping (got {values!r})")
        function = section.get("Function") or {}
        for key in function:
            if key not in _functions.GLOBAL_FUNCTION_PROPERTIES:
                raise TemplateError(
                    f"Globals.Function.{key}",
                    f"'Globals' section is invalid. '{key}' is not a supported property of 'Function'",
                )
        return dict(section)

    def _types(self, resources: Mapping[str, Any]) -> Dict[str, str]:
        types = {}
        for logical_id, resource in resources.items():
            path = f"Resources.{logical_id}"
            if not isinstance(resource, Mapping) or not isinstance(resource.get("Type"), str):
                raise TemplateError(path, "a resource must be a mapping with a 'Type'")
            for key in resource:
                if key not in _RESOURCE_KEYS:
                    raise TemplateError(f"{path}.{key}", f"Invalid resource attribute {key}")
            kind = resource["Type"]
            if kind.startswith("AWS::Serverless::") and not self.sam:
                raise TemplateError(
                    f"{path}.Type",
                    f"Unrecognized resource types: [{kind}] (SAM types need 'Transform: {SAM_TRANSFORM}')",
                )
            if kind in _UNSUPPORTED_LAMBDA_TYPES:
                raise TemplateError(f"{path}.Type", f"{kind} is not supported: {_UNSUPPORTED_LAMBDA_TYPES[kind]}")
            properties = resource.get("Properties", {})
            if not isinstance(properties, Mapping):
                raise TemplateError(f"{path}.Properties", f"must be a mapping (got {properties!r})")
            types[logical_id] = kind
        return types

    def _order(self, resources: Mapping[str, Any]) -> List[str]:
        """Logical ids so that every resource comes after those it refers to (CloudFormation's order)."""
        names = set(resources)
        edges: Dict[str, Set[str]] = {}
        for logical_id, resource in resources.items():
            depends = resource.get("DependsOn", [])
            depends = [depends] if isinstance(depends, str) else list(depends)
            for target in depends:
                if target not in names:
                    raise TemplateError(
                        f"Resources.{logical_id}.DependsOn",
                        f"Template format error: Unresolved resource dependencies [{target}] in the Resources block of the template",
                    )
            properties = self._properties(logical_id, resource)
            edges[logical_id] = (set(dependencies(properties, names)) | set(depends)) - {logical_id}
        ordered: List[str] = []
        state: Dict[str, int] = {}

        def visit(logical_id: str, trail: List[str]) -> None:
            if state.get(logical_id) == 2:
                return
            if state.get(logical_id) == 1:
                cycle = trail[trail.index(logical_id) : -1]
                raise TemplateError("Resources", f"Circular dependency between resources: [{', '.join(cycle)}]")
            state[logical_id] = 1
            for target in sorted(edges[logical_id]):
                visit(target, trail + [target])
            state[logical_id] = 2
            ordered.append(logical_id)

        for logical_id in resources:
            visit(logical_id, [logical_id])
        return ordered

    def _properties(self, logical_id: str, resource: Mapping[str, Any]) -> Mapping[str, Any]:
        """The resource's raw properties, with SAM's ``Globals`` merged in."""
        properties = resource.get("Properties") or {}
        kind = resource["Type"]
        section = {"AWS::Serverless::Function": "Function", "AWS::Serverless::LayerVersion": "LayerVersion"}.get(kind)
        if section and self.globals.get(section):
            merged = dict(self.globals[section])
            for key, value in properties.items():
                merged[key] = _functions.merge_globals(merged[key], value) if key in merged else value
            return merged
        return properties

    # --- one resource -----------------------------------------------------------

    def _create(self, logical_id: str, resource: Mapping[str, Any]) -> None:
        path = f"Resources.{logical_id}"
        if "Condition" in resource and not self.resolver.condition(resource["Condition"], f"{path}.Condition"):
            self.resolver.skipped.add(logical_id)
            return
        kind = resource["Type"]
        properties = self._properties(logical_id, resource)
        self.stack.resources[logical_id] = kind
        create = {
            "AWS::Lambda::Function": self._function,
            "AWS::Serverless::Function": self._function,
            "AWS::IAM::Role": self._role,
            "AWS::Lambda::Version": self._version,
            "AWS::Lambda::Alias": self._alias,
            "AWS::Lambda::LayerVersion": self._layer,
            "AWS::Serverless::LayerVersion": self._layer,
            "AWS::Lambda::EventSourceMapping": self._event_source_mapping,
            "AWS::Lambda::EventInvokeConfig": self._event_invoke_config,
        }.get(kind, self._other)
        create(logical_id, kind, properties, f"{path}.Properties")

    def _service_call(self, path: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except LambdaSimError as error:
            raise TemplateError(path, f"{type(error).__name__}: {error}") from error

    def _function(self, logical_id: str, kind: str, raw: Mapping[str, Any], path: str) -> None:
        _functions.check_properties(kind, raw, path)
        properties = self.resolver.resolve(raw, path)
        settings, notes = _functions.settings_from(kind, properties, path)
        self.stack.notes.extend(notes)
        for required in ("Handler", "Runtime"):
            if required not in properties:
                raise TemplateError(f"{path}.{required}", "is required for a Zip package")
        handler = properties["Handler"]
        if not isinstance(handler, str):
            raise TemplateError(f"{path}.Handler", f"must be a string (got {handler!r})")
        name = properties.get("FunctionName")
        if name is None:
            name = generated_name(self.stack.name, logical_id)
        elif not isinstance(name, str):
            raise TemplateError(f"{path}.FunctionName", f"must be a string (got {name!r})")
        code = self._function_code(kind, properties, settings["runtime"], path)
        role = self._function_role(logical_id, kind, properties, settings, path)
        self._override_environment(logical_id, name, settings)
        result = self._service_call(
            path, self.sim.create_function, name, code=code, handler=handler, role=role, **settings
        )
        self.created_functions.append(name)
        self.stack.functions[logical_id] = name
        self.resolver.refs[logical_id] = name
        self.resolver.attributes[logical_id] = {"Arn": result["FunctionArn"]}
        alias = properties.get("AutoPublishAlias")
        if alias is not None:
            self._auto_publish(logical_id, name, alias, properties, result, path)
        if "EventInvokeConfig" in properties:
            config = properties["EventInvokeConfig"]
            if not isinstance(config, Mapping):
                raise TemplateError(f"{path}.EventInvokeConfig", f"must be a mapping (got {config!r})")
            # SAM attaches the config to the alias when there is one, else to $LATEST.
            qualifier = alias if alias is not None else "$LATEST"
            self._put_event_invoke_config(name, qualifier, config, f"{path}.EventInvokeConfig")

    def _function_code(self, kind: str, properties: Mapping[str, Any], runtime: str, path: str) -> Any:
        if kind == "AWS::Lambda::Function":
            code = properties.get("Code")
            if not isinstance(code, Mapping):
                raise TemplateError(f"{path}.Code", f"is required: ZipFile, or S3Bucket and S3Key (got {code!r})")
            if "ImageUri" in code:
                raise TemplateError(f"{path}.Code.ImageUri", f"not supported: {_functions.UNSUPPORTED['ImageUri']}")
            for key in code:
                if key not in _CODE_KEYS:
                    raise TemplateError(f"{path}.Code.{key}", f"Code has no property {key!r}")
            if "ZipFile" in code and ("S3Bucket" in code or "S3Key" in code):
                raise TemplateError(f"{path}.Code", "give either ZipFile or S3Bucket and S3Key, not both")
            if "ZipFile" in code:
                return _code.inline_zip(code["ZipFile"], runtime, f"{path}.Code.ZipFile")
            return _code.s3_location(code.get("S3Bucket"), code.get("S3Key"), self.code_locations, f"{path}.Code")
        if "InlineCode" in properties:
            return _code.inline_zip(properties["InlineCode"], runtime, f"{path}.InlineCode")
        return self._uri(properties.get("CodeUri"), ("Bucket", "Key"), f"{path}.CodeUri")

    def _uri(self, uri: Any, keys: tuple, path: str) -> Any:
        if isinstance(uri, str) and uri.startswith("s3://"):
            bucket, key = _code.parse_s3_uri(uri, path)
            return _code.s3_location(bucket, key, self.code_locations, path)
        if isinstance(uri, str):
            return _code.local_path(uri, self.base, path)
        if isinstance(uri, Mapping):
            return _code.s3_location(uri.get(keys[0]), uri.get(keys[1]), self.code_locations, path)
        raise TemplateError(
            path, f"is required: a local path, s3://bucket/key, or {{{keys[0]}, {keys[1]}}} (got {uri!r})"
        )

    def _function_role(
        self, logical_id: str, kind: str, properties: Mapping[str, Any], settings: Dict[str, Any], path: str
    ) -> str:
        role_arn = properties.get("Role")
        if role_arn is None and kind == "AWS::Lambda::Function":
            raise TemplateError(f"{path}.Role", "is required")
        if role_arn is None:
            role = self._generated_role(logical_id, properties, settings)
        else:
            if not isinstance(role_arn, str):
                raise TemplateError(f"{path}.Role", f"must be a role ARN (got {role_arn!r})")
            return role_arn  # a role of the template was registered when it was created
        return role.arn

    def _generated_role(
        self, logical_id: str, properties: Mapping[str, Any], settings: Dict[str, Any]
    ) -> _iam.RoleRecord:
        """The role SAM generates for a function without ``Role``: basic execution, VPC access when needed."""
        role_id = f"{logical_id}Role"
        name = generated_name(self.stack.name, role_id)
        trust = properties.get("AssumeRolePolicyDocument") or {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["sts:AssumeRole"], "Principal": {"Service": ["lambda.amazonaws.com"]}}
            ],
        }
        managed = [f"arn:{self.partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
        if settings.get("vpc_config"):
            managed.append(f"arn:{self.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
        role_path = properties.get("RolePath") or "/"
        role = _iam.RoleRecord(
            role_id,
            name,
            f"arn:{self.partition}:iam::{self.sim.account_id}:role{role_path}{name}",
            trust,
            managed_policy_arns=tuple(managed),
        )
        self.stack.resources[role_id] = "AWS::IAM::Role"
        self._register(role, f"Resources.{logical_id}")
        return role

    def _register(self, role: _iam.RoleRecord, path: str) -> None:
        """Tell the simulator about the role, so functions using it are checked as Lambda checks them."""
        policies = _iam.simulator_policies(role)
        if policies is not None:
            self._service_call(
                path, self.sim.register_role, role.arn, trust_policy=dict(role.trust_policy), policies=policies
            )

    def _override_environment(self, logical_id: str, name: str, settings: Dict[str, Any]) -> None:
        """SAM's ``--env-vars``: ``Parameters`` for every function, then the function's own entry;
        only variables the template declares are replaced."""
        variables = settings.get("environment")
        if not variables:
            return
        for key in ("Parameters", logical_id, name):
            for variable, value in (self.environment_overrides.get(key) or {}).items():
                if variable in variables:
                    variables[variable] = _functions.string(value, f"environment_overrides.{key}.{variable}")

    def _auto_publish(
        self, logical_id: str, name: str, alias: Any, properties: Mapping[str, Any], created: dict, path: str
    ) -> None:
        if not isinstance(alias, str) or not re.fullmatch(r"(?!^[0-9]+$)([a-zA-Z0-9-_]+)", alias):
            raise TemplateError(f"{path}.AutoPublishAlias", f"must match (?!^[0-9]+$)([a-zA-Z0-9-_]+) (got {alias!r})")
        digest = hashlib.sha256(str(created.get("CodeSha256", "")).encode()).hexdigest()[:10]
        version_id = f"{logical_id}Version{digest}"
        alias_id = f"{logical_id}Alias{alias.replace('-', 'D').replace('_', 'U')}"
        keywords = {}
        if "VersionDescription" in properties:
            keywords["description"] = properties["VersionDescription"]
        version = self._service_call(f"{path}.AutoPublishAlias", self.sim.publish_version, name, **keywords)
        created_alias = self._service_call(
            f"{path}.AutoPublishAlias", self.sim.create_alias, name, alias, function_version=version["Version"]
        )
        self.stack.resources[version_id] = "AWS::Lambda::Version"
        self.stack.resources[alias_id] = "AWS::Lambda::Alias"
        self.resolver.refs[f"{logical_id}.Version"] = version["FunctionArn"]
        self.resolver.refs[f"{logical_id}.Alias"] = created_alias["AliasArn"]

    def _role(self, logical_id: str, kind: str, raw: Mapping[str, Any], path: str) -> None:
        properties = self.resolver.resolve(raw, path)
        trust = properties.get("AssumeRolePolicyDocument")
        if not isinstance(trust, Mapping):
            raise TemplateError(f"{path}.AssumeRolePolicyDocument", f"is required (got {trust!r})")
        name = properties.get("RoleName") or generated_name(self.stack.name, logical_id)
        role_path = properties.get("Path") or "/"
        documents = [
            policy.get("PolicyDocument") for policy in properties.get("Policies") or [] if isinstance(policy, Mapping)
        ]
        documents += self._attached_policies(logical_id)
        arn = f"arn:{self.partition}:iam::{self.sim.account_id}:role{role_path}{name}"
        role = _iam.RoleRecord(
            logical_id, name, arn, trust, tuple(documents), tuple(properties.get("ManagedPolicyArns") or ())
        )
        self._register(role, path)
        self.resolver.refs[logical_id] = name
        self.resolver.attributes[logical_id] = {
            "Arn": arn,
            "RoleId": "AROA" + hashlib.sha1(arn.encode()).hexdigest()[:17].upper(),
        }

    def _attached_policies(self, role_id: str) -> List[Any]:
        """Policy documents of ``AWS::IAM::Policy``/``ManagedPolicy`` resources that name the role by ``Ref``."""
        documents = []
        for logical_id, resource in self.template_resources.items():
            if resource.get("Type") not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                continue
            properties = resource.get("Properties") or {}
            if {"Ref": role_id} in (properties.get("Roles") or []):
                try:
                    documents.append(self.resolver.resolve(properties.get("PolicyDocument"), f"Resources.{logical_id}"))
                except TemplateError:
                    documents.append(
                        {"Statement": [{"Effect": "Allow", "Action": "*"}]}
                    )  # unknown: benefit of the doubt
        return documents

    def _function_ref(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise TemplateError(path, f"must be a function name or ARN (got {value!r})")
        if value.startswith("arn:"):
            parts = value.split(":")
            return parts[6] if len(parts) > 6 else value
        return value

    def _check_keys(self, kind: str, properties: Mapping[str, Any], known: tuple, path: str) -> None:
        for key in properties:
            if key in _functions.UNSUPPORTED:
                raise TemplateError(f"{path}.{key}", f"not supported: {_functions.UNSUPPORTED[key]}")
            if key not in known:
                raise TemplateError(f"{path}.{key}", f"{kind} has no property {key!r}")

    def _version(self, logical_id: str, kind: str, raw: Mapping[str, Any], path: str) -> None:
        self._check_keys(kind, raw, ("FunctionName", "Description", "CodeSha256", "RuntimePolicy"), path)
        properties = self.resolver.resolve(raw, path)
        if "FunctionName" not in properties:
            raise TemplateError(f"{path}.FunctionName", "is required")
        name = self._function_ref(properties["FunctionName"], f"{path}.FunctionName")
        keywords = {"description": properties["Description"]} if "Description" in properties else {}
        version = self._service_call(path, self.sim.publish_version, name, **keywords)
        self.resolver.refs[logical_id] = version["FunctionArn"]
        self.resolver.attributes[logical_id] = {"Version": version["Version"], "FunctionArn": version["FunctionArn"]}

    def _alias(self, logical_id: str, kind: str, raw: Mapping[str, Any], path: str) -> None:
        self._check_keys(kind, raw, ("FunctionName", "FunctionVersion", "Name", "Description", "RoutingConfig"), path)
        properties = self.resolver.resolve(raw, path)
        for required in ("FunctionName", "FunctionVersion", "Name"):
            if required not in properties:
                raise TemplateError(f"{path}.{required}", "is required")
        name = self._function_ref(properties["FunctionName"], f"{path}.FunctionName")
        keywords: Dict[str, Any] = {"function_version": str(properties["FunctionVersion"])}
        if "Description" in properties:
            keywords["description"] = properties["Description"]
        if "RoutingConfig" in properties:
            keywords["routing_config"] = properties["RoutingConfig"]
        alias = self._service_call(path, self.sim.create_alias, name, properties["Name"], **keywords)
        self.resolver.refs[logical_id] = alias["AliasArn"]
        self.resolver.attributes[logical_id] = {"AliasArn": alias["AliasArn"]}

    def _layer(self, logical_id: str, kind: str, raw: Mapping[str, Any], path: str) -> None:
        content_key = "Content" if kind == "AWS::Lambda::LayerVersion" else "ContentUri"
        known = (
            content_key,
            "LayerName",
            "Description",
            "CompatibleRuntimes",
            "CompatibleArchitectures",
            "LicenseInfo",
        ) + (("RetentionPolicy",) if content_key == "ContentUri" else ())
        self._check_keys(kind, raw, known, path)
        properties = self.resolver.resolve(raw, path)
        if content_key == "Content":
            content = properties.get("Content")
            if not isinstance(content, Mapping):
                raise TemplateError(f"{path}.Content", f"is required: S3Bucket and S3Key (got {content!r})")
            location = _code.s3_location(
                content.get("S3Bucket"), content.get("S3Key"), self.code_locations, f"{path}.Content"
            )
        else:
            location = self._uri(properties.get("ContentUri"), ("Bucket", "Key"), f"{path}.ContentUri")
        layer_name = properties.get("LayerName") or logical_id
        keywords = {"content": str(location)}
        for prop, keyword in (
            ("Description", "description"),
            ("CompatibleRuntimes", "compatible_runtimes"),
            ("CompatibleArchitectures", "compatible_architectures"),
            ("LicenseInfo", "license_info"),
        ):
            if prop in properties:
                keywords[keyword] = properties[prop]
        layer = self._service_call(path, self.sim.publish_layer_version, layer_name, **keywords)
        self.resolver.refs[logical_id] = layer["LayerVersionArn"]
        self.resolver.attributes[logical_id] = {"LayerVersionArn": layer["LayerVersionArn"]}

    def _event_invoke_config(self, logical_id: str, kind: str, raw: Mapping[str, Any], path: str) -> None:
        """``sim.put_function_event_invoke_config``: retries, maximum event age and destinations."""
        known = ("FunctionName", "Qualifier", "MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
        self._check_keys(kind, raw, known, path)
        properties = self.resolver.resolve(raw, path)
        for required in ("FunctionName", "Qualifier"):
            if required not in properties:
                raise TemplateError(f"{path}.{required}", "is required")
        name = self._function_ref(properties["FunctionName"], f"{path}.FunctionName")
        self._put_event_invoke_config(name, str(properties["Qualifier"]), properties, path)
        self.resolver.refs[logical_id] = f"{name}:{properties['Qualifier']}"
        self.resolver.attributes[logical_id] = {}

    def _put_event_invoke_config(self, name: str, qualifier: str, config: Mapping[str, Any], path: str) -> None:
        keywords: Dict[str, Any] = {"qualifier": qualifier}
        for prop, keyword in (
            ("MaximumRetryAttempts", "maximum_retry_attempts"),
            ("MaximumEventAgeInSeconds", "maximum_event_age_in_seconds"),
        ):
            if prop in config:
                keywords[keyword] = _functions.integer(config[prop], f"{path}.{prop}")
        if "DestinationConfig" in config:
            destinations = config["DestinationConfig"]
            if not isinstance(destinations, Mapping):
                raise TemplateError(f"{path}.DestinationConfig", f"must be a mapping (got {destinations!r})")
            converted = {}
            for when, target in destinations.items():
                if when not in ("OnSuccess", "OnFailure") or not isinstance(target, Mapping):
                    raise TemplateError(
                        f"{path}.DestinationConfig.{when}", "must be OnSuccess or OnFailure: {Destination}"
                    )
                if "Destination" not in target:
                    raise TemplateError(
                        f"{path}.DestinationConfig.{when}.Destination",
                        "is required (lambdasim does not create destinations for you)",
                    )
                converted[when] = {"Destination": target["Destination"]}
            keywords["destination_config"] = converted
        self._service_call(path, self.sim.put_function_event_invoke_config, name, **keywords)

    def _event_source_mapping(self, logical_id: str, kind: str, raw: Mapping[str, Any], path: str) -> None:
        """``sim.create_event_source_mapping``: the simulator polls SQS, Kinesis or DynamoDB Streams
        through its AWS endpoint (``LambdaSim(moto=True)``); other sources and options are refused."""
        for key in raw:
            if key not in _MAPPING_PROPERTIES:
                raise TemplateError(f"{path}.{key}", f"{kind} property {key!r} is not supported by lambdasim")
        properties = self.resolver.resolve(raw, path)
        for required in ("EventSourceArn", "FunctionName"):
            if required not in properties:
                raise TemplateError(
                    f"{path}.{required}", "is required (lambdasim maps SQS, Kinesis and DynamoDB streams)"
                )
        keywords: Dict[str, Any] = {}
        for prop, value in properties.items():
            keyword = _MAPPING_PROPERTIES[prop]
            if keyword in _MAPPING_INTEGERS:
                value = _functions.integer(value, f"{path}.{prop}")
            elif keyword in ("enabled", "bisect_batch_on_function_error") and isinstance(value, str):
                if value.lower() not in ("true", "false"):
                    raise TemplateError(f"{path}.{prop}", f"must be true or false (got {value!r})")
                value = value.lower() == "true"
            keywords[keyword] = value
        keywords["function_name"] = self._function_ref(keywords["function_name"], f"{path}.FunctionName")
        mapping = self._service_call(path, self.sim.create_event_source_mapping, **keywords)
        self.resolver.refs[logical_id] = mapping["UUID"]
        self.resolver.attributes[logical_id] = {"Id": mapping["UUID"]}

    def _other(self, logical_id: str, kind: str, raw: Mapping[str, Any], path: str) -> None:
        if kind in _ACCEPTED_LAMBDA_TYPES:
            self.stack.notes.append(f"Resources.{logical_id} ({kind}) is accepted but has no effect in lambdasim")
            self.resolver.refs[logical_id] = generated_name(self.stack.name, logical_id)
            self.resolver.attributes[logical_id] = {}
            return
        if kind.startswith("AWS::Lambda::"):
            raise TemplateError(f"Resources.{logical_id}.Type", f"{kind} is not supported by lambdasim")
        shape = _OTHER_TYPES.get(kind)
        self.stack.notes.append(
            f"Resources.{logical_id} ({kind}) is not simulated; Ref and Fn::GetAtt give generated names"
        )
        if shape is None:
            self.resolver.refs[logical_id] = generated_name(self.stack.name, logical_id)
            self.resolver.attributes[logical_id] = {}
            return
        given = raw.get(shape["name"])
        name = self.resolver.resolve(given, f"{path}.{shape['name']}") if given is not None else None
        if not isinstance(name, str):
            name = generated_name(self.stack.name, logical_id, lowercase=shape.get("lowercase", False))
        region, account = self.sim.region, self.sim.account_id
        arn = shape["arn"].format(p=self.partition, r=region, a=account, n=name)
        url = f"https://sqs.{region}.amazonaws.com/{account}/{name}"
        self.resolver.refs[logical_id] = {"url": url, "arn": arn, "name": name}[shape["ref"]]
        attributes = {"Arn": arn}
        for attribute in shape.get("names", ()):
            attributes[attribute] = name
        if kind == "AWS::SQS::Queue":
            attributes["QueueUrl"] = url
        if kind == "AWS::SNS::Topic":
            attributes["TopicArn"] = arn
        if kind in ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"):
            attributes["StreamArn"] = f"{arn}/stream/2026-01-01T00:00:00.000"
        self.resolver.attributes[logical_id] = attributes

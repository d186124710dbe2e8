"""``LambdaSim``: the in-memory Lambda service — function registry, invoke routing, environments."""

from __future__ import annotations

import os
import random
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Tuple

import attrs

from . import _alias, _arn, _async, _clock, _errors, _invocation
from ._concurrency import DEFAULT_ACCOUNT_LIMIT, MINIMUM_UNRESERVED, ConcurrencyLedger
from ._options import check_simulator_options
from ._code import CodePackage, CodeSource, load_code
from ._config import FunctionConfig
from ._errors import (
    InvalidParameterValueException,
    PreconditionFailedException,
    RequestTooLargeException,
    ResourceConflictException,
    ResourceNotFoundException,
    TooManyRequestsException,
    ValidationException,
    function_exists,
    function_not_found,
)
from ._event import RequestIds, check_enum, decode_client_context, event_bytes
from ._faults import NO_LATENCY, Faults
from ._function import Alias, FunctionRecord, complete, describe, new_revision, timestamp, touch
from ._platform_log import LogSettings, Trace
from ._result import Invocation, InvokeResult
from ._sandbox._environment import ExecutionEnvironment
from ._sandbox._factory import EnvironmentFactory
from ._sandbox._spec import FAKE_CREDENTIALS
from ._sandbox._zygote import PASSTHROUGH_ENV, Zygote

if TYPE_CHECKING:
    # Subsystems a simulator builds on first use: importing them here would make
    # every ``import lambdasim`` pay for them (docs/performance.md).
    from ._async_queue import AsyncInvocation, AsyncQueue
    from ._esm import EventSourceMappings
    from ._inline import InlineEnvironments
    from ._layers import LayerRegistry
    from ._moto import MotoEndpoint
    from ._roles import RoleRegistry

#: Idle environments are retired after this long on the simulated clock
#: (AWS does not document it; third parties measure 5 to 15 minutes).
DEFAULT_IDLE_TIMEOUT = 600.0
SYNC_REQUEST_LIMIT = 6_291_456
_INVOCATION_TYPES = ("Event", "RequestResponse", "DryRun")
_ANY = object()
_LOG_TYPES = ("None", "Tail")


class LambdaSim:
    """An in-memory AWS Lambda service whose functions run in real execution environments.

    Use it as a context manager or call ``close()``; every process it started
    ends there. ``zygote`` lets several simulators share one pre-warmed process
    (the pytest plugin does); without it the simulator owns its own.
    """

    def __init__(
        self,
        *,
        region: str = _arn.DEFAULT_REGION,
        account_id: str = _arn.DEFAULT_ACCOUNT,
        zygote: Optional[Zygote] = None,
        idle_timeout: Optional[float] = DEFAULT_IDLE_TIMEOUT,
        private_tmp: bool = True,
        passthrough_env: tuple = PASSTHROUGH_ENV,
        concurrency_limit: int = DEFAULT_ACCOUNT_LIMIT,
        minimum_unreserved: int = MINIMUM_UNRESERVED,
        enforce_memory: bool = True,
        init_timeout: float = _invocation.INIT_LIMIT_SECONDS,
        cold_start: str = "reuse",
        state_transitions: str = "immediate",
        seed: Optional[int] = None,
        moto: bool = False,
        aws_endpoint_url: Optional[str] = None,
        event_source_polling: str = "background",
        freeze_idle: bool = True,
        async_dispatch: str = "background",
        inline: bool = False,
    ) -> None:
        check_simulator_options(
            region=region, account_id=account_id, idle_timeout=idle_timeout, concurrency_limit=concurrency_limit,
            minimum_unreserved=minimum_unreserved, init_timeout=init_timeout, private_tmp=private_tmp,
            enforce_memory=enforce_memory,
        )
        if event_source_polling not in ("background", "manual"):
            raise InvalidParameterValueException(
                "'event_source_polling' must be 'background' (mappings are polled as on AWS) or 'manual' "
                f"(only drain() polls) (got {event_source_polling!r})"
            )
        if moto and aws_endpoint_url is not None:
            raise InvalidParameterValueException(
                "give 'moto=True' (lambdasim starts moto's server) or 'aws_endpoint_url' (an endpoint you run), not both"
            )
        if cold_start not in ("reuse", "always"):
            raise InvalidParameterValueException(
                f"'cold_start' must be 'reuse' (warm environments are reused) or 'always' (got {cold_start!r})"
            )
        if state_transitions not in ("immediate", "manual"):
            raise InvalidParameterValueException(
                "'state_transitions' must be 'immediate' (the next read sees Active/Successful) or 'manual' "
                f"(held until settle()) (got {state_transitions!r})"
            )
        self.region = region
        self.account_id = account_id
        self.idle_timeout = idle_timeout
        #: The templates loaded with ``load_template``/``from_template``, oldest first.
        self.stacks: List[Any] = []
        self._init_timeout = init_timeout
        _async.check_dispatch(async_dispatch)
        self._async_dispatch = async_dispatch
        self._event_source_polling = event_source_polling
        #: The subsystems made on first use (see the properties below); None until then.
        self._async_queue: Optional[AsyncQueue] = None
        self._event_source_mappings: Optional[EventSourceMappings] = None
        self._layer_registry: Optional[LayerRegistry] = None
        self._role_registry: Optional[RoleRegistry] = None
        self._inline_factory: Optional[InlineEnvironments] = None
        #: Transitions (Pending, InProgress) are held until ``settle()``.
        self._hold = state_transitions == "manual"
        #: Draws weighted alias routing; ``seed`` makes the draws repeatable.
        self._random = random.Random(seed)
        #: Faults the test injects: ``sim.faults.timeout("orders")`` and the like.
        _check_inline("inline", inline, optional=False)
        self.faults = Faults()
        #: ``cold_start="always"``: a setting of the simulator, not a fault (clear() keeps it).
        self._always_cold = cold_start == "always"
        #: Each invocation that ran, oldest first, as the columns of ``Invocation``
        #: (function name, version, body, result, environment id): not one object
        #: per invoke, so that an invoke leaves one object the garbage collector
        #: tracks (its result) instead of two, and young collections, a few hundred
        #: microseconds each, come half as often (docs/performance.md).
        self._invoked: Tuple[list, list, list, list, list] = ([], [], [], [], [])
        self._owns_zygote = zygote is None
        self._zygote = zygote if zygote is not None else Zygote(passthrough_env=passthrough_env)
        self._functions: Dict[str, FunctionRecord] = {}
        self._concurrency = ConcurrencyLedger(concurrency_limit, minimum_unreserved)
        self._lock = threading.RLock()
        self._factory = EnvironmentFactory(
            self._zygote, region=region, private_tmp=private_tmp, enforce_memory=enforce_memory,
            passthrough_env=passthrough_env, freeze_idle=freeze_idle,
        )
        #: Where this simulator keeps extracted code and sandbox directories.
        self._workdir = self._factory.workdir
        self._closed = False
        #: Resolved function references: invokes repeat the same few names.
        self._parsed: Dict[tuple, tuple] = {}
        self._request_ids = RequestIds()
        self._aws_clients: Dict[str, Any] = {}
        self._moto: Optional[MotoEndpoint] = None
        if moto:
            from ._moto import MotoEndpoint

            self._moto = MotoEndpoint()
            aws_endpoint_url = self._moto.url
        #: Where handlers' AWS SDK calls go (``AWS_ENDPOINT_URL`` in every environment), and
        #: where event source mappings read from; None: nowhere but the fake credentials.
        self.aws_endpoint_url = aws_endpoint_url
        if aws_endpoint_url is not None:
            self._factory.service_variables["AWS_ENDPOINT_URL"] = aws_endpoint_url
        #: Debug mode (docs/debugging.md): handlers run in this process unless a function says otherwise.
        self._inline = inline
        self._passthrough_env = passthrough_env

    # --- subsystems, made on first use ----------------------------------------
    # A simulator that never makes an Event invoke, an event source mapping, a layer,
    # a role or an inline environment neither imports nor builds that part. Each is
    # made once, under the lock; one made after close() is made stopped, and close()
    # ends those that were made.

    def _subsystem(self, attribute: str, build: Callable[[], Any]) -> Any:
        """What ``attribute`` holds, made by ``build`` under the lock the first time."""
        made = getattr(self, attribute)
        if made is None:
            with self._lock:
                made = getattr(self, attribute)
                if made is None:
                    made = build()
                    setattr(self, attribute, made)
        return made

    @property
    def _async(self) -> AsyncQueue:
        """Event invokes: the queue, its dispatcher, event invoke configs and the target sinks."""
        return self._subsystem("_async_queue", self._make_async_queue)

    def _make_async_queue(self) -> AsyncQueue:
        from ._async_queue import AsyncQueue

        queue = AsyncQueue(self, self._async_dispatch)
        if self.aws_endpoint_url is not None:
            # Dead-letter queues and destinations that are SQS queues or SNS topics
            # get their messages at the endpoint too, so the test reads them with boto3.
            queue.sinks.forward = self._forward_delivery
        if self._closed:
            queue.stop()
        return queue

    @property
    def _event_sources(self) -> EventSourceMappings:
        """Event source mappings and their poller (started by the first mapping)."""
        return self._subsystem("_event_source_mappings", self._make_event_sources)

    def _make_event_sources(self) -> EventSourceMappings:
        from ._esm import EventSourceMappings

        mappings = EventSourceMappings(
            region=self.region, account=self.account_id, resolve_function=self._function_arn,
            invoke=lambda arn, event: self.invoke(arn, event), client=self._aws_client,
            background=self._event_source_polling == "background",
        )
        if self._closed:
            mappings.stop()
        return mappings

    @property
    def _layers(self) -> LayerRegistry:
        """The layer versions published here."""
        return self._subsystem("_layer_registry", self._make_layers)

    def _make_layers(self) -> LayerRegistry:
        from ._layers import LayerRegistry

        return LayerRegistry(
            region=self.region, account_id=self.account_id, extract_to=os.path.join(self._workdir, "layers")
        )

    @property
    def _roles(self) -> RoleRegistry:
        """The roles registered with ``register_role``."""
        return self._subsystem("_role_registry", self._make_roles)

    def _make_roles(self) -> RoleRegistry:
        from ._roles import RoleRegistry

        return RoleRegistry(account_id=self.account_id)

    @property
    def _inline_environments(self) -> InlineEnvironments:
        """Makes the inline environments (debug mode) of this simulator."""
        return self._subsystem("_inline_factory", self._make_inline_environments)

    def _make_inline_environments(self) -> InlineEnvironments:
        from ._inline import InlineEnvironments

        return InlineEnvironments(
            region=self.region, workdir=self._workdir, passthrough_env=self._passthrough_env, factory=self._factory
        )

    # --- lifecycle ----------------------------------------------------------

    def __enter__(self) -> "LambdaSim":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """End every environment (and the zygote, when this simulator owns it)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            functions = list(self._functions.values())
            self._functions.clear()
            # Made from now on, they are made stopped (see the properties).
            queue, mappings = self._async_queue, self._event_source_mappings
        if queue is not None:
            queue.stop()  # no new attempt starts; the one in flight ends with its environment
        if mappings is not None:
            mappings.stop()  # no new batch; one in flight ends with its environment below
        for function in functions:
            for record in function.records():
                self._retire(record, everything=True)
        if queue is not None:
            queue.close()
        if mappings is not None:
            mappings.close()
        if self._owns_zygote:
            self._zygote.close()
        self._factory.close()
        with self._lock:
            clients, self._aws_clients = list(self._aws_clients.values()), {}
        for client in clients:
            client.close()
        if self._moto is not None:
            self._moto.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            warnings.warn(f"unclosed {self!r}: call close() or use 'with LambdaSim()'", ResourceWarning)

    def __repr__(self) -> str:
        return f"<LambdaSim region={self.region!r} functions={sorted(self._functions)!r}>"

    # --- templates ----------------------------------------------------------

    @classmethod
    def from_template(
        cls,
        path: "str | os.PathLike[str]",
        *,
        parameters: Optional[Dict[str, Any]] = None,
        code_locations: Optional[Dict[str, Any]] = None,
        stack_name: Optional[str] = None,
        **options: Any,
    ) -> "LambdaSim":
        """A new simulator holding the functions of a CloudFormation/SAM template (docs/templates.md).

        ``options`` are ``LambdaSim()``'s keywords; ``sim.stacks[-1]`` is the loaded ``Stack``.
        """
        sim = cls(**options)
        try:
            sim.load_template(path, parameters=parameters, code_locations=code_locations, stack_name=stack_name)
        except BaseException:
            sim.close()
            raise
        return sim

    def load_template(
        self,
        path: "str | os.PathLike[str]",
        *,
        parameters: Optional[Dict[str, Any]] = None,
        code_locations: Optional[Dict[str, Any]] = None,
        stack_name: Optional[str] = None,
        environment_overrides: Optional[Dict[str, Any]] = None,
    ) -> Any:
        """Create a template's functions (and versions, aliases, layers) here; return its ``Stack``."""
        from ._template import DEFAULT_STACK_NAME, load_template

        self._check_open()
        stack = load_template(
            self, path, parameters=parameters, code_locations=code_locations,
            stack_name=stack_name or DEFAULT_STACK_NAME, environment_overrides=environment_overrides,
        )
        self.stacks.append(stack)
        return stack

    # --- control plane ------------------------------------------------------

    def create_function(
        self, function_name: str, *, code: CodeSource, handler: Optional[str] = None, publish: bool = False,
        **settings: Any,
    ) -> dict:
        """Create a function; return its ``FunctionConfiguration`` as AWS does (State ``Pending``).

        ``publish=True`` also publishes version 1 (the answer then says ``"Version": "1"``).
        """
        self._check_open()
        inline = _check_inline("inline", settings.pop("inline", None))
        package = self._load_code(code)
        handler = handler if handler is not None else package.handler
        if handler is None:
            raise InvalidParameterValueException(
                "'handler' is required (got None): give 'module.function', or pass a function as 'code'"
            )
        _check_settings("create_function", settings)
        config = FunctionConfig(function_name=function_name, handler=handler, **settings)
        with self._lock:
            if function_name in self._functions:
                raise ResourceConflictException(function_exists(function_name))
            self._concurrency.check_reservation(function_name, config.reserved_concurrency)
            self._check_role(config)
            layers = self._resolve_layers(config, package)
            self._concurrency.reserve(function_name, config.reserved_concurrency)
            function = FunctionRecord(config, package, new_revision(), timestamp(), layers=layers)
            function.inline = inline
            self._functions[function_name] = function
            answer = describe(function, arn=self._arn(function_name), region=self.region, creating=True)
            if publish:
                answer["Version"] = self._publish(function, None)["Version"]
            return answer

    def get_function(self, function_name: str, *, qualifier: Optional[str] = None) -> dict:
        """``GetFunction``: ``{"Configuration": ..., "Code": ...}`` (plus ``Concurrency`` when reserved)."""
        target = self._lookup(function_name, qualifier)
        answer = {
            "Configuration": self._describe(target),
            "Code": {"RepositoryType": "S3", "Location": Path(target.record.code.root).as_uri()},
        }
        reserved = target.function.config.reserved_concurrency
        if reserved is not None:
            answer["Concurrency"] = {"ReservedConcurrentExecutions": reserved}
        return answer

    def get_function_configuration(self, function_name: str, *, qualifier: Optional[str] = None) -> dict:
        """The ``FunctionConfiguration`` of ``$LATEST``, a version, or the version an alias points to."""
        return self._describe(self._lookup(function_name, qualifier))

    def list_functions(self, *, function_version: Optional[str] = None) -> dict:
        """``ListFunctions``: every function once, sorted by name, without state fields.

        ``function_version="ALL"`` lists every version too (``$LATEST`` then
        ``1``, ``2``, ..., each with its qualified ARN).
        """
        self._check_open()
        if function_version is not None and function_version != "ALL":
            raise ValidationException(
                _errors.validation_message(
                    [(function_version, "functionVersion", "Member must satisfy enum value set: [ALL]")]
                )
            )
        with self._lock:
            functions = [self._functions[name] for name in sorted(self._functions)]
        listed: List[dict] = []
        for function in functions:
            if function_version == "ALL":
                listed.extend(self._list_versions(function))
            else:
                listed.append(_listed(describe(function, arn=self._arn(function.config.function_name), region=self.region, hold=self._hold)))
        return {"Functions": listed}

    def update_function_code(
        self, function_name: str, *, code: CodeSource, publish: bool = False, revision_id: Optional[str] = None
    ) -> dict:
        """Replace the code; warm environments are retired, the next invoke cold-starts.

        ``publish=True`` publishes a version of the new code and answers with its configuration.
        """
        function = self._updatable(function_name, revision_id)
        package = self._load_code(code)
        changes = {"handler": package.handler} if package.handler else {}
        # The new code and the layers must stay within the unzipped limit together.
        self._resolve_layers(function.config, package, function.layers)
        with self._lock:
            self._begin_update(function, revision_id)
            function.code = package
            function.config = attrs.evolve(function.config, **changes)
            touch(function)
            answer = describe(function, arn=self._arn(function.config.function_name), region=self.region, updating=True)
            if publish:
                answer = self._publish(function, None)
        if not self._hold:
            self._retire(function)
        return answer

    def update_function_configuration(
        self, function_name: str, *, revision_id: Optional[str] = None, **changes: Any
    ) -> dict:
        """Change settings (``timeout=``, ``environment=``, ...); warm environments are retired."""
        function = self._updatable(function_name, revision_id)
        if "function_name" in changes:
            raise InvalidParameterValueException("'function_name' cannot be changed by an update")
        inline = _check_inline("inline", changes.pop("inline", function.inline))
        _check_settings("update_function_configuration", changes)
        with self._lock:
            self._check_updatable(function, revision_id)
            config = attrs.evolve(function.config, **changes)
            self._concurrency.check_reservation(config.function_name, config.reserved_concurrency)
            self._check_role(config)
            layers = self._resolve_layers(config, function.code, function.layers) if "layers" in changes else None
            self._concurrency.reserve(config.function_name, config.reserved_concurrency)
            function.inline = inline
            self._begin_update(function, revision_id)
            if layers is not None:
                function.layers = layers
            function.config = config
            touch(function)
            answer = describe(function, arn=self._arn(function.config.function_name), region=self.region, updating=True)
        if not self._hold:
            self._retire(function)
        return answer

    def delete_function(self, function_name: str, *, qualifier: Optional[str] = None) -> None:
        """Delete the function (its versions, aliases and environments), or one version of it."""
        self._check_open()
        name, qualifier = self._parse(function_name, qualifier)
        if qualifier == "$LATEST":
            raise InvalidParameterValueException(
                "$LATEST version cannot be deleted without deleting the function."
            )
        with self._lock:
            function = self._functions.get(name)
            if function is None:
                raise self._not_found(self._arn(name))
            if qualifier is None:
                del self._functions[name]
                self._concurrency.forget(name)
                if self._event_source_mappings is not None:
                    self._event_source_mappings.forget_function(self._arn(name))
                retired = function.records()
            elif not qualifier.isdigit():
                raise InvalidParameterValueException("Deletion of aliases is not currently supported.")
            else:
                version = function.versions.get(qualifier)
                if version is None:
                    return  # Deleting a version that does not exist is a silent success.
                referring = [alias.name for alias in function.aliases.values() if qualifier in alias.versions()]
                if referring:
                    raise ResourceConflictException(
                        "Unable to delete version because the following aliases reference it: "
                        f"[{', '.join(referring)}]"
                    )
                del function.versions[qualifier]
                retired = [version]
        for record in retired:
            self._retire(record, everything=True)

    # --- versions -----------------------------------------------------------

    def publish_version(
        self, function_name: str, *, code_sha256: Optional[str] = None, description: Optional[str] = None,
        revision_id: Optional[str] = None,
    ) -> dict:
        """Publish ``$LATEST`` as a new version (numbers are never reused).

        Nothing changed since the last publish: the answer is that version again.
        """
        function = self._updatable(function_name, revision_id)
        if description is not None:
            _alias.check_description(description)
        with self._lock:
            self._check_updatable(function, revision_id)
            current = function.code.code_sha256
            if code_sha256 is not None and code_sha256 != current:
                raise InvalidParameterValueException(
                    f"CodeSHA256 ({code_sha256}) is different from current CodeSHA256 in $LATEST ({current}). "
                    "Please try again with the CodeSHA256 in $LATEST."
                )
            return self._publish(function, description)

    def list_versions_by_function(self, function_name: str) -> dict:
        """``ListVersionsByFunction``: ``$LATEST`` (qualified ARN) then each version in order."""
        function = self._unqualified(function_name)
        return {"Versions": self._list_versions(function)}

    # --- aliases ------------------------------------------------------------

    def create_alias(
        self, function_name: str, name: str, function_version: str, *, description: str = "",
        routing_config: Optional[Mapping[str, Any]] = None,
    ) -> dict:
        """Create an alias pointing at a version (``routing_config`` sends a share of invokes to another)."""
        function = self._unqualified(function_name)
        _alias.check_name(name)
        _alias.check_version(function_version)
        _alias.check_description(description)
        weights = _alias.weights(routing_config, function_version)
        fname = function.config.function_name
        with self._lock:
            if name in function.aliases:
                raise ResourceConflictException(f"Alias already exists: {self._arn(fname, name)}")
            self._check_versions_exist(function, [function_version, *weights])
            alias = Alias(name, function_version, description, weights, new_revision())
            function.aliases[name] = alias
            return alias.describe(self._arn(fname, name))

    def get_alias(self, function_name: str, name: str) -> dict:
        function = self._unqualified(function_name)
        fname = function.config.function_name
        with self._lock:
            alias = function.aliases.get(name)
            if alias is None:
                raise ResourceNotFoundException(f"Cannot find alias arn: {self._arn(fname, name)}")
            return alias.describe(self._arn(fname, name))

    def update_alias(
        self, function_name: str, name: str, *, function_version: Optional[str] = None,
        description: Optional[str] = None, routing_config: Optional[Mapping[str, Any]] = None,
        revision_id: Optional[str] = None,
    ) -> dict:
        """Change where an alias points, its description or its routing; a new RevisionId."""
        function = self._unqualified(function_name)
        fname = function.config.function_name
        if function_version is not None:
            _alias.check_version(function_version)
        if description is not None:
            _alias.check_description(description)
        with self._lock:
            alias = function.aliases.get(name)
            if alias is None:
                raise ResourceNotFoundException(f"Alias not found: {self._arn(fname, name)}")
            if revision_id is not None and revision_id != alias.revision_id:
                raise PreconditionFailedException(_errors.REVISION_MISMATCH)
            primary = function_version if function_version is not None else alias.function_version
            weights = alias.weights
            if routing_config is not None:
                weights = _alias.weights(routing_config, primary)
            elif weights:
                weights = _alias.weights({"AdditionalVersionWeights": weights}, primary)
            self._check_versions_exist(function, [primary, *weights])
            alias.function_version = primary
            alias.weights = weights
            if description is not None:
                alias.description = description
            alias.revision_id = new_revision()
            return alias.describe(self._arn(fname, name))

    def delete_alias(self, function_name: str, name: str) -> None:
        """Delete an alias; deleting one that does not exist is a silent success, as on AWS."""
        function = self._unqualified(function_name)
        with self._lock:
            function.aliases.pop(name, None)

    def list_aliases(self, function_name: str, *, function_version: Optional[str] = None) -> dict:
        """``ListAliases``: the function's aliases by name (those routing to ``function_version`` if given)."""
        function = self._unqualified(function_name)
        if function_version is not None:
            _alias.check_version(function_version)
        fname = function.config.function_name
        with self._lock:
            aliases = [function.aliases[name] for name in sorted(function.aliases)]
        return {
            "Aliases": [
                alias.describe(self._arn(fname, alias.name))
                for alias in aliases
                if function_version is None or function_version in alias.versions()
            ]
        }

    # --- function states ----------------------------------------------------

    def settle(self, function_name: Optional[str] = None) -> None:
        """Complete state transitions in flight (Pending → Active, InProgress → Successful).

        Only needed with ``LambdaSim(state_transitions="manual")``, which holds
        them so a test can exercise code that waits for a function to be ready.
        """
        self._check_open()
        with self._lock:
            if function_name is None:
                functions = list(self._functions.values())
            else:
                functions = [self._unqualified(function_name)]
            updated = [function for function in functions if function.transition == "update"]
            for record in [record for function in functions for record in function.records()]:
                if record.transition is not None:
                    complete(record)
        for function in updated:
            self._retire(function)

    def put_function_concurrency(self, function_name: str, reserved_concurrent_executions: int) -> dict:
        """Reserve concurrency for the function (all its versions); 0 throttles every invoke."""
        function = self._unqualified(function_name)
        with self._lock:
            config = attrs.evolve(function.config, reserved_concurrency=reserved_concurrent_executions)
            self._concurrency.check_reservation(config.function_name, config.reserved_concurrency)
            self._concurrency.reserve(config.function_name, config.reserved_concurrency)
            function.config = config
        return {"ReservedConcurrentExecutions": reserved_concurrent_executions}

    def get_function_concurrency(self, function_name: str) -> dict:
        reserved = self._unqualified(function_name).config.reserved_concurrency
        return {} if reserved is None else {"ReservedConcurrentExecutions": reserved}

    def delete_function_concurrency(self, function_name: str) -> None:
        function = self._unqualified(function_name)
        with self._lock:
            function.config = attrs.evolve(function.config, reserved_concurrency=None)
            self._concurrency.reserve(function.config.function_name, None)

    def get_account_settings(self) -> dict:
        """``GetAccountSettings``: the account's concurrency and code-size limits and usage."""
        self._check_open()
        with self._lock:
            functions = list(self._functions.values())
        return {
            "AccountLimit": {
                "TotalCodeSize": 80530636800,
                "CodeSizeUnzipped": 262144000,
                "CodeSizeZipped": 52428800,
                "ConcurrentExecutions": self._concurrency.account_limit,
                "UnreservedConcurrentExecutions": self._concurrency.unreserved,
            },
            "AccountUsage": {
                "TotalCodeSize": sum(f.code.code_size for f in functions),
                "FunctionCount": len(functions),
            },
        }

    # --- data plane ---------------------------------------------------------

    def invoke(
        self,
        function_name: str,
        event: Any = None,
        *,
        qualifier: Optional[str] = None,
        invocation_type: str = "RequestResponse",
        log_type: Optional[str] = None,
        client_context: Any = None,
    ) -> InvokeResult:
        """Invoke a function and return Lambda's answer; function errors come back as results.

        ``event`` is a JSON-able object, or ``bytes``/``str`` holding JSON (sent as is).
        """
        self._check_open()
        check_enum(invocation_type, "invocationType", _INVOCATION_TYPES)
        if log_type is not None:
            check_enum(log_type, "logType", _LOG_TYPES)
        target = self._lookup(function_name, qualifier, invoking=True)
        function, record, version, qualifier = target.function, target.record, target.version, target.qualifier
        if self._hold and record.transition == "create":
            raise ResourceConflictException(_PENDING)
        body = event_bytes(event)
        if invocation_type == "Event" and len(body) > _async.EVENT_REQUEST_LIMIT:
            raise RequestTooLargeException(_async.too_large_for_event(len(body)))
        if len(body) > SYNC_REQUEST_LIMIT:
            raise RequestTooLargeException(
                f"Request must be smaller than {SYNC_REQUEST_LIMIT} bytes for the InvokeFunction operation"
            )
        context = decode_client_context(client_context)
        request_id = self._request_ids.next()
        if invocation_type == "DryRun":
            return InvokeResult(function.config.function_name, b"", 204, request_id, executed_version=None)
        if invocation_type == "Event":
            return self._async.submit(function.config.function_name, qualifier, body, request_id)
        config = record.active()[0]
        name = config.function_name
        faults = self.faults
        armed = faults.armed  # when no fault is pending or set, none is looked up
        if armed:
            reason = faults.take("throttle", name)
            if reason is not None:
                raise TooManyRequestsException("Rate Exceeded.", reason=reason)
            kms = faults.take("kms", name)
            if kms is not None:
                raise kms.exception(config.kms_key_arn, self.region, self.account_id)
        unreserved = self._concurrency.acquire(name)
        try:
            always_cold = self._always_cold or (armed and faults.always_cold(name))
            if (armed and faults.take("cold_start", name)) or always_cold:
                self._retire(record)
            env = self._acquire(record, version)
            # Faults are taken only by an invoke that runs: not by a throttled
            # one, and an init error only by a cold start. Read again: a fault
            # added while this invoke waited for its environment is this invoke's.
            armed = faults.armed
            # Positional, in the fields' order: matching nineteen keywords would cost
            # more than building the request.
            request = _invocation.InvokeRequest(
                name,  # function_name
                version,  # version
                self._arn(name, qualifier),  # invoked_function_arn
                request_id,  # request_id
                body,  # body
                config.timeout,  # timeout
                config.memory_size,  # memory_size
                config.runtime,  # runtime
                self.region,  # region
                log_type,  # log_type
                context,  # client_context
                self._init_timeout,  # init_limit
                armed and faults.take("timeout", name) is not None,  # fault_timeout
                faults.take("crash", name) if armed else None,  # crash
                faults.take("init_error", name) if armed and not env.initialized else None,  # init_failure
                faults.latency_for(name) if armed else NO_LATENCY,  # latency
                _clock.simulated_now(),  # simulated_now
                LogSettings.of(config.logging_config),  # log_settings
                # Active tracing: the sampled header the REPORT's XRAY line names. Otherwise
                # the runtime makes the unsampled header itself (nothing else needs it).
                Trace.new(True) if (config.tracing_config or {}).get("Mode") == "Active" else None,  # trace
            )
            try:
                # The next invoke's request id is drawn while this one's handler runs.
                result = _invocation.run(env, request, self._request_ids.draw_ahead)
            except BaseException:
                record.pool.discard(env)
                env.close()
                raise
            if always_cold:
                record.pool.discard(env)
                env.close()
            elif not record.pool.release(env, _clock.wall()):
                env.close()
        finally:
            self._concurrency.release(name, unreserved)
        names, versions, bodies, results, environment_ids = self._invoked
        with self._lock:
            names.append(name)
            versions.append(version)
            bodies.append(body)
            results.append(result)
            environment_ids.append(env.id)
        return result

    def invocations(self, function_name: Optional[str] = None) -> List[Invocation]:
        """The invocations that ran so far (of one function, or all), oldest first; async attempts included."""
        with self._lock:
            columns = [list(column) for column in self._invoked]
        records = [Invocation(*row) for row in zip(*columns)]
        if function_name is None:
            return records
        name, _ = self._parse(function_name, None)
        return [record for record in records if record.function_name == name]

    def assert_invoked(self, function_name: str, *, times: Optional[int] = None, event: Any = _ANY) -> None:
        """Assert ``function_name`` was invoked (``times`` times; with ``event`` at least once).

        The failure message lists what was actually invoked.
        """
        records = self.invocations(function_name)
        matching = records if event is _ANY else [r for r in records if r.event == event]
        wanted = f"{times} time(s)" if times is not None else "at least once"
        ok = len(matching) == times if times is not None else bool(matching)
        if not ok:
            seen = "\n".join(
                f"  {r.function_name} {r.request_id} {'cold' if r.cold_start else 'warm'} event={r.event!r}"
                for r in self.invocations()
            )
            what = "" if event is _ANY else f" with event {event!r}"
            raise AssertionError(
                f"expected {function_name!r} to be invoked{what} {wanted}, "
                f"found {len(matching)}; invocations so far:\n{seen or '  (none)'}"
            )

    def environments(self, function_name: str) -> List[ExecutionEnvironment]:
        """The live environments of a function version, most recently used first (for inspection).

        ``"orders"`` means ``$LATEST``; ``"orders:2"`` version 2; ``"orders:live"``
        the version the alias points to (each version has its own environments).
        """
        pool = self._lookup(function_name, None).record.pool
        for old in pool.expire(_clock.wall(), self.idle_timeout):
            old.close()
        return pool.environments()

    # --- event source mappings ------------------------------------------------

    def create_event_source_mapping(self, *, event_source_arn: str, function_name: str, **settings: Any) -> dict:
        """Feed a function from an SQS queue, a Kinesis stream or a DynamoDB stream (read through
        ``aws_endpoint_url``, e.g. moto's server with ``LambdaSim(moto=True)``).

        ``settings``: ``enabled``, ``batch_size``, ``maximum_batching_window_in_seconds``,
        ``starting_position`` (streams), ``starting_position_timestamp``,
        ``function_response_types``, ``maximum_retry_attempts``,
        ``maximum_record_age_in_seconds``, ``bisect_batch_on_function_error``,
        ``parallelization_factor``.
        """
        self._check_open()
        if self.aws_endpoint_url is None:
            raise InvalidParameterValueException(
                "event source mappings read their source through an AWS endpoint: create the simulator with "
                "LambdaSim(moto=True) (moto's server, sharing the test's mock_aws state) or aws_endpoint_url=..."
            )
        return self._event_sources.create(event_source_arn=event_source_arn, function_name=function_name, **settings)

    def get_event_source_mapping(self, uuid: str) -> dict:
        self._check_open()
        return self._event_sources.get(uuid)

    def list_event_source_mappings(
        self, *, event_source_arn: Optional[str] = None, function_name: Optional[str] = None
    ) -> dict:
        """``ListEventSourceMappings``: ``{"EventSourceMappings": [...]}``, optionally of one source or function."""
        self._check_open()
        function_arn = None if function_name is None else self._function_arn(function_name)
        mappings = self._event_sources.list(event_source_arn=event_source_arn, function_arn=function_arn)
        return {"EventSourceMappings": mappings}

    def update_event_source_mapping(self, uuid: str, **settings: Any) -> dict:
        self._check_open()
        return self._event_sources.update(uuid, **settings)

    def delete_event_source_mapping(self, uuid: str) -> dict:
        self._check_open()
        return self._event_sources.delete(uuid)

    # --- asynchronous invocation ---------------------------------------------

    def invoke_async(self, function_name: str, invoke_args: Any = None) -> dict:
        """The deprecated ``InvokeAsync``: queue an event (256 KB at most); answer ``{"Status": 202}``."""
        self._check_open()
        body = event_bytes(invoke_args)
        if len(body) > _async.INVOKE_ASYNC_LIMIT:
            raise RequestTooLargeException(_async.too_large_for_event(len(body), _async.INVOKE_ASYNC_LIMIT))
        self.invoke(function_name, body, invocation_type="Event")
        return {"Status": 202}

    def drain(self, *, advance: bool = True) -> int:
        """Run everything pending now, in this thread; return the number of invocations run.

        First every enabled event source mapping is polled until its source has
        nothing left to deliver (one invocation per batch); then the queued
        asynchronous events run: with ``advance`` (the default) each to its end, the
        queue's clock jumping over retry delays and throttle backoff; without, only
        what is due now (one invocation per attempt). ``async_invocations()`` tells
        how the asynchronous events ended.
        """
        self._check_open()
        mappings = self._event_source_mappings
        ran = 0 if mappings is None else mappings.drain()
        # Read after the mappings ran: a batch's handler may have made the first Event invoke.
        queue = self._async_queue
        return ran + (0 if queue is None else queue.drain(advance=advance))

    def async_invocations(self, function_name: Optional[str] = None) -> List[AsyncInvocation]:
        """The asynchronous events that have finished (of one function, or all), in the order they finished."""
        records = self._async.finished()
        if function_name is None:
            return records
        name, _ = self._parse(function_name, None)
        return [record for record in records if record.function_name == name]

    def sink(self, arn: str) -> List[Any]:
        """What was delivered to ``arn`` (a DLQ or a destination), oldest first, as ``Delivery`` objects."""
        return self._async.sinks.get(arn)

    def put_function_event_invoke_config(
        self, function_name: str, *, qualifier: Optional[str] = None, maximum_retry_attempts: Optional[int] = None,
        maximum_event_age_in_seconds: Optional[int] = None, destination_config: Optional[dict] = None,
    ) -> dict:
        """Set the retries, maximum event age and destinations of Event invokes (replacing any config)."""
        self._check_open()
        return self._async.configs.put(
            function_name, qualifier, maximum_retry_attempts, maximum_event_age_in_seconds, destination_config
        )

    def update_function_event_invoke_config(
        self, function_name: str, *, qualifier: Optional[str] = None, maximum_retry_attempts: Optional[int] = None,
        maximum_event_age_in_seconds: Optional[int] = None, destination_config: Optional[dict] = None,
    ) -> dict:
        """Change some settings of an existing event invoke config (the others are kept)."""
        self._check_open()
        return self._async.configs.update(
            function_name, qualifier, maximum_retry_attempts, maximum_event_age_in_seconds, destination_config
        )

    def get_function_event_invoke_config(self, function_name: str, *, qualifier: Optional[str] = None) -> dict:
        self._check_open()
        return self._async.configs.get(function_name, qualifier)

    def delete_function_event_invoke_config(self, function_name: str, *, qualifier: Optional[str] = None) -> None:
        self._check_open()
        self._async.configs.delete(function_name, qualifier)

    def list_function_event_invoke_configs(
        self, function_name: str, *, marker: Optional[str] = None, max_items: Optional[int] = None
    ) -> dict:
        self._check_open()
        return self._async.configs.list(function_name, marker, max_items)

    # --- layers -------------------------------------------------------------
    # Layer versions (docs/layers.md). The registry is lambdasim/_layers.py.

    def publish_layer_version(
        self,
        layer_name: str,
        *,
        content: CodeSource,
        description: str = "",
        compatible_runtimes: Optional[List[str]] = None,
        compatible_architectures: Optional[List[str]] = None,
        license_info: Optional[str] = None,
    ) -> dict:
        """Publish a new version of a layer from a directory, a ``.zip`` file or zip bytes.

        Returns AWS's ``PublishLayerVersion`` answer (``LayerVersionArn``, ``Version``, ...).
        """
        self._check_open()
        version = self._layers.publish(
            layer_name, content=content, created_date=timestamp(), description=description,
            compatible_runtimes=compatible_runtimes or (),
            compatible_architectures=compatible_architectures or (), license_info=license_info,
        )
        return version.describe()

    def get_layer_version(self, layer_name: str, version_number: int) -> dict:
        self._check_open()
        return self._layers.get(layer_name, version_number).describe()

    def get_layer_version_by_arn(self, arn: str) -> dict:
        self._check_open()
        return self._layers.get_by_arn(arn).describe()

    def list_layer_versions(
        self, layer_name: str, *, compatible_runtime: Optional[str] = None,
        compatible_architecture: Optional[str] = None,
    ) -> dict:
        """``ListLayerVersions``: the layer's live versions, newest first."""
        self._check_open()
        versions = self._layers.list_versions(
            layer_name, compatible_runtime=compatible_runtime, compatible_architecture=compatible_architecture
        )
        return {"LayerVersions": [version.list_item() for version in versions]}

    def list_layers(
        self, *, compatible_runtime: Optional[str] = None, compatible_architecture: Optional[str] = None
    ) -> dict:
        """``ListLayers``: each layer with its latest (matching) version, by name."""
        self._check_open()
        layers = self._layers.list_layers(
            compatible_runtime=compatible_runtime, compatible_architecture=compatible_architecture
        )
        return {
            "Layers": [
                {"LayerName": name, "LayerArn": version.layer_arn, "LatestMatchingVersion": version.list_item()}
                for name, version in layers
            ]
        }

    def delete_layer_version(self, layer_name: str, version_number: int) -> None:
        """Delete a version; functions that use it keep its content. A missing version is a silent success."""
        self._check_open()
        self._layers.delete(layer_name, version_number)

    def _resolve_layers(self, config: FunctionConfig, package: CodePackage, in_use: tuple = ()) -> tuple:
        if not config.layers:
            return ()
        from ._layers import unzipped_size

        # A callable's root is a whole project: its size means nothing (docs/layers.md).
        own = 0 if package.handler is not None else unzipped_size(package.root)
        return self._layers.resolve(
            config.layers, code_unzipped=own, in_use=[layer.arn for layer in in_use]
        )

    # --- end of layers ---------------------------------------------------------

    # --- roles ----------------------------------------------------------------

    def register_role(
        self, role: str, *, trust_policy: Optional[dict] = None, policies: Optional[list] = None
    ) -> str:
        """Make a role known, so functions that use it are checked as AWS checks them (docs/configuration.md).

        ``role`` is a role ARN or a name (ARN in this simulator's account);
        ``trust_policy`` a trust policy document (default: Lambda may assume the
        role); ``policies`` permission policy documents or AWS managed policy
        ARNs. Registering a role again replaces it. Returns the role ARN.
        """
        self._check_open()
        return self._roles.register(role, trust_policy=trust_policy, policies=policies or ()).arn

    def _check_role(self, config: FunctionConfig) -> None:
        """AWS's checks of a registered role (none registered: nothing to check)."""
        roles = self._role_registry
        if roles is not None:
            roles.check(config.role, config.vpc_config)

    # --- end of roles ------------------------------------------------------------

    # --- boto3 --------------------------------------------------------------

    def client(self, region_name: Optional[str] = None, **kwargs: Any) -> Any:
        """A real boto3 Lambda client answered by this simulator, in-process (needs boto3).

        ``kwargs`` go to ``boto3.session.Session.client``; retries are off unless
        ``config`` sets ``retries`` (see ``docs/boto3.md``).
        """
        from ._boto import make_client

        return make_client(self, region_name, **kwargs)

    def patch_boto3(self) -> Any:
        """A context manager that routes every Lambda client created inside it to this simulator."""
        from ._boto import patch_boto3

        return patch_boto3(self)

    # --- HTTP ---------------------------------------------------------------

    def serve(self, host: str = "127.0.0.1", port: int = 0, *, chain: bool = False, **options: Any) -> Any:
        """Serve this simulator's Lambda REST API over HTTP; returns a running ``LambdaServer``.

        ``port=0`` picks a free port (``server.url`` tells which). With ``chain``
        environments get ``AWS_ENDPOINT_URL_LAMBDA`` pointing at the server while
        it runs, so handlers that call Lambda with boto3 reach this simulator.
        ``options`` go to ``LambdaServer`` (``log=``, ``shutdown_timeout=``); see ``docs/server.md``.
        """
        from ._server import LambdaServer

        self._check_open()
        return LambdaServer(self, host, port, chain=chain, **options)

    def _set_lambda_endpoint(self, url: Optional[str]) -> None:
        """Give environments started from now on ``AWS_ENDPOINT_URL_LAMBDA=url`` (None: stop).

        Idle environments started before the change are retired, so that no
        environment keeps an endpoint that no longer answers.
        """
        with self._lock:
            current = self._factory.lambda_endpoint
            if url is not None and current is not None and current != url:
                raise InvalidParameterValueException(
                    f"environments already chain to {current}: close that server before "
                    f"serving with chain=True on {url}"
                )
            self._factory.lambda_endpoint = url
            functions = list(self._functions.values())
        for function in functions:
            self._retire(function)

    # --- internals ----------------------------------------------------------

    def _function_arn(self, function_name: str) -> str:
        """The ARN of an existing function (qualified when ``function_name`` names a version or alias)."""
        target = self._lookup(function_name, None)
        return self._arn(target.function.config.function_name, target.qualifier)

    def _aws_client(self, service: str) -> Any:
        """A boto3 client of ``aws_endpoint_url`` with the fake credentials handlers get.

        One per service, made once (a client costs tens of milliseconds; they are thread-safe).
        """
        with self._lock:
            client = self._aws_clients.get(service)
            if client is None:
                import boto3

                client = boto3.session.Session().client(
                    service, endpoint_url=self.aws_endpoint_url, region_name=self.region,
                    aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                    aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                    aws_session_token=FAKE_CREDENTIALS.get("AWS_SESSION_TOKEN"),
                )
                self._aws_clients[service] = client
            return client

    def _forward_delivery(self, delivery: Any) -> None:
        """Send an asynchronous delivery on to the SQS queue or SNS topic of that ARN at the endpoint.

        As on AWS, a delivery that fails (the queue or topic does not exist) is
        dropped; ``sim.sink(arn)`` still shows it.
        """
        service = delivery.service
        parts = delivery.arn.split(":")
        try:
            if service == "sqs":
                sqs = self._aws_client("sqs")
                url = sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
                sqs.send_message(QueueUrl=url, MessageBody=delivery.body, MessageAttributes={
                    name: {"DataType": value["DataType"], "StringValue": value["StringValue"]}
                    for name, value in delivery.attributes.items()
                })
            elif service == "sns":
                self._aws_client("sns").publish(TopicArn=delivery.arn, Message=delivery.body, MessageAttributes={
                    name: {"DataType": value["Type"], "StringValue": value["Value"]}
                    for name, value in delivery.attributes.items()
                })
        except Exception:  # noqa: BLE001 - botocore's errors: dropped, as AWS drops them (DeadLetterErrors)
            pass

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this LambdaSim is closed")

    def _load_code(self, code: CodeSource) -> CodePackage:
        return load_code(code, extract_to=os.path.join(self._workdir, "code"))

    def _arn(self, name: str, qualifier: Optional[str] = None) -> str:
        return _arn.function_arn(name, self.region, self.account_id, qualifier)

    def _parse(self, function_name: str, qualifier: Optional[str]) -> tuple:
        key = (function_name, qualifier)
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = _arn.parse_function_ref(
                function_name, qualifier, region=self.region, account=self.account_id
            )
            if len(self._parsed) > 4096:
                self._parsed.clear()
            self._parsed[key] = parsed
        return parsed

    def _not_found(self, arn: str) -> ResourceNotFoundException:
        with self._lock:
            existing = sorted(self._functions)
        return ResourceNotFoundException(function_not_found(arn), existing=existing)

    def _lookup(
        self, function_name: str, qualifier: Optional[str], *, invoking: bool = False
    ) -> "_Target":
        """Resolve a function reference (name, ARN, ``:version`` or ``:alias``) or raise AWS's not-found error.

        An alias with weighted routing picks its version when ``invoking``.
        """
        self._check_open()
        name, qualifier = self._parse(function_name, qualifier)
        with self._lock:
            function = self._functions.get(name)
            if function is None:
                missing = qualifier or ("$LATEST" if invoking else None)
                raise self._not_found(self._arn(name, missing))
            if qualifier is None or qualifier == "$LATEST":
                return _Target(function, function, "$LATEST", qualifier)
            if qualifier.isdigit():
                record = function.versions.get(qualifier)
            else:
                alias = function.aliases.get(qualifier)
                record = None if alias is None else self._route(function, alias, invoking)
        if record is None:
            raise self._not_found(self._arn(name, qualifier))
        return _Target(function, record, record.version, qualifier)

    def _route(self, function: FunctionRecord, alias: Alias, invoking: bool) -> Optional[FunctionRecord]:
        version = alias.function_version
        if invoking and alias.weights:
            ((extra, weight),) = alias.weights.items()
            if self._random.random() < weight:
                version = extra
        return function if version == "$LATEST" else function.versions.get(version)

    def _describe(self, target: "_Target") -> dict:
        name = target.function.config.function_name
        return describe(target.record, arn=self._arn(name, target.qualifier), region=self.region, hold=self._hold)

    def _list_versions(self, function: FunctionRecord) -> List[dict]:
        name = function.config.function_name
        with self._lock:
            records = [function, *(function.versions[v] for v in sorted(function.versions, key=int))]
        return [
            _listed(describe(record, arn=self._arn(name, record.version), region=self.region, hold=self._hold))
            for record in records
        ]

    def _updatable(self, function_name: str, revision_id: Optional[str]) -> FunctionRecord:
        """The function an update or publish applies to, after AWS's state and RevisionId checks.

        The caller checks again (``_check_updatable``) under the lock that applies
        the change, so two updates given the same RevisionId cannot both pass.
        """
        function = self._unqualified(function_name)
        with self._lock:
            self._check_updatable(function, revision_id)
        return function

    def _check_updatable(self, function: FunctionRecord, revision_id: Optional[str]) -> None:
        if self._hold and function.transition == "create":
            raise ResourceConflictException(_PENDING)
        if self._hold and function.transition == "update":
            raise ResourceConflictException(
                "The operation cannot be performed at this time. An update is in progress for resource: "
                + self._arn(function.config.function_name)
            )
        if revision_id is not None and revision_id != function.revision_id:
            raise PreconditionFailedException(_errors.REVISION_MISMATCH)

    def _begin_update(self, function: FunctionRecord, revision_id: Optional[str]) -> None:
        """Start an update (holding the lock): when transitions are held, invokes keep the old code until ``settle()``."""
        self._check_updatable(function, revision_id)
        if self._hold:
            function.running = (function.config, function.code)
        function.transition = "update"

    def _publish(self, function: FunctionRecord, description: Optional[str]) -> dict:
        """Publish ``$LATEST`` as the next version, or answer the last one if nothing changed. Holds the lock."""
        name = function.config.function_name
        snapshot = (attrs.evolve(function.config, reserved_concurrency=None), function.code.code_sha256)
        last = function.versions.get(str(function.next_version - 1))
        if last is not None and function.published == snapshot:
            return describe(last, arn=self._arn(name, last.version), region=self.region, hold=self._hold)
        number = str(function.next_version)
        function.next_version += 1
        config = function.config
        if description is not None:
            config = attrs.evolve(config, description=description)
        # A version published while creation is held is Pending with it (create(publish=True)).
        pending = "create" if self._hold and function.transition == "create" else None
        version = FunctionRecord(
            config, function.code, new_revision(), timestamp(), transition=pending, version=number,
            layers=function.layers,
        )
        function.versions[number] = version
        function.published = snapshot
        return describe(version, arn=self._arn(name, number), region=self.region, hold=self._hold)

    def _check_versions_exist(self, function: FunctionRecord, versions: List[str]) -> None:
        for version in versions:
            if version != "$LATEST" and version not in function.versions:
                raise self._not_found(self._arn(function.config.function_name, version))

    def _unqualified(self, function_name: str) -> FunctionRecord:
        """Look up a function for an operation that refuses versions and aliases."""
        self._check_open()
        name, qualifier = self._parse(function_name, None)
        if qualifier is not None:
            raise InvalidParameterValueException(
                "This operation is permitted on Lambda functions only. Aliases and versions do not "
                "support this operation. Please specify either a function name or an unqualified function ARN."
            )
        with self._lock:
            function = self._functions.get(name)
        if function is None:
            raise self._not_found(self._arn(name, "$LATEST"))
        return function

    def _acquire(self, record: FunctionRecord, version: str) -> ExecutionEnvironment:
        env, expired = record.pool.acquire(_clock.wall(), self.idle_timeout)
        for old in expired:
            old.close()
        if env is not None:
            return env
        config, code = record.active()
        latest = self._functions.get(config.function_name, record)
        inline = self._inline if latest.inline is None else latest.inline
        # A custom runtime execs its bootstrap: it always runs in a real environment.
        if inline and not config.runtime.startswith("provided"):
            env = self._inline_environments.create(config, code, version, [layer.root for layer in record.layers])
        else:
            env = self._factory.create(config, code, version, [layer.root for layer in record.layers])
        record.pool.add_busy(env)
        return env

    def _retire(self, function: FunctionRecord, everything: bool = False) -> None:
        """Close idle environments; busy ones close when their invoke returns.

        With ``everything`` (delete, close) busy runtime processes are killed
        too, so the threads waiting on them return at once.
        """
        busy = function.pool.environments() if everything else []
        for env in function.pool.retire():
            env.close()
        for env in busy:
            if env.pid is not None:
                self._zygote.kill(env.pid)


_PENDING = (
    "The operation cannot be performed at this time. The function is currently in the following state: Pending"
)
_HIDDEN_IN_LISTS = (
    "State", "StateReason", "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason",
    "LastUpdateStatusReasonCode", "RuntimeVersionConfig",
)


def _listed(configuration: dict) -> dict:
    """A configuration as list operations show it: without the state fields."""
    return {key: value for key, value in configuration.items() if key not in _HIDDEN_IN_LISTS}


@attrs.define
class _Target:
    """A resolved function reference: the function, the version record to use, and how it was named."""

    function: FunctionRecord
    record: FunctionRecord
    version: str
    qualifier: Optional[str]


_SETTINGS = tuple(field.name for field in attrs.fields(FunctionConfig) if field.name not in ("function_name",))


def _check_inline(name: str, value: Any, optional: bool = True) -> Optional[bool]:
    """``inline`` is lambdasim's own switch (not an AWS member): True, False, or None to follow the simulator."""
    if not isinstance(value, bool) and not (optional and value is None):
        raise InvalidParameterValueException(
            f"'{name}' must be {'True, False or None' if optional else 'True or False'} (got {value!r})"
        )
    return value


def _check_settings(operation: str, settings: dict) -> None:
    unknown = sorted(set(settings) - set(_SETTINGS))
    if unknown:
        raise TypeError(
            f"{operation}() got unexpected keyword argument(s) {', '.join(map(repr, unknown))}; "
            f"the settings are: {', '.join(_SETTINGS)}"
        )



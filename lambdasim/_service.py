"""``LambdaSim``: the in-memory Lambda service: its registry, lifecycle and lookups; its
operations come from the ``_service_*`` modules, one per group."""

from __future__ import annotations

import os
import random
import threading
import warnings
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

import attrs

from . import _arn, _async, _invocation
from ._code import CodePackage, CodeSource, load_code
from ._concurrency import DEFAULT_ACCOUNT_LIMIT, MINIMUM_UNRESERVED, ConcurrencyLedger
from ._errors import InvalidParameterValueException, ResourceNotFoundException, function_not_found
from ._event import RequestIds
from ._faults import Faults
from ._function import Alias, FunctionRecord, describe
from ._options import check_simulator_options
from ._sandbox._environment import close_together
from ._sandbox._factory import EnvironmentFactory
from ._sandbox._zygote import PASSTHROUGH_ENV, Zygote
from ._service_async import AsyncOperations
from ._service_connections import ConnectionOperations
from ._service_functions import FunctionOperations, check_inline
from ._service_invoke import InvokeOperations
from ._service_layers import LayerOperations
from ._service_versions import VersionOperations

if TYPE_CHECKING:
    # Subsystems a simulator builds on first use: importing them here would make
    # every ``import lambdasim`` pay for them (docs/performance.md).
    from ._async_queue import AsyncQueue
    from ._esm import EventSourceMappings
    from ._inline import InlineEnvironments
    from ._layers import LayerRegistry
    from ._moto import MotoEndpoint
    from ._roles import RoleRegistry

#: Idle environments are retired after this long on the simulated clock
#: (AWS does not document it; third parties measure 5 to 15 minutes).
DEFAULT_IDLE_TIMEOUT = 600.0


class LambdaSim(
    FunctionOperations, VersionOperations, InvokeOperations, AsyncOperations, LayerOperations,
    ConnectionOperations,
):
    """An in-memory AWS Lambda service whose functions run in real execution environments.

    Use it as a context manager or call ``close()``; every process it started
    ends there. ``zygote`` lets several simulators share one pre-warmed process
    (the pytest plugin does); without it the simulator owns its own.

    This module holds its state, lifecycle and lookups; each group of operations
    is a base class of its own module: functions (``_service_functions``),
    versions and aliases (``_service_versions``), the invoke (``_service_invoke``),
    Event invokes and event source mappings (``_service_async``), layers and roles
    (``_service_layers``), boto3 and HTTP (``_service_connections``).
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
        check_inline("inline", inline, optional=False)
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
        #: What every invoke of a configuration through one reference shares (``_share``).
        self._shared: Dict[tuple, tuple] = {}
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
        try:
            self._retire(*(record for function in functions for record in function.records()), everything=True)
        finally:
            # An environment that failed to close (raised again here) leaves nothing else open.
            self._close_the_rest(queue, mappings)

    def _close_the_rest(self, queue: Optional[AsyncQueue], mappings: Optional[EventSourceMappings]) -> None:
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

    # --- internals ----------------------------------------------------------

    def _function_arn(self, function_name: str) -> str:
        """The ARN of an existing function (qualified when ``function_name`` names a version or alias)."""
        target = self._lookup(function_name, None)
        return self._arn(target.function.config.function_name, target.qualifier)

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

    def _retire(self, *records: FunctionRecord, everything: bool = False) -> None:
        """Close the idle environments of ``records``; busy ones close when their invoke returns.

        With ``everything`` (delete, close) busy runtime processes are killed too, first,
        so the threads waiting on them return at once.
        """
        present = [env for record in records for env in record.pool.environments()] if everything else []
        idle = [env for record in records for env in record.pool.retire()]
        if present:
            closing = set(map(id, idle))
            for env in present:
                if id(env) not in closing and env.pid is not None:
                    self._zygote.kill(env.pid)
        close_together(idle)


@attrs.define
class _Target:
    """A resolved function reference: the function, the version record to use, and how it was named."""

    function: FunctionRecord
    record: FunctionRecord
    version: str
    qualifier: Optional[str]

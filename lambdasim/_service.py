"""``LambdaSim``: the in-memory Lambda service — function registry, invoke routing, environments."""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional

import attrs

from . import _arn, _clock, _invocation
from ._concurrency import DEFAULT_ACCOUNT_LIMIT, MINIMUM_UNRESERVED, ConcurrencyLedger
from ._code import CodePackage, CodeSource, load_code
from ._config import FunctionConfig
from ._errors import (
    InvalidParameterValueException,
    RequestTooLargeException,
    ResourceConflictException,
    ResourceNotFoundException,
    TooManyRequestsException,
    function_exists,
    function_not_found,
)
from ._event import RequestIds, check_enum, decode_client_context, event_bytes
from ._faults import Faults
from ._function import FunctionRecord, describe, new_revision, timestamp, touch
from ._inline import InlineEnvironments
from ._result import Invocation, InvokeResult
from ._sandbox._environment import ExecutionEnvironment
from ._sandbox._factory import EnvironmentFactory
from ._sandbox._zygote import PASSTHROUGH_ENV, Zygote

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
        inline: bool = False,
    ) -> None:
        self.region = region
        self.account_id = account_id
        self.idle_timeout = idle_timeout
        self._init_timeout = init_timeout
        if cold_start not in ("reuse", "always"):
            raise InvalidParameterValueException(
                f"'cold_start' must be 'reuse' (warm environments are reused) or 'always' (got {cold_start!r})"
            )
        #: Faults the test injects: ``sim.faults.timeout("orders")`` and the like.
        _check_inline("inline", inline, optional=False)
        self.faults = Faults()
        #: ``cold_start="always"``: a setting of the simulator, not a fault (clear() keeps it).
        self._always_cold = cold_start == "always"
        self._invocations: List[Invocation] = []
        self._owns_zygote = zygote is None
        self._zygote = zygote if zygote is not None else Zygote(passthrough_env=passthrough_env)
        self._functions: Dict[str, FunctionRecord] = {}
        self._concurrency = ConcurrencyLedger(concurrency_limit, minimum_unreserved)
        self._lock = threading.RLock()
        self._factory = EnvironmentFactory(
            self._zygote, region=region, private_tmp=private_tmp, enforce_memory=enforce_memory,
            passthrough_env=passthrough_env,
        )
        #: Where this simulator keeps extracted code and sandbox directories.
        self._workdir = self._factory.workdir
        self._closed = False
        #: Resolved function references: invokes repeat the same few names.
        self._parsed: Dict[tuple, tuple] = {}
        self._request_ids = RequestIds()
        #: Debug mode (docs/debugging.md): handlers run in this process unless a function says otherwise.
        self._inline = inline
        self._inline_environments = InlineEnvironments(
            region=region, workdir=self._workdir, passthrough_env=passthrough_env
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
        for function in functions:
            self._retire(function, everything=True)
        if self._owns_zygote:
            self._zygote.close()
        self._factory.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            warnings.warn(f"unclosed {self!r}: call close() or use 'with LambdaSim()'", ResourceWarning)

    def __repr__(self) -> str:
        return f"<LambdaSim region={self.region!r} functions={sorted(self._functions)!r}>"

    # --- control plane ------------------------------------------------------

    def create_function(
        self, function_name: str, *, code: CodeSource, handler: Optional[str] = None, **settings: Any
    ) -> dict:
        """Create a function; return its ``FunctionConfiguration`` as AWS does (State ``Pending``)."""
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
            self._concurrency.reserve(function_name, config.reserved_concurrency)
            function = FunctionRecord(config, package, new_revision(), timestamp())
            function.inline = inline
            self._functions[function_name] = function
            return describe(function, arn=self._arn(function.config.function_name), region=self.region)

    def get_function(self, function_name: str, *, qualifier: Optional[str] = None) -> dict:
        """``GetFunction``: ``{"Configuration": ..., "Code": ...}`` (plus ``Concurrency`` when reserved)."""
        function, _, _ = self._lookup(function_name, qualifier)
        answer = {
            "Configuration": describe(function, arn=self._arn(function.config.function_name), region=self.region),
            "Code": {"RepositoryType": "S3", "Location": Path(function.code.root).as_uri()},
        }
        if function.config.reserved_concurrency is not None:
            answer["Concurrency"] = {"ReservedConcurrentExecutions": function.config.reserved_concurrency}
        return answer

    def get_function_configuration(self, function_name: str, *, qualifier: Optional[str] = None) -> dict:
        function, _, _ = self._lookup(function_name, qualifier)
        return describe(function, arn=self._arn(function.config.function_name), region=self.region)

    def list_functions(self) -> dict:
        """``ListFunctions``: every function once, sorted by name, without state fields."""
        self._check_open()
        with self._lock:
            functions = [self._functions[name] for name in sorted(self._functions)]
        hidden = ("State", "StateReason", "StateReasonCode", "LastUpdateStatus", "RuntimeVersionConfig")
        return {
            "Functions": [
                {key: value for key, value in describe(f, arn=self._arn(f.config.function_name), region=self.region).items() if key not in hidden}
                for f in functions
            ]
        }

    def update_function_code(self, function_name: str, *, code: CodeSource) -> dict:
        """Replace the code; warm environments are retired, the next invoke cold-starts."""
        function, _, _ = self._lookup(function_name, None)
        package = self._load_code(code)
        changes = {"handler": package.handler} if package.handler else {}
        with self._lock:
            function.code = package
            function.config = attrs.evolve(function.config, **changes)
            touch(function)
        self._retire(function)
        return describe(function, arn=self._arn(function.config.function_name), region=self.region, updating=True)

    def update_function_configuration(self, function_name: str, **changes: Any) -> dict:
        """Change settings (``timeout=``, ``environment=``, ...); warm environments are retired."""
        function, _, _ = self._lookup(function_name, None)
        if "function_name" in changes:
            raise InvalidParameterValueException("'function_name' cannot be changed by an update")
        inline = _check_inline("inline", changes.pop("inline", function.inline))
        _check_settings("update_function_configuration", changes)
        with self._lock:
            function.inline = inline
            config = attrs.evolve(function.config, **changes)
            self._concurrency.check_reservation(config.function_name, config.reserved_concurrency)
            self._concurrency.reserve(config.function_name, config.reserved_concurrency)
            function.config = config
            touch(function)
        self._retire(function)
        return describe(function, arn=self._arn(function.config.function_name), region=self.region, updating=True)

    def delete_function(self, function_name: str, *, qualifier: Optional[str] = None) -> None:
        """Delete the function and end its environments."""
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
            if qualifier is not None:
                return  # Deleting a version that does not exist is a silent success.
            del self._functions[name]
            self._concurrency.forget(name)
        self._retire(function, everything=True)

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
        function, version, qualifier = self._lookup(function_name, qualifier, invoking=True)
        body = event_bytes(event)
        if len(body) > SYNC_REQUEST_LIMIT:
            raise RequestTooLargeException(
                f"Request must be smaller than {SYNC_REQUEST_LIMIT} bytes for the InvokeFunction operation"
            )
        context = decode_client_context(client_context)
        request_id = self._request_ids.next()
        if invocation_type == "DryRun":
            return InvokeResult(function.config.function_name, b"", 204, request_id, executed_version=None)
        if invocation_type == "Event":
            raise NotImplementedError(
                "lambdasim: invocation_type='Event' (asynchronous invoke) is not supported yet; "
                "use 'RequestResponse' or 'DryRun'"
            )
        config = function.config
        name = config.function_name
        faults = self.faults
        reason = faults.take("throttle", name)
        if reason is not None:
            raise TooManyRequestsException("Rate Exceeded.", reason=reason)
        unreserved = self._concurrency.acquire(name)
        try:
            always_cold = self._always_cold or faults.always_cold(name)
            if faults.take("cold_start", name) or always_cold:
                self._retire(function)
            env = self._acquire(function, version)
            # Faults are taken only by an invoke that runs: not by a throttled
            # one, and an init error only by a cold start.
            request = _invocation.InvokeRequest(
                function_name=name, version=version, invoked_function_arn=self._arn(name, qualifier),
                request_id=request_id, body=body, timeout=config.timeout, memory_size=config.memory_size,
                runtime=config.runtime, region=self.region, log_type=log_type, client_context=context,
                init_limit=self._init_timeout, fault_timeout=faults.take("timeout", name) is not None,
                crash=faults.take("crash", name),
                init_failure=None if env.initialized else faults.take("init_error", name),
                latency=faults.latency_for(name), simulated_now=_clock.simulated_now(),
            )
            try:
                result = _invocation.run(env, request)
            except BaseException:
                function.pool.discard(env)
                env.close()
                raise
            if always_cold:
                function.pool.discard(env)
                env.close()
            elif not function.pool.release(env, _clock.wall()):
                env.close()
        finally:
            self._concurrency.release(name, unreserved)
        with self._lock:
            self._invocations.append(Invocation(name, version, body, result, env.id))
        return result

    def invocations(self, function_name: Optional[str] = None) -> List[Invocation]:
        """The synchronous invocations made so far (of one function, or all), oldest first."""
        with self._lock:
            records = list(self._invocations)
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
        """The function's live environments, most recently used first (for inspection)."""
        function, _, _ = self._lookup(function_name, None)
        for old in function.pool.expire(_clock.wall(), self.idle_timeout):
            old.close()
        return function.pool.environments()

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

    # --- internals ----------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this LambdaSim is closed")

    def _load_code(self, code: CodeSource) -> CodePackage:
        return load_code(code, extract_to=os.path.join(self._workdir, "code"))

    def _arn(self, name: str, qualifier: Optional[str] = None) -> str:
        return _arn.function_arn(name, region=self.region, account=self.account_id, qualifier=qualifier)

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
    ) -> tuple:
        """Return ``(function, executed version, qualifier)`` or raise AWS's not-found error."""
        self._check_open()
        name, qualifier = self._parse(function_name, qualifier)
        with self._lock:
            function = self._functions.get(name)
        if function is None:
            missing = qualifier or ("$LATEST" if invoking else None)
            raise self._not_found(self._arn(name, missing))
        if qualifier not in (None, "$LATEST"):
            raise self._not_found(self._arn(name, qualifier))
        return function, "$LATEST", qualifier

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

    def _acquire(self, function: FunctionRecord, version: str) -> ExecutionEnvironment:
        env, expired = function.pool.acquire(_clock.wall(), self.idle_timeout)
        for old in expired:
            old.close()
        if env is not None:
            return env
        inline = self._inline if function.inline is None else function.inline
        factory = self._inline_environments if inline else self._factory
        env = factory.create(function.config, function.code, version)
        function.pool.add_busy(env)
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



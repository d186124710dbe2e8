"""``LambdaSim``: the in-memory Lambda service — function registry, invoke routing, environments."""

from __future__ import annotations

import base64
import binascii
import json
import os
import random
import shutil
import tempfile
import threading
import time
import uuid
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
    InvalidRequestContentException,
    RequestTooLargeException,
    ResourceConflictException,
    ResourceNotFoundException,
    TooManyRequestsException,
    ValidationException,
    function_exists,
    function_not_found,
    validation_message,
)
from ._event import event_bytes
from ._platform import runtime_version_arn
from ._faults import Faults
from ._result import Invocation, InvokeResult
from ._sandbox._environment import ExecutionEnvironment, Sandbox
from ._sandbox._pool import EnvironmentPool
from ._sandbox._spec import environment_variables, log_stream_name, passthrough_variables, python_path
from ._sandbox._zygote import PASSTHROUGH_ENV, RUNTIME_DIR, Zygote

#: Idle environments are retired after this long on the simulated clock
#: (AWS does not document it; third parties measure 5 to 15 minutes).
DEFAULT_IDLE_TIMEOUT = 600.0
SYNC_REQUEST_LIMIT = 6_291_456
CLIENT_CONTEXT_LIMIT = 3583
_INVOCATION_TYPES = ("Event", "RequestResponse", "DryRun")
_ANY = object()
_LOG_TYPES = ("None", "Tail")


@attrs.define(eq=False)
class _Function:
    config: FunctionConfig
    code: CodePackage
    revision_id: str
    last_modified: str
    pool: EnvironmentPool = attrs.Factory(EnvironmentPool)
    #: The transition the next read completes: create answers Pending and an
    #: update InProgress; the next read sees Active/Successful with a new
    #: RevisionId, as AWS's state change gives one (spec controlplane §3).
    transition: Optional[str] = "creating"


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
    ) -> None:
        self.region = region
        self.account_id = account_id
        self.idle_timeout = idle_timeout
        self._private_tmp = private_tmp
        self._enforce_memory = enforce_memory
        self._init_timeout = init_timeout
        if cold_start not in ("reuse", "always"):
            raise InvalidParameterValueException(
                f"'cold_start' must be 'reuse' (warm environments are reused) or 'always' (got {cold_start!r})"
            )
        #: Faults the test injects: ``sim.faults.timeout("orders")`` and the like.
        self.faults = Faults()
        #: ``cold_start="always"``: a setting of the simulator, not a fault (clear() keeps it).
        self._always_cold = cold_start == "always"
        self._invocations: List[Invocation] = []
        self._owns_zygote = zygote is None
        self._zygote = zygote if zygote is not None else Zygote(passthrough_env=passthrough_env)
        self._passthrough = passthrough_variables(passthrough_env)
        self._functions: Dict[str, _Function] = {}
        self._concurrency = ConcurrencyLedger(concurrency_limit, minimum_unreserved)
        self._lock = threading.RLock()
        base = _workdir_base()
        _remove_abandoned_workdirs(base)
        self._workdir = tempfile.mkdtemp(prefix=f"lambdasim-{os.getpid()}-", dir=base)
        self._closed = False
        self._warned_fallback = False
        self._staging: Dict[str, str] = {}
        #: Resolved function references: invokes repeat the same few names.
        self._parsed: Dict[tuple, tuple] = {}
        self._request_ids = _RequestIds()

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
        shutil.rmtree(self._workdir, ignore_errors=True)

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
            function = _Function(config, package, _revision(), _timestamp())
            self._functions[function_name] = function
            return self._describe(function)

    def get_function(self, function_name: str, *, qualifier: Optional[str] = None) -> dict:
        """``GetFunction``: ``{"Configuration": ..., "Code": ...}`` (plus ``Concurrency`` when reserved)."""
        function, _, _ = self._lookup(function_name, qualifier)
        answer = {
            "Configuration": self._describe(function),
            "Code": {"RepositoryType": "S3", "Location": Path(function.code.root).as_uri()},
        }
        if function.config.reserved_concurrency is not None:
            answer["Concurrency"] = {"ReservedConcurrentExecutions": function.config.reserved_concurrency}
        return answer

    def get_function_configuration(self, function_name: str, *, qualifier: Optional[str] = None) -> dict:
        function, _, _ = self._lookup(function_name, qualifier)
        return self._describe(function)

    def list_functions(self) -> dict:
        """``ListFunctions``: every function once, sorted by name, without state fields."""
        self._check_open()
        with self._lock:
            functions = [self._functions[name] for name in sorted(self._functions)]
        hidden = ("State", "StateReason", "StateReasonCode", "LastUpdateStatus", "RuntimeVersionConfig")
        return {
            "Functions": [
                {key: value for key, value in self._describe(f).items() if key not in hidden}
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
            self._touch(function)
        self._retire(function)
        return self._describe(function, updating=True)

    def update_function_configuration(self, function_name: str, **changes: Any) -> dict:
        """Change settings (``timeout=``, ``environment=``, ...); warm environments are retired."""
        function, _, _ = self._lookup(function_name, None)
        if "function_name" in changes:
            raise InvalidParameterValueException("'function_name' cannot be changed by an update")
        _check_settings("update_function_configuration", changes)
        with self._lock:
            config = attrs.evolve(function.config, **changes)
            self._concurrency.check_reservation(config.function_name, config.reserved_concurrency)
            self._concurrency.reserve(config.function_name, config.reserved_concurrency)
            function.config = config
            self._touch(function)
        self._retire(function)
        return self._describe(function, updating=True)

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
        _check_enum(invocation_type, "invocationType", _INVOCATION_TYPES)
        if log_type is not None:
            _check_enum(log_type, "logType", _LOG_TYPES)
        function, version, qualifier = self._lookup(function_name, qualifier, invoking=True)
        body = event_bytes(event)
        if len(body) > SYNC_REQUEST_LIMIT:
            raise RequestTooLargeException(
                f"Request must be smaller than {SYNC_REQUEST_LIMIT} bytes for the InvokeFunction operation"
            )
        context = _client_context(client_context)
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

    def _unqualified(self, function_name: str) -> _Function:
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

    def _touch(self, function: _Function) -> None:
        function.revision_id = _revision()
        function.last_modified = _timestamp()

    def _describe(self, function: _Function, *, updating: bool = False) -> dict:
        config, code = function.config, function.code
        answer: Dict[str, Any] = {
            "FunctionName": config.function_name,
            "FunctionArn": self._arn(config.function_name),
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
            "RuntimeVersionConfig": {"RuntimeVersionArn": runtime_version_arn(config.runtime, self.region)},
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
                function.revision_id = answer["RevisionId"] = _revision()
            answer.update(State="Active", LastUpdateStatus="Successful")
        return answer

    def _acquire(self, function: _Function, version: str) -> ExecutionEnvironment:
        env, expired = function.pool.acquire(_clock.wall(), self.idle_timeout)
        for old in expired:
            old.close()
        if env is not None:
            return env
        env = self._new_environment(function, version)
        function.pool.add_busy(env)
        return env

    def _new_environment(self, function: _Function, version: str) -> ExecutionEnvironment:
        config, code = function.config, function.code
        self._zygote.start()
        private = self._private_tmp and not self._zygote.namespace_problem
        if self._private_tmp and not private and not self._warned_fallback:
            self._warned_fallback = True
            warnings.warn(
                "lambdasim: private /tmp is unavailable here "
                f"({self._zygote.namespace_problem}); each environment gets its own directory "
                "through TMPDIR instead, and the literal path /tmp is shared with the host",
                RuntimeWarning, stacklevel=3,
            )
        task_root, binds, tmp_dir = code.root, [], None
        if private:
            if _under(code.root, "/tmp"):
                # Mounting the private /tmp would hide this code: bind it
                # outside /tmp first and run it from there (DESIGN §3.1).
                task_root = self._staging_dir(code.root)
                binds.append([code.root, task_root])
        else:
            tmp_dir = tempfile.mkdtemp(prefix="tmp-", dir=self._workdir)
        stream = log_stream_name(version, _clock.wall())
        sandbox = Sandbox(
            mode="namespace" if private else "directory", log_stream_name=stream,
            tmp_size_mb=config.ephemeral_storage, tmp_dir=tmp_dir,
        )
        env = environment_variables(
            function_name=config.function_name, version=version, runtime=config.runtime,
            handler=config.handler, memory_size=config.memory_size, region=self.region,
            task_root=task_root, log_group=config.log_group, log_stream=stream,
            user_variables=config.environment, passthrough=self._passthrough, tmp_dir=tmp_dir,
        )
        spec = {
            "handler": config.handler,
            "runtime": config.runtime,
            "task_root": task_root,
            "env": env,
            "sys_path": python_path(config.runtime, config.environment, task_root),
            "drop_sys_path": [RUNTIME_DIR],
            "sandbox": {
                "mode": sandbox.mode, "tmp_size_mb": config.ephemeral_storage, "binds": binds,
                "staging_root": os.path.join(self._workdir, "paths"),
            },
            "log_format": (config.logging_config or {}).get("LogFormat", "Text"),
        }
        return ExecutionEnvironment(
            zygote=self._zygote, spec=spec, sandbox=sandbox, function_name=config.function_name,
            version=version, memory_limit_mb=config.memory_size if self._enforce_memory else None,
        )

    def _staging_dir(self, code_root: str) -> str:
        """The mount point outside /tmp where code from under /tmp runs (one per code directory)."""
        with self._lock:
            staging = self._staging.get(code_root)
            if staging is None:
                staging = self._staging[code_root] = tempfile.mkdtemp(prefix="task-", dir=self._workdir)
            return staging

    def _retire(self, function: _Function, everything: bool = False) -> None:
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


def _check_settings(operation: str, settings: dict) -> None:
    unknown = sorted(set(settings) - set(_SETTINGS))
    if unknown:
        raise TypeError(
            f"{operation}() got unexpected keyword argument(s) {', '.join(map(repr, unknown))}; "
            f"the settings are: {', '.join(_SETTINGS)}"
        )


def _check_enum(value: Any, member: str, allowed: tuple) -> None:
    if value not in allowed:
        constraint = f"Member must satisfy enum value set: [{', '.join(allowed)}]"
        raise ValidationException(validation_message([(value, member, constraint)]))


def _client_context(value: Any) -> Optional[dict]:
    """Accept a dict or the base64 JSON text the API carries; return the decoded dict."""
    if value is None:
        return None
    if isinstance(value, dict):
        encoded = base64.b64encode(json.dumps(value).encode())
    elif isinstance(value, (str, bytes)):
        encoded = value.encode() if isinstance(value, str) else value
    else:
        raise InvalidParameterValueException(
            f"'client_context' must be a dict or base64-encoded JSON text (got {value!r})"
        )
    if len(encoded) > CLIENT_CONTEXT_LIMIT:
        raise InvalidParameterValueException(
            f"Client context must be no longer than {CLIENT_CONTEXT_LIMIT} bytes when base64-encoded."
        )
    try:
        decoded = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        decoded = None
    if not isinstance(decoded, dict):
        raise InvalidRequestContentException("Client context must be a valid Base64-encoded JSON object.")
    return decoded


class _RequestIds:
    """UUID4 request ids from a private generator seeded by the OS.

    Cheaper than ``uuid.uuid4()`` (no system call per id) and unaffected by a
    test that seeds the ``random`` module.
    """

    def __init__(self) -> None:
        self._bits = random.Random(os.urandom(32)).getrandbits

    def next(self) -> str:
        value = (self._bits(128) & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)
        text = f"{value:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _revision() -> str:
    return str(uuid.uuid4())


def _timestamp() -> str:
    now = _clock.wall()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}+0000"


def _under(path: str, directory: str) -> bool:
    real = os.path.realpath(path)
    return real == directory or real.startswith(directory.rstrip("/") + "/")


def _remove_abandoned_workdirs(base: Optional[str]) -> None:
    """Remove work directories of test processes that died without closing their simulator."""
    base = base or tempfile.gettempdir()
    for entry in os.scandir(base):
        parts = entry.name.split("-")
        if len(parts) < 3 or parts[0] != "lambdasim" or not parts[1].isdigit():
            continue
        try:
            os.kill(int(parts[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(entry.path, ignore_errors=True)
        except PermissionError:
            pass


def _workdir_base() -> Optional[str]:
    """A writable directory outside ``/tmp`` (mounting the private /tmp must not hide it)."""
    for candidate in ("/dev/shm", "/var/tmp"):
        if os.path.isdir(candidate) and os.access(candidate, os.W_OK | os.X_OK):
            return candidate
    return None

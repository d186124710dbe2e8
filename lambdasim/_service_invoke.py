"""LambdaSim's data plane: the invoke, its environment from the pool, and the record of what ran."""

from __future__ import annotations

from typing import Any, List, Optional

from . import _async, _clock, _invocation
from ._config import FunctionConfig
from ._errors import FUNCTION_PENDING, RequestTooLargeException, ResourceConflictException, TooManyRequestsException
from ._event import check_enum, decode_client_context, event_bytes
from ._faults import NO_LATENCY
from ._function import FunctionRecord
from ._platform_log import LogSettings, Trace
from ._result import Invocation, InvokeResult
from ._sandbox._environment import ExecutionEnvironment, close_together

SYNC_REQUEST_LIMIT = 6_291_456
_INVOCATION_TYPES = ("Event", "RequestResponse", "DryRun")
_LOG_TYPES = ("None", "Tail")
_ANY = object()


class InvokeOperations:
    """The invoke and what it leaves behind, of ``LambdaSim`` (whose registry, pools and faults it uses)."""

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
            raise ResourceConflictException(FUNCTION_PENDING)
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
            shared = self._shared.get((name, qualifier, version))
            if shared is None or shared[0] is not config:
                shared = self._share(name, qualifier, version, config)
            # Positional, in the fields' order: matching nineteen keywords would cost
            # more than building the request.
            request = _invocation.InvokeRequest(
                name,  # function_name
                version,  # version
                shared[1],  # invoked_function_arn
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
                shared[2],  # log_settings
                # Active tracing: the sampled header the REPORT's XRAY line names. Otherwise
                # the runtime makes the unsampled header itself (nothing else needs it).
                Trace.new(True) if shared[3] else None,  # trace
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
        close_together(pool.expire(_clock.wall(), self.idle_timeout))
        return pool.environments()

    def _share(self, name: str, qualifier: Optional[str], version: str, config: FunctionConfig) -> tuple:
        """What every invoke of ``config`` (of ``version``) through ``qualifier`` shares, kept
        until the configuration changes: ``(config, invoked ARN, log settings, whether tracing
        is Active)``. About half a microsecond of a warm invoke."""
        shared = (
            config, self._arn(name, qualifier), LogSettings.of(config.logging_config),
            (config.tracing_config or {}).get("Mode") == "Active",
        )
        if len(self._shared) > 4096:
            self._shared.clear()
        self._shared[(name, qualifier, version)] = shared
        return shared

    def _acquire(self, record: FunctionRecord, version: str) -> ExecutionEnvironment:
        env, expired = record.pool.acquire(_clock.wall(), self.idle_timeout)
        if expired:
            close_together(expired)
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

"""LambdaSim's function operations: create, read, list, update and delete functions,
state transitions, reserved concurrency and the account's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import attrs

from . import _errors
from ._code import CodeSource
from ._config import FunctionConfig
from ._errors import (
    FUNCTION_PENDING,
    InvalidParameterValueException,
    PreconditionFailedException,
    ResourceConflictException,
    ValidationException,
    function_exists,
)
from ._function import FunctionRecord, complete, describe, listed, new_revision, timestamp, touch


class FunctionOperations:
    """The function operations of ``LambdaSim`` (whose registry, lock and lookups they use)."""

    # --- functions ----------------------------------------------------------

    def create_function(
        self, function_name: str, *, code: CodeSource, handler: Optional[str] = None, publish: bool = False,
        **settings: Any,
    ) -> dict:
        """Create a function; return its ``FunctionConfiguration`` as AWS does (State ``Pending``).

        ``publish=True`` also publishes version 1 (the answer then says ``"Version": "1"``).
        """
        self._check_open()
        inline = check_inline("inline", settings.pop("inline", None))
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
        configurations: List[dict] = []
        for function in functions:
            if function_version == "ALL":
                configurations.extend(self._list_versions(function))
            else:
                configurations.append(listed(describe(function, arn=self._arn(function.config.function_name), region=self.region, hold=self._hold)))
        return {"Functions": configurations}

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
        inline = check_inline("inline", changes.pop("inline", function.inline))
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
        self._retire(*retired, everything=True)

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
        self._retire(*updated)

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
            raise ResourceConflictException(FUNCTION_PENDING)
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


_SETTINGS = tuple(field.name for field in attrs.fields(FunctionConfig) if field.name not in ("function_name",))


def check_inline(name: str, value: Any, optional: bool = True) -> Optional[bool]:
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

"""LambdaSim's versions and aliases: publishing, listing, and aliases with weighted routing."""

from __future__ import annotations

from typing import Any, List, Mapping, Optional

import attrs

from . import _alias, _errors
from ._errors import (
    InvalidParameterValueException,
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from ._function import Alias, FunctionRecord, describe, listed, new_revision, timestamp


class VersionOperations:
    """The version and alias operations of ``LambdaSim`` (whose registry, lock and lookups they use)."""

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

    def _list_versions(self, function: FunctionRecord) -> List[dict]:
        name = function.config.function_name
        with self._lock:
            records = [function, *(function.versions[v] for v in sorted(function.versions, key=int))]
        return [
            listed(describe(record, arn=self._arn(name, record.version), region=self.region, hold=self._hold))
            for record in records
        ]

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

"""Lambda layers: the simulator's registry of layer versions, and what a function's ``Layers`` resolve to.

A layer version is published from a directory, a ``.zip`` file or zip bytes
(``sim.publish_layer_version``); it gets AWS's ARN
``arn:aws:lambda:<region>:<account>:layer:<name>:<n>`` with numbers that are never
reused. A function lists layers by version ARN or, as a lambdasim extension, by a
local directory. Resolving the list applies AWS's checks in AWS's order (ARN form,
region, existence, two versions of one layer, the 250 MB unzipped limit) and gives
the directories that the sandbox lays out under ``/opt``, in order, later layers
over earlier ones (spec/lambda-controlplane.md §1.2, §2.5; lambda-dataplane.md §8).

Deleting a layer version hides it from listings and from new references; functions
that already use it keep its content, as on AWS.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import attrs

from . import _errors
from ._code import UNZIPPED_LIMIT, CodePackage, load_code
from ._errors import InvalidParameterValueException, ResourceNotFoundException, ValidationException

__all__ = ["LAYER_ARN_PATTERN", "LayerRegistry", "LayerVersion", "ResolvedLayer"]

#: The server's constraint text for ``Layers`` items (recorded 2025), echoed in its error.
LAYER_ARN_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}"
    r":layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)"
)
#: ``LayerName`` in the layer operations: a name or an unversioned layer ARN.
LAYER_NAME_PATTERN = (
    r"(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+"
)
_LAYER_ARN = re.compile(LAYER_ARN_PATTERN, re.ASCII)
_LAYER_NAME = re.compile(LAYER_NAME_PATTERN, re.ASCII)
_VERSION_ARN = re.compile(r"arn:([^:]+):lambda:([^:]*):(\d{12}):layer:([a-zA-Z0-9-_]+):([0-9]+)", re.ASCII)
_LAYERS_CONSTRAINT = (
    "Member must satisfy constraint: [Member must have length less than or equal to 2048, "
    "Member must have length greater than or equal to 1, Member must satisfy regular expression "
    f"pattern: {LAYER_ARN_PATTERN}, Member must not be null]"
)
_ARCHITECTURES = ("x86_64", "arm64")


@attrs.frozen
class LayerVersion:
    """One published version of a layer, with its content on disk."""

    layer_arn: str
    version: int
    package: CodePackage
    unzipped_size: int
    created_date: str
    description: str = ""
    compatible_runtimes: Tuple[str, ...] = ()
    compatible_architectures: Tuple[str, ...] = ()
    license_info: Optional[str] = None

    @property
    def arn(self) -> str:
        return f"{self.layer_arn}:{self.version}"

    @property
    def name(self) -> str:
        return self.layer_arn.rsplit(":", 1)[1]

    def describe(self) -> Dict[str, Any]:
        """``GetLayerVersion`` / ``PublishLayerVersion``'s answer."""
        answer: Dict[str, Any] = {
            "Content": {
                "Location": _location(self.package.root),
                "CodeSha256": self.package.code_sha256,
                "CodeSize": self.package.code_size,
            },
            "LayerArn": self.layer_arn,
            "LayerVersionArn": self.arn,
            "Description": self.description,
            "CreatedDate": self.created_date,
            "Version": self.version,
        }
        answer.update(self._optional())
        return answer

    def list_item(self) -> Dict[str, Any]:
        """A ``LayerVersionsListItem``."""
        answer: Dict[str, Any] = {
            "LayerVersionArn": self.arn,
            "Version": self.version,
            "Description": self.description,
            "CreatedDate": self.created_date,
        }
        answer.update(self._optional())
        return answer

    def _optional(self) -> Dict[str, Any]:
        answer: Dict[str, Any] = {}
        if self.compatible_runtimes:
            answer["CompatibleRuntimes"] = list(self.compatible_runtimes)
        if self.license_info is not None:
            answer["LicenseInfo"] = self.license_info
        if self.compatible_architectures:
            answer["CompatibleArchitectures"] = list(self.compatible_architectures)
        return answer


@attrs.frozen
class ResolvedLayer:
    """A layer as a function uses it: the reference, its size, and the directory laid out under ``/opt``."""

    arn: str
    root: str
    code_size: int
    unzipped_size: int

    def describe(self) -> Dict[str, Any]:
        return {"Arn": self.arn, "CodeSize": self.code_size}


class LayerRegistry:
    """The layer versions of one simulator."""

    def __init__(self, *, region: str, account_id: str, extract_to: str) -> None:
        self.region = region
        self.account_id = account_id
        self._extract_to = extract_to
        self._lock = threading.Lock()
        #: Live versions by layer ARN, oldest first.
        self._layers: Dict[str, List[LayerVersion]] = {}
        #: The last number given out per layer ARN: numbers are never reused.
        self._counters: Dict[str, int] = {}
        #: Every version ever published, deleted ones included (functions keep using them).
        self._content: Dict[str, LayerVersion] = {}

    # --- the operations ---------------------------------------------------

    def publish(
        self,
        layer_name: str,
        *,
        content: Any,
        created_date: str,
        description: str = "",
        compatible_runtimes: Sequence[str] = (),
        compatible_architectures: Sequence[str] = (),
        license_info: Optional[str] = None,
    ) -> LayerVersion:
        layer_arn = self.layer_arn(layer_name)
        _check_types(description, compatible_runtimes, compatible_architectures, license_info)
        failures = []
        if len(description) > 256:
            failures.append(_errors.validation_failure(description, "description", _errors.max_length(256)))
        if len(compatible_runtimes) > 15:
            shown = "[" + ", ".join(compatible_runtimes) + "]"
            failures.append(_errors.validation_failure(shown, "compatibleRuntimes", _errors.max_length(15)))
        if license_info is not None and len(license_info) > 512:
            failures.append(_errors.validation_failure(license_info, "licenseInfo", _errors.max_length(512)))
        if len(compatible_architectures) > 2 or any(a not in _ARCHITECTURES for a in compatible_architectures):
            shown = "[" + ", ".join(compatible_architectures) + "]"
            constraint = (
                "Member must satisfy constraint: [Member must have length less than or equal to 2, "
                f"Member must satisfy enum value set: [{', '.join(_ARCHITECTURES)}]]"
            )
            failures.append(_errors.validation_failure(shown, "compatibleArchitectures", constraint))
        if failures:
            raise ValidationException(_errors.validation_failures_message(failures))
        if callable(content):
            raise InvalidParameterValueException(
                f"'content' must be a directory, a .zip file or zip bytes (got {content!r})"
            )
        package = load_code(content, extract_to=self._extract_to)
        unzipped = unzipped_size(package.root)
        if unzipped > UNZIPPED_LIMIT:
            raise InvalidParameterValueException(_errors.unzipped_too_large(UNZIPPED_LIMIT))
        with self._lock:
            number = self._counters.get(layer_arn, 0) + 1
            self._counters[layer_arn] = number
            version = LayerVersion(
                layer_arn=layer_arn, version=number, package=package, unzipped_size=unzipped,
                created_date=created_date, description=description,
                compatible_runtimes=tuple(compatible_runtimes),
                compatible_architectures=tuple(compatible_architectures), license_info=license_info,
            )
            self._layers.setdefault(layer_arn, []).append(version)
            self._content[version.arn] = version
        return version

    def get(self, layer_name: str, version_number: int) -> LayerVersion:
        layer_arn = self.layer_arn(layer_name)
        _check_version_number(version_number)
        with self._lock:
            for version in self._layers.get(layer_arn, ()):
                if version.version == version_number:
                    return version
        raise ResourceNotFoundException(_errors.RESOURCE_DOES_NOT_EXIST)

    def get_by_arn(self, arn: str) -> LayerVersion:
        if not _LAYER_ARN.fullmatch(arn) or len(arn) > 140:
            constraint = _errors.pattern(
                r"arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+"
            )
            raise ValidationException(_errors.validation_message([(arn, "arn", constraint)]))
        layer_arn, _, number = arn.rpartition(":")
        return self.get(layer_arn, int(number))

    def delete(self, layer_name: str, version_number: int) -> None:
        """Forget a version for listings and new references; deleting a missing one is a silent success."""
        layer_arn = self.layer_arn(layer_name)
        _check_version_number(version_number)
        with self._lock:
            versions = self._layers.get(layer_arn, [])
            versions[:] = [version for version in versions if version.version != version_number]
            if not versions:
                self._layers.pop(layer_arn, None)

    def list_versions(
        self, layer_name: str, *, compatible_runtime: Optional[str] = None,
        compatible_architecture: Optional[str] = None,
    ) -> List[LayerVersion]:
        """The live versions of a layer, newest first (none for an unknown layer)."""
        layer_arn = self.layer_arn(layer_name)
        with self._lock:
            versions = list(self._layers.get(layer_arn, ()))
        return [
            version for version in reversed(versions)
            if _matches(version, compatible_runtime, compatible_architecture)
        ]

    def list_layers(
        self, *, compatible_runtime: Optional[str] = None, compatible_architecture: Optional[str] = None
    ) -> List[Tuple[str, LayerVersion]]:
        """``(layer name, latest matching version)`` for every layer with a matching version, by name."""
        with self._lock:
            layers = {arn: list(versions) for arn, versions in self._layers.items()}
        answer = []
        for layer_arn in sorted(layers, key=lambda arn: arn.rsplit(":", 1)[1]):
            matching = [
                v for v in layers[layer_arn] if _matches(v, compatible_runtime, compatible_architecture)
            ]
            if matching:
                answer.append((layer_arn.rsplit(":", 1)[1], matching[-1]))
        return answer

    # --- functions' references ----------------------------------------------

    def resolve(
        self, references: Sequence[str], *, code_unzipped: int = 0, in_use: Sequence[str] = ()
    ) -> Tuple[ResolvedLayer, ...]:
        """Check a function's ``Layers`` as AWS does and return them in order.

        A reference is a layer version ARN or (lambdasim) an existing local
        directory, whose content is used in place. ``code_unzipped`` is the
        function's own unzipped size, counted against the 250 MB limit;
        ``in_use`` the ARNs the function uses already (deleted versions among them stay usable).
        """
        bad = [ref for ref in references if not _is_directory_reference(ref) and not _valid_arn(ref)]
        if bad:
            shown = "[" + ", ".join(references) + "]"
            raise ValidationException(_errors.validation_message([(shown, "layers", _LAYERS_CONSTRAINT)]))
        arns = [ref for ref in references if not _is_directory_reference(ref)]
        for arn in arns:
            found = _VERSION_ARN.fullmatch(arn)
            if found is not None and found.group(2) != self.region:
                raise InvalidParameterValueException(_errors.layers_wrong_region(self.region))
        resolved = []
        seen: Dict[str, str] = {}
        for ref in references:
            if _is_directory_reference(ref):
                root = os.path.realpath(os.path.expanduser(ref))
                size = unzipped_size(root)
                resolved.append(ResolvedLayer(root, root, size, size))
                continue
            with self._lock:
                version = self._content.get(ref)
                # A deleted version stays usable by functions that already reference it,
                # but cannot be newly referenced.
                live = version is not None and any(
                    v.version == version.version for v in self._layers.get(version.layer_arn, ())
                )
            if version is None or not (live or ref in in_use):
                raise InvalidParameterValueException(_errors.layer_version_missing(ref))
            earlier = seen.get(version.layer_arn)
            if earlier is not None and earlier != ref:
                raise InvalidParameterValueException(_errors.layer_versions_clash(earlier, ref))
            seen[version.layer_arn] = ref
            resolved.append(
                ResolvedLayer(ref, version.package.root, version.package.code_size, version.unzipped_size)
            )
        if code_unzipped + sum(layer.unzipped_size for layer in resolved) > UNZIPPED_LIMIT:
            raise InvalidParameterValueException(_errors.unzipped_too_large(UNZIPPED_LIMIT))
        return tuple(resolved)

    def content_of(self, arn: str) -> Optional[LayerVersion]:
        """A version ever published under ``arn``, deleted or not (what a function already uses)."""
        with self._lock:
            return self._content.get(arn)

    # --- names ----------------------------------------------------------------

    def layer_arn(self, layer_name: str) -> str:
        """The unversioned layer ARN for a name or a layer ARN (checked against AWS's pattern)."""
        if not isinstance(layer_name, str) or not _LAYER_NAME.fullmatch(layer_name) or len(layer_name) > 140:
            failures = []
            if isinstance(layer_name, str) and len(layer_name) > 140:
                failures.append((layer_name, "layerName", _errors.max_length(140)))
            failures.append((layer_name, "layerName", _errors.pattern(LAYER_NAME_PATTERN)))
            raise ValidationException(_errors.validation_message(failures))
        if layer_name.startswith("arn:"):
            return layer_name
        return f"arn:aws:lambda:{self.region}:{self.account_id}:layer:{layer_name}"


def _check_types(description: object, runtimes: object, architectures: object, license_info: object) -> None:
    if not isinstance(description, str):
        raise InvalidParameterValueException(_errors.wrong_type("description", "str", description))
    for field, value in (("compatible_runtimes", runtimes), ("compatible_architectures", architectures)):
        if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
            raise InvalidParameterValueException(_errors.wrong_type(field, "a list of str", value))
    if license_info is not None and not isinstance(license_info, str):
        raise InvalidParameterValueException(_errors.wrong_type("license_info", "str", license_info))


def _check_version_number(number: object) -> None:
    if not isinstance(number, int) or isinstance(number, bool):
        raise InvalidParameterValueException(_errors.wrong_type("version_number", "int", number))
    if number < 1:
        raise InvalidParameterValueException(_errors.LAYER_VERSION_BELOW_ONE)


def _valid_arn(reference: str) -> bool:
    return 1 <= len(reference) <= 2048 and _LAYER_ARN.fullmatch(reference) is not None


def _is_directory_reference(reference: str) -> bool:
    return not reference.startswith("arn:") and os.path.isdir(os.path.expanduser(reference))


def _matches(version: LayerVersion, runtime: Optional[str], architecture: Optional[str]) -> bool:
    if runtime is not None and runtime not in version.compatible_runtimes:
        return False
    if architecture is not None and architecture not in version.compatible_architectures:
        return False
    return True


def _location(root: str) -> str:
    # AWS answers a presigned S3 URL; lambdasim points at the content on disk.
    return Path(root).as_uri()


def unzipped_size(root: str) -> int:
    """The bytes of every file under ``root`` (symbolic links not followed)."""
    total = 0
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if d != "__pycache__"]
        for name in files:
            try:
                total += os.lstat(os.path.join(directory, name)).st_size
            except OSError:
                pass
    return total

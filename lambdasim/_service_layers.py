"""LambdaSim's layer versions and registered roles."""

from __future__ import annotations

from typing import List, Optional

from ._code import CodePackage, CodeSource
from ._config import FunctionConfig
from ._function import timestamp


class LayerOperations:
    """The layer and role operations of ``LambdaSim`` (the registries it makes on first use)."""

    # --- layers (docs/layers.md; the registry is _layers.py) -------------------

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

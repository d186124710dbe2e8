"""Read a template file (YAML with CloudFormation's short-form tags, or JSON) into plain data.

YAML is read with PyYAML's ``SafeLoader`` plus one constructor per short-form tag
(``!Ref x`` becomes ``{"Ref": "x"}``, ``!GetAtt A.Arn`` becomes
``{"Fn::GetAtt": ["A", "Arn"]}``, ``!Sub ...`` becomes ``{"Fn::Sub": ...}``), so the
rest of the loader only ever sees the JSON form. Two YAML 1.1 habits that
CloudFormation does not share are switched off: unquoted dates
(``Version: 2012-10-17``) stay strings, and a key given twice in one mapping is
an error instead of the last one silently winning. JSON templates need no extra
dependency; PyYAML is the optional ``templates`` extra (docs/templates.md says why).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from ._errors import TemplateError

__all__ = ["read_template"]

#: Short-form tags that are not ``Fn::<Name>``.
_PLAIN_TAGS = {"Ref": "Ref", "Condition": "Condition"}
#: Every short form CloudFormation documents.
_FUNCTION_TAGS = (
    "And", "Base64", "Cidr", "Equals", "FindInMap", "GetAtt", "GetAZs", "If", "ImportValue",
    "Join", "Length", "Not", "Or", "Select", "Split", "Sub", "ToJsonString", "Transform",
)  # fmt: skip


def read_template(path: Path) -> dict:
    """Return the template at ``path`` as JSON-shaped data (dicts, lists, scalars)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateError("", f"template {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise TemplateError("", f"cannot read template {str(path)!r}: {error}") from None
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text, object_pairs_hook=_unique_json_keys)
        except ValueError as error:
            raise TemplateError("", f"{path.name} is not valid JSON: {error}") from None
    else:
        data = _load_yaml(text, path)
    if not isinstance(data, dict):
        raise TemplateError(
            "", f"{path.name} must hold a mapping with a 'Resources' section (got {type(data).__name__})"
        )
    return data


def _unique_json_keys(pairs: list) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _load_yaml(text: str, path: Path) -> Any:
    try:
        import yaml
    except ImportError:
        raise TemplateError(
            "",
            f"{path.name} is YAML, which needs PyYAML: pip install 'pytest-lambdasim[templates]' "
            "(JSON templates need nothing more)",
        ) from None
    loader_class = _loader_class(yaml)
    try:
        return yaml.load(text, Loader=loader_class)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        detail = " ".join(str(error).split())
        raise TemplateError("", f"{path.name} is not valid YAML: {detail}") from None


@functools.lru_cache(maxsize=None)
def _loader_class(yaml: Any) -> Any:
    """The loader class, built once per process (it holds no state of its own)."""

    class TemplateLoader(yaml.SafeLoader):
        """SafeLoader with CloudFormation's tags, dates as strings and no duplicate keys."""

    # Drop the timestamp resolver: CloudFormation reads 2012-10-17 as a string.
    TemplateLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(loader: Any, node: Any) -> dict:
        loader.flatten_mapping(node)
        result: dict = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in result:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark
                )
            result[key] = loader.construct_object(value_node, deep=True)
        return result

    TemplateLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)

    def tag_constructor(name: str) -> Any:
        def construct(loader: Any, node: Any) -> dict:
            if isinstance(node, yaml.ScalarNode):
                value: Any = loader.construct_scalar(node)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = construct_mapping(loader, node)
            if name == "Fn::GetAtt" and isinstance(value, str):
                logical_id, _, attribute = value.partition(".")
                value = [logical_id, attribute]
            return {name: value}

        return construct

    for tag, name in _PLAIN_TAGS.items():
        TemplateLoader.add_constructor(f"!{tag}", tag_constructor(name))
    for tag in _FUNCTION_TAGS:
        TemplateLoader.add_constructor(f"!{tag}", tag_constructor(f"Fn::{tag}"))
    return TemplateLoader

"""The template's ``Parameters``: defaults, overrides and the constraints CloudFormation checks.

A value comes from the caller's overrides, else the parameter's ``Default``; a
parameter with neither is an error, as is an override for a parameter the
template does not declare. ``AllowedValues``, ``AllowedPattern``, ``MinLength``,
``MaxLength``, ``MinValue`` and ``MaxValue`` are checked with CloudFormation's
wording. ``CommaDelimitedList`` and ``List<...>`` types resolve to lists.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Mapping

from ._errors import TemplateError

__all__ = ["resolve_parameters"]

_LIST_TYPES = ("CommaDelimitedList",)


def resolve_parameters(declared: Any, overrides: Mapping[str, Any]) -> Dict[str, Any]:
    """Parameter name -> value (a string, or a list of strings for list types)."""
    if declared is None:
        declared = {}
    if not isinstance(declared, Mapping):
        raise TemplateError("Parameters", f"must be a mapping of parameter names to declarations (got {declared!r})")
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError("Parameters", f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    values: Dict[str, Any] = {}
    missing = []
    for name, declaration in declared.items():
        path = f"Parameters.{name}"
        if not isinstance(declaration, Mapping) or "Type" not in declaration:
            raise TemplateError(path, "a parameter must be a mapping with a 'Type'")
        kind = declaration["Type"]
        if name in overrides:
            raw = overrides[name]
        elif "Default" in declaration:
            raw = declaration["Default"]
        else:
            missing.append(name)
            continue
        if isinstance(kind, str) and kind.startswith("AWS::SSM::Parameter::Value<") and name not in overrides:
            raise TemplateError(
                path,
                f"type {kind} reads Systems Manager Parameter Store, which lambdasim does not; "
                f"pass the value as a parameter override ({name}=...)",
            )
        values[name] = _check(name, kind, raw, declaration, path)
    if missing:
        raise TemplateError("Parameters", f"Parameters: [{', '.join(missing)}] must have values")
    return values


def _check(name: str, kind: Any, raw: Any, declaration: Mapping[str, Any], path: str) -> Any:
    is_list = kind in _LIST_TYPES or (isinstance(kind, str) and kind.startswith("List<"))
    if is_list:
        items = [str(item) for item in raw] if isinstance(raw, (list, tuple)) else _text(raw).split(",")
        for item in items:
            _constraints(name, kind, item, declaration, path)
        return items
    text = _text(raw)
    _constraints(name, kind, text, declaration, path)
    return text


def _text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def _constraints(name: str, kind: Any, text: str, declaration: Mapping[str, Any], path: str) -> None:
    allowed = declaration.get("AllowedValues")
    if allowed is not None and text not in [_text(item) for item in allowed]:
        raise TemplateError(
            path,
            f"Parameter '{name}' must be one of AllowedValues (got {text!r}; allowed: {', '.join(map(_text, allowed))})",
        )
    pattern = declaration.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(str(pattern), text):
        raise TemplateError(path, f"Parameter '{name}' must match pattern {pattern} (got {text!r})")
    if "MinLength" in declaration and len(text) < int(declaration["MinLength"]):
        raise TemplateError(
            path, f"Parameter '{name}' must contain at least {declaration['MinLength']} characters (got {text!r})"
        )
    if "MaxLength" in declaration and len(text) > int(declaration["MaxLength"]):
        raise TemplateError(
            path, f"Parameter '{name}' must contain at most {declaration['MaxLength']} characters (got {text!r})"
        )
    if kind in ("Number", "List<Number>"):
        try:
            number = float(text)
        except ValueError:
            raise TemplateError(path, f"Parameter '{name}' must be a number (got {text!r})") from None
        if "MinValue" in declaration and number < float(declaration["MinValue"]):
            raise TemplateError(
                path, f"Parameter '{name}' must be a number not less than {declaration['MinValue']} (got {text})"
            )
        if "MaxValue" in declaration and number > float(declaration["MaxValue"]):
            raise TemplateError(
                path, f"Parameter '{name}' must be a number not greater than {declaration['MaxValue']} (got {text})"
            )

"""Intrinsic functions, conditions, parameters and pseudo parameters of a template.

``Resolver`` turns a template value into plain data the way CloudFormation does
when it creates a stack: ``Ref``, ``Fn::Sub`` (both forms), ``Fn::GetAtt``,
``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::If`` with the template's
``Conditions`` (``Fn::Equals``, ``Fn::And``, ``Fn::Or``, ``Fn::Not``,
``Condition``), ``Fn::FindInMap``, ``Fn::Base64`` and ``Fn::GetAZs``.
``Ref: AWS::NoValue`` removes the key or list item that holds it. Resources are
resolved in dependency order (``dependencies()`` finds the edges), so a
``Ref`` to a resource reads what creating that resource recorded.
"""

from __future__ import annotations

import base64
import re
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Set

from ._errors import TemplateError

__all__ = ["NO_VALUE", "Resolver", "dependencies", "pseudo_parameters"]


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


#: What ``Ref: AWS::NoValue`` resolves to until the enclosing key or item is dropped.
NO_VALUE = _NoValue()

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_FUNCTIONS = (
    "Fn::And", "Fn::Base64", "Fn::Cidr", "Fn::Equals", "Fn::FindInMap", "Fn::GetAtt", "Fn::GetAZs",
    "Fn::If", "Fn::ImportValue", "Fn::Join", "Fn::Length", "Fn::Not", "Fn::Or", "Fn::Select",
    "Fn::Split", "Fn::Sub", "Fn::ToJsonString", "Fn::Transform", "Ref", "Condition",
)  # fmt: skip
_UNSUPPORTED = {
    "Fn::ImportValue": "it reads another stack's outputs, and lambdasim loads one template at a time",
    "Fn::Cidr": "lambdasim does not compute address blocks",
    "Fn::Transform": "macros run in CloudFormation, not here",
    "Fn::Length": "it needs the AWS::LanguageExtensions transform, which lambdasim does not apply",
    "Fn::ToJsonString": "it needs the AWS::LanguageExtensions transform, which lambdasim does not apply",
}


def pseudo_parameters(region: str, account_id: str, stack_name: str, stack_id: str) -> Dict[str, Any]:
    """The values of ``AWS::Region`` and the other pseudo parameters for one stack."""
    partition, suffix = "aws", "amazonaws.com"
    if region.startswith("cn-"):
        partition, suffix = "aws-cn", "amazonaws.com.cn"
    elif region.startswith("us-gov-"):
        partition = "aws-us-gov"
    return {
        "AWS::AccountId": account_id,
        "AWS::NotificationARNs": [],
        "AWS::NoValue": NO_VALUE,
        "AWS::Partition": partition,
        "AWS::Region": region,
        "AWS::StackId": stack_id,
        "AWS::StackName": stack_name,
        "AWS::URLSuffix": suffix,
    }


def _intrinsic(value: Any) -> Optional[str]:
    """The function name when ``value`` is an intrinsic call (a one-key mapping), else None."""
    if isinstance(value, Mapping) and len(value) == 1:
        (key,) = value
        if key in _FUNCTIONS:
            return key
    return None


def dependencies(value: Any, names: Set[str]) -> Iterator[str]:
    """The logical ids among ``names`` that ``value`` refers to through Ref, GetAtt or Sub."""
    function = _intrinsic(value)
    if function == "Ref" and isinstance(value["Ref"], str):
        target = value["Ref"].split(".")[0]
        if target in names:
            yield target
        return
    if function == "Fn::GetAtt":
        argument = value["Fn::GetAtt"]
        target = argument[0] if isinstance(argument, list) and argument else str(argument).split(".")[0]
        if target in names:
            yield target
        return
    if function == "Fn::Sub":
        argument = value["Fn::Sub"]
        text, variables = (
            (argument[0], argument[1]) if isinstance(argument, list) and len(argument) == 2 else (argument, {})
        )
        if isinstance(text, str):
            for match in _SUB_VARIABLE.finditer(text):
                name = match.group(1)
                if not name.startswith("!") and name not in (variables or {}):
                    target = name.split(".")[0]
                    if target in names:
                        yield target
        if isinstance(variables, Mapping):
            for item in variables.values():
                yield from dependencies(item, names)
        return
    if isinstance(value, Mapping):
        for item in value.values():
            yield from dependencies(item, names)
    elif isinstance(value, list):
        for item in value:
            yield from dependencies(item, names)


class Resolver:
    """Resolves template values against parameters, pseudo parameters, mappings, conditions and resources."""

    def __init__(
        self,
        *,
        parameters: Mapping[str, Any],
        pseudo: Mapping[str, Any],
        mappings: Mapping[str, Any],
        conditions: Mapping[str, Any],
        resource_types: Mapping[str, str],
        region: str,
    ) -> None:
        self._parameters = dict(parameters)
        self._pseudo = dict(pseudo)
        self._mappings = mappings
        self._condition_definitions = conditions
        self._condition_values: Dict[str, bool] = {}
        self._evaluating: List[str] = []
        self._resource_types = resource_types
        self._region = region
        #: Logical id -> the value of ``Ref`` for resources created so far.
        self.refs: Dict[str, Any] = {}
        #: Logical id -> ``{attribute: value}`` for ``Fn::GetAtt``.
        self.attributes: Dict[str, Dict[str, Any]] = {}
        #: Logical ids skipped because their ``Condition`` is false.
        self.skipped: Set[str] = set()

    # --- conditions -----------------------------------------------------------

    def condition(self, name: Any, path: str) -> bool:
        """The value of the template's condition ``name``, evaluated once."""
        if not isinstance(name, str) or name not in self._condition_definitions:
            known = ", ".join(sorted(self._condition_definitions)) or "none"
            raise TemplateError(path, f"condition {name!r} is not defined in Conditions (defined: {known})")
        if name in self._condition_values:
            return self._condition_values[name]
        if name in self._evaluating:
            cycle = " -> ".join(self._evaluating[self._evaluating.index(name) :] + [name])
            raise TemplateError(f"Conditions.{name}", f"circular condition: {cycle}")
        self._evaluating.append(name)
        try:
            value = self._truth(self._condition_definitions[name], f"Conditions.{name}")
        finally:
            self._evaluating.pop()
        self._condition_values[name] = value
        return value

    def _truth(self, value: Any, path: str) -> bool:
        function = _intrinsic(value)
        if function == "Condition":
            return self.condition(value["Condition"], path)
        if function in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Fn::If", "Fn::FindInMap", "Ref"):
            result = self.resolve(value, path)
            if isinstance(result, bool):
                return result
            if isinstance(result, str) and result.lower() in ("true", "false"):
                return result.lower() == "true"
        raise TemplateError(
            path, f"a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition (got {value!r})"
        )

    # --- values ---------------------------------------------------------------

    def resolve(self, value: Any, path: str) -> Any:
        """``value`` with every intrinsic function replaced by its result."""
        function = _intrinsic(value)
        if function is not None:
            return self._call(function, value[function], f"{path}.{function}")
        if isinstance(value, Mapping):
            resolved = {}
            for key, item in value.items():
                result = self.resolve(item, f"{path}.{key}")
                if result is not NO_VALUE:
                    resolved[key] = result
            return resolved
        if isinstance(value, list):
            items = [self.resolve(item, f"{path}[{index}]") for index, item in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        return value

    def _call(self, function: str, argument: Any, path: str) -> Any:
        if function in _UNSUPPORTED:
            raise TemplateError(path, f"{function} is not supported: {_UNSUPPORTED[function]}")
        handler: Callable[[Any, str], Any] = getattr(self, "_" + function.replace("Fn::", "fn_").lower())
        return handler(argument, path)

    def _ref(self, name: Any, path: str) -> Any:
        if not isinstance(name, str):
            raise TemplateError(path, f"Ref takes the name of a parameter or resource (got {name!r})")
        if name in self._parameters:
            return self._parameters[name]
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self.refs:  # a resource, or SAM's "Function.Alias" / "Function.Version"
            return self.refs[name]
        return self._missing(name, path)

    def _missing(self, name: str, path: str) -> Any:
        base = name.split(".")[0]
        if base in self.skipped:
            raise TemplateError(path, f"refers to {base!r}, whose Condition is false, so it is not created")
        if base in self._resource_types:
            raise TemplateError(
                path, f"{name!r} has no value here (a reference to {base!r} that lambdasim cannot resolve)"
            )
        raise TemplateError(path, f"Unresolved resource dependencies [{base}] in the Resources block of the template")

    def _condition(self, name: Any, path: str) -> bool:
        return self.condition(name, path)

    def _fn_getatt(self, argument: Any, path: str) -> Any:
        if isinstance(argument, str):
            argument = list(argument.partition(".")[::2])
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(path, f"Fn::GetAtt takes [LogicalId, Attribute] (got {argument!r})")
        logical_id, attribute = argument[0], self.resolve(argument[1], path)
        if logical_id not in self.attributes:
            return self._missing(str(logical_id), path)
        known = self.attributes[logical_id]
        if attribute not in known:
            names = ", ".join(sorted(known)) or "none"
            raise TemplateError(
                path,
                f"Fn::GetAtt {logical_id}.{attribute}: lambdasim knows the attributes {names} of "
                f"{self._resource_types.get(logical_id)} {logical_id!r}",
            )
        return known[attribute]

    def _fn_sub(self, argument: Any, path: str) -> str:
        if isinstance(argument, list):
            if len(argument) != 2 or not isinstance(argument[1], Mapping):
                raise TemplateError(path, f"Fn::Sub takes a string or [string, {{variables}}] (got {argument!r})")
            text, variables = argument[0], {
                key: self.resolve(item, f"{path}[1].{key}") for key, item in argument[1].items()
            }
        else:
            text, variables = argument, {}
        if not isinstance(text, str):
            raise TemplateError(path, f"Fn::Sub takes a string (got {text!r})")

        def replace(match: "re.Match[str]") -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                value = variables[name]
            elif "." in name and name.split(".")[0] in self.attributes and name not in self.refs:
                value = self._fn_getatt(list(name.split(".", 1)), path)
            else:
                value = self._ref(name, path)
            return self._string(value, f"{path} (${{{name}}})")

        return _SUB_VARIABLE.sub(replace, text)

    def _fn_join(self, argument: Any, path: str) -> str:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(path, f"Fn::Join takes [delimiter, [values]] (got {argument!r})")
        delimiter = self.resolve(argument[0], path)
        items = self.resolve(argument[1], path)
        if not isinstance(delimiter, str) or not isinstance(items, list):
            raise TemplateError(path, f"Fn::Join takes [delimiter, [values]] (got {argument!r})")
        return delimiter.join(self._string(item, path) for item in items)

    def _fn_select(self, argument: Any, path: str) -> Any:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(path, f"Fn::Select takes [index, [values]] (got {argument!r})")
        index, items = self.resolve(argument[0], path), self.resolve(argument[1], path)
        try:
            position = int(index)
        except (TypeError, ValueError):
            raise TemplateError(path, f"Fn::Select index must be a number (got {index!r})") from None
        if not isinstance(items, list) or not 0 <= position < len(items):
            raise TemplateError(path, f"Fn::Select index {position} is out of range for {items!r}")
        return items[position]

    def _fn_split(self, argument: Any, path: str) -> List[str]:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(path, f"Fn::Split takes [delimiter, string] (got {argument!r})")
        delimiter, text = self.resolve(argument[0], path), self.resolve(argument[1], path)
        if not isinstance(delimiter, str) or not isinstance(text, str):
            raise TemplateError(path, f"Fn::Split takes [delimiter, string] (got {argument!r})")
        return text.split(delimiter)

    def _fn_base64(self, argument: Any, path: str) -> str:
        text = self._string(self.resolve(argument, path), path)
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    def _fn_getazs(self, argument: Any, path: str) -> List[str]:
        region = self.resolve(argument, path) or self._region
        return [f"{region}{zone}" for zone in "abc"]

    def _fn_findinmap(self, argument: Any, path: str) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3):
            raise TemplateError(path, f"Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey] (got {argument!r})")
        name, top, second = (self._string(self.resolve(item, path), path) for item in argument)
        try:
            return self._mappings[name][top][second]
        except (KeyError, TypeError):
            raise TemplateError(path, f"Fn::FindInMap: Mappings has no {name}.{top}.{second}") from None

    def _fn_if(self, argument: Any, path: str) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3):
            raise TemplateError(path, f"Fn::If takes [ConditionName, value_if_true, value_if_false] (got {argument!r})")
        chosen = argument[1] if self.condition(argument[0], path) else argument[2]
        return self.resolve(chosen, path)

    def _fn_equals(self, argument: Any, path: str) -> bool:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(path, f"Fn::Equals takes [value_1, value_2] (got {argument!r})")
        left, right = (self.resolve(item, path) for item in argument)
        return _comparable(left) == _comparable(right)

    def _fn_and(self, argument: Any, path: str) -> bool:
        if not (isinstance(argument, list) and 2 <= len(argument) <= 10):
            raise TemplateError(path, f"Fn::And takes 2 to 10 conditions (got {argument!r})")
        return all([self._truth(item, f"{path}[{index}]") for index, item in enumerate(argument)])

    def _fn_or(self, argument: Any, path: str) -> bool:
        if not (isinstance(argument, list) and 2 <= len(argument) <= 10):
            raise TemplateError(path, f"Fn::Or takes 2 to 10 conditions (got {argument!r})")
        return any([self._truth(item, f"{path}[{index}]") for index, item in enumerate(argument)])

    def _fn_not(self, argument: Any, path: str) -> bool:
        if not (isinstance(argument, list) and len(argument) == 1):
            raise TemplateError(path, f"Fn::Not takes [condition] (got {argument!r})")
        return not self._truth(argument[0], f"{path}[0]")

    @staticmethod
    def _string(value: Any, path: str) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        raise TemplateError(path, f"expected a string here (got {value!r})")


def _comparable(value: Any) -> Any:
    """CloudFormation compares strings: ``Fn::Equals [!Ref Count, 2]`` is true for "2"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value

"""Checks of ``LambdaSim(...)``'s own options: a bad one is refused at once, naming it.

Without them a wrong type (``concurrency_limit=None``, ``region=5``) would surface
later, from deep inside an invoke, as an error that names nothing.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ._errors import InvalidParameterValueException

#: The region part of a Lambda ARN (the API's function-name pattern).
REGION_PATTERN = r"(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}"
ACCOUNT_PATTERN = r"\d{12}"


def check_simulator_options(
    *, region: Any, account_id: Any, idle_timeout: Any, concurrency_limit: Any, minimum_unreserved: Any,
    init_timeout: Any, private_tmp: Any, enforce_memory: Any,
) -> None:
    _pattern("region", region, REGION_PATTERN, "an AWS region such as 'us-east-1'")
    _pattern("account_id", account_id, ACCOUNT_PATTERN, "12 digits")
    if idle_timeout is not None:
        _number("idle_timeout", idle_timeout, "seconds >= 0, or None (never expire)", minimum=0)
    # concurrency_limit is checked by the concurrency ledger.
    _integer("minimum_unreserved", minimum_unreserved)
    _number("init_timeout", init_timeout, "finite seconds >= 0", minimum=0, finite=True)
    for name, value in (("private_tmp", private_tmp), ("enforce_memory", enforce_memory)):
        if not isinstance(value, bool):
            raise InvalidParameterValueException(f"'{name}' must be True or False (got {value!r})")


def _pattern(name: str, value: Any, pattern: str, rule: str) -> None:
    if not isinstance(value, str) or not re.fullmatch(pattern, value, re.ASCII):
        raise InvalidParameterValueException(f"'{name}' must be {rule} (got {value!r})")


def _integer(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidParameterValueException(f"'{name}' must be an int >= 0 (got {value!r})")


def _number(name: str, value: Any, rule: str, *, minimum: float, strict: bool = False, finite: bool = False) -> None:
    import numbers  # here, not at the top: checked once per simulator, and import lambdasim stays cheaper

    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and not math.isnan(value)
    if ok:
        ok = (value > minimum if strict else value >= minimum) and not (finite and math.isinf(value))
    if not ok:
        raise InvalidParameterValueException(f"'{name}' must be {rule} (got {value!r})")

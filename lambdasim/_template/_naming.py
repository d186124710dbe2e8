"""Names CloudFormation gives resources that do not name themselves.

A function without ``FunctionName`` (and a role without ``RoleName``, a queue
without ``QueueName``, ...) is named ``<stack>-<LogicalId>-<13 random uppercase
letters and digits>``; when that would pass the type's length limit (64 for
functions and roles), the ``<stack>-<LogicalId>`` part is cut, never the suffix.
Since 2023 CloudFormation also produces 12-character mixed-case suffixes for some
types; lambdasim keeps to the documented 13-character form (docs/templates.md).
"""

from __future__ import annotations

import secrets
import string

__all__ = ["generated_name"]

_ALPHABET = string.ascii_uppercase + string.digits
SUFFIX_LENGTH = 13


def generated_name(stack_name: str, logical_id: str, limit: int = 64, *, lowercase: bool = False) -> str:
    """``<stack>-<logicalId>-<SUFFIX>``, at most ``limit`` characters."""
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(SUFFIX_LENGTH))
    prefix = f"{stack_name}-{logical_id}"[: limit - SUFFIX_LENGTH - 1]
    name = f"{prefix}-{suffix}"
    return name.lower() if lowercase else name

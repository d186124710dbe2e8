"""Function ARNs and qualifiers: build them, and resolve what callers pass as ``FunctionName``.

Lambda accepts a function as a bare name (``my-function``), a qualified name
(``my-function:v1``), a partial ARN (``123456789012:function:my-function``) or a full
ARN, each optionally ending in ``:<qualifier>``. The rules and AWS's error texts are
in ``spec/lambda-controlplane.md`` §2.1 and ``spec/lambda-dataplane.md`` §10.1.
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

from . import _errors
from ._errors import (
    AccessDeniedException,
    InvalidParameterValueException,
    ResourceNotFoundException,
    ValidationException,
)

__all__ = [
    "CREATE_FUNCTION_NAME_PATTERN",
    "DEFAULT_ACCOUNT",
    "DEFAULT_REGION",
    "FUNCTION_NAME_PATTERN",
    "MAX_FUNCTION_NAME_LENGTH",
    "QUALIFIER_PATTERN",
    "function_arn",
    "parse_function_ref",
]

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"

#: A bare function name may have at most this many characters.
MAX_FUNCTION_NAME_LENGTH = 64

# The patterns are AWS's text, byte for byte, because they are echoed in error messages.
# The create-side shape (``FunctionName``) is the model's pattern with the ``(eusc-)?``
# region prefix that AWS's server-side error text and current API reference carry; the
# 1.43 botocore model quoted in the spec predates it.
CREATE_FUNCTION_NAME_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"
)
#: ``NamespacedFunctionName``: Get, Delete, Invoke and the other read/invoke operations.
FUNCTION_NAME_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"
)
QUALIFIER_PATTERN = r"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"

# AWS validates with Java's ``matches()``, i.e. a full match; ``re.ASCII`` keeps ``\d`` to
# 0-9 as in Java. Both name patterns number their groups alike, and the split is read
# from them directly so that validation and parsing can never disagree.
_CREATE_REF = re.compile(CREATE_FUNCTION_NAME_PATTERN, re.ASCII)
_REF = re.compile(FUNCTION_NAME_PATTERN, re.ASCII)
_QUALIFIER = re.compile(QUALIFIER_PATTERN, re.ASCII)
_REGION_GROUP, _ACCOUNT_GROUP, _NAME_GROUP, _QUALIFIER_GROUP = 3, 9, 11, 13

_MAX_CREATE_REF_LENGTH = 140
_MAX_REF_LENGTH = 256
_MAX_QUALIFIER_LENGTH = 128

_failure = _errors.validation_failure


def function_arn(name: str, region: str, account: str, qualifier: Optional[str] = None) -> str:
    """Return ``arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]``."""
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return arn if qualifier is None else f"{arn}:{qualifier}"


def parse_function_ref(
    ref: str,
    qualifier: Optional[str],
    *,
    region: str,
    account: str,
    for_create: bool = False,
) -> Tuple[str, Optional[str]]:
    """Resolve a ``FunctionName`` (and ``Qualifier``) to ``(name, qualifier or None)``.

    ``for_create`` applies CreateFunction's rules: the ``FunctionName`` pattern, at most
    140 characters for an ARN and 64 for a bare name. Otherwise the
    ``NamespacedFunctionName`` rules apply (256 characters; a long bare name is not an
    error here, the lookup fails with ``ResourceNotFoundException`` instead).

    Raises ``ValidationException`` for pattern and length violations (name and
    qualifier reported together), ``InvalidParameterValueException`` for an over-long
    name on create and for a qualifier that contradicts the one inside ``ref``,
    ``AccessDeniedException`` for an ARN of another account and
    ``ResourceNotFoundException`` for an ARN of another region.
    """
    if not isinstance(ref, str):
        raise InvalidParameterValueException(_errors.wrong_type("function_name", "str", ref))
    if qualifier is not None and not isinstance(qualifier, str):
        raise InvalidParameterValueException(_errors.wrong_type("qualifier", "str", qualifier))

    bare = ":" not in ref
    if for_create:
        regex, text = _CREATE_REF, CREATE_FUNCTION_NAME_PATTERN
        max_ref = MAX_FUNCTION_NAME_LENGTH if bare else _MAX_CREATE_REF_LENGTH
    else:
        regex, text, max_ref = _REF, FUNCTION_NAME_PATTERN, _MAX_REF_LENGTH

    match = regex.fullmatch(ref)
    failures = _length_failures(ref, "functionName", max_ref)
    # A well-formed bare name that is merely too long is the one case AWS reports as
    # InvalidParameterValueException (recorded on CreateFunction), in the same wording.
    name_too_long_only = for_create and bare and match is not None and bool(failures)
    if match is None:
        failures.append(_failure(ref, "functionName", _errors.pattern(text)))
    if qualifier is not None:
        failures += _length_failures(qualifier, "qualifier", _MAX_QUALIFIER_LENGTH)
        if not _QUALIFIER.fullmatch(qualifier):
            failures.append(_failure(qualifier, "qualifier", _errors.pattern(QUALIFIER_PATTERN)))
    if failures or match is None:
        message = _errors.validation_failures_message(failures)
        if name_too_long_only and len(failures) == 1:
            raise InvalidParameterValueException(message)
        raise ValidationException(message)

    name = match.group(_NAME_GROUP)
    if for_create and len(name) > MAX_FUNCTION_NAME_LENGTH:
        # An ARN within 140 characters can still carry a name no function may have.
        failure = _failure(name, "functionName", _errors.max_length(MAX_FUNCTION_NAME_LENGTH))
        raise InvalidParameterValueException(_errors.validation_failures_message([failure]))

    ref_account = _strip_colon(match.group(_ACCOUNT_GROUP))
    if ref_account is not None and ref_account != account:
        raise AccessDeniedException()
    ref_region = _strip_colon(match.group(_REGION_GROUP))
    if ref_region is not None and ref_region != region:
        raise ResourceNotFoundException(_errors.region_unreachable(ref_region, region))

    ref_qualifier = match.group(_QUALIFIER_GROUP)
    if qualifier is not None and ref_qualifier is not None and qualifier != ref_qualifier:
        raise InvalidParameterValueException(_errors.QUALIFIER_MISMATCH)
    return name, qualifier if qualifier is not None else ref_qualifier


def _length_failures(value: str, member: str, limit: int) -> list:
    if not value:
        return [_failure(value, member, _errors.min_length(1))]
    if len(value) > limit:
        return [_failure(value, member, _errors.max_length(limit))]
    return []


def _strip_colon(group: Optional[str]) -> Optional[str]:
    return None if group is None else group[:-1]

"""``AWS::IAM::Role`` resources: their names and ARNs, and the two checks Lambda makes on a role.

Lambda refuses a role it cannot assume (the trust policy must allow
``sts:AssumeRole`` for the service principal ``lambda.amazonaws.com``) and, for a
function with a ``VpcConfig``, a role that may not create network interfaces.
lambdasim can check both only for roles declared in the same template; a role
given as a plain ARN is taken on trust, and so is a role with a customer managed
policy from outside the template, whose content lambdasim cannot see.
"""

from __future__ import annotations

import fnmatch
from typing import Any, Iterable, List, Mapping

import attrs

__all__ = ["RoleRecord", "allows_vpc_access", "trusts_lambda"]

#: AWS managed policies that grant ``ec2:CreateNetworkInterface``.
_VPC_MANAGED_POLICIES = (
    "AWSLambdaVPCAccessExecutionRole", "AWSLambdaENIManagementAccess", "AdministratorAccess", "AmazonEC2FullAccess",
)  # fmt: skip
_AWS_MANAGED_PREFIX = ":iam::aws:policy/"
_SERVICE = "lambda.amazonaws.com"


@attrs.frozen
class RoleRecord:
    """A role declared in the template, with the policy documents attached to it there."""

    logical_id: str
    name: str
    arn: str
    trust_policy: Any
    #: Policy documents: inline ``Policies`` and ``AWS::IAM::Policy``/``ManagedPolicy`` resources attached to it.
    documents: tuple = ()
    managed_policy_arns: tuple = ()


def _as_list(value: Any) -> List[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _statements(document: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(document, Mapping):
        for statement in _as_list(document.get("Statement", [])):
            if isinstance(statement, Mapping):
                yield statement


def _action_matches(patterns: Any, action: str) -> bool:
    return any(
        isinstance(pattern, str) and fnmatch.fnmatchcase(action.lower(), pattern.lower())
        for pattern in _as_list(patterns)
    )


def trusts_lambda(role: RoleRecord) -> bool:
    """Whether the role's trust policy lets ``lambda.amazonaws.com`` assume it."""
    for statement in _statements(role.trust_policy):
        if statement.get("Effect") != "Allow" or not _action_matches(statement.get("Action"), "sts:AssumeRole"):
            continue
        principal = statement.get("Principal")
        if principal == "*":
            return True
        if isinstance(principal, Mapping) and _SERVICE in _as_list(principal.get("Service", [])):
            return True
    return False


def allows_vpc_access(role: RoleRecord) -> bool:
    """Whether the role may call ``ec2:CreateNetworkInterface`` (unknown policies count as yes)."""
    for arn in role.managed_policy_arns:
        if not isinstance(arn, str) or _AWS_MANAGED_PREFIX not in arn:
            return True  # a customer managed policy from outside the template: its content is unknown
        if arn.rsplit("/", 1)[-1] in _VPC_MANAGED_POLICIES:
            return True
    for document in role.documents:
        for statement in _statements(document):
            if statement.get("Effect") == "Allow" and _action_matches(
                statement.get("Action"), "ec2:CreateNetworkInterface"
            ):
                return True
    return False

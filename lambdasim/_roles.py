"""Execution roles the simulator knows, and the checks Lambda makes of a function's role.

lambdasim has no IAM. A test (or the template loader) registers the roles it
cares about with ``sim.register_role(...)``: a trust policy and the permission
policies. For a registered role, CreateFunction and UpdateFunctionConfiguration
fail as on AWS (spec/lambda-controlplane.md §7) when the trust policy does not
let ``lambda.amazonaws.com`` assume the role, or when the function has a VPC
configuration and the policies do not allow the EC2 network-interface actions.
Roles that were never registered are accepted without checks.

Policy evaluation is IAM's core: ``Allow`` statements grant, ``Deny`` statements
win, ``Action``/``NotAction`` match with ``*`` and ``?`` wildcards, case-insensitively.
``Resource`` and ``Condition`` are not evaluated (every statement is taken to
apply), and neither are permission boundaries.
"""

from __future__ import annotations

import fnmatch
import threading
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import attrs

from . import _errors
from ._errors import InvalidParameterValueException

__all__ = ["LAMBDA_TRUST_POLICY", "MANAGED_POLICIES", "Role", "RoleRegistry"]

#: The trust policy a role gets when none is given: Lambda may assume it.
LAMBDA_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}

_VPC_ACTIONS = ("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface")
_LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]

#: AWS managed policies lambdasim knows by ARN, reduced to the actions that matter here.
MANAGED_POLICIES: Dict[str, dict] = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": {
        "Statement": [{"Effect": "Allow", "Action": _LOG_ACTIONS, "Resource": "*"}]
    },
    "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole": {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": _LOG_ACTIONS + list(_VPC_ACTIONS) + [
                    "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
                    "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs",
                ],
                "Resource": "*",
            }
        ]
    },
    "arn:aws:iam::aws:policy/service-role/AWSLambdaENIManagementAccess": {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": list(_VPC_ACTIONS) + ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
                "Resource": "*",
            }
        ]
    },
    "arn:aws:iam::aws:policy/AdministratorAccess": {
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    },
}

Policy = Union[str, Mapping[str, Any]]


@attrs.frozen
class Role:
    """A registered execution role: its ARN, trust policy and permission policies (as documents)."""

    arn: str
    trust_policy: Mapping[str, Any]
    policies: Tuple[Mapping[str, Any], ...] = ()

    def trusts_lambda(self) -> bool:
        """Whether the trust policy lets ``lambda.amazonaws.com`` call ``sts:AssumeRole``."""
        allowed = False
        for statement in _statements(self.trust_policy):
            if not _action_matches(statement, "sts:AssumeRole") or not _principal_is_lambda(statement):
                continue
            if statement.get("Effect") == "Deny":
                return False
            if statement.get("Effect") == "Allow":
                allowed = True
        return allowed

    def allows(self, action: str) -> bool:
        """Whether the permission policies allow ``action`` (an explicit Deny wins)."""
        allowed = False
        for policy in self.policies:
            for statement in _statements(policy):
                if not _action_matches(statement, action):
                    continue
                if statement.get("Effect") == "Deny":
                    return False
                if statement.get("Effect") == "Allow":
                    allowed = True
        return allowed


class RoleRegistry:
    """The roles of one simulator, by ARN."""

    def __init__(self, *, account_id: str) -> None:
        self.account_id = account_id
        self._lock = threading.Lock()
        self._roles: Dict[str, Role] = {}

    def register(
        self, role: str, *, trust_policy: Optional[Mapping[str, Any]] = None, policies: Sequence[Policy] = ()
    ) -> Role:
        arn = role if role.startswith("arn:") else f"arn:aws:iam::{self.account_id}:role/{role}"
        if trust_policy is not None and not isinstance(trust_policy, Mapping):
            raise InvalidParameterValueException(
                _errors.wrong_type("trust_policy", "a policy document (mapping)", trust_policy)
            )
        if isinstance(policies, (str, Mapping)):
            policies = [policies]
        documents = tuple(_policy_document(policy) for policy in policies)
        registered = Role(arn, trust_policy if trust_policy is not None else LAMBDA_TRUST_POLICY, documents)
        with self._lock:
            self._roles[arn] = registered
        return registered

    def get(self, arn: str) -> Optional[Role]:
        with self._lock:
            return self._roles.get(arn)

    def check(self, role_arn: str, vpc_config: Optional[Mapping[str, Any]]) -> None:
        """Raise AWS's error when a registered role cannot serve a function with this VPC configuration."""
        role = self.get(role_arn)
        if role is None:
            return
        if not role.trusts_lambda():
            raise InvalidParameterValueException(_errors.ROLE_NOT_ASSUMABLE)
        if vpc_config and (vpc_config.get("SubnetIds") or vpc_config.get("SecurityGroupIds")):
            for action in _VPC_ACTIONS:
                if not role.allows(action):
                    raise InvalidParameterValueException(_errors.role_lacks_ec2(action.split(":", 1)[1]))


def _policy_document(policy: Policy) -> Mapping[str, Any]:
    if isinstance(policy, str):
        document = MANAGED_POLICIES.get(policy)
        if document is None:
            raise InvalidParameterValueException(
                f"'policies' names the managed policy {policy!r}, which lambdasim does not know; "
                f"give its policy document instead, or one of: {', '.join(sorted(MANAGED_POLICIES))}"
            )
        return document
    if not isinstance(policy, Mapping):
        raise InvalidParameterValueException(
            _errors.wrong_type("policies[]", "a policy document (mapping) or a managed policy ARN", policy)
        )
    return policy


def _statements(policy: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    statements = policy.get("Statement", [])
    if isinstance(statements, Mapping):
        return [statements]
    return [statement for statement in statements if isinstance(statement, Mapping)]


def _as_list(value: Any) -> List[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)]


def _matches_any(patterns: Iterable[str], action: str) -> bool:
    action = action.lower()
    return any(fnmatch.fnmatchcase(action, pattern.lower()) for pattern in patterns)


def _action_matches(statement: Mapping[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not _matches_any(_as_list(statement["NotAction"]), action)
    return _matches_any(_as_list(statement.get("Action")), action)


def _principal_is_lambda(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    if "*" in _as_list(principal.get("AWS")):
        return True
    return "lambda.amazonaws.com" in _as_list(principal.get("Service"))

"""``AWS::IAM::Role`` resources: names, ARNs, and what the simulator is told about them.

lambdasim has no IAM, but ``sim.register_role`` makes the simulator check a role as
Lambda does when a function uses it (the trust policy must let
``lambda.amazonaws.com`` assume it; a function in a VPC needs the EC2
network-interface actions). The loader registers each role of the template, with
its inline policies, the ``AWS::IAM::Policy``/``ManagedPolicy`` resources attached
to it and its AWS managed policies. A role with a managed policy the simulator does
not know (a customer managed policy from outside the template, say) is not
registered, so it is taken on trust, as a role given as a plain ARN is.
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional

import attrs

from .._roles import MANAGED_POLICIES

__all__ = ["RoleRecord", "simulator_policies"]


@attrs.frozen
class RoleRecord:
    """A role declared in (or generated for) the template, with the policies attached to it there."""

    logical_id: str
    name: str
    arn: str
    trust_policy: Any
    #: Policy documents: inline ``Policies`` and ``AWS::IAM::Policy``/``ManagedPolicy`` resources attached to it.
    documents: tuple = ()
    managed_policy_arns: tuple = ()


def _standard_arn(arn: Any) -> Optional[str]:
    """An AWS managed policy ARN in the form the simulator knows (``arn:aws:...``), whatever the partition."""
    if not isinstance(arn, str) or ":iam::aws:policy/" not in arn:
        return None
    standard = "arn:aws" + arn[arn.index(":iam::aws:policy/") :]
    return standard if standard in MANAGED_POLICIES else None


def simulator_policies(role: RoleRecord) -> Optional[List[Any]]:
    """The policies to register the role with, or None when one of them is unknown to the simulator."""
    policies: List[Any] = [document for document in role.documents if isinstance(document, Mapping)]
    for arn in role.managed_policy_arns:
        standard = _standard_arn(arn)
        if standard is None:
            return None
        policies.append(standard)
    return policies

"""What a principal can do: the grouped summary gives exactly the per-action engine answers
(access_policies_understand-policy-summary, reference_policies_evaluation-logic)."""

from __future__ import annotations

import pytest

from iamlab.graph.actions import allowed_actions
from iamlab.policy import ALLOWED, PolicySet, PolicyType, Request, parse_policy, reach

from .kit import allow, deny, doc, stmt

ME = "arn:aws:iam::111122223333:user/me"


def parse(document, type_=PolicyType.IDENTITY):
    return parse_policy(document, type_)


CASES = [
    ("admin", [allow("*")], None, []),
    ("admin with a deny", [allow("*"), deny("s3:*")], None, []),
    ("admin under a read-only boundary", [allow("*")], allow(["s3:Get*", "iam:List*"]), []),
    (
        "admin under an SCP denying iam",
        [allow("*")],
        None,
        [doc(stmt("Allow", "*")), deny("iam:*")],
    ),
    ("scoped to a bucket", [allow("s3:*", "arn:aws:s3:::reports/*")], None, []),
    ("NotAction", [doc(stmt("Allow", not_action="iam:*"))], None, []),
    ("sts rules", [allow("sts:*")], None, []),
]


@pytest.mark.parametrize(("name", "identity", "boundary", "scp"), CASES, ids=[c[0] for c in CASES])
def test_the_grouped_summary_matches_asking_action_by_action(name, identity, boundary, scp):
    policies = tuple(parse(d) for d in identity)
    bound = parse(boundary, PolicyType.BOUNDARY) if boundary else None
    scps = (tuple(parse(d, PolicyType.SCP) for d in scp),) if scp else ()
    ps = PolicySet(identity=policies, boundary=bound, scps=scps)
    asked = []

    def decide(action, resource):
        asked.append(action)
        return ps.decide(Request(ME, action, resource)) == ALLOWED

    layers = [*([bound] if bound else []), *(p for level in scps for p in level)]
    rows = allowed_actions(policies, decide, layers=layers)
    got = {f"{row.service}:{a}" for row in rows for level in row.levels for a in level.allowed}
    expected = set()
    candidates = {a for policy in policies for service in reach(policy) for a in service.actions}
    for policy in policies:
        for service in reach(policy):
            for action in service.actions:
                resources = {
                    e.text
                    for p in policies
                    for s in p.statements
                    if s.is_allow and s.action.matches(action.lower()) and s.resource
                    for e in s.resource.entries
                }
                target = "*" if "*" in resources else sorted(resources)[0]
                if ps.decide(Request(ME, action, target)) == ALLOWED:
                    expected.add(action)
    assert got == expected
    # Asked once per group of look-alike actions, never more than once per action; for `*`
    # that is a few hundred questions instead of the whole catalog.
    assert len(asked) <= len(candidates)
    if name.startswith("admin"):
        assert len(asked) * 10 < len(candidates)

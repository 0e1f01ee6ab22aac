"""What a learner changed in a lab's sandbox, in words, for the debrief: each principal's
policies (its own, its groups', its permissions boundary, a role's trust policy) and each
resource's policy, compared with the world as the lab gave it.

The world as given is kept as a fingerprint when the lab starts: for each principal and
resource, each policy's label and a hash of its text. Comparing needs no copy of the world.
"""

from __future__ import annotations

import hashlib

from iamlab.sandbox.world import World

__all__ = ["Fingerprint", "described", "fingerprint"]

# principal or resource label -> policy label -> hash of the policy's text
Fingerprint = dict[str, dict[str, str]]


def _hash(text: str | None) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()[:16]


def fingerprint(world: World) -> Fingerprint:
    found: Fingerprint = {}
    for principal in world.principals.values():
        policies = {p.name: _hash(p.text) for p in principal.identity}
        if principal.boundary is not None:
            policies[f"permissions boundary {principal.boundary.name}"] = _hash(
                principal.boundary.text
            )
        if principal.trust is not None:
            policies["trust policy"] = _hash(principal.trust.text)
        found[principal.label] = policies
    for resource in world.resources.values():
        if resource.kind == "role" or resource.policy is None:
            continue  # a role's trust policy is the principal's, above
        found[resource.label] = {"resource-based policy": _hash(resource.policy.text)}
    return found


def described(before: Fingerprint, after: Fingerprint) -> list[str]:
    """The differences, a sentence each, in the order of the world's listing."""
    lines: list[str] = []
    for owner in sorted(set(before) | set(after)):
        old, new = before.get(owner), after.get(owner)
        if old is None:
            lines.append(f"{owner} is new.")
            continue
        if new is None:
            lines.append(f"{owner} is gone.")
            continue
        for label in sorted(set(old) | set(new)):
            if label not in old:
                lines.append(f"{owner} now has {label}.")
            elif label not in new:
                lines.append(f"{owner} no longer has {label}.")
            elif old[label] != new[label]:
                lines.append(f"{owner}: {label} changed.")
    return lines

"""A policy text box and the engine's findings on it: shared by the sandbox's policy editors and
the simulator page (which imports it from here: the sandbox sits below the simulator)."""

from __future__ import annotations

from dataclasses import dataclass, field

from iamlab.policy import Finding, Policy, PolicyType, Severity, policy_findings

__all__ = ["MAX_POLICY_CHARS", "PolicyInput", "check_policy"]

MAX_POLICY_CHARS = 20_000


@dataclass
class PolicyInput:
    """One policy text box: what the learner typed and what the engine made of it."""

    slot: str  # e.g. "identity-0", "boundary"
    label: str
    type: PolicyType
    text: str
    policy: Policy | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts


def check_policy(text: str, type_: PolicyType, label: str, name: str) -> PolicyInput:
    item = PolicyInput(name, label, type_, text)
    if item.blank:
        return item
    if len(text) > MAX_POLICY_CHARS:
        item.findings = [
            Finding(
                Severity.ERROR,
                "TOO_LONG",
                f"This text has {len(text):,} "
                f"characters; the simulator takes at most "
                f"{MAX_POLICY_CHARS:,} per policy.",
                blocking=True,
            )
        ]
        return item
    policy, findings = policy_findings(text, type_)
    item.findings = findings
    if policy is not None:
        item.policy = policy.renamed(label, tuple(findings))
    return item

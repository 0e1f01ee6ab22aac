"""``decision``: "allowed, explicitly denied or implicitly denied?" for a request against the
policies given. The policy engine works out the answer: no answer key is written by hand."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iamlab.policy import Evaluation
from iamlab.policy.why import statement_place

from . import register
from .base import Graded, Variant
from .requests import RequestKind, the, traces

DECISIONS = {
    "allowed": "Allowed",
    "explicitDeny": "Denied explicitly (a Deny statement applies)",
    "implicitDeny": "Denied implicitly (nothing allows it)",
}
_SAID = {
    "allowed": "Allowed",
    "explicitDeny": "Denied explicitly",
    "implicitDeny": "Denied implicitly",
}


class Decision(RequestKind):
    name = "decision"
    rank = 20

    def answer_of(
        self,
        data: Mapping[str, Any],
        prompt: str,
        explanation: str,
        policies: tuple[tuple[str, str], ...],
        request: dict[str, Any],
        evaluation: Evaluation,
        sids: list[str],
    ) -> Variant:
        return Variant(
            prompt,
            tuple(DECISIONS.items()),
            False,
            policies=policies,
            request=request,
            answer=(evaluation.decision,),
            explanation=explanation,
            evaluation=evaluation,
        )

    def why_wrong(self, variant: Variant, chosen: list[str]) -> Graded:
        """What the chosen decision overlooks, from the engine's explanation (the statement
        that matches, the layer that refuses, the Allow that almost matches), without naming
        the decision."""
        evaluation = variant.evaluation
        if evaluation is None:
            return Graded(False, "Not quite.")
        said = f"You chose “{_SAID.get(chosen[0], chosen[0])}”"
        actual = evaluation.decision
        if chosen[0] == "explicitDeny":
            denies = [t for t in traces(evaluation) if not t.statement.is_allow]
            if not denies:
                return Graded(
                    False,
                    f"{said}, but an explicit deny needs a Deny statement that matches the "
                    "request, and no policy here has one.",
                )
            return Graded(
                False,
                f"{said}, but no Deny statement here matches this request.",
                tuple(
                    f"{statement_place(t.statement, t.policy_label)}: {t.summary}." for t in denies
                ),
            )
        if actual == "implicitDeny":  # chosen: allowed
            details = tuple(
                f"The closest Allow, {miss.place}, misses: {miss.details}."
                for miss in evaluation.near_misses[:2]
            )
            kind = evaluation.decided_by.partition(":")[0]
            none = any(layer.kind == kind and not layer.policies for layer in evaluation.layers)
            return Graded(
                False,
                f"{said}, but AWS allows a request only when every policy type that applies "
                f"allows it, and one here does not: look again at "
                f"{the(evaluation.decided_by_label)}" + (": there are none here." if none else "."),
                details,
            )
        if evaluation.matched:  # an Allow or a Deny that matches, which the learner overlooked
            places = " and ".join(
                statement_place(m.statement, m.policy_label) for m in evaluation.matched
            )
            what = (
                "Its Action, Resource and conditions all match"
                if len(evaluation.matched) == 1
                else "The Action, Resource and conditions of each match"
            )
            return Graded(False, f"{said}: look again at {places}. {what} this request.")
        return Graded(False, f"{said}, but {the(evaluation.decided_by_label)} decides here.")


register(Decision())

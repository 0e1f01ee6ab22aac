"""``layer``: "which layer decided?" for a request: the engine's decider, among the layers the
question gives (a trust policy is the role's resource-based policy)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iamlab.policy import Evaluation

from . import register
from .base import Graded, Variant, VariantError
from .requests import DECIDERS, LABELS, RequestKind, the

_VERDICTS = {
    "allow": "allows this request",
    "deny": "has a Deny statement that matches this request",
    "no match": "has no statement that matches this request",
    "not applicable": "does not apply to this request",
    "absent": "is not there",
}


class Layer(RequestKind):
    name = "layer"
    rank = 40

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
        given = data["policies"]
        present = [k for k in ("identity", "boundary", "scp", "resource") if k in given]
        if "trust" in given and "resource" not in present:
            present.append("resource")
        resource_label = LABELS["trust"] if "trust" in given else LABELS["resource"]
        options = tuple((k, resource_label if k == "resource" else LABELS[k]) for k in present)
        if evaluation.decided_by == "deny" and evaluation.matched:
            kind = evaluation.matched[0].layer
        else:
            kind = evaluation.decided_by.partition(":")[0]
        answer = DECIDERS.get(kind)
        if answer is None or answer not in present:
            raise VariantError(
                f"the engine says {evaluation.decided_by_label} decided, which is not one of the "
                "question's layers: ask a decision question instead",
                ("policies",),
            )
        return Variant(
            prompt,
            options,
            False,
            policies=policies,
            request=request,
            answer=(answer,),
            explanation=explanation,
            evaluation=evaluation,
        )

    def why_wrong(self, variant: Variant, chosen: list[str]) -> Graded:
        """What the layer chosen says about the request."""
        evaluation = variant.evaluation
        if evaluation is None:
            return Graded(False, "Not quite.")
        label = dict(variant.options).get(chosen[0], chosen[0])
        kinds = {k for k, v in DECIDERS.items() if v == chosen[0]}
        verdicts = [layer.verdict for layer in evaluation.layers if layer.kind in kinds]
        if not verdicts:
            return Graded(False, f"Not {the(label)}.")
        phrase = _VERDICTS.get(verdicts[0], verdicts[0])
        if verdicts[0] == "allow" and not evaluation.allowed:
            phrase += ", so it is not what refuses it"
        elif verdicts[0] == "allow" and chosen[0] in ("boundary", "scp"):
            phrase += ", but it grants nothing by itself: it only sets the most that may be allowed"
        return Graded(False, f"Not {the(label)}: it {phrase}.")


register(Layer())

"""``fix``: fix this policy. The engine grades the learner's policy against the requests it
must allow and refuse, and against a reference fix (:mod:`iamlab.labs.fixing`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from iamlab.policy import PolicyType

from ..fixing import LAYERS, FixSpec, Required, grade_fix
from . import register
from .base import Found, Graded, Kind, Variant, VariantError
from .requests import layers, parse, request_of

if TYPE_CHECKING:
    from ..practice import Card
    from ..quiz import Question

_RETITLED = {
    PolicyType.BOUNDARY: "Your permissions boundary",
    PolicyType.SCP: "Your SCP",
    PolicyType.RESOURCE: "Your resource-based policy",
    PolicyType.TRUST: "Your trust policy",
}


class Fix(Kind):
    name = "fix"
    rank = 80
    template = "labs/kinds/fix.html"
    engine = True
    on_card = frozenset({"fix_label", "draft"})

    def check_variant(
        self, question: Question, variant: Variant, values: Mapping[str, str]
    ) -> list[Found]:
        """The reference must pass the engine's grading, and the broken policy must not."""
        reference = self.grade(variant, [variant.answer[0]])
        if not reference.correct:
            return [
                (
                    "the reference fails its own task: " + " ".join(reference.details),
                    ("reference",),
                )
            ]
        if self.grade(variant, [variant.starter]).correct:
            return [("the broken policy already does the task: nothing to fix", ("policy",))]
        return []

    def variant(
        self,
        data: Mapping[str, Any],
        values: Mapping[str, str],
        seed: int,
        facts: Mapping[str, Any],
        prompt: str,
        explanation: str,
    ) -> Variant:
        """The broken policy to start from, the other policies (shown, unchanged), and what
        the engine grades the fix against."""
        layer = data.get("layer", "identity")
        if layer not in LAYERS:
            raise VariantError(f"layer is one of {', '.join(LAYERS)}", ("layer",))
        shown, parsed, _ = layers(data, values, need_identity=False)
        for key in ("policy", "reference"):
            if not isinstance(data.get(key), dict):
                raise VariantError(f"{key} is required: a policy document", (key,))
        _, starter_text = parse(data["policy"], values, layer, ("policy",))
        reference, reference_text = parse(data["reference"], values, layer, ("reference",))
        required = []
        for expect, key in (("allowed", "allow"), ("denied", "deny")):
            entries = data.get(key, [])
            if not isinstance(entries, list):
                raise VariantError(f"{key} is a list of requests", (key,))
            for i, entry in enumerate(entries):
                if isinstance(entry, dict) and "principal" not in entry and "principal" in data:
                    entry = {**entry, "principal": data["principal"]}
                required.append(Required(request_of(entry, values, (key, i)), expect))
        if not required:
            raise VariantError("allow or deny lists at least one request the fix is graded on", ())
        spec = FixSpec(
            LAYERS[layer], {k: tuple(v) for k, v in parsed.items()}, reference, tuple(required)
        )
        return Variant(
            prompt,
            (),
            False,
            policies=tuple(shown),
            answer=(reference_text,),
            explanation=explanation,
            starter=starter_text,
            fix=spec,
        )

    def grade(self, variant: Variant, answer: list[str]) -> Graded:
        assert variant.fix is not None
        result = grade_fix(variant.fix, answer[0] if answer else "")
        return Graded(result.correct, result.feedback, result.details, result.counted)

    def copied(self, variant: Variant) -> list[list[str]] | None:
        # "A right fix" is shown in full, pasted into the textarea.
        return [[variant.answer[0]]]

    def fix_label(self, card: Card) -> str:
        """What the learner rewrites, as the page names it."""
        fix = card.variant.fix
        if fix is None:
            return ""
        return _RETITLED.get(fix.layer, "Your policy")

    def draft(self, card: Card) -> str:
        """The policy to edit (the learner's last try, or the broken one)."""
        last = card.current
        return str(last[0]) if last else card.variant.starter


register(Fix())

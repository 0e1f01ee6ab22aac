"""``who``: mark every principal that can do an action on a resource. The sandbox's own access
check decides for each principal, so SCPs, boundaries, resource-based policies and groups
count as they do in the sandbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from iamlab.policy import RequestError

from ..goals import resolve
from . import register
from .base import (
    NOBODY,
    Found,
    Graded,
    OptionsKind,
    Variant,
    combinations,
    fill,
    fill_json,
    not_an_answer,
    plural,
    variant_key,
)
from .worlds import WorldKind, shown_world, worked

if TYPE_CHECKING:
    from ..quiz import Question
    from ..worldquiz import Trial


class Who(WorldKind, OptionsKind):
    name = "who"
    rank = 90
    template = "labs/kinds/who.html"

    def check_world(self, data: Mapping[str, Any]) -> list[Found]:
        out: list[Found] = []
        request = data.get("request")
        if not isinstance(request, dict) or not isinstance(request.get("action"), str):
            out.append(("request is required: action, resource, context", ("request",)))
        among = data.get("among", [])
        if not isinstance(among, list) or not all(isinstance(a, str) for a in among):
            out.append(
                ("among lists the principals to choose from (Account/user/name)", ("among",))
            )
        return out

    def work_out(self, question: Question, trial: Trial) -> dict[str, Any] | None:
        """Each principal to choose from, and for every variant those allowed, with the
        engine's reason for each."""
        data = question.data
        world, sandbox = trial.world, trial.sandbox
        combos = combinations(data.get("vary", {}))
        among = []
        for values in combos:
            for i, ref in enumerate(data.get("among", [])):
                who = resolve(world, sandbox, fill(ref, values))
                if who is None:
                    trial.problem(
                        ("among", i), f"{fill(ref, values)} names no principal of the world"
                    )
                    return None
                if who not in among:
                    among.append(who)
        if not data.get("among"):
            among = sorted(
                (
                    p
                    for p in world.principals.values()
                    if p.kind in ("user", "role") and not p.managed_by
                ),
                key=lambda p: p.label,
            )
        variants = {}
        for values in combos:
            trial.spend()
            request = fill_json(data["request"], values)
            allowed, reasons = [], []
            for p in among:
                try:
                    check = world.check(
                        p,
                        str(request["action"]),
                        str(request.get("resource", "*")),
                        request.get("context") or {},
                    )
                except RequestError as exc:
                    trial.problem(("request",), f"{exc.field}: {exc.message}")
                    return None
                if check.evaluation.allowed:
                    allowed.append(p.arn)
                reasons.append((p.arn, check.evaluation.reason))
            variants[variant_key(values)] = {
                "answer": allowed,
                "reasons": reasons,
                "request": request,
            }
        return {"options": [(p.arn, p.label) for p in among], "variants": variants}

    def variant(
        self,
        data: Mapping[str, Any],
        values: Mapping[str, str],
        seed: int,
        facts: Mapping[str, Any],
        prompt: str,
        explanation: str,
    ) -> Variant:
        world = shown_world(facts)
        found = worked(facts, values)
        options = tuple((str(a), str(b)) for a, b in facts["options"])
        return Variant(
            prompt,
            (*options, (NOBODY, "Nobody: no principal here may do it")),
            True,
            request=found["request"],
            answer=tuple(found["answer"]) or (NOBODY,),
            explanation=explanation,
            reasons=tuple((str(a), str(b)) for a, b in found["reasons"]),
            world=world,
        )

    def why_wrong(self, variant: Variant, chosen: list[str]) -> Graded:
        """The engine's reason for each principal marked wrongly; the ones missed only
        counted (naming them would give the answer)."""
        labels, reasons = dict(variant.options), dict(variant.reasons)
        if NOBODY in chosen:
            if len(chosen) > 1:
                return not_an_answer(
                    "Mark principals, or say nobody may do it, not both: that try was not counted."
                )
            many = plural(len(variant.answer), "principal here may", "principals here may")
            return Graded(False, f"Not nobody: {many} do it. Read each one's policies again.")
        wrong = [c for c in chosen if c not in variant.answer]
        missed = 0 if variant.answer == (NOBODY,) else len(set(variant.answer) - set(chosen))
        parts = []
        if missed:
            parts.append(plural(missed, "principal missed", "principals missed"))
        if wrong:
            parts.append(
                plural(len(wrong), "principal marked wrongly", "principals marked wrongly")
            )
        details = tuple(f"{labels.get(c, c)} may not: {reasons[c]}" for c in wrong if c in reasons)
        return Graded(False, "Not quite: " + ", ".join(parts) + ".", details)


register(Who())

"""``statement``: "which statements decided?" for a request against the policies given: the
statements (by Sid) AWS reports as its matched statements, or none when nothing allows it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iamlab.policy import Evaluation
from iamlab.policy.why import statement_place

from . import register
from .base import Graded, Variant, VariantError, not_an_answer, plural
from .requests import RequestKind, traces

NONE_DECIDED = "none"


class Statement(RequestKind):
    name = "statement"
    rank = 30

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
        if "" in sids or len(set(sids)) != len(sids) or NONE_DECIDED in sids:
            raise VariantError(
                "a statement question needs a unique Sid on every statement", ("policies",)
            )
        matched = tuple(sorted(m.statement.sid or "" for m in evaluation.matched))
        options = [(sid, f"Statement {sid}") for sid in sids]
        options.append((NONE_DECIDED, "None: no statement allows it (implicit deny)"))
        return Variant(
            prompt,
            tuple(options),
            True,
            policies=policies,
            request=request,
            answer=matched or (NONE_DECIDED,),
            explanation=explanation,
            evaluation=evaluation,
        )

    def why_wrong(self, variant: Variant, chosen: list[str]) -> Graded:
        """Why each statement chosen did not decide; those left out only counted."""
        evaluation = variant.evaluation
        if evaluation is None:
            return Graded(False, "Not quite.")
        by_sid = {t.statement.sid: t for t in traces(evaluation)}
        if NONE_DECIDED in chosen:
            if len(chosen) > 1:
                return not_an_answer(
                    "Choose statements, or say none decides, not both: that try was not counted."
                )
            many = plural(len(variant.answer), "statement matches", "statements match")
            decide = "decides" if len(variant.answer) == 1 else "decide"
            return Graded(False, f"Not none: {many} this request and {decide} it.")
        wrong = [c for c in chosen if c not in variant.answer]
        missed = 0 if variant.answer == (NONE_DECIDED,) else len(set(variant.answer) - set(chosen))
        details = []
        for sid in wrong:
            trace = by_sid.get(sid)
            if trace is None:
                continue
            why = trace.summary
            if trace.matched and evaluation.decision == "explicitDeny":
                why = (
                    "it allows the request, but a Deny matches too: then only Deny statements "
                    "decide"
                )
            details.append(f"{statement_place(trace.statement, trace.policy_label)}: {why}.")
        parts = []
        if wrong:
            parts.append(
                plural(len(wrong), "statement chosen does", "statements chosen do") + " not decide"
            )
        if missed:
            parts.append(
                plural(missed, "statement that decides is", "statements that decide are")
                + " left out"
            )
        return Graded(False, "Not quite: " + "; ".join(parts) + ".", tuple(details))


register(Statement())

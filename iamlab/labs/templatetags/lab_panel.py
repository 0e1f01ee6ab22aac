"""``{% lab_panel sandbox %}``: while a learner works in a lab's sandbox, every sandbox page
carries the lab: its title, its goals with their state, Check my goals, the hints and the way
back to the story (issue 16, the lab workspace)."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import User

from iamlab.sandbox.models import Sandbox

from ..models import LabRun

register = template.Library()


@register.inclusion_tag("labs/_panel.html", takes_context=True)
def lab_panel(context: template.Context, sandbox: Sandbox) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {"run": None}
    run = LabRun.objects.filter(user=user, sandbox=sandbox).select_related("scenario").first()
    if run is None:
        return {"run": None}
    # Loaded here, not with the tag library (which every process loads before its first
    # page): the goal checker brings the engine and the lab's world builder.
    from .. import runs

    results = runs.check(run)  # the goals' state now (not counted as one of the checks)
    hints = run.scenario.hint_list()
    offered = runs.available_hints(run)
    return {
        "run": run,
        "scenario": run.scenario,
        "results": results,
        "passing": sum(1 for r in results if r.holds),
        "hints_shown": hints[: run.hints_shown],
        "more_hints": run.hints_shown < offered,
        # The next hint, not offered yet: after how many checks with a goal still open.
        "next_hint_after": hints[run.hints_shown].after
        if run.hints_shown < len(hints) and run.hints_shown >= offered
        else None,
        "here": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }

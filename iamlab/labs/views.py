"""Labs pages: the list of scenarios with the learner's progress, a scenario with its live
goals and hints, and the instructors' page to load and export scenarios."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamlab.people.roles import instructor_required, is_instructor
from iamlab.web import is_htmx_swap

from . import runs
from .goals import GoalResult
from .loading import LoadFailed, export_zip, load, read_zip
from .models import LabRun, Scenario
from .scenario import TOPICS
from .text import markdown

MAX_UPLOAD = 8 * 1024 * 1024


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required
    return user


@login_required
@require_GET
def lab_list(request: HttpRequest) -> HttpResponse:
    scenarios = list(Scenario.objects.all())
    mine = {r.scenario_id: r for r in LabRun.objects.filter(user=_user(request))}
    topics = []
    for key, label in TOPICS.items():
        rows = [(s, mine.get(s.pk)) for s in scenarios if s.topic == key]
        if rows:
            topics.append((label, rows))
    solved = sum(1 for r in mine.values() if r.solved_at)
    return render(
        request,
        "labs/list.html",
        {"topics": topics, "solved": solved, "total": len(scenarios)},
    )


def _scenario_context(
    request: HttpRequest, scenario: Scenario, results: list[GoalResult] | None = None
) -> dict[str, object]:
    """The lab's page: its goals checked now (unless ``results`` were just checked)."""
    run = (
        LabRun.objects.filter(user=_user(request), scenario=scenario)
        .select_related("sandbox")
        .first()
    )
    if results is None:
        results = runs.check(run) if run is not None else []
    hints = scenario.hint_list()
    shown = hints[: run.hints_shown] if run else []
    offered = runs.available_hints(run) if run else 0
    return {
        "scenario": scenario,
        "topic": TOPICS.get(scenario.topic, scenario.topic),
        "story": markdown(scenario.story),
        "walkthrough": markdown(scenario.walkthrough)
        if is_instructor(request.user) and scenario.walkthrough
        else "",
        "run": run,
        "results": results,
        "passing": sum(1 for r in results if r.holds),
        "hints_shown": shown,
        "hints_total": len(hints),
        "next_hint": hints[run.hints_shown] if run and run.hints_shown < offered else None,
        "next_hint_after": (
            hints[run.hints_shown].after if run and run.hints_shown < len(hints) else None
        ),
    }


@login_required
@require_GET
def lab_page(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = get_object_or_404(Scenario, slug=slug)
    context = _scenario_context(request, scenario)
    if is_htmx_swap(request):
        return render(request, "labs/scenario.html#goals", context)
    return render(request, "labs/scenario.html", context)


@login_required
@require_POST
def lab_start(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = get_object_or_404(Scenario, slug=slug)
    again = LabRun.objects.filter(user=_user(request), scenario=scenario).exists()
    run = runs.start(_user(request), scenario)
    messages.success(
        request,
        f"{'Started over: a' if again else 'A'} fresh copy of the world is ready in your "
        f"sandbox {run.sandbox.name if run.sandbox else ''}.",
    )
    return redirect("labs:scenario", slug=slug)


@login_required
@require_POST
def lab_check(request: HttpRequest, slug: str) -> HttpResponse:
    """Check the goals now, as one of the learner's attempts."""
    return _on_run(request, slug, lambda run: runs.check(run, count=True))


@login_required
@require_POST
def lab_hint(request: HttpRequest, slug: str) -> HttpResponse:
    return _on_run(request, slug, _reveal_hint)


def _reveal_hint(run: LabRun) -> None:
    runs.reveal_hint(run)


def _on_run(
    request: HttpRequest, slug: str, act: Callable[[LabRun], list[GoalResult] | None]
) -> HttpResponse:
    """Do ``act`` on the learner's run of the lab, then show its goals: in place for htmx,
    else back on the lab's page."""
    scenario = get_object_or_404(Scenario, slug=slug)
    run = get_object_or_404(LabRun, user=_user(request), scenario=scenario)
    results = act(run)
    if is_htmx_swap(request):
        context = _scenario_context(request, scenario, results)
        return render(request, "labs/scenario.html#goals", context)
    return redirect("labs:scenario", slug=slug)


@instructor_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    """Load scenarios from a zip (all or nothing), and export them."""
    problems: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            problems.append("Choose a .zip of scenario folders to upload.")
        elif upload.size is not None and upload.size > MAX_UPLOAD:
            problems.append(f"{upload.name}: a zip of scenarios is at most 8 MB.")
        else:
            try:
                report = load(read_zip(upload.read(), upload.name or "upload.zip"), _user(request))
            except LoadFailed as exc:
                problems.extend(str(p) for p in exc.problems)
            else:
                messages.success(request, f"Loaded {upload.name}: {report.summary()}.")
                return redirect("labs:manage")
    return render(
        request,
        "labs/manage.html",
        {"scenarios": Scenario.objects.all(), "problems": problems},
        status=400 if problems else 200,
    )


@instructor_required
@require_GET
def export(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Every scenario, or one, as a zip of folders that loads back."""
    if slug is None:
        scenarios = list(Scenario.objects.all())
    else:
        scenarios = [get_object_or_404(Scenario, slug=slug)]
    response = HttpResponse(export_zip(scenarios), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{slug or "scenarios"}.zip"'
    return response

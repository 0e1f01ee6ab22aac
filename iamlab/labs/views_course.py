"""The course: the learner's home (the map of units with their state and a Continue button)
and one page per unit (its primer, its diagram, its terms, and its labs and quizzes)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from iamlab.people.roles import is_instructor

from . import course, primers
from .models import Classroom, PrimerRead


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required
    return user


@login_required
@require_GET
def course_map(request: HttpRequest) -> HttpResponse:
    """Start here: the seed chapter's units in order, each with its primer, labs and quizzes
    and the learner's state, and Continue to the next thing to do."""
    user = _user(request)
    shipped = primers.primers()
    units = course.course_for(user, frozenset(shipped))
    classes = (
        Classroom.objects.filter(instructor=user).annotate(
            student_count=Count("memberships", distinct=True)
        )
        if is_instructor(user)
        else Classroom.objects.none()
    )
    return render(
        request,
        "labs/course.html",
        {
            "units": [(u, shipped.get(u.unit.key)) for u in units],
            "next": course.next_step(units),
            "solved": sum(1 for u in units if u.state == "solved" and u.total),
            "counted": sum(1 for u in units if u.total),
            "classes": classes,
        },
    )


@require_GET
def glossary_page(request: HttpRequest) -> HttpResponse:
    """Every term that trips beginners, each with the seed section it comes from."""
    terms = sorted(primers.glossary().values(), key=lambda t: t.term.lower())
    return render(request, "labs/glossary.html", {"terms": terms})


@login_required
@require_GET
def unit_page(request: HttpRequest, key: str) -> HttpResponse:
    """One unit: its primer (marked read on opening), then its labs and quizzes."""
    unit = course.unit(key)
    if unit is None:
        raise Http404("No such unit in the course.")
    user = _user(request)
    primer = primers.primer(key)
    if primer is not None:
        PrimerRead.objects.get_or_create(user=user, unit=key)
    shipped = primers.primers()
    units = course.course_for(user, frozenset(shipped))
    here = next(u for u in units if u.unit.key == key)
    position = [u.unit.key for u in units].index(key)
    glossary = primers.glossary()
    return render(
        request,
        "labs/unit.html",
        {
            "unit": unit,
            "state": here,
            "primer": primer,
            "terms": [glossary[t] for t in primer.terms] if primer else [],
            "number": position + 1,
            "previous": units[position - 1].unit if position else None,
            "following": units[position + 1].unit if position + 1 < len(units) else None,
            "next": course.next_step(units),
            # This unit's own next lab or quiz: what its page offers first.
            "here_next": next(
                (
                    s
                    for wanted in ("in progress", "not started")
                    for s in here.steps
                    if s.kind != "primer" and s.state == wanted
                ),
                None,
            ),
        },
    )

"""Labs pages: the list of scenarios with the learner's progress, a scenario with its live
goals and hints, and the instructors' page to load and export scenarios."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamlab.people.roles import instructor_required
from iamlab.sandbox import jobs
from iamlab.web import RefusesNul, has_nul, is_htmx_swap

from . import classes, content, course, practice, primers, runs, uploads
from .goals import GoalResult
from .loading import LoadFailed, export_zip, load, read_upload
from .models import (
    Assignment,
    Classroom,
    LabRun,
    Membership,
    Quiz,
    QuizAssignment,
    Scenario,
)
from .progress import for_learner as learner_progress
from .quiz import Question
from .text import goal_refs, markdown
from .topics import TOPICS
from .world import WORLD_FILE, world_passwords
from .yamlsource import Problem

MAX_UPLOAD = 8 * 1024 * 1024
_TOPIC_ORDER = {topic: i for i, topic in enumerate(TOPICS)}  # the seed text's order


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required
    return user


@login_required
@require_GET
def lab_list(request: HttpRequest) -> HttpResponse:
    """Labs and quizzes topic by topic, with the learner's progress on each."""
    topics = learner_progress(_user(request))
    labs = [line for t in topics for line in t.labs]
    quizzes = [line for t in topics for line in t.quizzes]
    return render(
        request,
        "labs/list.html",
        {
            "topics": topics,
            "solved": sum(1 for line in labs if line.state == "solved"),
            "total": len(labs),
            "right": sum(line.right for line in quizzes),
            "questions": sum(line.questions for line in quizzes),
            "topics_solved": sum(1 for t in topics if t.state == "solved"),
        },
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
    solved = run is not None and run.solved_at is not None
    return {
        "scenario": scenario,
        "topic": TOPICS.get(scenario.topic, scenario.topic),
        "unit": next((u for u in course.UNITS if scenario.topic in u.topics), None),
        "story": goal_refs(
            primers.link_terms(markdown(scenario.story)),
            _goal_states(scenario, results if run is not None else None),
        ),
        "walkthrough": markdown(scenario.walkthrough)
        if content.can_see_solutions(request.user, scenario) and scenario.walkthrough
        else "",
        "debrief": _debrief(_user(request), scenario, run, results) if solved else None,
        # What the learner signs in to the console with, as the lab starts (world.yaml).
        "console_passwords": world_passwords(scenario.files.get(WORLD_FILE, "")),
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


def _goal_states(
    scenario: Scenario, results: list[GoalResult] | None
) -> list[tuple[str, str, bool | None]]:
    """Each goal's id, words and state now (None before the lab is started)."""
    holds = {r.goal.id: r.holds for r in results or ()}
    return [(g.id, g.says, holds.get(g.id) if results else None) for g in scenario.goal_list()]


def _debrief(
    user: User, scenario: Scenario, run: LabRun | None, results: list[GoalResult]
) -> dict[str, object]:
    """What a solved lab taught: what the learner's changes made true, the concept with the
    seed section it comes from, and the next thing to do in the course."""
    at_start = set(run.passing_at_start or []) if run is not None else set()
    known = run is not None and run.passing_at_start is not None
    made_true = [
        r.goal.says for r in results if r.holds and (not known or r.goal.id not in at_start)
    ]
    kept = [r.goal.says for r in results if r.holds and known and r.goal.id in at_start]
    unit = next((u for u in course.UNITS if scenario.topic in u.topics), None)
    primer = primers.primer(unit.key) if unit is not None else None
    units = course.course_for(user, frozenset(primers.primers()))
    changed: list[str] = []
    if run is not None and run.world_at_start is not None and run.sandbox is not None:
        from iamlab.sandbox.world import World

        from .changes import described, fingerprint

        changed = described(run.world_at_start, fingerprint(World.for_sandbox(run.sandbox)))
    return {
        "changed": changed,
        # A learner who solved the lab reads the walkthrough here, beside their own solution.
        "walkthrough": markdown(_untitled(scenario.walkthrough)) if scenario.walkthrough else "",
        "made_true": made_true,
        "kept": kept,
        "unit": unit,
        "primer": primer,
        "next": course.next_step(units, unit.key if unit is not None else ""),
    }


def _untitled(walkthrough: str) -> str:
    """The walkthrough without its own title ("# Walkthrough (instructors only)"): the
    debrief gives it to the learner who solved the lab, under a heading of its own."""
    first, _, rest = walkthrough.lstrip().partition("\n")
    return rest if first.startswith("#") else walkthrough


@login_required
@require_GET
def lab_page(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = get_object_or_404(content.scenarios_for(request.user), slug=slug)
    context = _scenario_context(request, scenario)
    if is_htmx_swap(request):
        return render(request, "labs/scenario.html#goals", context)
    return render(request, "labs/scenario.html", context)


@login_required
@require_POST
def lab_start(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = get_object_or_404(content.scenarios_for(request.user), slug=slug)
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
    scenario = get_object_or_404(content.scenarios_for(request.user), slug=slug)
    run = get_object_or_404(LabRun, user=_user(request), scenario=scenario)
    results = act(run)
    if is_htmx_swap(request):
        context = _scenario_context(request, scenario, results)
        return render(request, "labs/scenario.html#goals", context)
    # From the lab panel of a sandbox page: back to that page, if it is one of ours.
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("labs:scenario", slug=slug)


@instructor_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    """Load scenarios and quiz banks from a zip or a folder (all or nothing), and export
    them."""
    problems: list[str] = []
    if request.method == "POST":
        data, name, problem = _upload(request)
        try:
            if problem:
                raise LoadFailed([Problem(name, "", problem)])
            folders, banks = read_upload(data, name)
            if not folders and not banks:
                raise LoadFailed(
                    [Problem(name, "", "no scenario folder (scenario.yaml) or quiz bank here")]
                )
            if len(folders) + len(banks) > uploads.INLINE_ITEMS:
                # Many worlds to build and check: a worker does it, the job's page follows.
                job = jobs.submit(
                    _user(request),
                    "scenarios",
                    f"Loading {name}",
                    params={"name": name},
                    payload=data,
                    back_url=reverse("labs:manage"),
                )
                return redirect(job)
            report = load(folders, _user(request), quizzes=banks, owner=_user(request))
        except LoadFailed as exc:
            problems.extend(str(p) for p in exc.problems)
        else:
            messages.success(request, f"Loaded {name}: {report.summary()}.")
            return redirect("labs:manage")
    return _manage_page(request, problems)


def _manage_page(request: HttpRequest, problems: list[str]) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "labs/manage.html",
        {
            "shipped": Scenario.objects.filter(owner__isnull=True),
            "shipped_quizzes": Quiz.objects.filter(owner__isnull=True),
            "mine": Scenario.objects.filter(owner=user),
            "my_quizzes": Quiz.objects.filter(owner=user),
            "problems": problems,
        },
        status=400 if problems else 200,
    )


@instructor_required
@require_POST
def copy(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    """Copy to edit: the instructor's own version of a shipped lab or quiz bank, to export,
    change and upload back."""
    if kind not in ("lab", "quiz"):
        raise Http404(f"No kind {kind}.")
    user = _user(request)
    model: type[Scenario] | type[Quiz] = Scenario if kind == "lab" else Quiz
    original = model.objects.filter(owner__isnull=True, slug=slug).first()
    if original is None:
        raise Http404(f"No shipped {kind} {slug}.")
    mine, free = content.own_version(model, slug, user)
    what = "lab" if model is Scenario else "quiz bank"
    if not free:
        return _manage_page(
            request, [f"{mine}: someone else has content of this name, so it cannot be yours"]
        )
    if model.objects.filter(slug=mine, owner=user).exists():
        messages.info(request, f"You have your own version of this {what} already: {mine}.")
        return redirect("labs:manage")
    fields = {
        f.name: getattr(original, f.name)
        for f in model._meta.concrete_fields
        if f.name not in ("id", "slug", "owner", "loaded_at", "loaded_by")
    }
    model.objects.create(slug=mine, owner=user, **fields)
    messages.success(
        request,
        f"Your own copy of the {what} {original.title} is {mine}. Export it, change its files "
        "and load them back here: only you, your classes and staff see it.",
    )
    return redirect("labs:manage")


def _upload(request: HttpRequest) -> tuple[bytes, str, str]:
    """The zip uploaded, or the folder chosen as a zip: (data, name, what is wrong)."""
    try:
        upload = request.FILES.get("file")
        folder = request.FILES.getlist("folder")
    except TooManyFilesSent:
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return (
            b"",
            "Your upload",
            f"a folder upload holds at most {limit} files: upload a zip of it",
        )
    if upload is not None:
        name = upload.name or "upload.zip"
        if upload.size is not None and upload.size > MAX_UPLOAD:
            return b"", name, "a zip of scenarios is at most 8 MB"
        return upload.read(), name, ""
    if folder:
        return _zip_of_folder(folder, request.POST.getlist("path"))
    return b"", "Your upload", "choose a .zip of scenario folders, or a folder, to upload"


def _zip_of_folder(files: list[UploadedFile[bytes]], paths: list[str]) -> tuple[bytes, str, str]:
    """A folder chosen in the browser, as the zip it would have been: its files at their
    paths (sent by the page's script: browsers send a file's name without its folders)."""
    if len(paths) != len(files):
        return (
            b"",
            "folder",
            "your browser sent the folder's files without their folders: upload a zip of it",
        )
    if sum(f.size or 0 for f in files) > MAX_UPLOAD:
        return b"", "folder", "a folder of scenarios is at most 8 MB: load a part at a time"
    top = paths[0].replace("\\", "/").split("/", 1)[0] if paths else "folder"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for upload, path in zip(files, paths, strict=True):
            archive.writestr(path.replace("\\", "/").lstrip("/"), upload.read())
    return buffer.getvalue(), f"{top or 'folder'} (folder)", ""


@instructor_required
@require_GET
def export(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Every scenario the instructor may see, or one, as a zip of folders that loads back;
    the solutions only of those whose solutions they may see."""
    visible = content.scenarios_for(request.user)
    scenarios = list(visible) if slug is None else [get_object_or_404(visible, slug=slug)]
    hidden = {s.pk for s in scenarios if not content.can_see_solutions(request.user, s)}
    response = HttpResponse(export_zip(scenarios, hidden), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{slug or "scenarios"}.zip"'
    return response


# -- classes -------------------------------------------------------------------------------------


class ClassForm(RefusesNul, forms.Form):
    name = forms.CharField(max_length=100, label="Class name", strip=True)

    def __init__(self, *args: Any, instructor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instructor = instructor

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if Classroom.objects.filter(instructor=self.instructor, name__iexact=name).exists():
            raise forms.ValidationError("You already have a class with this name.")
        return name


class JoinForm(RefusesNul, forms.Form):
    code = forms.CharField(max_length=20, label="Class code", strip=True)

    def clean_code(self) -> Classroom:
        code = self.cleaned_data["code"].upper().replace("-", "").replace(" ", "")
        found = Classroom.objects.filter(code=code).first()
        if found is None:
            raise forms.ValidationError(
                f"No class has the code {code}. Check it with your instructor; it has 8 "
                "letters and digits."
            )
        return found


@instructor_required
@require_http_methods(["GET", "POST"])
def class_list(request: HttpRequest) -> HttpResponse:
    form = ClassForm(request.POST or None, instructor=_user(request))
    if request.method == "POST" and form.is_valid():
        classroom = Classroom.objects.create(
            name=form.cleaned_data["name"], instructor=_user(request)
        )
        messages.success(request, f"Created {classroom.name}. Students join with {classroom.code}.")
        return redirect("labs:class", pk=classroom.pk)
    classes = Classroom.objects.filter(instructor=_user(request)).annotate(
        student_count=Count("memberships", distinct=True),
        lab_count=Count("assignments", distinct=True),
    )
    return render(
        request,
        "labs/classes.html",
        {"classes": classes, "form": form},
        status=400 if form.errors else 200,
    )


def _my_class(request: HttpRequest, pk: int) -> Classroom:
    """A class of the signed-in instructor; another instructor's answers 404."""
    return get_object_or_404(Classroom, pk=pk, instructor=_user(request))


@instructor_required
@require_http_methods(["GET", "POST"])
def class_page(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = _my_class(request, pk)
    error = quiz_error = ""
    if request.method == "POST":
        done, error, quiz_error = _assign(request, classroom)
        if done:
            return redirect("labs:class", pk=pk)
    scenarios, rows = classes.progress(classroom)
    quizzes, quiz_cells = classes.quiz_progress(classroom)
    quiz_rows = [(row, list(zip(quizzes, quiz_cells[row.student.pk], strict=True))) for row in rows]
    user = _user(request)
    unassigned = content.assignable(Scenario.objects.all(), user).exclude(
        pk__in=[s.pk for s in scenarios]
    )
    assigned_quizzes = [a.quiz for a in classroom.quiz_assignments.select_related("quiz")]
    other_quizzes = content.assignable(Quiz.objects.all(), user).exclude(
        pk__in=[q.pk for q in assigned_quizzes]
    )
    return render(
        request,
        "labs/class.html",
        {
            "classroom": classroom,
            "scenarios": scenarios,
            "rows": rows,
            "unassigned": unassigned,
            "quizzes": quizzes,
            "quiz_rows": quiz_rows,
            "assigned_quizzes": assigned_quizzes,
            "other_quizzes": other_quizzes,
            "error": error,
            "quiz_error": quiz_error,
        },
        status=400 if error or quiz_error else 200,
    )


def _assign(request: HttpRequest, classroom: Classroom) -> tuple[bool, str, str]:
    """Assign a lab or a quiz to the class, or take it back: (done, lab error, quiz error)."""
    quiz = "quiz" in request.POST
    item: Quiz | Scenario | None
    user = _user(request)
    slug = request.POST.get("quiz" if quiz else "scenario", "")
    if has_nul(slug):  # names nothing (and PostgreSQL refuses a query that holds one)
        item = None
    elif quiz:
        item = content.assignable(Quiz.objects.all(), user).filter(slug=slug).first()
    else:
        item = content.assignable(Scenario.objects.all(), user).filter(slug=slug).first()
    if item is None:
        return (
            (False, "", "Choose a quiz to assign.")
            if quiz
            else (False, "Choose a lab to assign.", "")
        )
    through = QuizAssignment.objects if quiz else Assignment.objects
    key: dict[str, Any] = {"classroom": classroom, "quiz" if quiz else "scenario": item}
    name = f"the quiz {item.title}" if quiz else item.title
    if request.POST.get("op") == "unassign":
        through.filter(**key).delete()
        messages.success(request, f"{name[:1].upper()}{name[1:]} is no longer assigned.")
    else:
        _, created = through.get_or_create(**key)
        messages.success(
            request,
            f"Assigned {name}."
            if created
            else f"{name[:1].upper()}{name[1:]} was assigned already.",
        )
    return True, "", ""


@instructor_required
@require_GET
def class_student_quiz(request: HttpRequest, pk: int, student: int, slug: str) -> HttpResponse:
    """One student's quiz: each question exactly as they saw it, and what they answered."""
    classroom = _my_class(request, pk)
    person = get_object_or_404(classroom.students, pk=student)
    quiz = get_object_or_404(content.quizzes_for(request.user), slug=slug)
    return render(
        request,
        "labs/class_quiz.html",
        {
            "classroom": classroom,
            "person": person,
            "quiz": quiz,
            "questions": classes.student_quiz(person, quiz),
        },
    )


@instructor_required
@require_GET
def class_grades(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = _my_class(request, pk)
    response = HttpResponse(classes.grades_csv(classroom), content_type="text/csv; charset=utf-8")
    name = slugify(classroom.name) or "class"
    response["Content-Disposition"] = f'attachment; filename="{name}-grades.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def join_class(request: HttpRequest) -> HttpResponse:
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        classroom: Classroom = form.cleaned_data["code"]
        _, created = Membership.objects.get_or_create(classroom=classroom, student=_user(request))
        messages.success(
            request,
            f"You joined {classroom.name}." if created else f"You are in {classroom.name} already.",
        )
        return redirect("labs:list")
    return render(request, "labs/join.html", {"form": form}, status=400 if form.errors else 200)


# -- quizzes -------------------------------------------------------------------------------------


def _quiz_and_question(
    request: HttpRequest, slug: str, qid: str | None = None
) -> tuple[Quiz, list[Question], Question | None]:
    quiz = get_object_or_404(content.quizzes_for(request.user), slug=slug)
    questions = list(quiz.spec().questions)
    if qid is None:
        return quiz, questions, None
    question = next((q for q in questions if q.id == qid), None)
    if question is None:
        raise Http404(f"No question {qid} in {quiz.title}.")
    return quiz, questions, question


def _mode(value: str | None) -> str:
    return value if value in practice.MODES else "practice"


@login_required
@require_GET
def quiz_page(request: HttpRequest, slug: str) -> HttpResponse:
    quiz, questions, _ = _quiz_and_question(request, slug)
    return _quiz_page(request, quiz, questions, _mode(request.GET.get("mode")))


def _quiz_page(
    request: HttpRequest,
    quiz: Quiz,
    questions: list[Question],
    mode: str,
    refused: practice.Card | None = None,
) -> HttpResponse:
    """The quiz page; with ``refused``, that question's card as just answered (an answer not
    counted, shown again as typed: without JavaScript the whole page comes back)."""
    cards = [
        refused
        if refused is not None and q.id == refused.question.id
        else practice.card(_user(request), quiz, q, mode)
        for q in questions
    ]
    return render(
        request,
        "labs/quiz.html",
        {
            "quiz": quiz,
            "topic": TOPICS.get(quiz.topic, quiz.topic),
            "cards": cards,
            "mode": mode,
            "tally": practice.tally(_user(request), quiz, mode),
            "count": len(cards),
            "most": quiz.spec().most,
            "show_after": practice.SHOW_ANSWER_AFTER,
        },
        status=400 if refused is not None else 200,
    )


@login_required
@require_POST
def quiz_act(request: HttpRequest, slug: str, qid: str, act: str) -> HttpResponse:
    """Answer, ask for a hint, a new variant (practice), or the answer; the question's card
    comes back in place (htmx), or the page reloads at it."""
    quiz, questions, question = _quiz_and_question(request, slug, qid)
    assert question is not None
    user = _user(request)
    mode = _mode(request.POST.get("mode"))
    if act == "answer":
        card = practice.answer(user, quiz, question, request.POST.getlist("answer"), mode)
    elif act == "hint":
        card = practice.hint(user, quiz, question, mode)
    elif act == "new" and mode == "practice":
        card = practice.new_variant(user, quiz, question)
    elif act == "reveal":
        card = practice.reveal(user, quiz, question, mode)
    elif act == "open" and question.handler.opens_sandbox:
        card = practice.open_sandbox(user, quiz, question, mode)
    else:
        raise Http404(f"No action {act} in {mode} mode.")
    if is_htmx_swap(request):
        context = {
            "quiz": quiz,
            "card": card,
            "mode": mode,
            "show_after": practice.SHOW_ANSWER_AFTER,
            # The header's count comes along, swapped out of band: it moves as answers come in.
            "tally": practice.tally(user, quiz, mode),
            "count": len(questions),
            "most": quiz.spec().most,
            "oob": True,
        }
        return render(request, "labs/quiz.html#answered", context)
    if card.malformed:
        return _quiz_page(request, quiz, questions, mode, refused=card)
    return redirect(f"{reverse('labs:quiz', args=[slug])}?mode={mode}#q-{qid}")

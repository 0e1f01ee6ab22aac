"""The course: the seed chapter's topics in the order it teaches them, each with a primer, its
labs and its quizzes, then the capstone; and, for one learner, where they stand and what to do
next.

The order is the chapter's (IAM User Guide, "IAM Identities (users, user groups, and roles)",
the seed text): the root user, IAM users, user groups, roles and temporary credentials, IAM
Identity Center, federation, cross-account access, service roles, roles for EC2, switching
roles, and when to choose a user or a role. Labs and quiz banks carry a topic
(:data:`iamlab.labs.scenario.TOPICS`); a unit gathers the topics it teaches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User

from .progress import LabLine, QuizLine, Topic, for_learner

__all__ = ["UNITS", "Step", "Unit", "UnitState", "course_for", "next_step", "unit"]


@dataclass(frozen=True)
class Unit:
    key: str
    title: str
    topics: tuple[str, ...]  # lab and quiz topics (scenario.TOPICS) this unit teaches
    seed: str  # the seed section it comes from: its anchor in the IAM User Guide chapter
    capstone: bool = False


UNITS: tuple[Unit, ...] = (
    Unit("root-user", "The AWS account root user", ("root-user",), "id_root"),
    Unit("iam-users", "IAM users", ("iam-users",), "id_iam-users"),
    Unit("groups", "IAM user groups", ("groups",), "id_iam-groups"),
    Unit(
        "roles",
        "Roles and temporary credentials",
        ("temporary-credentials",),
        "id_temp-creds",
    ),
    Unit("identity-center", "IAM Identity Center users", ("identity-center",), "id_sso_users"),
    Unit(
        "federation",
        "Federation: SAML 2.0, OIDC and a custom identity broker",
        ("saml-federation", "web-identity", "custom-broker"),
        "id_which-to-choose_role",
    ),
    Unit("cross-account", "Cross-account access", ("cross-account",), "id_iam-roles"),
    Unit(
        "service-roles",
        "Service roles and service-linked roles",
        ("service-role", "service-linked-role"),
        "id_iam-roles",
    ),
    Unit(
        "ec2-instance-profile",
        "Roles for applications on EC2",
        ("ec2-instance-profile",),
        "id_which-to-choose_role",
    ),
    Unit("switching-roles", "Switching to a role", ("switching-roles",), "id_iam-roles"),
    Unit(
        "user-or-role",
        "When to choose a user or a role",
        ("user-or-role", "emergency-access", "service-credentials"),
        "id_which-to-choose",
    ),
    Unit(
        "capstone",
        "Capstone: find every way to admin",
        ("privilege-escalation",),
        "id_iam-roles",
        capstone=True,
    ),
)
_BY_KEY = {u.key: u for u in UNITS}


def unit(key: str) -> Unit | None:
    return _BY_KEY.get(key)


@dataclass(frozen=True)
class Step:
    """One thing to do in a unit: read its primer, solve a lab, answer a quiz."""

    kind: str  # primer | lab | quiz
    title: str
    url: str
    state: str  # not started | in progress | solved (a primer: solved once read)
    detail: str = ""


@dataclass(frozen=True)
class UnitState:
    unit: Unit
    steps: list[Step] = field(default_factory=list)

    @property
    def state(self) -> str:
        states = {s.state for s in self.steps if s.kind != "primer"}
        if not states:
            return "not started"
        if states == {"solved"}:
            return "solved"
        if states == {"not started"}:
            return "not started"
        return "in progress"

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.kind != "primer" and s.state == "solved")

    @property
    def total(self) -> int:
        return sum(1 for s in self.steps if s.kind != "primer")


def _lab_step(line: LabLine) -> Step:
    from django.urls import reverse

    scenario = line.scenario
    return Step("lab", scenario.title, reverse("labs:scenario", args=[scenario.slug]), line.state)


def _quiz_step(line: QuizLine) -> Step:
    from django.urls import reverse

    quiz = line.quiz
    detail = f"{line.right} of {line.questions} answered right"
    return Step("quiz", quiz.title, reverse("labs:quiz", args=[quiz.slug]), line.state, detail)


def course_for(user: User, primers: frozenset[str] = frozenset()) -> list[UnitState]:
    """Every unit of the course with the learner's standing on each of its steps, in order.
    ``primers``: the units that have a primer page."""
    from django.urls import reverse

    from .models import PrimerRead

    topics: dict[str, Topic] = {t.key: t for t in for_learner(user)}
    read = set(PrimerRead.objects.filter(user=user).values_list("unit", flat=True))
    units: list[UnitState] = []
    for u in UNITS:
        state = UnitState(u)
        if u.key in primers:
            state.steps.append(
                Step(
                    "primer",
                    "Primer",
                    reverse("labs:unit", args=[u.key]),
                    "solved" if u.key in read else "not started",
                    "read" if u.key in read else "",
                )
            )
        for key in u.topics:
            topic = topics.get(key)
            if topic is None:
                continue
            state.steps.extend(_lab_step(line) for line in topic.labs)
            state.steps.extend(_quiz_step(line) for line in topic.quizzes)
        units.append(state)
    return units


def next_step(units: list[UnitState], here: str = "") -> tuple[UnitState, Step] | None:
    """What "Continue" leads to: in the first unit, in course order, that is not solved, its
    primer if not read yet, else its first lab or quiz in progress, else its first not
    started. None when every unit is solved.

    From unit ``here`` (a lab just solved): the rest of that unit first, then the units after
    it, and only then an earlier unit left undone."""
    if here:
        at = next((i for i, u in enumerate(units) if u.unit.key == here), None)
        if at is not None:
            current = units[at]
            for wanted in ("in progress", "not started"):
                for step in current.steps:
                    if step.kind != "primer" and step.state == wanted:
                        return current, step
            return next_step(units[at + 1 :]) or next_step(units[:at])
    for u in units:
        if u.state == "solved" or not u.total:
            continue
        primer = next((s for s in u.steps if s.kind == "primer"), None)
        if primer is not None and primer.state != "solved":
            return u, primer
        for wanted in ("in progress", "not started"):
            for step in u.steps:
                if step.kind != "primer" and step.state == wanted:
                    return u, step
    return None

"""The course (issue 16): the map of units in the chapter's order, Continue, a unit's page with
its primer, and the primers and glossary as checked data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from iamlab.labs import course, primers
from iamlab.labs.loading import load, read_quizzes
from iamlab.labs.models import Classroom, PrimerRead, Scenario
from iamlab.people.models import Role

from .conftest import signed_in, solve_groups_lab

BANKS = Path(__file__).resolve().parents[2] / "fixtures" / "quizzes"
SHIPPED_PRIMERS = Path(__file__).resolve().parents[2] / "fixtures" / "primers"

pytestmark = pytest.mark.django_db

GLOSSARY = """\
principal:
  term: Principal
  text: Who makes a request <b>to AWS</b>.
  seed: id
role:
  term: Role
  text: An identity that someone assumes.
  seed: id_iam-roles
"""
GROUPS_PRIMER = """\
title: IAM user groups
seed: id_iam-groups
summary: A group hands the same permissions to many users.
body: |
  A **group** is a set of IAM users. See [the guide](https://docs.aws.amazon.com/IAM/).
diagram: |
  digraph { rankdir=LR; alice -> Developers [label="member of"]; }
terms: [principal]
"""


@pytest.fixture
def primer_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "primers"
    folder.mkdir()
    (folder / "glossary.yaml").write_text(GLOSSARY)
    (folder / "groups.yaml").write_text(GROUPS_PRIMER)
    primers.forget()
    with override_settings(IAMLAB_PRIMERS=folder):
        yield folder
    primers.forget()


def _units(html: str) -> list[str]:
    import re

    return re.findall(r'data-testid="unit-(?!state-)([a-z0-9-]+)"', html)


def test_the_course_follows_the_chapter_and_ends_with_the_capstone(
    groups_lab: Scenario, primer_folder: Path
) -> None:
    client, _ = signed_in("sam")
    html = client.get(reverse("labs:course")).content.decode()
    assert _units(html) == [u.key for u in course.UNITS]
    assert _units(html)[:4] == ["root-user", "iam-users", "groups", "roles"]
    assert _units(html)[-1] == "capstone"
    assert "A group hands the same permissions to many users." in html


def test_continue_leads_to_the_primer_then_the_lab_then_the_quiz(
    groups_lab: Scenario, primer_folder: Path
) -> None:
    load({}, quizzes=read_quizzes(BANKS))
    client, sam = signed_in("sam")
    first = course.next_step(course.course_for(sam, frozenset({"groups"})))
    assert first is not None
    # The root user's unit comes first: it has a quiz and no primer here.
    assert (first[0].unit.key, first[1].kind) == ("root-user", "quiz")
    # With the units before it solved, the groups unit starts with its primer.
    units = [
        u
        for u in course.course_for(sam, frozenset({"groups"}))
        if u.unit.key in ("groups", "capstone")
    ]
    unit, step = course.next_step(units) or (None, None)
    assert unit is not None
    assert step is not None
    assert (unit.unit.key, step.kind) == ("groups", "primer")
    client.get(reverse("labs:unit", args=["groups"]))
    assert PrimerRead.objects.filter(user=sam, unit="groups").exists()
    units = [u for u in course.course_for(sam, frozenset({"groups"})) if u.unit.key == "groups"]
    assert course.next_step(units)[1].kind == "lab"  # type: ignore[index]
    client.post(reverse("labs:start", args=[groups_lab.slug]))
    units = [u for u in course.course_for(sam, frozenset({"groups"})) if u.unit.key == "groups"]
    unit_state, step = course.next_step(units)  # type: ignore[misc]
    assert (step.kind, step.state) == ("lab", "in progress")
    assert unit_state.state == "in progress"
    html = client.get(reverse("labs:course")).content.decode()
    assert 'data-testid="continue"' in html
    assert 'data-testid="unit-state-groups">In progress' in html


def test_a_unit_page_shows_its_primer_diagram_and_terms_escaped(
    groups_lab: Scenario, primer_folder: Path
) -> None:
    client, _ = signed_in("sam")
    response = client.get(reverse("labs:unit", args=["groups"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>group</strong>" in html
    assert '<a href="https://docs.aws.amazon.com/IAM/">the guide</a>' in html
    assert 'data-testid="primer-diagram"' in html
    assert "<svg" in html
    assert "Who makes a request &lt;b&gt;to AWS&lt;/b&gt;." in html  # glossary text escaped
    assert 'href="/labs/groups/"' in html  # its lab


def test_a_unit_without_a_primer_says_so_and_an_unknown_unit_is_404(primer_folder: Path) -> None:
    client, _ = signed_in("sam")
    html = client.get(reverse("labs:unit", args=["roles"])).content.decode()
    assert "its primer is not written yet" in html
    assert client.get(reverse("labs:unit", args=["no-such-unit"])).status_code == 404


def test_sign_in_lands_on_the_course(client: Client) -> None:
    from tests.sandbox.factories import PersonFactory

    PersonFactory(username="newcomer", password="correct horse battery staple")
    response = client.post(
        reverse("people:login"),
        {"username": "newcomer", "password": "correct horse battery staple"},
    )
    assert response["Location"] == reverse("labs:course")


def test_instructors_see_their_classes_on_the_map(primer_folder: Path) -> None:
    client, tess = signed_in("tess", Role.INSTRUCTOR)
    Classroom.objects.create(name="IAM 101", instructor=tess)
    html = client.get(reverse("labs:course")).content.decode()
    assert 'data-testid="your-classes"' in html
    assert "IAM 101" in html
    student, _ = signed_in("sam")
    assert 'data-testid="your-classes"' not in student.get(reverse("labs:course")).content.decode()


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (GROUPS_PRIMER.replace("summary: A group", "sumary: A group"), "sumary", "not a field"),
        (GROUPS_PRIMER.replace("terms: [principal]", "terms: [nope]"), "terms", "nope is not"),
        (
            GROUPS_PRIMER.replace('alice -> Developers [label="member of"];', "alice -> ;"),
            "diagram",
            "Graphviz cannot draw it",
        ),
        (GROUPS_PRIMER.replace("seed: id_iam-groups", "seed: groups"), "seed", "seed section"),
    ],
)
def test_a_broken_primer_is_refused_naming_file_and_field(
    tmp_path: Path, text: str, field: str, message: str
) -> None:
    path = tmp_path / "groups.yaml"
    path.write_text(text)
    terms = primers.read_glossary(_glossary(tmp_path))
    with pytest.raises(primers.PrimerInvalid) as caught:
        primers.read_primer(path, terms)
    problem = next(p for p in caught.value.problems if p.field == field)
    assert problem.file == "groups.yaml"
    assert message in problem.message


def _glossary(folder: Path) -> Path:
    path = folder / "glossary.yaml"
    path.write_text(GLOSSARY)
    return path


@pytest.mark.skipif(not SHIPPED_PRIMERS.is_dir(), reason="no primers shipped yet")
def test_every_unit_has_a_shipped_primer_that_reads() -> None:
    primers.forget()
    shipped = primers.primers()
    assert set(shipped) == {u.key for u in course.UNITS}
    for key, primer in shipped.items():
        assert primer.svg.startswith("<svg"), key
        assert primer.terms, key


def test_a_solved_lab_debriefs_what_changed_the_concept_and_what_is_next(
    groups_lab: Scenario, primer_folder: Path
) -> None:
    from iamlab.labs.models import LabRun

    client, sam = signed_in("sam")
    client.post(reverse("labs:start", args=["groups"]))
    run = LabRun.objects.get(user=sam)
    assert run.passing_at_start is not None
    assert run.passing_at_start == []  # no goal holds in the world as given
    page = client.get(reverse("labs:scenario", args=["groups"])).content.decode()
    assert 'data-testid="debrief"' not in page
    assert 'data-testid="debrief-walkthrough"' not in page  # no solution before solving
    assert run.sandbox is not None
    solve_groups_lab(run.sandbox)
    html = client.post(
        reverse("labs:check", args=["groups"]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-testid="debrief"' in html
    # What the learner changed, in words: Joe's inline policy, Eve's new group, and the
    # Developers group's new policy, as each member receives it.
    changed = html.split('data-testid="debrief-changes">')[1].split("</ul>")[0]
    assert "IAM user joe (111122223333): OnboardDevelopers (inline) changed." in changed
    assert "IAM user eve (111122223333) now has NoIam (inline, via group Contractors)." in changed
    assert (
        "IAM user raj (111122223333) now has SwitchToSiteDeployer (inline, via group Developers)."
        in changed
    )
    failing_at_start = [g.says for g in groups_lab.goal_list() if g.id not in run.passing_at_start]
    made_true = html.split("Your changes made these true:")[1].split("</ul>")[0]
    assert all(says.replace("'", "&#x27;") in made_true for says in failing_at_start)
    assert "A group hands the same permissions to many users." in html  # the primer's summary
    assert 'href="/labs/course/groups/"' in html
    assert 'data-testid="debrief-walkthrough"' in html
    # Nothing else is loaded here, so the course is done: back to it.
    assert "Back to your course" in html


def test_every_page_of_a_lab_sandbox_carries_the_lab(groups_lab: Scenario) -> None:
    from iamlab.labs.models import LabRun

    client, sam = signed_in("sam")
    client.post(reverse("labs:start", args=["groups"]))
    run = LabRun.objects.get(user=sam)
    assert run.sandbox is not None
    for url in (
        run.sandbox.get_absolute_url(),
        reverse("sandbox:check", args=[run.sandbox.pk]),
        reverse("sandbox:graph", args=[run.sandbox.pk]),
        reverse("flows:hub", args=[run.sandbox.pk]),
    ):
        html = client.get(url).content.decode()
        assert 'data-testid="lab-panel"' in html, url
        assert "0 of 4 goals hold" in html, url
        assert 'data-testid="panel-goal-joe-cannot-join-admins"' in html, url
    # Checking from the panel counts as a check and comes back to the same page.
    here = reverse("sandbox:check", args=[run.sandbox.pk])
    response = client.post(reverse("labs:check", args=["groups"]), {"next": here})
    assert response["Location"] == here
    run.refresh_from_db()
    assert run.checks == 1
    # A next that leaves the site is not followed.
    response = client.post(
        reverse("labs:check", args=["groups"]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("labs:scenario", args=["groups"])


def test_a_sandbox_of_no_lab_has_no_lab_panel() -> None:
    from iamlab.sandbox.models import Sandbox

    client, sam = signed_in("sam")
    sandbox = Sandbox.objects.create(owner=sam, name="Mine")
    assert 'data-testid="lab-panel"' not in client.get(sandbox.get_absolute_url()).content.decode()


def test_terms_link_to_the_glossary_where_they_first_appear(primer_folder: Path) -> None:
    html = primers.link_terms(
        "<p>A principal assumes a role. Another principal. <code>role</code> "
        '<a href="https://x">a role</a></p>'
    )
    assert html.count('class="term"') == 2  # principal and role, each once
    assert '<a class="term" href="/labs/course/glossary/#term-principal"' in html
    assert 'title="Who makes a request &lt;b&gt;to AWS&lt;/b&gt;."' in html  # escaped
    assert "<code>role</code>" in html  # code is left alone
    assert '<a href="https://x">a role</a>' in html  # so are links
    client, _ = signed_in("sam")
    page = client.get(reverse("labs:glossary")).content.decode()
    assert 'id="term-principal"' in page
    assert 'id="term-role"' in page


def test_goal_texts_link_their_terms_to_the_glossary() -> None:
    from iamlab.labs.loading import read_path

    primers.forget()  # the shipped glossary
    load(read_path(SHIPPED_PRIMERS.parent / "scenarios" / "switching-roles"))
    client, _ = signed_in("sam")
    client.post(reverse("labs:start", args=["switching-roles"]))
    html = client.get(reverse("labs:scenario", args=["switching-roles"])).content.decode()
    goal = html.split('data-testid="goal-tom-named-by-arn"')[1].split("</li>")[0]
    assert '<a class="term" href="/labs/course/glossary/#term-trust-policy"' in goal


def test_after_a_lab_the_next_step_is_the_rest_of_its_unit_then_the_units_after_it() -> None:
    from iamlab.labs.course import UNITS, Step, UnitState, next_step

    def unit(i: int, *states: str) -> UnitState:
        kinds = ("primer", "lab", "quiz")
        return UnitState(
            UNITS[i],
            [Step(k, f"{k} {i}", f"/{k}/{i}/", s) for k, s in zip(kinds, states, strict=True)],
        )

    units = [
        unit(0, "not started", "not started", "not started"),  # never opened
        unit(1, "solved", "solved", "not started"),  # its lab just solved
        unit(2, "not started", "not started", "not started"),
    ]
    # Continue on the course map starts at the first unit left undone...
    assert next_step(units)[1].title == "primer 0"  # type: ignore[index]
    # ...but a debrief goes on with the unit's quiz, not back to unit 1's primer.
    assert next_step(units, UNITS[1].key)[1].title == "quiz 1"  # type: ignore[index]
    units[1] = unit(1, "solved", "solved", "solved")
    assert next_step(units, UNITS[1].key)[1].title == "primer 2"  # type: ignore[index]
    units[2] = unit(2, "solved", "solved", "solved")
    assert next_step(units, UNITS[1].key)[1].title == "primer 0"  # type: ignore[index]


def test_a_terms_tooltip_is_plain_text_without_markdown_marks() -> None:
    from iamlab.labs import primers

    html = primers.link_terms("<p>Ask for MFA.</p>")
    title = html.split('title="')[1].split('"')[0]
    assert "aws:MultiFactorAuthPresent" in title
    assert "`" not in title
    assert "**" not in title

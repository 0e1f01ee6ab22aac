"""Load scenarios from a folder, a zip or a tree of them: all or nothing, and again and again.

Every scenario is read and checked before any is saved:

* its files parse and every field is valid (:func:`iamlab.labs.scenario.read_scenario`);
* its world builds, by the sandbox's own rules, in a sandbox that is then rolled back;
* every goal names identities of that world, at least one goal fails in it (else the learner
  has nothing to do) and, when the folder has ``fixed.yaml``, every goal holds there.

If any scenario has a problem, nothing is saved and every problem is reported, each with its
file, line and field. Loading again updates the scenarios whose files changed (a goal removed
from the file is gone) and leaves the others as they are.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction

from iamlab.sandbox.world import World

from . import deeper
from .content import own_version
from .goals import GoalResult, check_goals, resolve
from .models import Quiz, Scenario
from .quiz import QuizInvalid, QuizSpec, read_quiz
from .scenario import (
    FIXED_FILE,
    SCENARIO_FILE,
    WALKTHROUGH_FILE,
    WORLD_FILE,
    ScenarioInvalid,
    ScenarioSpec,
    read_scenario,
)
from .trials import judge_goals, scratch_sandbox
from .world import WorldInvalid, build_world
from .worldquiz import work_out
from .yamlsource import NUL_MESSAGE, Budget, OverBudget, Problem, Source, YamlProblem, read_yaml

__all__ = [
    "LoadFailed",
    "LoadReport",
    "export_zip",
    "load",
    "read_folder",
    "read_path",
    "read_upload",
    "read_zip",
]

MAX_FILE_BYTES = 512 * 1024
MAX_ZIP_BYTES = 8 * 1024 * 1024
MAX_ZIP_FILES = 2000


class LoadFailed(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    quizzes: list[str] = field(default_factory=list)  # quiz banks new or changed
    # (slug, your version's slug): someone else's content, saved as the uploader's version
    versions: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"{len(names)} {what}"
            for names, what in (
                (self.created, "new"),
                (self.updated, "updated"),
                (self.unchanged, "unchanged"),
            )
            if names
        ]
        text = ", ".join(parts) or "no scenarios"
        if self.quizzes:
            many = "s" if len(self.quizzes) > 1 else ""
            text += f"; {len(self.quizzes)} quiz bank{many} new or changed"
        for slug, mine in self.versions:
            text += (
                f"; {slug} is shipped or someone else's and stays as it is, so yours is "
                f"saved as {mine}, which only you, your classes and staff see"
            )
        return text


# -- reading files -----------------------------------------------------------------------------


Folders = dict[str, tuple[str, dict[str, str]]]  # slug -> (where, files)
Banks = dict[str, tuple[str, str]]  # quiz slug -> (where, text)
QUIZ_SUFFIX = ".quiz.yaml"


def read_quizzes(path: Path) -> Banks:
    """The quiz banks (``<slug>.quiz.yaml``) at ``path``: a file, a folder tree or a zip."""
    if path.is_file() and path.suffix.lower() == ".zip":
        return zip_quizzes(path.read_bytes(), str(path))
    files = [path] if path.is_file() else sorted(path.rglob(f"*{QUIZ_SUFFIX}"))
    banks: Banks = {}
    for file in files:
        if file.name.endswith(QUIZ_SUFFIX):
            slug = file.name.removesuffix(QUIZ_SUFFIX)
            banks[slug] = (str(file), _decode(file.read_bytes(), str(file)))
    return banks


def zip_quizzes(data: bytes, name: str = "upload.zip") -> Banks:
    """The quiz banks in a zip, at any depth."""
    return _quiz_banks(_unzip(data, name), name)


def read_path(path: Path) -> Folders:
    """The scenario folders at ``path``: a scenario folder, a folder of them (at any depth), or
    a zip of either (none is no problem: the path may hold quiz banks only)."""
    if not path.exists():
        raise LoadFailed([Problem(str(path), "", "no such file or folder")])
    if path.is_file():
        if path.suffix.lower() != ".zip":
            raise LoadFailed([Problem(str(path), "", "give a scenario folder or a .zip of them")])
        return read_zip(path.read_bytes(), str(path))
    folders: Folders = {}
    problems: list[Problem] = []
    found = sorted({p.parent for p in path.rglob(SCENARIO_FILE)})
    for folder in found:
        try:
            files = read_folder(folder)
        except LoadFailed as exc:
            problems.extend(exc.problems)
            continue
        _add(folders, folder.name, str(folder), files, problems)
    if problems:
        raise LoadFailed(problems)
    return folders


def read_folder(folder: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    for item in sorted(folder.iterdir()):
        if item.is_dir() or item.name.startswith("."):
            continue
        files[item.name] = _decode(item.read_bytes(), str(item))
    return files


def read_zip(data: bytes, name: str = "upload.zip") -> Folders:
    """Scenario folders in a zip: ``slug/scenario.yaml`` and its neighbours, at any depth;
    a zip of one scenario's files (no folder) takes its slug from the zip's name."""
    return _scenario_folders(_unzip(data, name), name)


def read_upload(data: bytes, name: str = "upload.zip") -> tuple[Folders, Banks]:
    """The scenario folders and the quiz banks of an uploaded zip, unpacked once."""
    files = _unzip(data, name)
    return _scenario_folders(files, name), _quiz_banks(files, name)


# An upload is bounded before it is read: its size, its number of files, each file's size and
# (declared, then as unpacked) the size of them all; its YAML is bounded in bytes here and in
# values and nesting by yamlsource. At these limits an upload unpacks in a few hundredths of a
# second and its YAML parses in well under a second (docs/scenarios.md, "Limits").
MAX_UNPACKED_BYTES = 16 * 1024 * 1024
MAX_YAML_BYTES = 4 * 1024 * 1024
_METHODS = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}
_YAML = (".yaml", ".yml")


def _size(n: int) -> str:
    """1,024.5 MB, 16 MB, 512 KB, 100 bytes."""
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:,.0f} KB"
    mb = n / (1024 * 1024)
    return f"{mb:,.0f} MB" if mb.is_integer() else f"{mb:,.1f} MB"


def _unzip(data: bytes, name: str) -> dict[tuple[str, ...], str]:
    """The text of every file of the zip worth reading (by its path's parts), all or nothing.

    Sizes are checked as declared and again as unpacked (a zip may lie about them), and a file
    that cannot be unpacked (encrypted, an unknown compression, damaged) is named, not a 500.
    """
    if len(data) > MAX_ZIP_BYTES:
        raise _fail(name, f"the zip is {_size(len(data))}; the limit is {_size(MAX_ZIP_BYTES)}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _fail(name, "not a zip file") from None
    if len(entries) > MAX_ZIP_FILES:
        raise _fail(name, f"the zip holds {len(entries):,} files; the limit is {MAX_ZIP_FILES:,}")
    entries = [i for i in entries if _parts(i.filename)]
    declared = sum(i.file_size for i in entries)
    if declared > MAX_UNPACKED_BYTES:
        raise _too_big(name, f"unpacks to {_size(declared)}", MAX_UNPACKED_BYTES)
    yaml_declared = sum(i.file_size for i in entries if i.filename.lower().endswith(_YAML))
    if yaml_declared > MAX_YAML_BYTES:
        raise _too_big(name, f"holds {_size(yaml_declared)} of YAML", MAX_YAML_BYTES)
    files: dict[tuple[str, ...], str] = {}
    problems: list[Problem] = []
    unpacked = yaml_bytes = 0
    for info in entries:
        where = f"{name}:{info.filename}"
        raw = _member(archive, info, where, problems)
        if raw is None:
            continue
        unpacked += len(raw)
        if unpacked > MAX_UNPACKED_BYTES:  # only a zip that lies about its sizes
            raise _too_big(name, "unpacks to more than it declares", MAX_UNPACKED_BYTES)
        if info.filename.lower().endswith(_YAML):
            yaml_bytes += len(raw)
            if yaml_bytes > MAX_YAML_BYTES:
                raise _too_big(name, "holds more YAML than it declares", MAX_YAML_BYTES)
        try:
            files[_parts(info.filename)] = _decode(raw, where)
        except LoadFailed as exc:
            problems.extend(exc.problems)
    if problems:
        raise LoadFailed(problems)
    return files


def _fail(where: str, message: str) -> LoadFailed:
    return LoadFailed([Problem(where, "", message)])


def _too_big(name: str, what: str, limit: int) -> LoadFailed:
    of = " of YAML" if limit == MAX_YAML_BYTES else ""
    return _fail(name, f"the zip {what}; the limit is {_size(limit)}{of} at once: load it in parts")


def _member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, problems: list[Problem]
) -> bytes | None:
    """One file's bytes, read no further than the file limit; None (with a problem) when it is
    too big or cannot be unpacked."""
    if info.file_size > MAX_FILE_BYTES:
        problems.append(_file_too_big(where, info.file_size))
        return None
    if info.flag_bits & 0x1:
        problems.append(Problem(where, "", "encrypted: zip it again without a password"))
        return None
    if info.compress_type not in _METHODS:
        problems.append(
            Problem(
                where,
                "",
                f"compressed with method {info.compress_type}, which iamlab cannot unpack: zip "
                "it again with the usual compression (deflate)",
            )
        )
        return None
    try:
        with archive.open(info) as member:
            raw = member.read(MAX_FILE_BYTES + 1)
    except (
        zipfile.BadZipFile,
        EOFError,
        OSError,
        ValueError,
        RuntimeError,
        NotImplementedError,
        zlib.error,
    ) as exc:
        # A wrong CRC (the zip lies about its sizes or is damaged), a truncated stream, ...
        problems.append(Problem(where, "", f"cannot be unpacked ({exc}): zip it again"))
        return None
    if len(raw) > MAX_FILE_BYTES:  # only a zip that lies about the file's size
        problems.append(_file_too_big(where, len(raw)))
        return None
    return raw


def _file_too_big(where: str, size: int) -> Problem:
    shown, limit = _size(size), _size(MAX_FILE_BYTES)
    return Problem(
        where,
        "",
        f"unpacks to {'more than ' if shown == limit else ''}{shown}; a file is at most {limit}",
    )


def _parts(filename: str) -> tuple[str, ...]:
    """A member's path as its folders and name; () for what a zip tool adds and no one wrote
    (``__MACOSX/``, dot files) or for a path that climbs out (``..``)."""
    parts = tuple(p for p in filename.replace("\\", "/").split("/") if p)
    if not parts or any(p in ("..", ".") for p in parts) or parts[-1].startswith("."):
        return ()
    if parts[0] == "__MACOSX":
        return ()
    return parts


def _scenario_folders(files: Mapping[tuple[str, ...], str], name: str) -> Folders:
    by_folder: dict[str, dict[str, str]] = {}
    for parts, text in files.items():
        by_folder.setdefault("/".join(parts[:-1]), {})[parts[-1]] = text
    folders: Folders = {}
    problems: list[Problem] = []
    for folder, found in sorted(by_folder.items()):
        if SCENARIO_FILE not in found:
            continue
        slug = folder.rsplit("/", 1)[-1] if folder else Path(name).stem
        _add(folders, slug, f"{name}:{folder or '.'}", found, problems)
    if problems:
        raise LoadFailed(problems)
    return folders


def _quiz_banks(files: Mapping[tuple[str, ...], str], name: str) -> Banks:
    return {
        parts[-1].removesuffix(QUIZ_SUFFIX): (f"{name}:{'/'.join(parts)}", text)
        for parts, text in files.items()
        if parts[-1].endswith(QUIZ_SUFFIX)
    }


def _add(
    folders: Folders, slug: str, where: str, files: dict[str, str], problems: list[Problem]
) -> None:
    if slug in folders:
        problems.append(
            Problem(where, "", f"another folder ({folders[slug][0]}) has the same name, {slug}")
        )
        return
    folders[slug] = (where, files)


def _decode(data: bytes, where: str) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise LoadFailed([_file_too_big(where, len(data))])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LoadFailed([Problem(where, "", "not UTF-8 text")]) from None
    if (nul := text.find("\x00")) >= 0:
        line = text.count("\n", 0, nul) + 1
        column = nul - text.rfind("\n", 0, nul)
        raise LoadFailed([Problem(where, "", f"column {column} {NUL_MESSAGE}", line)])
    return text


# -- checking and saving -----------------------------------------------------------------------


def load(
    folders: Mapping[str, tuple[str, Mapping[str, str]]],
    by: User | None = None,
    quizzes: Mapping[str, tuple[str, str]] | None = None,
    *,
    owner: User | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> LoadReport:
    """Check every scenario of ``folders`` and quiz bank of ``quizzes`` and, if none has a
    problem, save them all: as shipped content when ``owner`` is None, else as ``owner``'s own
    (a slug that is someone else's becomes ``owner``'s version of it, see
    :mod:`iamlab.labs.content`). ``progress(done, total, step)`` hears of each bank and
    scenario as it is checked."""
    steps = len(quizzes or {}) + len(folders)
    report_step = progress or (lambda done, total, step: None)
    specs: list[ScenarioSpec] = []
    problems: list[Problem] = []
    banks: list[tuple[QuizSpec, dict[str, object]]] = []
    budget = Budget()  # what all these files may cost together, to read and to check
    try:
        for done, (slug, (where, text)) in enumerate(sorted((quizzes or {}).items())):
            report_step(done, steps, f"Checking the quiz bank {slug}")
            budget.check(where)
            try:
                source = read_yaml(text, where, budget)
                bank = read_quiz(slug, source, text)
            except YamlProblem as exc:
                problems.append(exc.problem)
                continue
            except QuizInvalid as exc:
                problems.extend(exc.problems)
                continue
            facts, found = work_out(bank, source, budget)
            problems.extend(found)
            # As the database gives it back (tuples become lists), to tell a change.
            banks.append((bank, json.loads(json.dumps(facts))))
        for slug, (where, files) in sorted(folders.items()):
            budget.check(where)
            try:
                specs.append(read_scenario(slug, files, where, budget))
            except ScenarioInvalid as exc:
                problems.extend(exc.problems)
        for done, spec in enumerate(specs, start=len(quizzes or {})):
            report_step(done, steps, f"Building and checking the world of {spec.slug}")
            problems.extend(try_worlds(spec, budget))
    except OverBudget as exc:
        raise LoadFailed([*problems, exc.problem]) from None
    report_step(steps, steps, "Saving")
    report = LoadReport()
    quiz_slugs = {
        bank.slug: _target(Quiz, bank.slug, owner, f"{bank.slug}{QUIZ_SUFFIX}", problems, report)
        for bank, _ in banks
    }
    lab_slugs = {
        spec.slug: _target(Scenario, spec.slug, owner, f"{spec.slug}/", problems, report)
        for spec in specs
    }
    if problems:
        raise LoadFailed(problems)
    with transaction.atomic():
        for bank, facts in banks:
            slug = quiz_slugs[bank.slug]
            quiz = Quiz.objects.filter(slug=slug).first()
            if quiz is None or quiz.text != bank.text or quiz.facts != facts:
                # Worked-out facts are refreshed (the engine may answer better than when the
                # bank was first loaded); only a new text counts as a change.
                Quiz.objects.update_or_create(
                    slug=slug,
                    defaults={
                        "title": bank.title,
                        "topic": bank.topic,
                        "text": bank.text,
                        "facts": facts,
                        "owner": owner,
                    },
                )
                if quiz is None or quiz.text != bank.text:
                    report.quizzes.append(slug)
        for spec in specs:
            fields = _fields(spec)
            slug = lab_slugs[spec.slug]
            existing = Scenario.objects.filter(slug=slug).first()
            if existing is None:
                Scenario.objects.create(slug=slug, loaded_by=by, owner=owner, **fields)
                report.created.append(slug)
            elif existing.files == fields["files"]:
                report.unchanged.append(slug)
            else:
                for name, value in fields.items():
                    setattr(existing, name, value)
                existing.loaded_by = by
                existing.save()
                report.updated.append(slug)
    return report


def _target(
    model: type[Scenario] | type[Quiz],
    slug: str,
    owner: User | None,
    where: str,
    problems: list[Problem],
    report: LoadReport,
) -> str:
    """The slug ``slug`` is saved under: its own if free or ``owner``'s already, else
    ``owner``'s version of it. Someone else's content is never changed."""
    row = model.objects.filter(slug=slug).values("owner_id").first()
    if row is None or row["owner_id"] == (owner.pk if owner else None):
        return slug
    what = "quiz bank" if model is Quiz else "scenario"
    if owner is None:
        problems.append(
            Problem(
                where,
                "",
                f"the {what} {slug} is an instructor's own, not shipped content: rename the "
                "shipped one",
            )
        )
        return slug
    mine, free = own_version(model, slug, owner)
    if not free:
        problems.append(
            Problem(
                where,
                "",
                f"the {what} {slug} is someone else's, and so is {mine}: rename the folder or "
                "bank to a name of your own",
            )
        )
        return slug
    report.versions.append((slug, mine))
    return mine


def _fields(spec: ScenarioSpec) -> dict[str, object]:
    return {
        "title": spec.title,
        "topic": spec.topic,
        "difficulty": spec.difficulty,
        "minutes": spec.minutes,
        "version": spec.version,
        "author": spec.author,
        "objectives": list(spec.objectives),
        "story": spec.story,
        "start": spec.start,
        "start_note": spec.start_note,
        "goals": [g.as_json() for g in spec.goals],
        "hints": [{"text": h.text, "cost": h.cost, "after": h.after} for h in spec.hints],
        "walkthrough": spec.walkthrough,
        "files": dict(spec.files),
    }


def try_worlds(spec: ScenarioSpec, budget: Budget | None = None) -> list[Problem]:
    """Build the scenario's world (and its fixed world) in sandboxes that are rolled back,
    and check its start and goals against them (:func:`trials.judge_goals`), while ``budget``
    lasts (else :class:`OverBudget`)."""
    problems: list[Problem] = []
    scenario_file = spec.world.file.rsplit("/", 1)[0] + "/" + SCENARIO_FILE
    start = _trial(spec, spec.world, problems, scenario_file, budget, check_start=True)
    fixed = (
        _trial(spec, spec.fixed, problems, scenario_file, budget, check_start=False)
        if spec.fixed is not None
        else None
    )
    judge_goals(
        problems,
        start,
        fixed,
        file=scenario_file,
        prefix=(),
        start_name=WORLD_FILE,
        fixed_name=FIXED_FILE,
        has_fixed=spec.fixed is not None,
    )
    if not problems:
        problems.extend(_deeper(spec, start or [], scenario_file, budget))
    return problems


def _deeper(
    spec: ScenarioSpec, start: list[GoalResult], scenario_file: str, budget: Budget | None
) -> list[Problem]:
    """The deeper-lab rules (:mod:`iamlab.labs.deeper`), once the worlds build and every goal
    holds when fixed."""
    problems: list[Problem] = []
    folder = scenario_file.rsplit("/", 1)[0]
    failing = [r.goal.id for r in start if not r.holds]
    if len(failing) < deeper.FAILING_AT_START:
        problems.append(
            Problem(
                scenario_file,
                "goals",
                f"only {len(failing)} goal{'s' if len(failing) != 1 else ''} "
                f"({', '.join(failing) or 'none'}) fail{'s' if len(failing) == 1 else ''} in "
                f"{WORLD_FILE}: a lab has at least {deeper.FAILING_AT_START} goals for the "
                "learner to make hold",
            )
        )
    if not any(g.kind == "least" for g in spec.goals):
        problems.append(
            Problem(
                scenario_file,
                "goals",
                "a lab has at least one least-privilege goal (least: as, needs): nothing "
                "granted beyond what the story needs",
            )
        )
    if spec.fixed is None:
        problems.append(
            Problem(
                f"{folder}/{FIXED_FILE}",
                "",
                "missing: a lab needs its fixed world, to show that every goal can hold and "
                "that it takes at least two different changes",
            )
        )
        return problems
    found = deeper.changes(spec.world.data, spec.fixed.data)
    if len(found) < deeper.FEWEST_CHANGES:
        what = found[0].label if found else "nothing"
        problems.append(
            Problem(
                spec.fixed.file,
                "",
                f"differs from {WORLD_FILE} only in {what}: a lab needs at least "
                f"{deeper.FEWEST_CHANGES} different changes",
            )
        )
        return problems
    for change in found:
        source = Source(spec.world.file, change.apply(spec.world.data))
        results = _trial(spec, source, [], scenario_file, budget, check_start=False)
        if results is not None and all(r.holds for r in results):
            problems.append(
                Problem(
                    spec.fixed.file,
                    "",
                    f"{change.label} alone, changed as here, makes every goal hold: a lab "
                    f"needs at least {deeper.FEWEST_CHANGES} different changes (add a goal "
                    "that this change does not meet)",
                )
            )
    return problems


def _trial(
    spec: ScenarioSpec,
    source: Source,
    problems: list[Problem],
    scenario_file: str,
    budget: Budget | None,
    *,
    check_start: bool,
) -> list[GoalResult] | None:
    """The goals checked in ``source``'s world, built in a sandbox that is rolled back; None
    when the world has problems (added to ``problems``)."""
    with transaction.atomic():
        try:
            sandbox = scratch_sandbox(spec.slug)
            try:
                build_world(sandbox, source, budget)
            except WorldInvalid as exc:
                problems.extend(exc.problems)
                return None
            world = World.load(sandbox.pk)
            if check_start and resolve(world, sandbox, spec.start) is None:
                problems.append(
                    Problem(
                        scenario_file,
                        "start.as",
                        f"{spec.start} names no identity of the world (write "
                        "Account/user/name, Account/role/name, Account/root or an ARN)",
                    )
                )
            return check_goals(sandbox, spec.goals, world=world, budget=budget, where=scenario_file)
        finally:
            transaction.set_rollback(True)  # only a trial: nothing of it stays


SOLUTION_FILES = frozenset({FIXED_FILE, WALKTHROUGH_FILE})


def export_zip(scenarios: Iterable[Scenario], without_solutions: Set[int] = frozenset()) -> bytes:
    """The scenarios' folders, as written, in one zip that loads back; those whose id is in
    ``without_solutions`` without their fixed world and walkthrough."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for scenario in scenarios:
            for name, text in sorted(scenario.files.items()):
                if scenario.pk in without_solutions and name in SOLUTION_FILES:
                    continue
                archive.writestr(f"{scenario.slug}/{name}", text)
    return buffer.getvalue()

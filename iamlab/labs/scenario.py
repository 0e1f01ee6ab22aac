"""A scenario folder read and checked: ``scenario.yaml``, ``world.yaml``, optional ``fixed.yaml``
and ``walkthrough.md`` (``docs/scenarios.md`` describes each field).

:func:`read_scenario` turns the files of one folder into a :class:`ScenarioSpec` or raises
:class:`ScenarioInvalid` with every problem it finds, each naming the file, line and field.
Building the world and checking the goals against it is :mod:`iamlab.labs.loading`'s part.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import Any

from .topics import TOPICS
from .yamlsource import Budget, Problem, Source, YamlProblem, dotted, read_yaml

__all__ = [
    "DIFFICULTIES",
    "FILES",
    "TOPICS",
    "Goal",
    "Hint",
    "ScenarioInvalid",
    "ScenarioSpec",
    "read_scenario",
]

SCENARIO_FILE = "scenario.yaml"
WORLD_FILE = "world.yaml"
FIXED_FILE = "fixed.yaml"
WALKTHROUGH_FILE = "walkthrough.md"
FILES = (SCENARIO_FILE, WORLD_FILE, FIXED_FILE, WALKTHROUGH_FILE)
REQUIRED = (SCENARIO_FILE, WORLD_FILE)

DIFFICULTIES = ("easy", "moderate", "hard")
EXPECTS = ("allowed", "denied", "explicitDeny", "implicitDeny")
_NOT_TEXT = (
    "must be a sentence; YAML reads a line with ': ' in it as a mapping, so put the sentence "
    "in quotes"
)
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_GOAL_KEYS = {"id", "says", "request", "path", "finding", "least", "federate", "expect"}
_GOAL_KINDS = ("request", "path", "finding", "least", "federate")
# A story marks each sentence that asks for something with the goal that checks it:
# "Priya should switch to OpsReadOnly with MFA [[priya-switches]]."
GOAL_REF = re.compile(r"\[\[([a-z0-9][a-z0-9-]{0,62})\]\]")
# Words by which a story sentence asks the learner for something: such a sentence must name
# the goal that checks it (issue 16: every sentence of the story that asks is a goal).
_ASKING = re.compile(
    r"\b(should|must|needs? to|has to|have to|make sure|ensure|wants?|asks? you|your (job|task))\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?:[^.!?]|[.!?](?=\S))+(?:[.!?]+|$)")
_CODE_SPAN = re.compile(r"`[^`\n]*`")
# Where a story's text breaks apart, whatever its punctuation: a blank line, a list item.
_BREAK = re.compile(r"\n\s*\n|\n\s*(?=[-*]\s|\d+[.)]\s)")


def _chunks(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph and list item of a story."""
    out, start = [], 0
    for match in _BREAK.finditer(text):
        out.append((start, match.start()))
        start = match.end()
    out.append((start, len(text)))
    return out


# A finding goal names a code of the policy checker's findings (Access Analyzer's issue codes,
# iamlab.policy.semantics) or ESCALATION: a principal that can make itself an admin (the
# access graph's escalation paths).
ESCALATION = "ESCALATION"
# ACCESS_KEY: an active long-term access key (of the user or root user ``in`` names, or of
# anyone): gone once every such key is deactivated or deleted (id_credentials_access-keys).
ACCESS_KEY = "ACCESS_KEY"
_SCOPED = (ESCALATION, ACCESS_KEY)
_CODE = re.compile(r"[A-Z][A-Z0-9_]{2,63}")
_SCENARIO_KEYS = {
    "title",
    "topic",
    "difficulty",
    "minutes",
    "objectives",
    "author",
    "version",
    "story",
    "start",
    "goals",
    "hints",
}


@dataclass(frozen=True)
class Goal:
    """Something the engine checks: a request's decision, or whether a path exists in the
    access graph."""

    id: str
    says: str  # what the learner reads
    kind: str  # "request" or "path"
    principal: str  # who asks, or where the path starts: "Account/user/name" or an ARN
    expect: str  # request: allowed | denied | explicitDeny | implicitDeny; path: exists | none
    action: str = ""
    resource: str = ""
    context: Mapping[str, Any] = field(default_factory=dict)
    target: str = ""  # path: where it ends
    # least: the requests the story needs (each must be allowed), and the action and
    # resource patterns it tolerates without needing them; anything else allowed fails it.
    needs: tuple[Mapping[str, Any], ...] = ()
    may: tuple[Mapping[str, str], ...] = ()
    # federate: the OIDC provider (Account/provider/name) whose token ``context`` holds the
    # claims of; ``target`` is the role.
    provider: str = ""
    line: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "says": self.says,
            "kind": self.kind,
            "principal": self.principal,
            "expect": self.expect,
            "action": self.action,
            "resource": self.resource,
            "context": dict(self.context),
            "target": self.target,
            "needs": [dict(n) for n in self.needs],
            "may": [dict(m) for m in self.may],
            "provider": self.provider,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Goal:
        fields = {k: v for k, v in data.items() if k != "line"}
        fields["needs"] = tuple(fields.get("needs", ()))
        fields["may"] = tuple(fields.get("may", ()))
        return cls(**fields)


@dataclass(frozen=True)
class Hint:
    text: str
    cost: int = 0  # points a hint takes off a checkpoint's score
    after: int = 0  # offered once this many checks have failed (0: on demand at once)


@dataclass(frozen=True)
class ScenarioSpec:
    slug: str
    title: str
    topic: str
    difficulty: str
    minutes: int
    objectives: tuple[str, ...]
    author: str
    version: int
    story: str  # markdown, the learner's page
    start: str  # the identity the learner starts as
    start_note: str
    goals: tuple[Goal, ...]
    hints: tuple[Hint, ...]
    walkthrough: str  # markdown, instructors only
    world: Source
    fixed: Source | None
    files: Mapping[str, str]  # every file as written, for export


class ScenarioInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def read_scenario(
    slug: str, files: Mapping[str, str], where: str = "", budget: Budget | None = None
) -> ScenarioSpec:
    """The scenario in ``files`` (file name -> text) of folder ``slug``. ``where`` prefixes
    file names in problems (the folder's path); ``budget`` is shared by one upload's files."""
    prefix = f"{where.rstrip('/')}/" if where else f"{slug}/"
    problems: list[Problem] = []
    if not _SLUG.fullmatch(slug):
        problems.append(
            Problem(
                prefix.rstrip("/"),
                "",
                "a scenario folder's name is its id: lower-case letters, digits and dashes",
            )
        )
    for name in REQUIRED:
        if name not in files:
            problems.append(Problem(prefix + name, "", "missing: every scenario needs this file"))
    for name in files:
        if name not in FILES:
            problems.append(
                Problem(prefix + name, "", f"unknown file; a scenario has {', '.join(FILES)}")
            )
    sources: dict[str, Source] = {}
    for name in (SCENARIO_FILE, WORLD_FILE, FIXED_FILE):
        if name in files:
            try:
                sources[name] = read_yaml(files[name], prefix + name, budget)
            except YamlProblem as exc:
                problems.append(exc.problem)
    if problems or SCENARIO_FILE not in sources:
        raise ScenarioInvalid(problems)
    reader = _Reader(sources[SCENARIO_FILE])
    spec = reader.read(slug, files, sources)
    problems.extend(reader.problems)
    if problems or spec is None:
        raise ScenarioInvalid(problems)
    return spec


class _Reader:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append(
            Problem(self.source.file, dotted(path), message, self.source.line(path))
        )

    def only(self, data: Mapping[str, Any], path: tuple[str | int, ...], known: Set[str]) -> None:
        """Every key of ``data`` is one of ``known``; each other names itself as unknown."""
        for key in data:
            if key not in known:
                self.problem((*path, key), f"unknown field; known: {', '.join(sorted(known))}")

    def text(
        self,
        data: Mapping[str, Any],
        path: tuple[str | int, ...],
        key: str,
        default: str | None = None,
    ) -> str:
        value = data.get(key)
        if value is None:
            if default is None:
                self.problem((*path, key), f"{key} is required")
            return default or ""
        if isinstance(value, bool):
            self.problem(
                (*path, key),
                f"{key} must be text; YAML reads yes, no, on and off as true or "
                "false, so put quotes around it",
            )
            return ""
        if not isinstance(value, str | int | float | dt.date):
            self.problem((*path, key), f"{key} must be text")
            return ""
        return str(value).strip()

    def whole(self, data: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem((key,), f"{key} must be a whole number from {low} to {high}")
            return default
        return value

    def read(
        self, slug: str, files: Mapping[str, str], sources: Mapping[str, Source]
    ) -> ScenarioSpec | None:
        data = self.source.data
        if not isinstance(data, dict):
            self.problem((), "must be a mapping: title, topic, story, goals and the rest")
            return None
        self.only(data, (), _SCENARIO_KEYS)
        topic = self.text(data, (), "topic")
        if topic and topic not in TOPICS:
            self.problem(("topic",), f"unknown topic; one of: {', '.join(TOPICS)}")
        difficulty = self.text(data, (), "difficulty", "easy")
        if difficulty not in DIFFICULTIES:
            self.problem(("difficulty",), f"difficulty is one of {', '.join(DIFFICULTIES)}")
        objectives = data.get("objectives", [])
        if not isinstance(objectives, list):
            self.problem(("objectives",), "objectives must be a list of sentences")
            objectives = []
        for i, objective in enumerate(objectives):
            if not isinstance(objective, str):
                self.problem(("objectives", i), _NOT_TEXT)
        objectives = [o for o in objectives if isinstance(o, str)]
        start = data.get("start")
        start_as, start_note = "", ""
        if not isinstance(start, dict):
            self.problem(("start",), "start is required: as (the identity the learner starts as)")
        else:
            start_as = self.text(start, ("start",), "as")
            start_note = self.text(start, ("start",), "note", "")
        goals = self.goals(data.get("goals"))
        hints = self.hints(data.get("hints", []))
        self.story_asks(data.get("story"), goals)
        spec = ScenarioSpec(
            slug=slug,
            title=self.text(data, (), "title"),
            topic=topic,
            difficulty=difficulty,
            minutes=self.whole(data, "minutes", 15, 1, 600),
            objectives=tuple(o.strip() for o in objectives),
            author=self.text(data, (), "author", ""),
            version=self.whole(data, "version", 1, 1, 1_000_000),
            story=self.text(data, (), "story"),
            start=start_as,
            start_note=start_note,
            goals=goals,
            hints=hints,
            walkthrough=files.get(WALKTHROUGH_FILE, ""),
            world=sources[WORLD_FILE] if WORLD_FILE in sources else Source(WORLD_FILE, None),
            fixed=sources.get(FIXED_FILE),
            files=dict(files),
        )
        return spec

    def story_asks(self, story: Any, goals: tuple[Goal, ...]) -> None:
        """Every sentence of the story that asks for something names the goal that checks
        it, as ``[[goal-id]]`` before its full stop (issue 16: every sentence that asks is a
        goal). A goal the story does not name is allowed: the goal list is the task."""
        if not isinstance(story, str) or not goals:
            return
        ids = [g.id for g in goals]
        first = self.source.line(("story",)) or 0
        block = "\n" in story.strip()  # a | block starts on the line after "story:"
        text = _CODE_SPAN.sub(lambda m: "c" * len(m.group(0)), story)  # keeps offsets
        for start, end in _chunks(text):
            for match in _SENTENCE.finditer(text, start, end):
                self._ask(match, story, first + (1 if block else 0), ids)

    def _ask(self, match: re.Match[str], story: str, first: int, ids: list[str]) -> None:
        """One sentence of the story: it names goals that exist, and names one if it asks."""
        if match.group(0).strip():
            sentence = match.group(0)
            begins = match.start() + len(sentence) - len(sentence.lstrip())
            line = first + story.count("\n", 0, begins)
            refs = GOAL_REF.findall(sentence)
            for ref in refs:
                if ref not in ids:
                    self.problems.append(
                        Problem(
                            self.source.file,
                            "story",
                            f"[[{ref}]] names no goal; the goals are {', '.join(ids)}",
                            line,
                        )
                    )
            ask = _ASKING.search(sentence)
            if ask and not refs:
                words = " ".join(story[begins : match.end()].split())
                shown = words if len(words) <= 90 else words[:87] + "…"
                self.problems.append(
                    Problem(
                        self.source.file,
                        "story",
                        f"“{shown}” asks for something ({ask.group(0)}) but names no goal: "
                        "end it with [[goal-id]] of the goal that checks it, before the full "
                        "stop (every sentence of the story that asks is a goal)",
                        line,
                    )
                )

    def goals(self, value: Any) -> tuple[Goal, ...]:
        if not isinstance(value, list) or not value:
            self.problem(("goals",), "goals is required: a list of at least one goal")
            return ()
        out: list[Goal] = []
        seen: set[str] = set()
        for i, entry in enumerate(value):
            path: tuple[str | int, ...] = ("goals", i)
            if not isinstance(entry, dict):
                self.problem(path, "a goal is a mapping: id, says, request or path, expect")
                continue
            self.only(entry, path, _GOAL_KEYS)
            goal_id = self.text(entry, path, "id")
            if goal_id and not _ID.fullmatch(goal_id):
                self.problem((*path, "id"), "an id uses lower-case letters, digits and dashes")
            if goal_id in seen:
                self.problem((*path, "id"), f"another goal has the id {goal_id}")
            seen.add(goal_id)
            says = self.text(entry, path, "says")
            line = self.source.line(path)
            if sum(k in entry for k in _GOAL_KINDS) != 1:
                self.problem(path, "a goal has one of request, path, finding or least")
                continue
            if "request" in entry:
                goal = self.request_goal(entry, path, goal_id, says, line)
            elif "path" in entry:
                goal = self.path_goal(entry, path, goal_id, says, line)
            elif "least" in entry:
                goal = self.least_goal(entry, path, goal_id, says, line)
            elif "federate" in entry:
                goal = self.federate_goal(entry, path, goal_id, says, line)
            else:
                goal = self.finding_goal(entry, path, goal_id, says, line)
            if goal is not None:
                out.append(goal)
        return tuple(out)

    def request_goal(
        self,
        entry: Mapping[str, Any],
        path: tuple[str | int, ...],
        goal_id: str,
        says: str,
        line: int | None,
    ) -> Goal | None:
        request = entry["request"]
        rpath = (*path, "request")
        if not isinstance(request, dict):
            self.problem(rpath, "request is a mapping: as, action, resource, context")
            return None
        context = request.get("context", {})
        if not isinstance(context, dict):
            self.problem((*rpath, "context"), "context maps condition keys to values")
            context = {}
        expect = self.text(entry, path, "expect", "allowed")
        if expect and expect not in EXPECTS:
            self.problem((*path, "expect"), f"a request goal expects one of {', '.join(EXPECTS)}")
        return Goal(
            id=goal_id,
            says=says,
            kind="request",
            principal=self.text(request, rpath, "as"),
            expect=expect,
            action=self.text(request, rpath, "action"),
            resource=self.text(request, rpath, "resource", "*"),
            context=context,
            line=line,
        )

    def path_goal(
        self,
        entry: Mapping[str, Any],
        path: tuple[str | int, ...],
        goal_id: str,
        says: str,
        line: int | None,
    ) -> Goal | None:
        spec = entry["path"]
        ppath = (*path, "path")
        if not isinstance(spec, dict):
            self.problem(ppath, "path is a mapping: from, to")
            return None
        expect = self.text(entry, path, "expect", "exists")
        if expect and expect not in ("exists", "none"):
            self.problem((*path, "expect"), "a path goal expects exists or none")
        return Goal(
            id=goal_id,
            says=says,
            kind="path",
            principal=self.text(spec, ppath, "from"),
            expect=expect,
            target=self.text(spec, ppath, "to"),
            line=line,
        )

    def least_goal(
        self,
        entry: Mapping[str, Any],
        path: tuple[str | int, ...],
        goal_id: str,
        says: str,
        line: int | None,
    ) -> Goal | None:
        """Least privilege: the principal may make every request the story ``needs``, and
        nothing else (beyond what ``may`` tolerates), probed as a "fix this policy" answer
        is (:mod:`iamlab.labs.least`)."""
        spec = entry["least"]
        lpath = (*path, "least")
        if not isinstance(spec, dict):
            self.problem(lpath, "least is a mapping: as, needs (and may)")
            return None
        self.only(spec, lpath, {"as", "needs", "may"})
        needs: list[dict[str, Any]] = []
        raw = spec.get("needs")
        if not isinstance(raw, list) or not raw:
            self.problem(
                (*lpath, "needs"),
                "needs is a list of the requests the story needs: action, resource, context",
            )
            raw = []
        for i, need in enumerate(raw):
            npath = (*lpath, "needs", i)
            if not isinstance(need, dict):
                self.problem(npath, "a need is a mapping: action, resource, context")
                continue
            self.only(need, npath, {"action", "resource", "context"})
            context = need.get("context", {})
            if not isinstance(context, dict):
                self.problem((*npath, "context"), "context maps condition keys to values")
                context = {}
            action = self.text(need, npath, "action")
            resource = self.text(need, npath, "resource")
            if "*" in action or "?" in action or "*" in resource or "?" in resource:
                self.problem(
                    npath,
                    "a need is one request, with no wildcard; tolerate a family of requests "
                    "with may",
                )
            needs.append({"action": action, "resource": resource, "context": context})
        may: list[dict[str, str]] = []
        raw = spec.get("may", [])
        if not isinstance(raw, list):
            self.problem((*lpath, "may"), "may is a list of action and resource patterns")
            raw = []
        for i, allowance in enumerate(raw):
            mpath = (*lpath, "may", i)
            if not isinstance(allowance, dict):
                self.problem(mpath, "a may entry is a mapping: action, resource (* wildcards)")
                continue
            self.only(allowance, mpath, {"action", "resource"})
            may.append(
                {
                    "action": self.text(allowance, mpath, "action"),
                    "resource": self.text(allowance, mpath, "resource", "*"),
                }
            )
        expect = self.text(entry, path, "expect", "only")
        if expect != "only":
            self.problem((*path, "expect"), "a least goal expects only")
        return Goal(
            id=goal_id,
            says=says,
            kind="least",
            principal=self.text(spec, lpath, "as"),
            expect="only",
            needs=tuple(needs),
            may=tuple(may),
            line=line,
        )

    def federate_goal(
        self,
        entry: Mapping[str, Any],
        path: tuple[str | int, ...],
        goal_id: str,
        says: str,
        line: int | None,
    ) -> Goal | None:
        """Web identity federation: a token with these claims from this OIDC provider, sent
        to AssumeRoleWithWebIdentity for the role, is accepted (or refused)."""
        spec = entry["federate"]
        fpath = (*path, "federate")
        if not isinstance(spec, dict):
            self.problem(fpath, "federate is a mapping: provider, role, claims")
            return None
        self.only(spec, fpath, {"provider", "role", "claims"})
        claims = spec.get("claims", {})
        if not isinstance(claims, dict):
            self.problem((*fpath, "claims"), "claims maps a token's claims to their values")
            claims = {}
        expect = self.text(entry, path, "expect", "allowed")
        if expect not in ("allowed", "denied"):
            self.problem((*path, "expect"), "a federate goal expects allowed or denied")
        return Goal(
            id=goal_id,
            says=says,
            kind="federate",
            principal=self.text(spec, fpath, "role"),
            expect=expect,
            provider=self.text(spec, fpath, "provider"),
            context=claims,
            line=line,
        )

    def finding_goal(
        self,
        entry: Mapping[str, Any],
        path: tuple[str | int, ...],
        goal_id: str,
        says: str,
        line: int | None,
    ) -> Goal | None:
        spec = entry["finding"]
        fpath = (*path, "finding")
        if not isinstance(spec, dict):
            self.problem(fpath, "finding is a mapping: code (and in, for ESCALATION)")
            return None
        code = self.text(spec, fpath, "code")
        if code and not _CODE.fullmatch(code):
            self.problem(
                (*fpath, "code"),
                "code is a finding's code in capitals (PASS_ROLE_WITH_STAR_IN_RESOURCE) or "
                "ESCALATION",
            )
        scope = self.text(spec, fpath, "in", "")
        if scope and code not in _SCOPED:
            self.problem(
                (*fpath, "in"), "in narrows an ESCALATION or ACCESS_KEY goal to one principal"
            )
        expect = self.text(entry, path, "expect", "gone")
        if expect != "gone":
            self.problem((*path, "expect"), "a finding goal expects gone")
        return Goal(
            id=goal_id,
            says=says,
            kind="finding",
            principal=scope,
            expect="gone",
            action=code,
            line=line,
        )

    def hints(self, value: Any) -> tuple[Hint, ...]:
        if not isinstance(value, list):
            self.problem(("hints",), "hints is a list, in the order they are offered")
            return ()
        out = []
        for i, entry in enumerate(value):
            if isinstance(entry, str):
                out.append(Hint(entry.strip()))
                continue
            if not isinstance(entry, dict):
                self.problem(("hints", i), "a hint is a sentence, or a mapping: text, cost, after")
                continue
            if "text" not in entry and len(entry) == 1:
                self.problem(("hints", i), _NOT_TEXT)
                continue
            cost, after = entry.get("cost", 0), entry.get("after", 0)
            if not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (cost, after)
            ):
                self.problem(("hints", i), "cost and after are whole numbers, 0 or more")
                continue
            out.append(Hint(self.text(entry, ("hints", i), "text"), cost, after))
        return tuple(out)

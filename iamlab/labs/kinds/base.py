"""What every kind of question shares: a variant, a grade, the text placeholders, and the
:class:`Kind` each kind of question is (with :class:`OptionsKind` for those answered by
choosing among options)."""

from __future__ import annotations

import itertools
import json
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from iamlab.policy import Evaluation

from ..fixing import FixSpec
from ..scenario import Goal
from . import get

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from ..models import Quiz, QuizProgress
    from ..practice import Card
    from ..quiz import Question

# A problem a kind finds in a question at load: (message, path under the question).
Found = tuple[str, tuple[str | int, ...]]

NOBODY = "none"  # who: nobody may; path: there is no way
MOST_CHECKED_VARIANTS = 60
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


@dataclass(frozen=True)
class Variant:
    """One question as a student sees it: the text with its values filled in, its options,
    and what grading needs."""

    prompt: str
    options: tuple[tuple[str, str], ...]  # (value, label)
    multiple: bool
    policies: tuple[tuple[str, str], ...] = ()  # (label, JSON) shown with a decision question
    request: Mapping[str, Any] = field(default_factory=dict)
    answer: tuple[str, ...] = ()  # the right option values (in order for ``order``), the number
    unit: str = ""
    explanation: str = ""
    form: str = ""  # fill: arn | condition-key | text
    starter: str = ""  # fix: the policy the learner starts from
    fix: FixSpec | None = None  # fix: what grading needs
    ends: tuple[str, str] = ("", "")  # path: from and to (node ids)
    edges: frozenset[tuple[str, str]] = frozenset()  # path: the access graph's steps
    reasons: tuple[tuple[str, str], ...] = ()  # who: the engine's reason, per principal
    goals: tuple[Goal, ...] = ()  # build: what the learner's sandbox must come to
    # A question about a world: each identity or resource, with its policies (label, JSON).
    world: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    picture: str = ""  # path: the access graph in DOT, with a shortest way drawn
    # choice: why each option is right or wrong, by option value (the author's words).
    notes: tuple[tuple[str, str], ...] = ()
    # decision, statement, layer: the engine's evaluation of the request, for feedback.
    evaluation: Evaluation | None = field(default=None, compare=False, repr=False)
    kind: str = ""  # the name of its kind (Question.variant_of sets it)

    def labels(self, values: list[str] | tuple[str, ...]) -> list[str]:
        """``values`` (an answer given, or the right one) as a person reads them."""
        return get(self.kind).labels(self, values)


@dataclass(frozen=True)
class Graded:
    """A grade; ``counted`` is False for something that is not an answer at all (nothing
    chosen, not a number, a policy that does not parse): that costs no try, and ``feedback``
    says what is wrong with it."""

    correct: bool
    feedback: str
    details: tuple[str, ...] = ()
    counted: bool = True


def not_an_answer(message: str) -> Graded:
    return Graded(False, message, counted=False)


class VariantError(Exception):
    """A question a variant cannot be made of, at ``where`` under the question."""

    def __init__(self, message: str, where: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.where = where


class Kind:
    """One kind of question. A subclass, in its own module of ``iamlab.labs.kinds``, says:

    * at load: what its fields must be (:meth:`check`), and that every variant comes out
      whole and grades its own answer right (:meth:`check_variants`);
    * a variant of a question for some placeholder values (:meth:`variant`);
    * the grade of an answer, with why a wrong one is wrong (:meth:`grade`);
    * what the page shows of its answer (:meth:`labels`) and what a learner who copies it
      submits (:meth:`copied`);
    * its template, with the partials ``task`` (above the form), ``form`` (the inputs),
      ``answer`` (the answer shown) and ``attempt`` (a student's try, on a class's page); and
      the values only its template reads, which the quiz's card lends it (:attr:`on_card`).

    It registers itself: ``register(MyKind())`` at the end of its module.
    """

    name: ClassVar[str]
    rank: ClassVar[int] = 1000  # its place in the lists of kinds (the bank format's order)
    template: ClassVar[str]  # labs/kinds/<name>.html
    engine: ClassVar[bool] = False  # the policy engine, not an author's key, works out the answer
    world: ClassVar[bool] = False  # loading builds its world and works out every variant
    reshuffles: ClassVar[bool] = False  # "Another variant" shuffles it anew, even without vary
    opens_sandbox: ClassVar[bool] = False  # the learner answers in a sandbox of their own
    check_label: ClassVar[str] = "Check"  # the answer button's words
    on_card: ClassVar[frozenset[str]] = frozenset()  # methods (card) -> value its template reads

    # -- at load ---------------------------------------------------------------------------------

    def check(self, data: Mapping[str, Any]) -> list[Found]:
        """The problems of the kind's own fields, before those every question has; raise
        :class:`VariantError` for one that leaves nothing else worth checking."""
        return []

    def check_variants(
        self, question: Question, vary: Mapping[str, list[Any]], count: int
    ) -> list[Found]:
        """Every variant must come out whole: all placeholders filled, every policy valid, the
        engine able to decide, and the answer it shows graded right."""
        for seed, values in enumerate(checked_values(vary, count)):
            try:
                variant = question.variant_of(values, seed)
            except VariantError as exc:
                return [(str(exc), exc.where)]
            missing = PLACEHOLDER.findall(variant.prompt)
            if missing:
                return [(f"no values for {{{missing[0]}}} in vary", ("prompt",))]
            found = self.check_variant(question, variant, values)
            if found:
                return found
        return []

    def check_variant(
        self, question: Question, variant: Variant, values: Mapping[str, str]
    ) -> list[Found]:
        """One variant's problems: by default, that grading refuses the answer it shows."""
        refused = self.refuses_own_answer(variant)
        if refused is None:
            return []
        return [(f"{question.id}, {variant_name(values)}: {refused}", ())]

    # -- a variant, and grading --------------------------------------------------------------------

    def variant(
        self,
        data: Mapping[str, Any],
        values: Mapping[str, str],
        seed: int,
        facts: Mapping[str, Any],
        prompt: str,
        explanation: str,
    ) -> Variant:
        """The variant of these placeholder ``values`` (``prompt`` and ``explanation``
        filled in already); ``seed`` shuffles what is shown in a random order, ``facts`` are
        what loading worked out for a question about a world."""
        raise NotImplementedError

    def grade(self, variant: Variant, answer: list[str]) -> Graded:
        """The grade of ``answer``, saying why a wrong one is wrong without giving the answer
        away (see :class:`Graded` for what is not counted)."""
        raise NotImplementedError

    def submit(
        self, variant: Variant, given: list[str], progress: QuizProgress
    ) -> tuple[Graded, list[str]]:
        """A learner's answer from the quiz page: its grade, and what is kept of it."""
        return self.grade(variant, given), given

    def open_sandbox(
        self, user: User, quiz: Quiz, question: Question, progress: QuizProgress
    ) -> None:
        """The learner's own sandbox for the question (:attr:`opens_sandbox` kinds)."""

    # -- what the page shows of its answer -------------------------------------------------------

    def labels(self, variant: Variant, values: list[str] | tuple[str, ...]) -> list[str]:
        """``values`` (an answer given, or the right one) as a person reads them."""
        return [str(v) for v in values]

    def copied(self, variant: Variant) -> list[list[str]] | None:
        """What a learner who copies the answer the page shows submits, worked out from its
        words (:meth:`labels`) as the quiz page's form takes them; one submission per
        accepted text. None when the answer is not something typed or chosen."""
        raise NotImplementedError

    def refuses_own_answer(self, variant: Variant) -> str | None:
        """Why grading refuses the answer ``variant`` shows, as a learner would copy it; None
        when it gives full marks."""
        shown = "; ".join(variant.labels(variant.answer))
        for given in self.copied(variant) or ():
            graded = self.grade(variant, given)
            if not graded.correct:
                why = " ".join((graded.feedback, *graded.details))
                return f"grading the answer it shows ({shown}) refuses it: {why}"
        return None

    def card_value(self, card: Card, name: str) -> Any:
        """A value only this kind's template reads (one of :attr:`on_card`)."""
        if name not in self.on_card:
            raise AttributeError(name)
        return getattr(self, name)(card)


class OptionsKind(Kind):
    """A question answered by choosing among its options: radio buttons for one right answer,
    checkboxes for several."""

    template = "labs/kinds/options.html"

    def grade(self, variant: Variant, answer: list[str]) -> Graded:
        chosen = sorted(a for a in answer if a in dict(variant.options))
        if not chosen:
            return not_an_answer("Choose an answer first: that try was not counted.")
        if chosen != sorted(variant.answer):
            return self.why_wrong(variant, chosen)
        return Graded(True, "Right.")

    def why_wrong(self, variant: Variant, chosen: list[str]) -> Graded:
        """Why the options ``chosen`` are not the answer, pointing at what they overlook
        without naming the answer: the learner may try again, and "Show the answer" gives it
        in full after a few tries."""
        return Graded(False, "Not quite.")

    def labels(self, variant: Variant, values: list[str] | tuple[str, ...]) -> list[str]:
        if not variant.options:
            return [str(v) for v in values]
        labels = dict(variant.options)
        return [labels.get(str(v), str(v)) for v in values]

    def copied(self, variant: Variant) -> list[list[str]] | None:
        # Every option whose label the answer names (a wrong option with the same words is
        # chosen too: no one can tell them apart).
        by_label = options_by_label(variant)
        shown = variant.labels(variant.answer)
        return [[value for label in dict.fromkeys(shown) for value in by_label.get(label, [])]]


def options_by_label(variant: Variant) -> dict[str, list[str]]:
    by_label: dict[str, list[str]] = {}
    for value, label in variant.options:
        by_label.setdefault(label, []).append(value)
    return by_label


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def shuffled(items: list[tuple[str, str]], seed: int) -> list[tuple[str, str]]:
    """``items`` in the order of a variant's ``seed``."""
    out = list(items)
    random.Random(seed).shuffle(out)  # noqa: S311 - the order of a variant
    return out


# -- placeholders and variants ---------------------------------------------------------------------


def choose(vary: Mapping[str, list[Any]], seed: int) -> dict[str, str]:
    rng = random.Random(seed)  # noqa: S311 - reproducible variants, not secrets
    return {name: str(rng.choice(values)) for name, values in sorted(vary.items())}


def fill(text: str, values: Mapping[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def fill_json(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return fill(value, values)
    if isinstance(value, list):
        return [fill_json(v, values) for v in value]
    if isinstance(value, dict):
        return {fill(str(k), values): fill_json(v, values) for k, v in value.items()}
    return value


def combinations(vary: Mapping[str, list[Any]]) -> list[dict[str, str]]:
    """Every variant's values: each placeholder with each of its values."""
    names = sorted(vary)
    return [
        dict(zip(names, (str(v) for v in values), strict=True))
        for values in itertools.product(*(vary[n] for n in names))
    ]


def checked_values(vary: Mapping[str, list[Any]], count: int) -> list[dict[str, str]]:
    """The variants loading checks: all of them, or as many chosen by seed when there are
    more than :data:`MOST_CHECKED_VARIANTS`."""
    if count <= MOST_CHECKED_VARIANTS:
        return combinations(vary)
    return [choose(vary, seed) for seed in range(MOST_CHECKED_VARIANTS)]


def variant_name(values: Mapping[str, str]) -> str:
    """``variant user=rio``, as a problem names it (``the only variant`` without vary)."""
    if not values:
        return "the only variant"
    return "variant " + ", ".join(f"{k}={v}" for k, v in sorted(values.items()))


def variant_key(values: Mapping[str, str]) -> str:
    """The key of a variant's facts: its values, whatever the seed that chose them."""
    return json.dumps(dict(values), sort_keys=True)

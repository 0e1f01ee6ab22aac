"""Taking a quiz, in two modes.

* **Practice**: each learner sees a variant of each question (its seed is kept, so it can be
  shown again exactly), may try as often as they like, open the hints one by one, ask for a
  new variant, and see the answer after a few wrong tries.
* **Checkpoint**: a fixed variant per learner and question. A question is worth ``points``
  (4 unless the bank says otherwise); each wrong try and each hint takes one off, and seeing
  the answer leaves none.

In both, an answer that is not one (nothing chosen, not a number, a policy that does not parse)
costs no try."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from iamlab.web import has_nul

from .kinds.base import Kind
from .models import Quiz, QuizProgress
from .quiz import SHOW_ANSWER_AFTER, Graded, Question, Variant

__all__ = [
    "MODES",
    "SHOW_ANSWER_AFTER",
    "Card",
    "Tally",
    "answer",
    "card",
    "hint",
    "new_variant",
    "reveal",
    "tally",
]

MODES = ("practice", "checkpoint")


@dataclass(frozen=True)
class Card:
    """A question as the page shows it to one learner."""

    question: Question
    variant: Variant
    progress: QuizProgress
    graded: Graded | None = None
    given: tuple[str, ...] | None = None  # an answer not counted, shown again as it was typed

    @property
    def current(self) -> list[str]:
        """What the form shows: the answer just refused (nothing typed is lost), else the
        learner's last counted answer."""
        if self.given is not None:
            return list(self.given)
        return [str(v) for v in self.progress.last_answer]

    @property
    def hints(self) -> tuple[str, ...]:
        return self.question.hints[: self.progress.hints_shown]

    @property
    def more_hints(self) -> bool:
        """Whether the next hint may be opened now (some open only after wrong tries)."""
        shown = self.progress.hints_shown
        if shown >= len(self.question.hints):
            return False
        return self.progress.wrong >= self.question.hint_rule(shown)[1]

    @property
    def hint_locked(self) -> int:
        """Wrong tries still needed before the next hint opens (0: none, or no next hint)."""
        shown = self.progress.hints_shown
        if shown >= len(self.question.hints):
            return 0
        return max(0, self.question.hint_rule(shown)[1] - self.progress.wrong)

    @property
    def hint_cost(self) -> int:
        """Checkpoint: the points the next hint takes off."""
        return self.question.hint_rule(self.progress.hints_shown)[0]

    @property
    def may_reveal(self) -> bool:
        return not self.progress.solved and self.progress.wrong >= self.question.reveal_after

    @property
    def worth(self) -> int:
        """Checkpoint: what a right answer would earn now."""
        spent = sum(self.question.hint_rule(i)[0] for i in range(self.progress.hints_shown))
        return max(0, self.question.points - self.progress.wrong - spent)

    @property
    def answer_labels(self) -> list[str]:
        return self.variant.labels(self.variant.answer)

    @property
    def handler(self) -> Kind:
        """The question's kind: its template, and what only that template reads."""
        return self.question.handler

    @property
    def engine(self) -> bool:
        """Whether the policy engine, not an author's key, works out the answer."""
        return self.handler.engine

    @property
    def varies(self) -> bool:
        """Practice: whether another variant differs from this one (other values, or its
        options in another order)."""
        return bool(self.question.data.get("vary")) or self.handler.reshuffles

    @property
    def malformed(self) -> bool:
        return self.graded is not None and not self.graded.counted

    def __getattr__(self, name: str) -> Any:
        """What only the template of the question's kind reads (``Kind.on_card``): a path's
        places for the steps of a way, a fix's draft, ..."""
        question = self.__dict__.get("question")
        if question is None or name.startswith("_"):
            raise AttributeError(name)
        return question.handler.card_value(self, name)


@dataclass(frozen=True)
class Tally:
    """A learner's count on a quiz in one mode: the page's header."""

    solved: int
    score: int
    tried: bool  # anything done in this mode: in a checkpoint, 0 points is then a score


def tally(user: User, quiz: Quiz, mode: str) -> Tally:
    """The header's count, read from the progress rows alone (no variant is built): it comes
    back with every answer, so that it moves as answers come in."""
    ids = {q.id for q in quiz.spec().questions}  # a question removed since counts nothing
    rows = [
        p
        for p in QuizProgress.objects.filter(user=user, quiz=quiz, mode=mode)
        if p.question_id in ids
    ]
    return Tally(
        solved=sum(1 for p in rows if p.solved),
        score=sum(p.points for p in rows),
        tried=any(p.attempts or p.hints_shown or p.solved or p.answer_shown for p in rows),
    )


def _fixed_seed(user: User, quiz: Quiz, question: Question) -> int:
    """Checkpoint: the learner's own variant, the same every time."""
    digest = hashlib.sha256(f"{user.pk}:{quiz.slug}:{question.id}".encode()).hexdigest()
    return int(digest[:8], 16) % 2**31


def _first_seed(user: User, quiz: Quiz, question: Question, mode: str) -> int:
    """The variant a learner sees before doing anything with a question: in a checkpoint the
    fixed one; in practice one of their own, until they ask for a new variant."""
    if mode == "checkpoint":
        return _fixed_seed(user, quiz, question)
    digest = hashlib.sha256(f"{user.pk}:{quiz.slug}:{question.id}:practice".encode()).hexdigest()
    return int(digest[:8], 16) % 2**31


def card(user: User, quiz: Quiz, question: Question, mode: str = "practice") -> Card:
    """The question as the learner sees it now. Only reads: a learner who merely opens a quiz
    has no progress rows, so the grades show it as not started (the variant they see is
    derived from who they are until they act, so it stays the same)."""
    progress = QuizProgress.objects.filter(
        user=user, quiz=quiz, question_id=question.id, mode=mode
    ).first()
    if progress is None:
        progress = _unsaved(user, quiz, question, mode)
    return _card(quiz, question, progress)


def _unsaved(user: User, quiz: Quiz, question: Question, mode: str) -> QuizProgress:
    return QuizProgress(
        user=user,
        quiz=quiz,
        question_id=question.id,
        mode=mode,
        seed=_first_seed(user, quiz, question, mode),
    )


def _card(quiz: Quiz, question: Question, progress: QuizProgress) -> Card:
    """The card of ``progress``: with why its last answer was wrong, until it is right, so a
    reload or a hint does not take the explanation away."""
    variant = question.variant(progress.seed, quiz.facts.get(question.id))
    graded = None
    if progress.pk and progress.last_feedback and not progress.solved:
        graded = Graded(False, progress.last_feedback[0], tuple(progress.last_feedback[1:]))
    return Card(question, variant, progress, graded)


def _acting(user: User, quiz: Quiz, question: Question, mode: str) -> Card:
    """The question as the learner acts on it (answers, asks for a hint...): its progress row
    is made now, with the variant they have been seeing."""
    progress, _ = QuizProgress.objects.get_or_create(
        user=user,
        quiz=quiz,
        question_id=question.id,
        mode=mode,
        defaults={"seed": _first_seed(user, quiz, question, mode)},
    )
    return _card(quiz, question, progress)


def answer(
    user: User, quiz: Quiz, question: Question, given: list[str], mode: str = "practice"
) -> Card:
    if has_nul(given):  # not an answer, and no database stores it: nothing is written
        shown = card(user, quiz, question, mode)
        refused = Graded(
            False,
            "Your answer holds the NUL character (U+0000), which no answer may hold: remove it; "
            "that try was not counted.",
            counted=False,
        )
        return Card(question, shown.variant, shown.progress, refused, tuple(given))
    current = _acting(user, quiz, question, mode)
    progress = current.progress
    graded, given = question.handler.submit(current.variant, given, progress)
    if not graded.counted:
        return Card(question, current.variant, progress, graded, tuple(given))
    if not progress.solved:  # once right, more tries change nothing
        progress.attempts += 1
        if graded.correct:
            progress.solved = True
            if mode == "checkpoint" and not progress.answer_shown:
                progress.points = current.worth
        else:
            progress.wrong += 1
    progress.last_answer = given
    progress.last_feedback = [] if graded.correct else [graded.feedback, *graded.details]
    progress.save()
    return Card(question, current.variant, progress, graded)


def new_variant(user: User, quiz: Quiz, question: Question) -> Card:
    """Practice: the same question with other values, started afresh (a checkpoint's variant
    is fixed)."""
    progress = _acting(user, quiz, question, "practice").progress
    progress.seed = secrets.randbelow(2**31)
    progress.attempts = progress.wrong = progress.hints_shown = 0
    progress.solved = progress.answer_shown = False
    progress.last_answer = []
    progress.last_feedback = []
    progress.save()
    return _card(quiz, question, progress)


def open_sandbox(user: User, quiz: Quiz, question: Question, mode: str = "practice") -> Card:
    """A build task: the learner's own sandbox of the question's world."""
    current = _acting(user, quiz, question, mode)
    question.handler.open_sandbox(user, quiz, question, current.progress)
    return current


def hint(user: User, quiz: Quiz, question: Question, mode: str = "practice") -> Card:
    current = _acting(user, quiz, question, mode)
    if current.more_hints:
        current.progress.hints_shown += 1
        current.progress.save(update_fields=["hints_shown", "updated_at"])
    return current


def reveal(user: User, quiz: Quiz, question: Question, mode: str = "practice") -> Card:
    current = _acting(user, quiz, question, mode)
    if current.may_reveal:
        current.progress.answer_shown = True
        current.progress.save(update_fields=["answer_shown", "updated_at"])
    return current

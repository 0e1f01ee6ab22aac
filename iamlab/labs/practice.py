"""Practice mode for quizzes: each learner sees a variant of each question (its seed is kept,
so it can be shown again exactly), may try as often as they like, open the hints one by one,
ask for a new variant, and see the answer after a few wrong tries. An answer that is not one
(nothing chosen, not a number) costs no attempt."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import User

from .models import Quiz, QuizProgress
from .quiz import Graded, Question, Variant

__all__ = ["SHOW_ANSWER_AFTER", "Card", "answer", "card", "hint", "new_variant", "reveal"]

SHOW_ANSWER_AFTER = 3  # wrong attempts before the answer may be shown


@dataclass(frozen=True)
class Card:
    """A question as the page shows it to one learner."""

    question: Question
    variant: Variant
    progress: QuizProgress
    graded: Graded | None = None
    malformed: bool = False

    @property
    def hints(self) -> tuple[str, ...]:
        return self.question.hints[: self.progress.hints_shown]

    @property
    def more_hints(self) -> bool:
        return self.progress.hints_shown < len(self.question.hints)

    @property
    def may_reveal(self) -> bool:
        return not self.progress.solved and self.progress.wrong >= SHOW_ANSWER_AFTER

    @property
    def answer_labels(self) -> list[str]:
        if self.question.kind == "number":
            return [f"{self.variant.answer[0]} {self.variant.unit}".strip()]
        labels = dict(self.variant.options)
        return [labels[a] for a in self.variant.answer]


def card(user: User, quiz: Quiz, question: Question) -> Card:
    progress, _ = QuizProgress.objects.get_or_create(
        user=user,
        quiz=quiz,
        question_id=question.id,
        defaults={"seed": secrets.randbelow(2**31)},
    )
    return Card(question, question.variant(progress.seed), progress)


def answer(user: User, quiz: Quiz, question: Question, given: list[str]) -> Card:
    current = card(user, quiz, question)
    progress = current.progress
    graded = question.grade(current.variant, given)
    if graded is None:
        return Card(question, current.variant, progress, malformed=True)
    if not progress.solved:  # practice: once right, more tries change nothing
        progress.attempts += 1
        if graded.correct:
            progress.solved = True
        else:
            progress.wrong += 1
    progress.last_answer = given
    progress.save()
    return Card(question, current.variant, progress, graded)


def new_variant(user: User, quiz: Quiz, question: Question) -> Card:
    """Practice: the same question with other values, started afresh."""
    progress = card(user, quiz, question).progress
    progress.seed = secrets.randbelow(2**31)
    progress.attempts = progress.wrong = progress.hints_shown = 0
    progress.solved = progress.answer_shown = False
    progress.last_answer = []
    progress.save()
    return Card(question, question.variant(progress.seed), progress)


def hint(user: User, quiz: Quiz, question: Question) -> Card:
    current = card(user, quiz, question)
    if current.more_hints:
        current.progress.hints_shown += 1
        current.progress.save(update_fields=["hints_shown", "updated_at"])
    return current


def reveal(user: User, quiz: Quiz, question: Question) -> Card:
    current = card(user, quiz, question)
    if current.may_reveal:
        current.progress.answer_shown = True
        current.progress.save(update_fields=["answer_shown", "updated_at"])
    return current

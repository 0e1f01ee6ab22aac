"""Who sees, changes and reads the solutions of which scenarios and quiz banks.

* **Shipped** content (``owner`` is None) comes from ``fixtures/`` through ``manage.py
  load_scenarios`` or ``load_demo``. Everyone sees it; nobody changes it on the web.
* An instructor's **own** content is made by their upload or by *Copy to edit*. It is seen by
  them, by the students of their classes and by staff; only they change it.
* **Solutions** (a lab's ``fixed.yaml`` and walkthrough) are for the owner and staff. Shipped
  solutions are also for instructors: an account becomes an instructor only with a staff
  member's approval, and an instructor teaching a shipped lab needs its walkthrough. A student
  never sees them, whoever else they are.

An upload whose folder or bank has the slug of someone else's content (a shipped ``groups``
changed and uploaded again) becomes the uploader's own version under ``<slug>-<username>``, so
nobody's upload changes what another class sees.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Model, Q, QuerySet
from django.utils.text import slugify

from iamlab.people.roles import is_instructor

from .models import Quiz, Scenario

__all__ = [
    "assignable",
    "can_change",
    "can_see_solutions",
    "own_slug",
    "own_version",
    "quizzes_for",
    "scenarios_for",
]

SLUG_MAX = 64
type Person = AbstractBaseUser | AnonymousUser


def _visible[C: (Scenario, Quiz)](query: QuerySet[C], user: Person) -> QuerySet[C]:
    query = query.select_related("owner")
    if not user.is_authenticated:
        return query.filter(owner__isnull=True)
    if getattr(user, "is_staff", False):
        return query
    mine = Q(owner__isnull=True) | Q(owner=user) | Q(owner__classes_taught__students=user)
    ids = query.filter(mine).values("pk")  # one row each, however many classes match
    return query.filter(pk__in=ids)


def scenarios_for(user: Person) -> QuerySet[Scenario]:
    """The labs ``user`` may see and start."""
    return _visible(Scenario.objects.all(), user)


def quizzes_for(user: Person) -> QuerySet[Quiz]:
    """The quiz banks ``user`` may see and answer."""
    return _visible(Quiz.objects.all(), user)


def assignable[C: (Scenario, Quiz)](query: QuerySet[C], user: Person) -> QuerySet[C]:
    """What an instructor may assign to their class: shipped content and their own."""
    if not is_instructor(user):
        return query.none()
    return query.filter(Q(owner__isnull=True) | Q(owner=user))


def can_change(user: Person, item: Model) -> bool:
    """Only the owner changes their content; shipped content changes only from fixtures."""
    owner_id = getattr(item, "owner_id", None)
    return bool(owner_id is not None and owner_id == user.pk and is_instructor(user))


def can_see_solutions(user: Person, item: Model) -> bool:
    if not user.is_authenticated:
        return False
    if getattr(user, "is_staff", False):
        return True
    owner_id = getattr(item, "owner_id", None)
    if owner_id is None:
        return is_instructor(user)
    return bool(owner_id == user.pk)


def own_slug(slug: str, owner: User) -> str:
    """The slug of ``owner``'s version of the content ``slug`` names."""
    suffix = "-" + (slugify(owner.get_username()) or str(owner.pk))
    return slug[: SLUG_MAX - len(suffix)].rstrip("-") + suffix


def own_version(model: type[Scenario] | type[Quiz], slug: str, owner: User) -> tuple[str, bool]:
    """The slug of ``owner``'s version of ``slug`` (an upload of someone else's content, or
    Copy to edit), and whether it is theirs to use: False when someone else holds it."""
    mine = own_slug(slug, owner)
    return mine, not model.objects.filter(slug=mine).exclude(owner=owner).exists()

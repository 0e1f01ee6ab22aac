"""One person's writes, one at a time.

A double click sends the same request twice at once. On PostgreSQL both transactions would read
"no Example Corp yet" (or "no run of this lab yet") and both create one, and the second fails on
a unique constraint. Taking a lock on the person's own row first makes the second wait for the
first and then see what it made. On SQLite, whose IMMEDIATE transactions (see settings) already
hold the database's one write lock from their first statement, ``select_for_update`` is ignored.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction


def one_at_a_time(user: AbstractBaseUser) -> None:
    """Inside a transaction: wait for the person's other writing transactions to end."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "one_at_a_time() holds its lock until the transaction ends: call it in one"
        )
    users = get_user_model().objects.select_for_update().filter(pk=user.pk)
    list(users.values_list("pk", flat=True))

"""Many people pressing the same button at the same moment, as a class does in its first minute.

``press_together`` sends one POST per (person, path) from its own thread, each with its own
client and so its own database connection, released together by a barrier. It is used by
``tests/labs/test_concurrent_starts.py`` in this process (PostgreSQL) and, for SQLite, in a
child process on a database file (run as ``python -m tests.concurrency DB_PATH PEOPLE``):
the in-memory database the suite uses on SQLite has table locks that no timeout waits for,
so it cannot stand in for a server's database file.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import traceback
from collections.abc import Sequence
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Outcome:
    person: str
    path: str
    status: int  # 0: the request raised
    error: str = ""


def press_together(people: Sequence[object], paths: Sequence[str]) -> list[Outcome]:
    """Each person POSTs each path, all at once; returns one outcome per request."""
    from django.db import connection
    from django.test import Client

    jobs = [(person, path) for person in people for path in paths]
    barrier = threading.Barrier(len(jobs))
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def one(person: object, path: str) -> None:
        client = Client(raise_request_exception=False)
        client.force_login(person)  # type: ignore[arg-type]
        name = str(person)
        try:
            barrier.wait(timeout=60)
            response = client.post(path)
            outcome = Outcome(name, path, response.status_code)
            if response.status_code >= 500:
                outcome = Outcome(name, path, response.status_code, _error_of(response))
        except Exception:
            outcome = Outcome(name, path, 0, traceback.format_exc(limit=3))
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return outcomes


def _error_of(response: object) -> str:
    exc = getattr(response, "exc_info", None)
    return repr(exc[1]) if exc else f"HTTP {getattr(response, 'status_code', '?')}"


PATHS = ("/labs/groups/start/", "/sandboxes/example-corp/")


def main(db_path: str, people: int) -> None:  # pragma: no cover - runs in a child process
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SECRET_KEY", "concurrency-test-only")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "iamlab.settings"
    import django

    django.setup()
    from pathlib import Path

    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LOGGING = {"version": 1}
    call_command("migrate", verbosity=0)
    root = Path(__file__).resolve().parents[1]
    call_command(
        "load_scenarios", str(root / "fixtures" / "scenarios" / "groups"), stdout=io.StringIO()
    )
    users = [User.objects.create_user(f"student{i}") for i in range(people)]
    # Each student presses every button twice at once: a class, and a double click.
    outcomes = press_together(users + users, PATHS)
    json.dump([asdict(o) for o in outcomes], sys.stdout)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1], int(sys.argv[2]))

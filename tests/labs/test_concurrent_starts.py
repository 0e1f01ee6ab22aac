"""A class starts its lab, and explores Example Corp, at the same moment.

On SQLite a transaction that begins with a read cannot take the write lock later: before
``transaction_mode = IMMEDIATE`` most of eight students pressing "Start this lab" together got a
500 (``database is locked``). Each student here presses each button twice at once (a double
click), so the same person's two requests race too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection

from iamlab.labs.models import LabRun
from iamlab.sandbox.models import Sandbox
from tests.concurrency import PATHS, press_together

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 8


def _assert_all_went_through(outcomes: list[dict[str, object]]) -> None:
    assert len(outcomes) == PEOPLE * 2 * len(PATHS)
    failed = [o for o in outcomes if o["status"] != 302]
    assert failed == [], failed


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite run uses a database file")
def test_a_class_starting_at_once_on_sqlite(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.concurrency", str(tmp_path / "db.sqlite3"), str(PEOPLE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    _assert_all_went_through(json.loads(done.stdout))
    # One run per student and one Example Corp each; the double click started over once.
    import sqlite3

    db = sqlite3.connect(tmp_path / "db.sqlite3")
    try:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        runs = db.execute("SELECT COUNT(*), COUNT(DISTINCT user_id) FROM labs_labrun").fetchone()
        assert runs == (PEOPLE, PEOPLE)
        corps = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT owner_id) FROM sandbox_sandbox "
            "WHERE name = 'Example Corp'"
        ).fetchone()
        assert corps == (PEOPLE, PEOPLE)
    finally:
        db.close()


@pytest.mark.skipif(connection.vendor == "sqlite", reason="needs a server database")
@pytest.mark.django_db(transaction=True)
def test_a_class_starting_at_once_on_a_server_database(groups_lab) -> None:
    users = [User.objects.create_user(f"student{i}") for i in range(PEOPLE)]
    outcomes = press_together(users + users, PATHS)
    _assert_all_went_through([o.__dict__ for o in outcomes])
    assert LabRun.objects.count() == PEOPLE
    assert Sandbox.objects.filter(name="Example Corp").count() == PEOPLE

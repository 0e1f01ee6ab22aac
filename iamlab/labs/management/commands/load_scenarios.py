"""python manage.py load_scenarios PATH [PATH ...]: load scenario folders, zips or trees of them.

All or nothing: every scenario is checked (its files, its world built in a trial sandbox, its
goals) before any is saved; a problem anywhere saves nothing and is printed with its file, line
and field. Loading again updates the scenarios whose files changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from iamlab.labs.loading import Banks, Folders, LoadFailed, load, read_path, read_quizzes
from iamlab.labs.yamlsource import Problem


class Command(BaseCommand):
    help = (
        "Load scenarios (fixtures/scenarios/<slug>/) and quiz banks (<slug>.quiz.yaml) from "
        "folders, zips or trees of them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="a folder, a zip, or a tree")

    def handle(self, *args: Any, **options: Any) -> None:
        folders: Folders = {}
        banks: Banks = {}
        problems: list[Problem] = []
        for path in options["paths"]:
            try:
                found = read_path(path)
                quizzes = read_quizzes(path)
            except LoadFailed as exc:
                problems.extend(exc.problems)
                continue
            if not found and not quizzes:
                problems.append(
                    Problem(str(path), "", "no scenario folder (scenario.yaml) or quiz bank here")
                )
            banks.update(quizzes)
            for slug, value in found.items():
                if slug in folders:
                    problems.append(
                        Problem(value[0], "", f"another folder ({folders[slug][0]}) is {slug}")
                    )
                else:
                    folders[slug] = value
        try:
            if problems:
                raise LoadFailed([])
            report = load(folders, quizzes=banks)
        except LoadFailed as exc:
            lines = [str(p) for p in (*problems, *exc.problems)]
            raise CommandError(
                f"Nothing was loaded: {len(lines)} problem(s).\n" + "\n".join(lines)
            ) from None
        self.stdout.write(f"Scenarios: {report.summary()}.")
        for what, names in (("new", report.created), ("updated", report.updated)):
            for name in names:
                self.stdout.write(f"  {what}: {name}")

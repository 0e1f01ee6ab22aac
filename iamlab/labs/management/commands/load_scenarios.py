"""python manage.py load_scenarios PATH [PATH ...]: load scenario folders, zips or trees of them.

All or nothing: every scenario is checked (its files, its world built in a trial sandbox, its
goals) before any is saved; a problem anywhere saves nothing and is printed with its file, line
and field. Loading again updates the scenarios whose files changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from iamlab.labs.loading import Folders, LoadFailed, load, read_path
from iamlab.labs.yamlsource import Problem


class Command(BaseCommand):
    help = "Load scenarios from folders (fixtures/scenarios/<slug>/), zips or trees of them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="a folder, a zip, or a tree")

    def handle(self, *args: Any, **options: Any) -> None:
        folders: Folders = {}
        problems: list[Problem] = []
        for path in options["paths"]:
            try:
                found = read_path(path)
            except LoadFailed as exc:
                problems.extend(exc.problems)
                continue
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
            report = load(folders)
        except LoadFailed as exc:
            lines = [str(p) for p in (*problems, *exc.problems)]
            raise CommandError(
                f"Nothing was loaded: {len(lines)} problem(s).\n" + "\n".join(lines)
            ) from None
        self.stdout.write(f"Scenarios: {report.summary()}.")
        for what, names in (("new", report.created), ("updated", report.updated)):
            for name in names:
                self.stdout.write(f"  {what}: {name}")

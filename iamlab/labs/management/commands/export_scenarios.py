"""python manage.py export_scenarios [SLUG ...] (--to DIR | --zip FILE): loaded scenarios back
to folders (fixtures/scenarios/<slug>/ style) or to one zip, exactly as they were written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from iamlab.labs.loading import export_zip
from iamlab.labs.models import Scenario


class Command(BaseCommand):
    help = "Write loaded scenarios back to folders or a zip that load_scenarios reads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="the scenarios (default: all)")
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--to", type=Path, help="a folder: one sub-folder per scenario")
        where.add_argument("--zip", type=Path, help="a zip file")

    def handle(self, *args: Any, **options: Any) -> None:
        slugs: list[str] = options["slugs"]
        scenarios = list(
            Scenario.objects.filter(slug__in=slugs) if slugs else Scenario.objects.all()
        )
        missing = sorted(set(slugs) - {s.slug for s in scenarios})
        if missing:
            raise CommandError(f"No loaded scenario {', '.join(missing)}.")
        if options["zip"] is not None:
            options["zip"].write_bytes(export_zip(scenarios))
            self.stdout.write(f"Wrote {len(scenarios)} scenario(s) to {options['zip']}.")
            return
        root: Path = options["to"]
        for scenario in scenarios:
            folder = root / scenario.slug
            if folder.exists() and any(folder.iterdir()):
                raise CommandError(f"{folder} exists and is not empty; nothing was written.")
        for scenario in scenarios:
            folder = root / scenario.slug
            folder.mkdir(parents=True, exist_ok=True)
            for name, text in scenario.files.items():
                (folder / name).write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {len(scenarios)} scenario folder(s) under {root}.")

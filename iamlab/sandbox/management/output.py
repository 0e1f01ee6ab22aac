"""What the sandbox's commands print: to standard output, or to the file -o names."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


def emit(command: BaseCommand, text: str, output: str) -> None:
    """Write ``text`` to the file ``output`` names, or to the command's standard output."""
    if not output:
        command.stdout.write(text, ending="")
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        raise CommandError(f"Cannot write {output}: {error}.") from error

"""``python manage.py simulate_custom_policy``: AWS's ``aws iam simulate-custom-policy``, offline.

A thin wrapper around :mod:`iamlab.simulator.awscli`; see docs/simulate-custom-policy.md.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from iamlab.simulator.awscli import (
    SimulationInputError,
    load_request,
    read_input,
    read_lines,
    simulate,
    simulate_lines,
)


class Command(BaseCommand):
    help = (
        "Simulate IAM policies like AWS's `aws iam simulate-custom-policy`: read the request "
        "JSON (--cli-input-json FILE, or - for standard input) and print AWS's response. "
        "--batch FILE.jsonl reads one request per line and prints one response per line."
    )
    # Tests pass stdin=StringIO(...) through call_command.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--cli-input-json",
            metavar="FILE",
            help="a SimulateCustomPolicy request as JSON (- for standard input)",
        )
        source.add_argument(
            "--batch",
            metavar="FILE",
            help="JSON Lines, one request per line (- for standard input); prints one "
            "compact response per line",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stdin: TextIO = options.get("stdin") or sys.stdin
        if options.get("batch"):
            self._batch(options["batch"], stdin)
            return
        try:
            text = read_input(options["cli_input_json"], stdin)
            response = simulate(load_request(text))
        except SimulationInputError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(response, indent=2, ensure_ascii=False))

    def _batch(self, path: str, stdin: TextIO) -> None:
        failed: list[int] = []
        total = 0
        try:
            for answer in simulate_lines(read_lines(path, stdin, option="--batch")):
                total += 1
                if not answer.ok:
                    failed.append(answer.line)
                self.stdout.write(
                    json.dumps(answer.output, separators=(",", ":"), ensure_ascii=False)
                )
        except SimulationInputError as error:
            raise CommandError(str(error)) from None
        if failed:
            plural = "s" if len(failed) > 1 else ""
            raise CommandError(
                f"--batch: {len(failed)} of {total} requests failed (line{plural} "
                f"{', '.join(str(n) for n in failed)}); see the Error objects in the output"
            )

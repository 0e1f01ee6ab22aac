"""``manage.py import_authorization_details FILE --owner USERNAME [--sandbox NAME]``

Imports the output of ``aws iam get-account-authorization-details`` (``-`` reads it from standard
input) as a new account of the owner's sandbox NAME, creating the sandbox when the owner has
none of that name. Nothing remains when the file cannot be imported, not even a sandbox the
command created.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from iamlab.sandbox.authorization_details import (
    ImportProblem,
    account_counts,
    import_account,
    taken_from_file,
)
from iamlab.sandbox.models import Sandbox

DEFAULT_SANDBOX = "Imported accounts"


class Command(BaseCommand):
    help = "Import an `aws iam get-account-authorization-details` JSON file as a sandbox account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the JSON file, or - for standard input")
        parser.add_argument("--owner", required=True, help="username of the sandbox's owner")
        parser.add_argument(
            "--sandbox",
            default=DEFAULT_SANDBOX,
            help=f"the owner's sandbox to import into, created if missing ({DEFAULT_SANDBOX!r})",
        )
        parser.add_argument(
            "--account-name", default="", help="name of the new account (Imported <id>)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        owner = get_user_model().objects.filter(username=options["owner"]).first()
        if owner is None:
            raise CommandError(f"No user is named {options['owner']!r}.")
        data = self.read(options["file"])
        name = options["sandbox"].strip()
        if not name or len(name) > 100:
            raise CommandError("A sandbox name has 1 to 100 characters.")
        start = time.perf_counter()
        try:
            with transaction.atomic():
                sandbox = Sandbox.objects.filter(owner=owner, name__iexact=name).first()
                created = sandbox is None
                if sandbox is None:
                    sandbox = Sandbox.objects.create(owner=owner, name=name)
                account = import_account(sandbox, data, account_name=options["account_name"])
        except ImportProblem as problem:
            raise CommandError(f"Nothing was imported. {problem}") from problem
        seconds = time.perf_counter() - start
        counts = ", ".join(f"{n} {label}" for label, n in account_counts(account).items())
        where = "new sandbox" if created else "sandbox"
        self.stdout.write(
            f"Imported account {account.account_id} ({account.name}) into {where} "
            f'"{sandbox.name}": {counts} in {seconds:.2f} s.'
        )
        for line in taken_from_file(account):
            self.stdout.write(f"AWS managed policy taken from the file: {line}.")

    def read(self, file: str) -> bytes:
        if file == "-":
            stream = sys.stdin
            buffer = getattr(stream, "buffer", None)
            return buffer.read() if buffer is not None else stream.read().encode()
        try:
            return Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from error

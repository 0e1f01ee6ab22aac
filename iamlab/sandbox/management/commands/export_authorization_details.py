"""``manage.py export_authorization_details --owner USERNAME --sandbox NAME --account ID [-o FILE]``

Prints one sandbox account in the format of ``aws iam get-account-authorization-details``
(policy documents decoded, as the CLI prints them), indented by 2.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from iamlab.sandbox.authorization_details import export_account
from iamlab.sandbox.management.output import emit
from iamlab.sandbox.models import Account, Sandbox


class Command(BaseCommand):
    help = "Export a sandbox account as `aws iam get-account-authorization-details` JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", required=True, help="username of the sandbox's owner")
        parser.add_argument("--sandbox", required=True, help="name of the owner's sandbox")
        parser.add_argument("--account", required=True, help="the 12-digit account id")
        parser.add_argument("-o", "--output", default="", help="write to FILE, not stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = get_user_model().objects.filter(username=options["owner"]).first()
        if owner is None:
            raise CommandError(f"No user is named {options['owner']!r}.")
        sandbox = Sandbox.objects.filter(owner=owner, name__iexact=options["sandbox"]).first()
        if sandbox is None:
            raise CommandError(f"{owner.username} has no sandbox named {options['sandbox']!r}.")
        account = Account.objects.filter(sandbox=sandbox, account_id=options["account"]).first()
        if account is None:
            raise CommandError(
                f"The sandbox {sandbox.name!r} has no account {options['account']!r}."
            )
        text = json.dumps(export_account(account), indent=2, ensure_ascii=False) + "\n"
        emit(self, text, options["output"])

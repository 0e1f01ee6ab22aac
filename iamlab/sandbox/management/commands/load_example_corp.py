"""``python manage.py load_example_corp --owner USERNAME``: give a learner the demo sandbox."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from iamlab.sandbox import demo
from iamlab.sandbox.models import Sandbox


class Command(BaseCommand):
    help = (
        'Create the "Example Corp" demo sandbox for a user: an organization, IAM users, groups, '
        "roles, identity providers, resources and IAM Identity Center. Does nothing if the user "
        "already has a sandbox of that name."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", required=True, help="username of the sandbox's owner")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["owner"]
        user_model = get_user_model()
        try:
            owner = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist as exc:
            raise CommandError(f'There is no user "{username}". Create it first.') from exc
        existed = Sandbox.objects.filter(owner=owner, name__iexact=demo.NAME).exists()
        sandbox = demo.build_example_corp(owner)
        if existed:
            self.stdout.write(
                f'{username} already has the sandbox "{sandbox.name}" (id {sandbox.pk}); '
                "left it unchanged."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f'Created the sandbox "{sandbox.name}" (id {sandbox.pk}) for {username}:'
            )
        )
        for label, count in demo.summary(sandbox).items():
            self.stdout.write(f"  {label}: {count}")

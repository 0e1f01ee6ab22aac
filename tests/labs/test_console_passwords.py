"""A lab world's console passwords: ``console_password: true`` gives iamlab's default password,
text gives that password (checked against AWS's default password policy,
id_credentials_passwords_account-policy.html), and the lab's page tells the learner each one,
since a learner who must sign in as a lab's user needs its password
(id_users_sign-in.html)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from iamlab.labs.models import Scenario
from iamlab.labs.world import WorldInvalid, build_world, console_passwords
from iamlab.labs.yamlsource import read_yaml
from iamlab.sandbox.models import DEFAULT_CONSOLE_PASSWORD, IamUser, Sandbox

from .conftest import signed_in

pytestmark = pytest.mark.django_db

WORLD = """\
accounts:
  - name: Dev
    id: "111122223333"
users:
  - name: ann
    console_password: true
  - name: bob
    console_password: "Bob-Passw0rd"
  - name: cy
  - name: dee
    console_password: true
"""


def _sandbox() -> Sandbox:
    _, user = signed_in(f"lee{Sandbox.objects.count()}")
    return Sandbox.objects.create(owner=user, name="s")


def test_a_world_gives_the_default_password_or_its_own() -> None:
    sandbox = _sandbox()
    build_world(sandbox, read_yaml(WORLD, "world.yaml"))
    users = {u.name: u for u in IamUser.objects.filter(sandbox=sandbox)}
    assert users["ann"].check_console_password(DEFAULT_CONSOLE_PASSWORD)
    assert users["bob"].check_console_password("Bob-Passw0rd")
    assert not users["bob"].check_console_password(DEFAULT_CONSOLE_PASSWORD)
    assert (users["cy"].console_password, users["cy"].password_hash) == (False, "")
    assert all("Passw0rd" not in u.password_hash for u in users.values())


def test_the_passwords_a_world_gives_with_their_users() -> None:
    assert console_passwords(read_yaml(WORLD, "world.yaml").data) == [
        (DEFAULT_CONSOLE_PASSWORD, ["ann", "dee"]),
        ("Bob-Passw0rd", ["bob"]),
    ]


@pytest.mark.parametrize(
    ("value", "says"),
    [('"short"', "8 to 128 characters"), ("12345", "true, false or the password")],
)
def test_a_world_password_that_aws_would_refuse_is_a_problem(value: str, says: str) -> None:
    text = WORLD.replace('"Bob-Passw0rd"', value)
    with pytest.raises(WorldInvalid) as caught:
        build_world(_sandbox(), read_yaml(text, "world.yaml"))
    problems = [str(p) for p in caught.value.problems]
    assert any("console_password" in p and says in p for p in problems), problems


def test_the_lab_page_tells_the_learner_the_console_passwords(groups_lab: Scenario) -> None:
    client, _ = signed_in("sam")
    page = client.get(reverse("labs:scenario", args=["groups"])).content.decode()
    assert 'data-testid="lab-passwords"' in page
    assert f"<code>{DEFAULT_CONSOLE_PASSWORD}</code>" in page
    names = dict(console_passwords(read_yaml(groups_lab.files["world.yaml"], "w").data))
    assert all(name in page for name in names[DEFAULT_CONSOLE_PASSWORD])

"""What the policy simulator refuses, and says why, instead of a 500: a NUL character (U+0000)
in a request field, which it kept and PostgreSQL cannot store (DataError), and JSON nested
past any use, which ``json.loads`` followed until RecursionError."""

from __future__ import annotations

import json

import pytest

from iamlab.simulator.awscli import SimulationInputError, load_request
from iamlab.simulator.models import Simulation
from iamlab.web import NUL_ERROR

from .test_views import URL, form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("principal", "arn:aws:iam::111122223333:user/al\x00ice"),
        ("action", "s3:GetObject\x00"),
        ("resource", "arn:aws:s3:::bucket/key\x00"),
        ("context", "aws:username = bob\x00"),
        ("resource_owner", "111122223333\x00"),
    ],
)
def test_a_request_field_with_nul_is_refused_and_nothing_kept(client, field, value):
    response = client.post(URL, form(**{field: value}))
    assert response.context["errors"][field] == NUL_ERROR
    assert response.context["data"][field] == value  # as typed, to correct
    assert Simulation.objects.count() == 0


def test_a_context_list_nested_too_deep_is_refused(client):
    response = client.post(URL, form(context="aws:TagKeys = " + "[" * 100_000))
    assert response.context["errors"]["context"] == "line 1: a list value must hold plain values"
    assert Simulation.objects.count() == 0


def test_a_context_value_aws_never_sends_is_refused(client):
    # aws:SourceIp = 999.1.1.1 made a NotIpAddress Allow hold (reference_policies_condition-keys)
    response = client.post(URL, form(context="aws:SourceIp = 999.1.1.1"))
    assert response.context["errors"]["context"].startswith(
        'line 1: "999.1.1.1" is not a value of aws:SourceIp, which AWS sets to an IP address'
    )
    assert Simulation.objects.count() == 0


def test_cli_input_nested_too_deep_is_refused_with_where():
    with pytest.raises(SimulationInputError) as raised:
        load_request('{"ActionNames":\n' + "[" * 100_000)
    assert "line 2, column 64: Invalid JSON: lists and objects are nested more than 64 deep" in (
        json.dumps(raised.value.as_dict())
    )

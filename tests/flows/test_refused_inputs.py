"""What the identity flows refuse with a 400 and why, never a 500: a NUL character (U+0000),
which PostgreSQL cannot compare with (DataError), and JSON nested past any use, which
``json.loads`` followed until RecursionError."""

from __future__ import annotations

import pytest

from iamlab.sandbox import models
from iamlab.web import NUL_ERROR

from .test_federation import post_web
from .test_flows import account, acting, url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["user_name", "mfa_code"])
def test_signing_in_with_nul_is_refused_and_signs_nobody_in(web, corp, field):
    data = {"how": "user", "account": account(corp, "Production").pk, "user_name": "alice"}
    data[field] = data.get(field, "") + "\x00"
    response = web.post(url("sign_in", corp), data)
    assert response.status_code == 400
    assert response.context["result"].error == NUL_ERROR
    assert response.context["result"].field == field
    assert acting(corp) == ""


def test_token_claims_nested_too_deep_are_refused_with_where(web, corp):
    response = post_web(web, corp, '{"iss":\n ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert response.status_code == 400
    assert response.context["form"].errors["claims"] == [
        "line 2, column 65: The claims are not valid JSON: lists and objects are nested more "
        "than 64 deep here; the limit is 64."
    ]
    assert not models.StsSession.objects.filter(sandbox=corp).exists()


def test_acting_as_a_key_with_nul_is_refused_and_changes_nothing(web, corp):
    response = web.post(url("act", corp), {"key": "user:1\x00"})
    assert response.status_code == 302
    said = [str(m) for m in web.get(response["Location"]).context["messages"]]
    assert said == ["That identity is not in this sandbox."]
    assert acting(corp) == ""

"""What can limit the root user, said in one sentence everywhere: the engine's reason, the root
sign-in page, the account's page, the graph's panel and the glossary all use
``iamlab.policy.ROOT_USER_LIMITS``.

Sources: no identity-based policy or permissions boundary attaches to the root user
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html); SCPs limit a member
account's root user, never the management account
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html);
RCPs limit access to a member account's resources, whoever asks
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html); an
explicit deny in a resource-based policy applies to every principal
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.html import escape

from iamlab.labs import primers
from iamlab.policy import (
    ALLOWED,
    EXPLICIT_DENY,
    ROOT_USER_LIMITS,
    PolicyType,
    Request,
    evaluate,
    parse_policy,
)
from iamlab.sandbox import demo, models

pytestmark = pytest.mark.django_db

ROOT = f"arn:aws:iam::{demo.PRODUCTION_ID}:root"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _shows(html: str) -> bool:
    return escape(ROOT_USER_LIMITS) in html


def test_the_sentence_names_what_limits_the_root_user_and_what_cannot():
    for said in ("no identity-based policy", "permissions boundary", "SCPs", "RCPs"):
        assert said in ROOT_USER_LIMITS
    assert "member account" in ROOT_USER_LIMITS
    assert "explicit deny in a resource-based policy" in ROOT_USER_LIMITS


def test_the_engines_reason_is_the_sentence():
    allowed = evaluate(Request(principal=ROOT, action="s3:ListAllMyBuckets", resource="*"))
    assert allowed.decision == ALLOWED
    assert ROOT_USER_LIMITS in allowed.reason


def test_an_explicit_deny_in_a_resource_policy_applies_to_the_root_user():
    bucket_policy = parse_policy(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",'
        '"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}',
        PolicyType.RESOURCE,
    )
    request = Request(principal=ROOT, action="s3:GetObject", resource="arn:aws:s3:::b/k")
    assert evaluate(request, resource_policy=bucket_policy).decision == EXPLICIT_DENY


def test_the_root_sign_in_page_says_it(web, corp):
    production = models.Account.objects.get(sandbox=corp, account_id=demo.PRODUCTION_ID)
    html = web.get(
        reverse("flows:sign_in", args=[corp.pk]), {"how": "root", "account": production.pk}
    ).content.decode()
    assert _shows(html)
    assert "no policy of the account can limit it" not in html


def test_the_accounts_page_says_it(web, corp):
    production = models.Account.objects.get(sandbox=corp, account_id=demo.PRODUCTION_ID)
    html = web.get(production.get_absolute_url()).content.decode()
    assert _shows(html)


def test_the_graphs_root_panel_says_it(web, corp):
    response = web.get(reverse("sandbox:graph_node", args=[corp.pk]), {"id": ROOT})
    assert response.status_code == 200
    assert _shows(response.content.decode())


def test_the_glossary_says_it():
    assert ROOT_USER_LIMITS in " ".join(primers.glossary()["root-user"].text.split())


def test_no_template_keeps_an_older_wording():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "no policy of the account can limit" not in text, path
        assert "SCPs still limit it" not in text, path

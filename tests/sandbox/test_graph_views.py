"""The access graph in the browser and on the command line, on Example Corp."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from iamlab.sandbox import demo, models

from .factories import PersonFactory

pytestmark = pytest.mark.django_db

DEV = "777788889999"
ALICE = f"arn:aws:iam::{DEV}:user/alice"
BOB = f"arn:aws:iam::{DEV}:user/bob"
AUDITOR = "arn:aws:iam::123456789012:user/auditor"
READ_ONLY_AUDITOR = f"arn:aws:iam::{DEV}:role/ReadOnlyAuditor"


def graph_url(corp, name="graph", *args):
    return reverse(f"sandbox:{name}", args=[corp.pk, *args])


def test_the_page_draws_the_graph_with_its_admins_and_a_key(web, corp):
    response = web.get(graph_url(corp))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    assert "</svg>" in html
    assert "★ admin" in html  # alice, through the Admins group
    assert response.context["admins"][0].id == ALICE
    assert "graph-ids" in html  # the DOT id -> ARN map for clicks
    assert "only under a condition" in html  # the key
    assert 'href="' + graph_url(corp) + '"' in html  # in the sandbox menu


def test_the_panel_of_a_node_says_what_it_can_reach_and_under_which_condition(web, corp):
    response = web.get(graph_url(corp, "graph_node"), {"id": AUDITOR})
    assert response.status_code == 200
    html = response.content.decode()
    assert "ReadOnlyAuditor" in html
    assert "aws:MultiFactorAuthPresent" in html  # the trust policy asks for MFA
    assert "Ask the access check as it" in html


def test_an_admin_panel_counts_the_principals_it_implicitly_reaches(web, corp):
    html = web.get(graph_url(corp, "graph_node"), {"id": ALICE}).content.decode()
    assert "★ Admin" in html
    assert "every principal of its account" in html


def test_what_a_principal_can_do_is_asked_of_the_engine(web, corp):
    response = web.get(graph_url(corp, "graph_actions"), {"id": BOB})
    assert response.status_code == 200
    services = {row.service for row in response.context["rows"]}
    # bob has PowerUserAccess capped by DeveloperBoundary v2 (storage, monitoring, compute):
    # exactly the boundary's services, plus sts:GetCallerIdentity, which needs no permission.
    # The requests carry a region, or the organization's region guardrail would deny them.
    assert services == {"s3", "cloudwatch", "logs", "ec2", "lambda", "dynamodb", "sts"}


def test_unknown_nodes_are_404_in_the_panel(web, corp):
    assert (
        web.get(graph_url(corp, "graph_node"), {"id": "arn:aws:iam::1:user/x"}).status_code == 404
    )


def test_a_path_is_highlighted_with_every_step_explained(web, corp):
    response = web.get(graph_url(corp), {"from": AUDITOR, "to": READ_ONLY_AUDITOR})
    path = response.context["path"]
    assert [(e.source, e.target, e.kind) for e in path] == [(AUDITOR, READ_ONLY_AUDITOR, "assume")]
    html = response.content.decode()
    assert "1 step from auditor to ReadOnlyAuditor" in html
    # Both ends stay chosen in the lists, for the next question.
    assert f'value="{AUDITOR}" selected' in html
    assert f'value="{READ_ONLY_AUDITOR}" selected' in html
    assert "highlight" in html  # the path's edge is drawn highlighted


def test_no_path_is_said_plainly(web, corp):
    response = web.get(graph_url(corp), {"from": f"arn:aws:iam::{DEV}:user/carol", "to": ALICE})
    assert response.context["path"] is None
    assert "No way from carol to alice" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "arn:aws:iam::1:user/ghost", "to": ALICE}, "from", "no such node"),
        ({"from": ALICE}, "to", "Pick both ends"),
        ({"from": ALICE, "to": ALICE}, "to", "two different nodes"),
        ({"action": "s3:GetObjekt"}, "action", "GetObject"),
        ({"action": "GetObject"}, "action", "service:Name"),
        ({"resource": "arn:aws:s3:::x"}, "action", "Name the action"),
    ],
)
def test_bad_questions_get_a_message_on_their_field(web, corp, params, field, message):
    response = web.get(graph_url(corp), params)
    assert response.status_code == 200
    assert message in response.context["q"].errors[field]


def test_who_can_do_an_action_counts_direct_and_escalated_principals(web, corp):
    bucket = web.get(
        graph_url(corp),
        {"action": "s3:GetObject", "resource": "arn:aws:s3:::example-corp-reports/a"},
    )
    # The reports bucket is in the Audit account and its policy trusts only that account.
    direct = {n.id for n, _ in bucket.context["found"].direct}
    assert AUDITOR in direct
    assert ALICE not in direct
    response = web.get(graph_url(corp), {"action": "iam:ListRoles"})
    found = response.context["found"]
    direct = {n.id for n, _ in found.direct}
    assert {ALICE, READ_ONLY_AUDITOR} <= direct
    ways = {n.id: way for n, way in found.indirect}
    # The auditor cannot list roles itself, but can assume ReadOnlyAuditor or
    # ProductionAuditor, which can: one step.
    assert AUDITOR not in direct
    (step,) = ways[AUDITOR]
    assert step.source == AUDITOR
    assert step.target in direct
    assert step.kind == "assume"
    assert found.nodes >= {AUDITOR, ALICE}  # highlighted in the picture
    assert "Through another identity" in response.content.decode()


def test_filters_keep_one_account(web, corp):
    response = web.get(graph_url(corp), {"account": "123456789012"})
    svg = response.context["svg"]
    assert "auditor" in svg
    assert ">alice<" not in svg


@pytest.mark.parametrize("fmt", ["svg", "png", "dot", "json"])
def test_exports_download(web, corp, fmt):
    response = web.get(graph_url(corp, "graph_export", fmt))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    if fmt == "png":
        assert body.startswith(b"\x89PNG")
    elif fmt == "svg":
        assert b"<svg" in body
        assert b"<script" not in body
    elif fmt == "dot":
        assert body.startswith(b"digraph access {")
    else:
        data = json.loads(body)
        assert set(data) == {"nodes", "edges", "relations"}
        alice = next(n for n in data["nodes"] if n["arn"] == ALICE)
        assert alice["is_admin"] is True
        assert alice["type"] == "user"
        bucket = next(n for n in data["nodes"] if n["type"] == "resource")
        assert "is_admin" not in bucket  # principals only
        assert {r["kind"] for r in data["relations"]} >= {"member_of", "profile_of"}


def test_an_unknown_export_format_is_404(web, corp):
    assert web.get(f"/sandboxes/{corp.pk}/graph/export.gif").status_code == 404


def test_the_graph_follows_edits_to_the_sandbox(web, corp):
    carol = models.IamUser.objects.get(sandbox=corp, name="carol")
    admins = models.IamGroup.objects.get(sandbox=corp, name="Admins")
    before = web.get(graph_url(corp)).context["graph"]
    assert not before.nodes[f"arn:aws:iam::{DEV}:user/carol"].is_admin
    admins.members.add(carol)
    after = web.get(graph_url(corp)).context["graph"]
    assert after.nodes[f"arn:aws:iam::{DEV}:user/carol"].is_admin


def test_user_text_is_escaped_in_the_svg(web, corp):
    account = models.Account.objects.get(sandbox=corp, account_id=DEV)
    sso = models.SsoUser.objects.create(
        sandbox=corp,
        user_name='<script>alert("x")</script>\\N',
        display_name="x",
        email="x@example.com",
    )
    permission_set = models.PermissionSet.objects.get(sandbox=corp, name="PowerUser")
    from iamlab.sandbox import services

    services.assign(permission_set, account, sso_user=sso)
    html = web.get(graph_url(corp)).content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    assert "\\N" in svg  # shown as typed, not expanded by Graphviz


def test_flow_pages_load_their_part_of_the_graph(web, corp):
    page = web.get(reverse("flows:ec2", args=[corp.pk])).content.decode()
    part_url = graph_url(corp, "graph_part", "ec2")
    assert part_url in page
    part = web.get(part_url)
    assert part.status_code == 200
    svg = part.context["svg"]
    assert "WebAppRole" in svg
    assert "WebAppProfile" in svg
    assert "ec2.amazonaws.com" in svg
    assert web.get(graph_url(corp, "graph_part", "nonsense")).status_code == 404


def test_the_command_prints_json_dot_and_svg(corp, person):
    out = io.StringIO()
    call_command("access_graph", DEV, "--owner", person.username, stdout=out)
    data = json.loads(out.getvalue())
    assert any(n["arn"] == ALICE and n["is_admin"] for n in data["nodes"])
    assert all(set(e) >= {"source", "target", "kind", "reason"} for e in data["edges"])
    out = io.StringIO()
    call_command("access_graph", DEV, "--owner", person.username, "--format", "dot", stdout=out)
    assert out.getvalue().startswith("digraph access {")
    out = io.StringIO()
    call_command("access_graph", DEV, "--owner", person.username, "--format", "svg", stdout=out)
    assert out.getvalue().startswith("<svg")


class _Exited(Exception):
    """What the patched ``os._exit`` raises, so the test sees the code it was given."""


@pytest.mark.django_db(transaction=True)  # run_from_argv closes the connections it used
def test_from_the_command_line_it_flushes_the_graph_then_ends_the_process(
    corp, person, monkeypatch
):
    from iamlab.sandbox.management.commands.access_graph import Command

    def exit_now(code: int) -> None:
        raise _Exited(code)

    monkeypatch.setattr("os._exit", exit_now)
    raw = io.BytesIO()
    # Block-buffered, as a pipe is: what was not flushed never reaches ``raw``.
    piped = io.TextIOWrapper(io.BufferedWriter(raw, buffer_size=1 << 20), encoding="utf-8")
    with pytest.raises(_Exited) as ended:
        Command(stdout=piped).run_from_argv(
            ["manage.py", "access_graph", DEV, "--owner", person.username]
        )
    assert ended.value.args == (0,)
    data = json.loads(raw.getvalue().decode())  # all of it reached the pipe before the end
    assert any(n["arn"] == ALICE for n in data["nodes"])

    # A refusal still leaves through SystemExit with its message and code, not os._exit.
    errors = io.StringIO()
    with pytest.raises(SystemExit) as refused:
        Command(stderr=errors).run_from_argv(["manage.py", "access_graph", "12345"])
    assert refused.value.code == 1
    assert "12 digits" in errors.getvalue()


def test_the_command_explains_what_it_needs(corp, person):
    with pytest.raises(CommandError, match="12 digits"):
        call_command("access_graph", "12345")
    with pytest.raises(CommandError, match="No sandbox has an account"):
        call_command("access_graph", "999999999999")
    demo.build_example_corp(PersonFactory(username="other"))
    with pytest.raises(CommandError, match="choose one with"):
        call_command("access_graph", DEV)


def test_a_session_is_summarized_with_its_session_policy(web, corp):
    role = models.Role.objects.get(sandbox=corp, name="ReadOnlyAuditor")
    now = corp.now()
    session = models.StsSession.objects.create(
        sandbox=corp,
        account=role.account,
        role=role,
        arn=f"arn:aws:sts::{DEV}:assumed-role/ReadOnlyAuditor/narrow",
        session_name="narrow",
        access_key_id="ASIAEXAMPLEEXAMPLE",
        issued_at=now,
        expires_at=now + dt.timedelta(hours=1),
        duration_seconds=3600,
        session_policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}],
            }
        ),
    )
    graph = web.get(graph_url(corp)).context["graph"]
    assert graph.nodes[session.arn].type == "session"
    assert not graph.nodes[session.arn].is_admin
    rows = web.get(graph_url(corp, "graph_actions"), {"id": session.arn}).context["rows"]
    # The role may read every service; its session policy keeps only S3's List actions, and
    # sts:GetCallerIdentity, which needs no permission (id_credentials_temp_request).
    by_service = {row.service: row for row in rows}
    assert set(by_service) == {"s3", "sts"}
    assert {level.level for level in by_service["s3"].levels} == {"List"}
    assert [a for lv in by_service["sts"].levels for a in lv.allowed] == ["GetCallerIdentity"]
    role_rows = web.get(graph_url(corp, "graph_actions"), {"id": role.arn}).context["rows"]
    assert len(role_rows) > 10


def test_a_flow_page_acting_as_a_session_shows_the_role_behind_it(web, corp):
    role = models.Role.objects.get(sandbox=corp, name="ReadOnlyAuditor")
    now = corp.now()
    session = models.StsSession.objects.create(
        sandbox=corp,
        account=role.account,
        role=role,
        arn=f"arn:aws:sts::{DEV}:assumed-role/ReadOnlyAuditor/me",
        session_name="me",
        access_key_id="ASIAEXAMPLEEXAMPLE",
        issued_at=now,
        expires_at=now + dt.timedelta(hours=1),
        duration_seconds=3600,
    )
    corp.acting_as = session.key
    corp.save(update_fields=["acting_as"])
    svg = web.get(graph_url(corp, "graph_part", "switch")).context["svg"]
    assert "ReadOnlyAuditor" in svg
    assert ">alice<" not in svg  # not everybody: the role, its session and its neighbours


def test_a_drawing_too_wide_to_read_when_fitted_opens_at_its_own_size_around_its_centre(web, corp):
    # Example Corp's 40 nodes are far wider than the page: fitted, their labels shrink below
    # what a learner can read, so the canvas opens at full size and scrolls to the centre.
    whole = web.get(graph_url(corp) + "?all=1").content.decode()
    assert 'class="graph-canvas" id="graph-canvas"' in whole
    assert 'data-graph-fit aria-pressed="false"' in whole
    # One account's few nodes fit the page's width and stay readable.
    few = web.get(graph_url(corp) + "?account=123456789012").content.decode()
    assert 'class="graph-canvas fit" id="graph-canvas"' in few
    assert 'data-graph-fit aria-pressed="true"' in few


def test_a_user_who_may_roll_its_policy_back_to_an_admin_version_is_an_admin(db):
    # id_credentials_permissions-escalation / IAM API SetDefaultPolicyVersion: a principal
    # that may set the default version of a policy attached to it gets whatever an older
    # version grants; here v1 allows everything.
    import json

    from iamlab.sandbox.graphing import access_graph
    from tests.sandbox.factories import (
        AccountFactory,
        IamUserFactory,
        ManagedPolicyFactory,
        PolicyVersionFactory,
    )

    account = AccountFactory()
    policy = ManagedPolicyFactory(account=account, name="Deployer", version=None)
    everything = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    rollback = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:SetDefaultPolicyVersion", "Resource": "*"}
        ],
    }
    PolicyVersionFactory(
        policy=policy, version_id="v1", document=json.dumps(everything), is_default=False
    )
    PolicyVersionFactory(
        policy=policy, version_id="v2", document=json.dumps(rollback), is_default=True
    )
    user = IamUserFactory(account=account, name="rollo")
    user.managed_policies.add(policy)
    graph = access_graph(account.sandbox)
    node = graph.nodes[f"arn:aws:iam::{account.account_id}:user/rollo"]
    assert node.is_admin

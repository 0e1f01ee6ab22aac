"""The sandbox pages: what a learner can do in the browser, and what nobody else can."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from iamlab.sandbox import models, services
from iamlab.sandbox.awsmanaged import aws_policy

from .factories import (
    IamGroupFactory,
    IamUserFactory,
    ManagedPolicyFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db

ALLOW_S3 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)


def url(name, *args):
    return reverse(f"sandbox:{name}", args=args)


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow_messages(client, response):
    """What the next page says: its messages, and a refused action's error by its form."""
    assert response.status_code == 302, response.content[:500]
    page = client.get(response["Location"])
    said = [str(m) for m in page.context["messages"]]
    if page.context.get("action_error"):
        said.append(page.context["action_error"]["message"])
    return said


# -- sandboxes ---------------------------------------------------------------------------------


def test_sign_in_is_required(client, sandbox):
    response = client.get(url("overview", sandbox.pk))
    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]


def test_create_a_sandbox_and_see_it(client_in):
    response = client_in.post(url("list"), {"name": "Practice", "description": "first try"})
    sandbox = models.Sandbox.objects.get(name="Practice")
    assert response["Location"] == sandbox.get_absolute_url()
    page = client_in.get(sandbox.get_absolute_url())
    assert page.status_code == 200
    assert "Main" in page.content.decode()  # the account it starts with
    again = client_in.post(url("list"), {"name": "practice"})
    assert again.status_code == 400  # refused: the form again, with why
    assert "You already have a sandbox with this name." in again.content.decode()


def test_delete_a_sandbox_after_confirming(client_in, sandbox):
    assert client_in.get(url("delete_sandbox", sandbox.pk)).status_code == 200
    client_in.post(url("delete_sandbox", sandbox.pk))
    assert not models.Sandbox.objects.filter(pk=sandbox.pk).exists()


# -- creating and editing objects --------------------------------------------------------------


def test_create_user_validates_as_iam_does(client_in, sandbox, account):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names
    create = url("create", sandbox.pk, "users")
    bad = client_in.post(create, {"account": account.pk, "name": "bad name!", "path": "/"})
    assert bad.status_code == 400  # refused: the form again, with why
    assert "may use only letters, digits" in bad.content.decode()
    assert 'value="bad name!"' in bad.content.decode()  # nothing typed is lost
    ok = client_in.post(
        create, {"account": account.pk, "name": "alice", "path": "/eng/", "tags": "team = blue"}
    )
    user = models.IamUser.objects.get(name="alice")
    assert ok["Location"] == user.get_absolute_url()
    assert user.tags == {"team": "blue"}
    assert user.unique_id.startswith("AIDA")
    dup = client_in.post(create, {"account": account.pk, "name": "ALICE", "path": "/"})
    assert "already has a IAM user named ALICE" in dup.content.decode() or (
        "already has" in dup.content.decode()
    )
    assert models.IamUser.objects.filter(sandbox=sandbox).count() == 1


def test_create_a_stack_and_a_build_project_that_run_as_roles(client_in, sandbox, account):
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html
    # https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html
    role = RoleFactory(account=account, name="DeployRole")
    create = url("create", sandbox.pk, "resources")
    for kind, name in (("stack", "network-stack"), ("build", "web-app-build")):
        response = client_in.post(
            create,
            {
                "account": account.pk,
                "kind": kind,
                "name": name,
                "region": "eu-west-1",
                "role": role.pk,
                "policy": "",
                "tags": "",
            },
        )
        resource = models.Resource.objects.get(sandbox=sandbox, kind=kind)
        assert response["Location"] == resource.get_absolute_url()
        page = client_in.get(resource.get_absolute_url()).content.decode()
        assert "<dt>Service role</dt>" in page
        assert "has no resource-based policy" in page
    stack = models.Resource.objects.get(sandbox=sandbox, kind="stack")
    assert stack.arn.startswith(
        f"arn:aws:cloudformation:eu-west-1:{account.account_id}:stack/network-stack/"
    )
    used_by = client_in.get(role.get_absolute_url()).content.decode()
    assert "CloudFormation stack" in used_by
    assert "CodeBuild project" in used_by
    assert "(service role)" in used_by


def test_bad_tags_name_the_line(client_in, sandbox, account):
    response = client_in.post(
        url("create", sandbox.pk, "users"),
        {"account": account.pk, "name": "bob", "path": "/", "tags": "team = red\noops"},
    )
    assert "Line 2: write each tag as key = value." in response.content.decode()


def test_role_trust_policy_error_names_line_and_column(client_in, sandbox, account):
    response = client_in.post(
        url("create", sandbox.pk, "roles"),
        {
            "account": account.pk,
            "name": "app",
            "path": "/",
            "trust_policy": '{\n  "Version": "2012-10-17",\n  "Statement": [\n}',
            "max_session_duration": 3600,
        },
    )
    assert response.status_code == 400  # refused: the form again, with why
    assert re.search(r"line \d+, column \d+", response.content.decode())
    assert not models.Role.objects.filter(sandbox=sandbox).exists()


def test_create_policy_then_version_diff_and_default(client_in, sandbox, account):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html
    client_in.post(
        url("create", sandbox.pk, "policies"),
        {"account": account.pk, "name": "Reader", "path": "/", "document": ALLOW_S3},
    )
    policy = models.ManagedPolicy.objects.get(name="Reader")
    page = client_in.get(policy.get_absolute_url())
    assert page.status_code == 200
    assert 'data-testid="reach"' in page.content.decode()
    v2 = ALLOW_S3.replace('"s3:GetObject"', '["s3:GetObject", "s3:PutObject"]')
    saved = client_in.post(
        policy.get_absolute_url(), {"op": "new-version", "document": v2, "set_default": "on"}
    )
    assert saved.status_code == 302
    assert policy.default_version().version_id == "v2"
    diff = client_in.get(policy.get_absolute_url() + "?from=v1&to=v2").content.decode()
    assert 'data-testid="diff"' in diff
    assert "PutObject" in diff
    assert "Write now allowed" in diff or "now allowed" in diff
    broken = client_in.post(
        policy.get_absolute_url(), {"op": "new-version", "document": '{"Version": '}
    )
    assert broken.status_code == 400  # refused: the form again, with why
    assert "{&quot;Version&quot;: " in broken.content.decode()  # kept in the box
    assert policy.versions.count() == 2
    client_in.post(
        url("action", sandbox.pk, "policies", policy.pk, "set-default"), {"version": "v1"}
    )
    assert policy.default_version().version_id == "v1"
    refused = client_in.post(
        url("action", sandbox.pk, "policies", policy.pk, "delete-version"), {"version": "v1"}
    )
    assert any(
        "default version cannot be deleted" in m for m in follow_messages(client_in, refused)
    )


def test_sixth_version_is_refused(client_in, sandbox, account):
    policy = services.create_policy(account, "Five", ALLOW_S3)
    for _ in range(4):
        services.create_policy_version(policy, ALLOW_S3, set_default=False)
    response = client_in.post(
        policy.get_absolute_url(), {"op": "new-version", "document": ALLOW_S3}
    )
    assert "at most 5 versions" in response.content.decode()
    assert policy.versions.count() == 5


def test_inline_policy_for_a_user(client_in, sandbox, account):
    user = IamUserFactory(account=account)
    create = url("create", sandbox.pk, "inline") + f"?owner=user:{user.pk}"
    assert client_in.get(create).status_code == 200
    response = client_in.post(create, {"name": "read", "document": ALLOW_S3})
    assert response["Location"] == user.get_absolute_url()
    assert user.inline_policies.get().name == "read"


# -- actions -----------------------------------------------------------------------------------


def test_attach_detach_and_group_membership(client_in, sandbox, account):
    user = IamUserFactory(account=account)
    group = IamGroupFactory(account=account)
    admin = aws_policy("AdministratorAccess")
    client_in.post(url("action", sandbox.pk, "users", user.pk, "attach"), {"policy": admin.pk})
    assert list(user.managed_policies.all()) == [admin]
    client_in.post(url("action", sandbox.pk, "users", user.pk, "detach"), {"policy": admin.pk})
    assert not user.managed_policies.exists()
    client_in.post(url("action", sandbox.pk, "users", user.pk, "add-group"), {"group": group.pk})
    assert list(group.members.all()) == [user]
    client_in.post(
        url("action", sandbox.pk, "groups", group.pk, "remove-member"), {"user": user.pk}
    )
    assert not group.members.exists()


def test_third_access_key_is_refused(client_in, sandbox, account):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
    user = IamUserFactory(account=account)
    action = url("action", sandbox.pk, "users", user.pk, "create-key")
    client_in.post(action)
    client_in.post(action)
    said = follow_messages(client_in, client_in.post(action))
    assert any("at most two access keys" in m for m in said)
    assert user.access_keys.count() == 2
    key = user.access_keys.first()
    client_in.post(url("action", sandbox.pk, "users", user.pk, "key-status"), {"key": key.pk})
    key.refresh_from_db()
    assert key.status == "Inactive"


def test_mfa_ssh_and_service_credentials(client_in, sandbox, account):
    user = IamUserFactory(account=account)
    client_in.post(
        url("action", sandbox.pk, "users", user.pk, "add-mfa"), {"name": "phone", "kind": "virtual"}
    )
    assert user.mfa_devices.get().serial == f"arn:aws:iam::{account.account_id}:mfa/phone"
    bad = client_in.post(
        url("action", sandbox.pk, "users", user.pk, "add-ssh-key"), {"body": "not a key"}
    )
    assert any("ssh-rsa" in m for m in follow_messages(client_in, bad))
    client_in.post(
        url("action", sandbox.pk, "users", user.pk, "add-credential"),
        {"service": "codecommit.amazonaws.com"},
    )
    assert user.service_credentials.get().service_user_name == (
        f"{user.name}-at-{account.account_id}"
    )


def test_root_user_keys_and_organization(client_in, sandbox, account):
    client_in.post(url("action", sandbox.pk, "accounts", account.pk, "create-key"))
    assert models.AccessKey.objects.filter(account=account, user=None).count() == 1
    client_in.post(url("action", sandbox.pk, "accounts", account.pk, "create-organization"))
    org = models.Organization.objects.get(sandbox=sandbox)
    account.refresh_from_db()
    assert account.is_management
    page = client_in.get(sandbox.get_absolute_url()).content.decode()
    assert org.org_id in page


def test_service_linked_role_can_be_viewed_not_changed(client_in, sandbox, account):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
    client_in.post(
        url("action", sandbox.pk, "accounts", account.pk, "service-linked-role"),
        {"service": "support.amazonaws.com"},
    )
    role = models.Role.objects.get(name="AWSServiceRoleForSupport")
    page = client_in.get(role.get_absolute_url())
    assert 'data-testid="managed-notice"' in page.content.decode()
    assert page.context["form"] is None
    client_in.post(role.get_absolute_url(), {"name": "renamed"})
    role.refresh_from_db()
    assert role.name == "AWSServiceRoleForSupport"
    attach = client_in.post(
        url("action", sandbox.pk, "roles", role.pk, "attach"),
        {"policy": aws_policy("AdministratorAccess").pk},
    )
    assert any("service-linked role" in m for m in follow_messages(client_in, attach))
    blocked = client_in.post(url("delete", sandbox.pk, "roles", role.pk))
    assert 'data-testid="blocked"' in blocked.content.decode()
    assert models.Role.objects.filter(pk=role.pk).exists()


def test_policy_used_as_boundary_cannot_be_deleted(client_in, sandbox, account):
    policy = ManagedPolicyFactory(account=account)
    IamUserFactory(account=account, name="capped", boundary=policy)
    response = client_in.post(url("delete", sandbox.pk, "policies", policy.pk))
    assert "permissions boundary of capped" in response.content.decode()
    assert models.ManagedPolicy.objects.filter(pk=policy.pk).exists()


def test_delete_a_user(client_in, sandbox, account):
    user = IamUserFactory(account=account)
    client_in.post(url("action", sandbox.pk, "users", user.pk, "create-key"))
    response = client_in.post(url("delete", sandbox.pk, "users", user.pk))
    assert response["Location"] == sandbox.get_absolute_url()
    assert not models.IamUser.objects.filter(pk=user.pk).exists()
    assert not models.AccessKey.objects.filter(account=account).exists()


def test_org_policies_and_ous(client_in, sandbox, account):
    org = services.create_organization(account)
    root = services.org_root(org)
    client_in.post(url("create", sandbox.pk, "ous"), {"parent": root.pk, "name": "Workloads"})
    unit = models.OrgUnit.objects.get(name="Workloads")
    deny = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}],
        }
    )
    client_in.post(
        url("create", sandbox.pk, "org-policies"),
        {"kind": "scp", "name": "NoEC2", "description": "", "document": deny},
    )
    scp = models.OrgPolicy.objects.get(name="NoEC2")
    client_in.post(
        url("action", sandbox.pk, "org-policies", scp.pk, "attach-target"),
        {"target": f"ou:{unit.pk}"},
    )
    assert list(scp.target_units.all()) == [unit]
    full = models.OrgPolicy.objects.get(organization=org, name="FullAWSAccess")
    client_in.post(
        url("action", sandbox.pk, "org-policies", scp.pk, "detach-target"),
        {"target": f"ou:{unit.pk}"},
    )
    last = client_in.post(
        url("action", sandbox.pk, "org-policies", full.pk, "detach-target"),
        {"target": f"ou:{unit.pk}"},
    )
    assert any("last SCP" in m for m in follow_messages(client_in, last))


def test_identity_center_assignment_provisions_a_role(client_in, sandbox, account):
    # https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsetsconcept.html
    services.create_organization(account)
    client_in.post(
        url("create", sandbox.pk, "sso-users"),
        {"user_name": "dana", "display_name": "Dana", "email": "dana@example.com"},
    )
    client_in.post(
        url("create", sandbox.pk, "permission-sets"),
        {
            "name": "ReadOnly",
            "session_duration": 3600,
            "managed_policies": "ReadOnlyAccess",
        },
    )
    permission_set = models.PermissionSet.objects.get(name="ReadOnly")
    dana = models.SsoUser.objects.get(user_name="dana")
    client_in.post(
        url("create", sandbox.pk, "assignments"),
        {"permission_set": permission_set.pk, "account": account.pk, "sso_user": dana.pk},
    )
    role = models.Role.objects.get(permission_set=permission_set)
    assert role.name.startswith("AWSReservedSSO_ReadOnly_")
    assert role.path == "/aws-reserved/sso.amazonaws.com/"


# -- questions ---------------------------------------------------------------------------------


def test_access_check_gives_the_engine_answer_with_links(client_in, sandbox, account):
    user = IamUserFactory(account=account, name="alice")
    user.managed_policies.add(aws_policy("AmazonS3ReadOnlyAccess"))
    page = client_in.get(
        url("check", sandbox.pk),
        {"principal": f"user:{user.pk}", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"},
    )
    html = page.content.decode()
    assert 'data-testid="decision">Allowed<' in html
    assert reverse("sandbox:aws_policy", args=["AmazonS3ReadOnlyAccess"]) in html
    denied = client_in.get(
        url("check", sandbox.pk),
        {"principal": f"user:{user.pk}", "action": "s3:PutObject", "resource": "arn:aws:s3:::b/k"},
    ).content.decode()
    assert "Implicitly denied" in denied


def test_access_check_as_a_role_session(client_in, sandbox, account):
    role = RoleFactory(account=account, name="app")
    role.managed_policies.add(aws_policy("AmazonS3ReadOnlyAccess"))
    html = client_in.get(
        url("check", sandbox.pk),
        {
            "principal": f"role:{role.pk}",
            "session": "worker-1",
            "action": "s3:ListBucket",
            "resource": "arn:aws:s3:::b",
        },
    ).content.decode()
    assert f"arn:aws:sts::{account.account_id}:assumed-role/app/worker-1" in html
    assert "Allowed" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"action": "s3:GetObject"}, "Choose who makes the request."),
        ({"principal": "root:{account}", "action": ""}, "Enter an action"),
        ({"principal": "root:{account}", "action": "nonsense"}, "action"),
        (
            {"principal": "root:{account}", "action": "s3:GetObject", "context": "oops"},
            "line 1: write key = value",
        ),
        (
            {
                "principal": "root:{account}",
                "action": "s3:GetObject",
                "context": "aws:SourceIp = 999.1.1.1",
            },
            "line 1: &quot;999.1.1.1&quot; is not a value of aws:SourceIp",
        ),
        (
            {"principal": "role:{role}", "session": "x", "action": "s3:GetObject"},
            "2 to 64",
        ),
    ],
)
def test_access_check_errors_say_what_is_wrong(client_in, sandbox, account, params, message):
    role = RoleFactory(account=account)
    filled = {k: v.format(account=account.pk, role=role.pk) for k, v in params.items()}
    response = client_in.get(url("check", sandbox.pk), filled)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["result"] is None


def test_an_action_aws_does_not_know_is_refused_before_the_policies_answer(
    client_in, sandbox, account
):
    # A typo: the policies may allow s3:*, but no such API exists to call.
    html = client_in.get(
        url("check", sandbox.pk),
        {"principal": f"root:{account.pk}", "action": "s3:GetObjet", "resource": "*"},
    ).content.decode()
    notice = html.split('data-testid="unknown-action">', 1)[1].split("</p>", 1)[0]
    assert notice.startswith("<strong>AWS would refuse this call.</strong>")
    assert "has no action s3:GetObjet. Did you mean s3:GetObject?" in notice
    assert "only what the policies say" in notice


def test_access_check_htmx_returns_the_fragment(client_in, sandbox, account):
    response = client_in.get(
        url("check", sandbox.pk),
        {"principal": f"root:{account.pk}", "action": "s3:GetObject"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="check"')
    assert "<html" not in html


def test_who_can_lists_allowed_principals(client_in, sandbox, account):
    admin = IamUserFactory(account=account, name="admin")
    admin.managed_policies.add(aws_policy("AdministratorAccess"))
    IamUserFactory(account=account, name="nobody")
    response = client_in.get(url("who_can", sandbox.pk), {"action": "iam:CreateUser"})
    found = [c.principal.name for c in response.context["found"]]
    assert sorted(found) == ["admin", "root"]
    assert "2 of 3 principals are allowed" in response.content.decode()


def test_validate_returns_findings_as_you_type(client_in, sandbox):
    response = client_in.post(
        url("validate", sandbox.pk),
        {"field": "document", "type": "identity", "document": '{"Version": "2012-10-17"'},
    )
    assert response.status_code == 200
    assert 'id="findings-document"' in response.content.decode()
    assert "sev-error" in response.content.decode()
    assert (
        client_in.post(url("validate", sandbox.pk), {"field": "x", "type": "?"}).status_code == 400
    )


def test_aws_managed_policy_page(client_in):
    page = client_in.get(reverse("sandbox:aws_policy", args=["ReadOnlyAccess"]))
    assert page.status_code == 200
    assert "arn:aws:iam::aws:policy/ReadOnlyAccess" in page.content.decode()


# -- import and export -------------------------------------------------------------------------

SAMPLE = Path(__file__).parent / "data" / "authorization-details.json"


def test_import_page_creates_the_account(client_in, sandbox):
    page = client_in.get(url("import", sandbox.pk))
    assert page.status_code == 200
    with SAMPLE.open("rb") as handle:
        response = client_in.post(
            url("import", sandbox.pk), {"file": handle, "account_name": "Real one"}
        )
    account = models.Account.objects.get(sandbox=sandbox, name="Real one")
    assert response["Location"] == account.get_absolute_url()
    said = client_in.get(response["Location"]).context["messages"]
    assert any(f"Imported account {account.account_id}" in str(m) for m in said)
    assert models.IamUser.objects.filter(account=account).exists()
    exported = client_in.get(url("export", sandbox.pk, account.pk))
    assert exported["Content-Disposition"].startswith("attachment;")
    assert {u["UserName"] for u in json.loads(exported.content)["UserDetailList"]} == set(
        models.IamUser.objects.filter(account=account).values_list("name", flat=True)
    )


def test_import_problem_names_where_and_writes_nothing(client_in, sandbox):
    before = models.Account.objects.filter(sandbox=sandbox).count()
    response = client_in.post(url("import", sandbox.pk), {"text": '{"UserDetailList": [}'})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="import-problem"' in html
    assert "line 1" in html
    assert models.Account.objects.filter(sandbox=sandbox).count() == before
    nothing = client_in.post(url("import", sandbox.pk), {"text": "  "})
    assert nothing.status_code == 400
    assert "Choose a file or paste the JSON." in nothing.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"text": '{"UserDetailList": [}'},  # not JSON
        {"text": "[]"},  # JSON, not authorization details
        {"text": "  "},  # nothing given
        {"text": "{}", "account_name": "x" * 51},  # a field refused
    ],
)
def test_a_refused_import_by_htmx_answers_400_with_the_form_to_swap_in(client_in, sandbox, data):
    before = models.Account.objects.filter(sandbox=sandbox).count()
    response = client_in.post(url("import", sandbox.pk), data, headers={"HX-Request": "true"})
    assert response.status_code == 400
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="import">')
    assert "data-swap-refused" in html  # static/js/iamlab.js swaps the 400 in
    assert "error-summary" in html or "errorlist" in html
    assert models.Account.objects.filter(sandbox=sandbox).count() == before


def test_a_file_over_the_limit_is_refused_with_400(client_in, sandbox, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from iamlab.sandbox import views

    monkeypatch.setattr(views, "MAX_IMPORT_BYTES", 10)
    upload = SimpleUploadedFile("big.json", SAMPLE.read_bytes(), "application/json")
    response = client_in.post(url("import", sandbox.pk), {"file": upload})
    assert response.status_code == 400
    assert "larger than 50 MB" in response.content.decode()


def test_import_by_htmx_redirects_the_page(client_in, sandbox):
    response = client_in.post(
        url("import", sandbox.pk), {"text": SAMPLE.read_text()}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(f"/sandboxes/{sandbox.pk}/accounts/")


def test_user_text_is_escaped_in_answers(client_in, sandbox, account):
    admin = IamUserFactory(account=account, name="admin")
    admin.managed_policies.add(aws_policy("AdministratorAccess"))
    sneaky = "arn:aws:s3:::bucket/<script>alert(1)</script>"
    for view, params in (
        ("check", {"principal": f"user:{admin.pk}", "action": "s3:GetObject", "resource": sneaky}),
        ("who_can", {"action": "s3:GetObject", "resource": sneaky}),
    ):
        html = client_in.get(url(view, sandbox.pk), params).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_focus_starts_in_the_first_field_and_moves_to_the_first_error(client_in, sandbox, account):
    page = client_in.get(url("create", sandbox.pk, "users")).content.decode()
    assert re.search(r'<select name="account"[^>]*autofocus', page)
    refused = client_in.post(
        url("create", sandbox.pk, "users"), {"account": account.pk, "name": "ok", "path": "x"}
    ).content.decode()
    assert re.search(
        r'<input[^>]*name="path"[^>]*autofocus|<input[^>]*autofocus[^>]*name="path"', refused
    )
    assert refused.count("autofocus") == 1


def test_leave_and_delete_the_organization(client_in, sandbox, account):
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_org_delete.html
    org = services.create_organization(account)
    member = models.Account.objects.create(
        sandbox=sandbox, account_id="444455556666", name="Member", email="m@example.com"
    )
    services.join_organization(member, services.org_root(org))
    refused = client_in.post(
        url("action", sandbox.pk, "accounts", account.pk, "delete-organization")
    )
    assert any("Remove these first: Member" in m for m in follow_messages(client_in, refused))
    stays = client_in.post(url("action", sandbox.pk, "accounts", account.pk, "leave-organization"))
    assert any("cannot leave" in m for m in follow_messages(client_in, stays))
    client_in.post(url("action", sandbox.pk, "accounts", member.pk, "leave-organization"))
    member.refresh_from_db()
    assert member.organization_id is None
    assert not member.org_policies.exists()
    client_in.post(url("action", sandbox.pk, "accounts", account.pk, "delete-organization"))
    assert not models.Organization.objects.filter(sandbox=sandbox).exists()
    account.refresh_from_db()
    assert not account.is_management


def test_rename_a_sandbox(client_in, sandbox, person):
    services.create_sandbox(person, "Other")
    taken = client_in.post(url("settings", sandbox.pk), {"name": "other"})
    assert "You already have a sandbox with this name." in taken.content.decode()
    client_in.post(url("settings", sandbox.pk), {"name": "Renamed", "description": "new"})
    sandbox.refresh_from_db()
    assert (sandbox.name, sandbox.description) == ("Renamed", "new")


def test_an_ou_cannot_move_below_itself_and_the_root_stays_put(client_in, sandbox, account):
    # orgs_manage_ous.html: OUs form a tree under the root; names are unique under a parent.
    org = services.create_organization(account)
    root = services.org_root(org)
    workloads = services.create_unit(root, "Workloads")
    prod = services.create_unit(workloads, "Prod")
    page = client_in.get(workloads.get_absolute_url())
    choices = {c for c, _ in page.context["form"].fields["parent"].choices if c}
    assert {c.value for c in choices} == {root.pk}  # not itself, not Prod below it
    moved = client_in.post(workloads.get_absolute_url(), {"parent": prod.pk, "name": "Workloads"})
    assert moved.status_code == 400  # refused: the form again, with why
    workloads.refresh_from_db()
    assert workloads.parent_id == root.pk
    twin = client_in.post(
        url("create", sandbox.pk, "ous"), {"parent": root.pk, "name": "workloads"}
    )
    assert "already has an OU named workloads" in twin.content.decode()
    client_in.post(root.get_absolute_url(), {"parent": prod.pk, "name": "Moved"})
    root.refresh_from_db()
    assert (root.parent_id, root.name) == (None, "Root")


def test_a_refused_small_form_keeps_what_was_typed_next_to_it(client_in, sandbox, account):
    user = IamUserFactory(account=account)
    response = client_in.post(
        url("action", sandbox.pk, "users", user.pk, "add-mfa"),
        {"name": "my phone", "kind": "virtual", "anchor": "mfa"},
        follow=True,
    )
    html = response.content.decode()
    assert 'data-testid="action-error"' in html
    assert 'value="my phone" autofocus' in html
    assert "may use only letters" in html
    again = client_in.get(user.get_absolute_url()).content.decode()
    assert 'data-testid="action-error"' not in again  # shown once


def test_anyone_can_add_example_corp_once(client_in):
    page = client_in.get(url("list")).content.decode()
    assert 'data-testid="add-example-corp"' in page
    response = client_in.post(url("example_corp"))
    sandbox = models.Sandbox.objects.get(name="Example Corp")
    assert response["Location"] == sandbox.get_absolute_url()
    client_in.post(url("example_corp"))
    assert models.Sandbox.objects.filter(name="Example Corp").count() == 1
    assert 'data-testid="add-example-corp"' not in client_in.get(url("list")).content.decode()


def test_deleting_an_identity_center_user_removes_roles_no_one_needs(client_in, sandbox, account):
    services.create_organization(account)
    person = models.SsoUser.objects.create(
        sandbox=sandbox, user_name="dana", display_name="Dana", email="d@example.com"
    )
    permission_set = models.PermissionSet.objects.create(sandbox=sandbox, name="Ops")
    services.assign(permission_set, account, sso_user=person)
    assert models.Role.objects.filter(permission_set=permission_set).exists()
    client_in.post(url("delete", sandbox.pk, "sso-users", person.pk))
    assert not models.Role.objects.filter(permission_set=permission_set).exists()


def test_a_misspelt_action_is_pointed_out(client_in, sandbox, account):
    html = client_in.get(
        url("check", sandbox.pk),
        {"principal": f"root:{account.pk}", "action": "s3:GetObjekt"},
    ).content.decode()
    assert "Did you mean s3:GetObject?" in html


def test_inline_and_organization_policies_show_what_they_allow(client_in, sandbox, account):
    user = IamUserFactory(account=account)
    inline = models.InlinePolicy.objects.create(
        sandbox=sandbox, user=user, name="read", document=ALLOW_S3
    )
    assert 'data-testid="reach"' in client_in.get(inline.get_absolute_url()).content.decode()
    org = services.create_organization(account)
    full = models.OrgPolicy.objects.get(organization=org, name="FullAWSAccess")
    assert "Full access" in client_in.get(full.get_absolute_url()).content.decode()


def test_the_layers_name_their_policies_and_whose_account_the_scps_and_rcps_are(web, corp):
    # SCPs apply to the caller's account, RCPs to the resource's (orgs_manage_policies_scps.html,
    # orgs_manage_policies_rcps.html): a row that says only "SCPs on OU level 1" left a learner
    # guessing which organization unit's policies those were.
    bob = models.IamUser.objects.get(sandbox=corp, name="bob")
    html = web.get(
        url("check", corp.pk),
        {
            "principal": f"user:{bob.pk}",
            "action": "s3:GetObject",
            "resource": "arn:aws:s3:::example-corp-reports/q1.csv",
            "region": "us-east-1",
        },
    ).content.decode()
    table = html.split('<table class="layers">', 1)[1].split("</table>", 1)[0]
    assert table.count("these apply to the caller's account, 777788889999") == 1
    assert table.count("these apply to the resource's account, 777788889999") == 1
    assert "DeveloperBoundary (customer managed, permissions boundary)" in table
    assert "FullAWSAccess (SCP), RegionGuardrail (SCP)" in table

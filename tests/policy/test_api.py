"""The documented Python API: parse_policy, Request, evaluate, decide, and the explanation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from iamlab.policy import (
    PolicySet,
    PrincipalKind,
    Request,
    RequestError,
    decide,
    evaluate,
    parse_policy,
)

ALICE = "arn:aws:iam::111122223333:user/alice"


def policy(effect="Allow", action="s3:*", resource="*", type_="identity", **extra):
    statement = {"Effect": effect, "Action": action, "Resource": resource, **extra}
    return parse_policy({"Version": "2012-10-17", "Statement": [statement]}, type=type_)


@pytest.mark.parametrize(
    ("principal", "kind", "account"),
    [
        ("arn:aws:iam::111122223333:root", PrincipalKind.ROOT, "111122223333"),
        ("111122223333", PrincipalKind.ROOT, "111122223333"),
        (ALICE, PrincipalKind.USER, "111122223333"),
        ("arn:aws:iam::111122223333:role/team/Admin", PrincipalKind.ROLE_SESSION, "111122223333"),
        (
            "arn:aws:sts::111122223333:assumed-role/Admin/s",
            PrincipalKind.ROLE_SESSION,
            "111122223333",
        ),
        (
            "arn:aws:sts::111122223333:federated-user/bob",
            PrincipalKind.FEDERATED_USER,
            "111122223333",
        ),
        ("ec2.amazonaws.com", PrincipalKind.SERVICE, None),
        (
            "arn:aws:iam::111122223333:saml-provider/Corp",
            PrincipalKind.IDENTITY_PROVIDER,
            "111122223333",
        ),
        ("accounts.google.com", PrincipalKind.IDENTITY_PROVIDER, None),
        ("*", PrincipalKind.ANONYMOUS, None),
    ],
)
def test_principal_kinds(principal, kind, account):
    caller = Request(principal, "s3:GetObject").caller
    assert caller.kind is kind
    assert caller.account == account


@pytest.mark.parametrize(
    ("kwargs", "field", "text"),
    [
        ({"principal": "alice"}, "principal", "not a principal"),
        ({"principal": ""}, "principal", "give the ARN"),
        ({"action": "GetObject"}, "action", "service:Action"),
        ({"action": "s3:Get*"}, "action", "no wildcards"),
        ({"resource": "bucket"}, "resource", "not an ARN"),
        ({"resource_owner": "1234"}, "resource_owner", "12-digit"),
        ({"context": {"username": "x"}}, "context", "not a condition key"),
        (
            {"context": {"aws:username": "a", "AWS:UserName": "b"}},
            "context[AWS:UserName]",
            "case-insensitive",
        ),
        ({"context": {"aws:username": object()}}, "context[aws:username]", "must be a string"),
        (
            {
                "principal": "arn:aws:sts::111122223333:assumed-role/Admin/s",
                "session_issuer": "arn:aws:iam::111122223333:role/Other",
            },
            "session_issuer",
            "not the ARN of role Admin",
        ),
    ],
)
def test_request_errors_name_the_field(kwargs, field, text):
    arguments = {"principal": ALICE, "action": "s3:GetObject", **kwargs}
    with pytest.raises(RequestError) as info:
        Request(**arguments)
    assert info.value.field == field
    assert text in info.value.message


def test_resource_owner_defaults():
    assert (
        Request(
            ALICE, "ec2:RunInstances", "arn:aws:ec2:us-east-1:444455556666:instance/*"
        ).resource_owner
        == "444455556666"
    )
    assert Request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k").resource_owner == "111122223333"
    assert Request(
        ALICE, "s3:GetObject", "arn:aws:s3:::b/k", resource_owner="444455556666"
    ).cross_account


def test_derived_keys_follow_the_principal_key_table():
    """reference_policies_variables, "Principal key values"."""
    user = Request(ALICE, "s3:GetObject")
    assert user.get("aws:username") == "alice"
    assert user.get("aws:principalarn") == ALICE
    assert user.get("aws:principaltype") == "User"
    assert user.get("aws:userid") is None  # the unique ID is not in the ARN
    session = Request(
        "arn:aws:sts::111122223333:assumed-role/Admin/s",
        "s3:GetObject",
        session_issuer="arn:aws:iam::111122223333:role/ops/Admin",
    )
    assert session.get("aws:principalarn") == "arn:aws:iam::111122223333:role/ops/Admin"
    assert session.get("aws:username") is None
    assert Request("*", "s3:GetObject").get("aws:principalaccount") == "anonymous"
    given = Request(ALICE, "s3:GetObject", context={"aws:username": "mallory"})
    assert given.get("aws:username") == "mallory"
    fixed = Request(ALICE, "s3:GetObject", time=dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    assert fixed.get("aws:currenttime") == "2030-01-02T03:04:05Z"
    assert fixed.get("aws:epochtime") == "1893553445"


def test_boundary_detail_is_false_when_the_boundary_denies():
    boundary = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
            ],
        },
        type="boundary",
    )
    request = Request(ALICE, "s3:DeleteBucket", "arn:aws:s3:::b")
    result = evaluate(request, identity=[policy()], boundary=boundary)
    assert result.decision == "explicitDeny"
    assert result.allowed_by_boundary is False
    assert result.decided_by_label == "An explicit Deny (Permissions boundary)"
    allowed = evaluate(
        Request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k"), identity=[policy()], boundary=boundary
    )
    assert allowed.allowed_by_boundary is True


def test_layers_report_every_verdict():
    scp_allow = policy(action="*", type_="scp")
    result = evaluate(Request(ALICE, "iam:CreateUser"), identity=[policy()], scps=[[scp_allow]])
    verdicts = {layer.label: layer.verdict for layer in result.layers}
    assert verdicts == {"Identity-based policies": "no match", "SCPs (one level)": "allow"}
    assert result.decided_by == "identity"
    assert result.allowed_by_organizations is True
    identity = result.layers[0]
    assert identity.statements[0].summary == "Action does not cover iam:CreateUser"


def test_traces_are_the_statements_an_evaluation_shows_per_layer():
    identity = [policy(), policy(Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})]
    ps = PolicySet(identity=identity, scps=[[policy(action="*", type_="scp")]])
    request = Request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k")
    traces = ps.traces(request)
    assert traces == tuple(layer.statements for layer in ps.evaluate(request).layers)
    assert [t.matched for t in traces[0]] == [True, False]  # the second lacks MFA


def test_missing_context_lists_keys_conditions_needed():
    conditional = policy(
        Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        resource="arn:aws:s3:::b/${aws:PrincipalTag/team}/*",
    )
    result = evaluate(Request(ALICE, "s3:GetObject", "arn:aws:s3:::b/x/y"), identity=[conditional])
    assert set(result.missing_context) == {"aws:SourceIp", "aws:PrincipalTag/team"}


def test_compiled_policy_sets_are_reused_and_agree():
    identity = [policy()]
    request = Request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k")
    assert decide(request, identity=identity) == "allowed"
    ps = PolicySet(identity=identity)
    assert ps.decide(request) == ps.evaluate(request).decision == "allowed"
    assert evaluate(request, identity=identity) is not evaluate(request, identity=identity)
    # A second parse is a different policy: caches key on identity, never on equal text.
    assert policy() != policy()


def test_asking_about_ever_new_resources_keeps_the_caches_bounded():
    """A page listing a bucket's objects names each object once (issue #19): nothing may be
    kept per resource, nor per request value beyond a bound, and every answer stays exact."""
    identity = [
        policy(
            resource="arn:aws:s3:::b/team/*",
            Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        )
    ]
    ps = PolicySet(identity=identity)
    for n in range(3000):
        key = "team" if n % 3 else "other"
        request = Request(
            ALICE,
            "s3:GetObject",
            f"arn:aws:s3:::b/{key}/{n}",
            context={"aws:SourceIp": f"10.0.{n // 256}.{n % 256}"},
        )
        expected = "allowed" if n % 3 else "implicitDeny"
        assert ps.decide(request) == ps.evaluate(request).decision == expected
    assert list(ps._candidates) == ["s3:getobject"]
    assert len(identity[0].statements[0].conditions[0]._explained) <= 64


def test_condition_traces_show_resolved_values_and_per_value_matches():
    conditional = policy(
        Condition={
            "ForAnyValue:StringLike": {"aws:TagKeys": ["team*", "${aws:username}"]},
            "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
        }
    )
    request = Request(
        ALICE, "s3:GetObject", context={"aws:TagKeys": ["cost", "alice"], "aws:SourceIp": "8.8.8.8"}
    )
    result = evaluate(request, identity=[conditional])
    assert result.decision == "implicitDeny"
    tags, ip = result.layers[0].statements[0].conditions
    assert tags.result
    assert tags.policy_values == ("team*", "alice")
    assert [(v.request_value, v.matched_policy_values) for v in tags.values] == [
        ("cost", ()),
        ("alice", ("alice",)),
    ]
    assert not ip.result
    assert ip.reason == "the request value matches none of the policy values"
    assert result.layers[0].statements[0].summary.startswith("condition IpAddress on aws:SourceIp")


def test_aws_managed_policy_with_retired_services_parses_and_evaluates():
    # ReadOnlyAccess (fixtures/aws-managed-policies) still names services AWS has retired
    # (codestar, iot1click, ...) and is far over the 6,144-character managed policy quota
    # (reference_iam-quotas.html). Neither is a grammar error IAM refuses, so parse_policy must
    # not raise: sandboxes attach this policy.
    path = Path(__file__).resolve().parents[2] / "fixtures/aws-managed-policies/ReadOnlyAccess.json"
    document = json.loads(path.read_text())["Document"]
    read_only = parse_policy(json.dumps(document, indent=2), name="ReadOnlyAccess")
    assert not any(f.blocking for f in read_only.findings)
    assert {f.code for f in read_only.errors} <= {"INVALID_SERVICE", "POLICY_SIZE"}
    get = Request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k")
    put = Request(ALICE, "s3:PutObject", "arn:aws:s3:::b/k")
    assert decide(get, identity=[read_only]) == "allowed"
    assert decide(put, identity=[read_only]) == "implicitDeny"


def test_validate_stays_the_function_after_the_submodule_is_used():
    # The package's validate() and its validate submodule share a name; using the engine
    # (which imports the submodule) must not replace the function on the package.
    import iamlab.policy as engine
    from iamlab.policy import validate as validate_module_user  # noqa: F401

    engine.validate('{"Version": "2012-10-17", "Statement": []}')
    engine.policy_findings("{}", engine.PolicyType.IDENTITY)
    assert callable(engine.validate)
    assert isinstance(engine.validate('{"Version": "2012-10-17", "Statement": []}'), list)


def test_cross_account_root_reason_does_not_claim_identity_policies():
    # reference_policies_evaluation-logic-cross-account.html: both accounts must allow; the
    # root user needs no identity-based policy in its own account.
    from iamlab.policy import Request, evaluate

    bucket = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::shared/*",
                }
            ],
        },
        "resource",
    )
    result = evaluate(
        Request(
            "arn:aws:iam::444455556666:root",
            "s3:GetObject",
            "arn:aws:s3:::shared/a",
            resource_owner="111122223333",
        ),
        resource_policy=bucket,
    )
    assert result.allowed
    assert "root user has full access on its own account's side" in result.reason
    assert "identity-based policies allow" not in result.reason


def test_every_public_name_loads_on_first_use_and_is_the_real_one():
    # iamlab.policy loads its names lazily (PEP 562); each of __all__ must resolve, and a
    # function that shares its module's name must stay the function once the module loads.
    import importlib

    import iamlab.policy as package

    for name in package.__all__:
        value = getattr(package, name)
        assert value is not None, name
        assert not isinstance(value, type(package)), f"{name} is a module, not the export"
    importlib.import_module("iamlab.policy.evaluate")
    importlib.import_module("iamlab.policy.reach")
    assert callable(package.evaluate)
    assert callable(package.reach)
    assert set(dir(package)) >= set(package.__all__)

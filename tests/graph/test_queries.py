"""The questions a learner asks of the graph: the shortest way from one principal to another
(``path``), who can end up with a principal's permissions (``reachers``), and the JSON the
pages draw (``as_json``)."""

from __future__ import annotations

import json

from iamlab.graph import EDGE_KINDS, NODE_TYPES, RELATION_KINDS, AccessGraph, SessionIn, SsoGrantIn

from .kit import (
    ADMIN,
    READ_ONLY,
    A,
    B,
    X,
    allow,
    doc,
    graph,
    group,
    instance,
    profile,
    resource,
    role,
    role_arn,
    saml_arn,
    session_arn,
    stmt,
    trust,
    trust_aws,
    trust_service,
    user,
    user_arn,
)

ALICE = user_arn("alice")
BOB = user_arn("bob")
CAROL = user_arn("carol")
DEPLOYER = role_arn("Deployer")
HOP1 = role_arn("Hop1")
HOP2 = role_arn("Hop2")


def chain() -> AccessGraph:
    """alice -> Deployer -> bob (admin), and a longer way alice -> Hop1 -> Hop2 -> bob."""
    return graph(
        user("alice", allow("sts:AssumeRole", [DEPLOYER, HOP1])),
        role("Deployer", trust_aws(A), allow("iam:CreateAccessKey", BOB)),
        role("Hop1", trust_aws(A), allow("sts:AssumeRole", HOP2)),
        role("Hop2", trust_aws(A), allow("iam:CreateAccessKey", BOB)),
        user("bob", ADMIN),
        user("carol", READ_ONLY),
    )


def test_path_is_the_shortest_edge_list_with_reasons() -> None:
    g = chain()
    path = g.path(ALICE, BOB)
    assert path is not None
    assert [(e.source, e.target, e.kind, e.technique) for e in path] == [
        (ALICE, DEPLOYER, "assume", ""),
        (DEPLOYER, BOB, "escalate", "create-access-key"),
    ]
    for edge in path:
        assert edge.reason
        assert edge.kind in EDGE_KINDS
    assert "Deployer" in path[0].reason
    assert "bob's permissions" in path[1].reason


def test_path_continues_through_an_admins_implied_edges() -> None:
    g = chain()
    path = g.path(ALICE, CAROL)
    assert path is not None
    assert [e.kind for e in path] == ["assume", "escalate", "administers"]
    assert path[-1].source == BOB
    admin_path = g.path(BOB, CAROL)
    assert admin_path is not None
    assert [e.kind for e in admin_path] == ["administers"]


def test_no_path() -> None:
    g = chain()
    assert g.path(CAROL, ALICE) is None  # read-only: no way anywhere
    assert g.path(ALICE, ALICE) is None
    assert g.path(ALICE, user_arn("nobody")) is None
    assert g.path(user_arn("nobody"), ALICE) is None


def test_reachers_are_everyone_who_can_end_up_with_its_permissions() -> None:
    g = chain()
    found = g.reachers(BOB)
    assert set(found) == {ALICE, DEPLOYER, HOP1, HOP2}
    # Each comes with the first edge of one shortest way to bob.
    assert (found[DEPLOYER].target, found[DEPLOYER].technique) == (BOB, "create-access-key")
    assert found[ALICE].target == DEPLOYER
    assert found[HOP1].target == HOP2
    # An admin reaches every principal of its account.
    into_carol = g.reachers(CAROL)
    assert into_carol[BOB].kind == "administers"
    assert {ALICE, DEPLOYER, HOP1, HOP2} <= set(into_carol)
    assert CAROL not in into_carol


def test_reachable_from_a_principal() -> None:
    g = chain()
    assert g.reachable(HOP1) >= {HOP2, BOB, CAROL, ALICE, DEPLOYER}
    assert g.reachable(CAROL) == set()


def test_edges_from_and_into() -> None:
    g = chain()
    assert {e.target for e in g.edges_from(ALICE)} == {DEPLOYER, HOP1}
    assert {e.source for e in g.edges_into(DEPLOYER)} == {ALICE, BOB}
    assert {e.kind for e in g.edges_into(DEPLOYER)} == {"assume", "administers"}


# --- as_json ----------------------------------------------------------------------------------

SAML_PROVIDER = "AWSSSO_0123456789abcdef_DO_NOT_DELETE"
PERMISSION_SET = "arn:aws:sso:::permissionSet/ssoins-1111222233334444/ps-1a2b3c4d5e6f7a8b"
SSO_ROLE = "AWSReservedSSO_ReadOnly_0123456789abcdef"
BUCKET = "arn:aws:s3:::iamlab-shared-reports"


def everything() -> AccessGraph:
    """One of each node type and relation kind."""
    devs = group("Developers", allow("s3:*"))
    web_role = role("WebRole", trust_service("ec2.amazonaws.com"), READ_ONLY)
    web_profile = profile("web", web_role.arn)
    sso_role = role(
        SSO_ROLE,
        trust({"Federated": saml_arn(SAML_PROVIDER)}, "sts:AssumeRoleWithSAML"),
        READ_ONLY,
    )
    bucket_policy = doc(
        stmt("Allow", "s3:GetObject", f"{BUCKET}/*", principal={"AWS": [ALICE, B]}),
        stmt(
            "Allow",
            "s3:PutObject",
            f"{BUCKET}/*",
            principal={"Service": "logging.s3.amazonaws.com"},
        ),
        stmt("Allow", "s3:ListBucket", BUCKET, principal="*"),
    )
    return graph(
        user("alice", allow("sts:AssumeRole", role_arn("Ops")), groups=[devs]),
        user("admin", ADMIN),
        role("Ops", trust_aws(A, X)),
        web_role,
        sso_role,
        groups=[devs],
        profiles=[web_profile],
        instances=[instance("i-0123456789abcdef0", web_profile)],
        resources=[resource("s3", BUCKET, policy=bucket_policy)],
        sso=[
            SsoGrantIn(
                "906756e2-4041-70c3-5555-0123456789ab",
                "maria",
                PERMISSION_SET,
                "ReadOnly",
                role_arn(SSO_ROLE),
            )
        ],
        sessions=[SessionIn(session_arn("Ops", session="alice"), role_arn("Ops"), "Ops/alice")],
    )


def test_as_json_shape() -> None:
    g = everything()
    data = g.as_json()
    assert set(data) == {"nodes", "edges", "relations"}
    json.dumps(data)  # plain data all the way down

    nodes = {n["arn"]: n for n in data["nodes"]}
    assert set(nodes) == set(g.nodes)
    for n in data["nodes"]:
        assert {"arn", "type", "label", "account"} <= set(n)
        assert n["type"] in NODE_TYPES
        if NODE_TYPES[n["type"]][1]:
            assert isinstance(n["is_admin"], bool)
            assert isinstance(n["can_escalate"], bool)
        else:
            assert "is_admin" not in n
            assert "can_escalate" not in n
    assert nodes[user_arn("admin")]["is_admin"] is True
    assert "admin_reason" in nodes[user_arn("admin")]
    assert nodes[ALICE]["is_admin"] is False
    assert "admin_reason" not in nodes[ALICE]
    assert nodes[X]["external"] is True
    assert nodes[X]["type"] == "account"
    assert nodes[A]["account"] == A
    assert nodes["*"]["type"] == "anyone"
    assert nodes[BUCKET]["detail"] == "S3 bucket"
    types = {n["type"] for n in data["nodes"]}
    assert types >= {
        "account",
        "user",
        "group",
        "role",
        "session",
        "sso_user",
        "permission_set",
        "service",
        "instance",
        "profile",
        "resource",
        "anyone",
    }

    assert data["edges"]
    for e in data["edges"]:
        assert set(e) == {
            "source",
            "target",
            "kind",
            "label",
            "reason",
            "conditions",
            "technique",
            "actions",
        }
        assert e["kind"] in EDGE_KINDS
        assert e["source"] in nodes
        assert e["target"] in nodes
        assert isinstance(e["conditions"], list)
        assert isinstance(e["actions"], list)
    kinds = {e["kind"] for e in data["edges"]}
    assert {"assume", "federate", "runs_as"} <= kinds
    assert "administers" not in kinds  # implied, not exported as stored edges

    relations = {(r["source"], r["target"], r["kind"]) for r in data["relations"]}
    for r in data["relations"]:
        assert set(r) == {"source", "target", "kind", "label"}
        assert r["kind"] in RELATION_KINDS
    assert {r[2] for r in relations} == set(RELATION_KINDS)
    assert (ALICE, group("Developers").arn, "member_of") in relations
    assert (
        f"arn:aws:iam::{A}:instance-profile/web",
        role_arn("WebRole"),
        "profile_of",
    ) in relations
    assert (
        f"arn:aws:ec2:us-east-1:{A}:instance/i-0123456789abcdef0",
        f"arn:aws:iam::{A}:instance-profile/web",
        "uses_profile",
    ) in relations
    assert (session_arn("Ops", session="alice"), role_arn("Ops"), "session_of") in relations
    assert (PERMISSION_SET, role_arn(SSO_ROLE), "provisions") in relations
    for named in (ALICE, "logging.s3.amazonaws.com", "*"):
        assert (named, BUCKET, "resource_policy") in relations
    # Account B as a whole: drawn on the account or on its root user, in account B either way.
    assert any(
        kind == "resource_policy" and target == BUCKET and g.nodes[source].account == B
        for source, target, kind in relations
    )


def test_as_json_of_some_nodes() -> None:
    g = everything()
    keep = {ALICE, role_arn("Ops"), X}
    data = g.as_json(keep)
    assert {n["arn"] for n in data["nodes"]} == keep
    assert {(e["source"], e["target"]) for e in data["edges"]} == {
        (ALICE, role_arn("Ops")),
        (X, role_arn("Ops")),
    }
    assert data["relations"] == []


def test_edge_json_of_a_conditional_edge() -> None:
    g = graph(
        user("alice"),
        role("Ops", trust_aws(ALICE, condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
    )
    (edge,) = g.as_json()["edges"]
    assert edge["kind"] == "assume"
    assert edge["technique"] is None
    assert edge["actions"] == ["sts:AssumeRole"]
    assert edge["conditions"] == ['Bool aws:MultiFactorAuthPresent "true"']

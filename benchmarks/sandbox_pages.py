"""Page benchmark: every page of a sandbox holding an imported 1,000-principal account.

Workload: ``benchmarks/authz_data.generate(1000)`` (600 users, 50 groups, 350 roles, 200
customer managed policies...) imported into a fresh sandbox of a temporary SQLite file database,
in an organization with a member account. Each page is requested through Django's test client
(the whole stack: middleware, view, queries, template), ``--repeat`` times after one warm-up
request; the median and the worst are reported. The first access check after a change also
rebuilds the sandbox's World snapshot; that cold build is reported on its own.

Run: ``python -m benchmarks.sandbox_pages`` (``--principals N``, ``--repeat N``).
Target: the median of every page under 150 ms on this 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.import_authz import setup_database  # noqa: E402

TARGET_MS = 150.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--principals", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="iamlab-bench-") as directory:
        setup_database(directory)
        failed = run(args.principals, args.repeat, args.seed)
        from django.db import connections

        connections.close_all()
    sys.exit(1 if failed else 0)


def run(principals: int, repeat: int, seed: int) -> bool:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from benchmarks.authz_data import generate
    from iamlab.sandbox import authorization_details, models, services
    from iamlab.sandbox.graphing import access_graph
    from iamlab.sandbox.world import World

    settings.ALLOWED_HOSTS = ["*"]
    owner = get_user_model().objects.create_user("bench")
    sandbox = models.Sandbox.objects.create(owner=owner, name="Benchmark")
    start = time.perf_counter()
    account = authorization_details.import_account(sandbox, json.dumps(generate(principals, seed)))
    imported = time.perf_counter() - start
    org = services.create_organization(account)
    member = models.Account.objects.create(
        sandbox=sandbox, account_id="999988887777", name="Member", email="m@example.com"
    )
    services.join_organization(member, services.org_root(org))

    users = models.IamUser.objects.filter(account=account).order_by("pk")
    user = users[users.count() // 2]
    role = models.Role.objects.filter(account=account, managed_by="").order_by("pk").first()
    group = models.IamGroup.objects.filter(account=account).order_by("pk").first()
    policy = models.ManagedPolicy.objects.filter(account=account).order_by("pk").first()
    assert role is not None
    assert group is not None
    assert policy is not None
    # A role session the learner holds and acts as: every page then shows who they are.
    now = sandbox.now()
    session = models.StsSession.objects.create(
        sandbox=sandbox,
        account=account,
        role=role,
        arn=f"arn:aws:sts::{account.account_id}:assumed-role/{role.name}/bench",
        session_name="bench",
        access_key_id="ASIABENCHMARK0000001",
        issued_at=now,
        expires_at=now + dt.timedelta(hours=1),
        duration_seconds=3600,
    )
    sandbox.acting_as = session.key
    sandbox.save(update_fields=["acting_as"])
    check = reverse("sandbox:check", args=[sandbox.pk])
    who = reverse("sandbox:who_can", args=[sandbox.pk])
    pages = {
        "sandbox list": reverse("sandbox:list"),
        "overview": sandbox.get_absolute_url(),
        "all users (first page of 100)": reverse("sandbox:list_kind", args=[sandbox.pk, "users"]),
        "roles filtered by name": reverse("sandbox:list_kind", args=[sandbox.pk, "roles"])
        + "?q=app",
        "account": account.get_absolute_url(),
        "user": user.get_absolute_url(),
        "group": group.get_absolute_url(),
        "role": role.get_absolute_url(),
        "policy (summary, versions, diff)": policy.get_absolute_url(),
        "new user form": reverse("sandbox:create", args=[sandbox.pk, "users"]),
        "access check (form)": check,
        "access check (user)": f"{check}?principal=user:{user.pk}&action=s3:GetObject"
        "&resource=arn:aws:s3:::bucket/key",
        "access check (role session)": f"{check}?principal=role:{role.pk}&action=sqs:SendMessage"
        "&resource=*",
        "who can (s3:GetObject)": f"{who}?action=s3:GetObject&resource=arn:aws:s3:::bucket/key",
        "who can (iam:PassRole)": f"{who}?action=iam:PassRole&resource={role.arn}",
        "import page": reverse("sandbox:import", args=[sandbox.pk]),
        "identities in action (hub)": reverse("flows:hub", args=[sandbox.pk]),
        "sign in": reverse("flows:sign_in", args=[sandbox.pk]),
        "switch role": reverse("flows:switch_role", args=[sandbox.pk]),
        "assume role (CLI)": reverse("flows:assume_role", args=[sandbox.pk]),
        "application on EC2": reverse("flows:ec2", args=[sandbox.pk]),
        "access check (stored session)": f"{check}?principal=session:{session.pk}"
        "&action=sqs:SendMessage&resource=*",
        "access graph": reverse("sandbox:graph", args=[sandbox.pk]),
        "access graph, one account": reverse("sandbox:graph", args=[sandbox.pk])
        + f"?account={account.account_id}&type=user&type=role",
        "access graph, a node's panel": reverse("sandbox:graph_node", args=[sandbox.pk])
        + f"?id={role.arn}",
        "access graph, what a role can do": reverse("sandbox:graph_actions", args=[sandbox.pk])
        + f"?id={role.arn}",
        "access graph, who can s3:GetObject": reverse("sandbox:graph", args=[sandbox.pk])
        + "?action=s3:GetObject&resource=arn:aws:s3:::bucket/key",
        "access graph part on a flow page": reverse(
            "sandbox:graph_part", args=[sandbox.pk, "identity"]
        ),
        # Finding one of the ~1,600 AWS managed policies by name (target: under 50 ms).
        "AWS managed policy search (sage)": reverse("sandbox:policy_search", args=[sandbox.pk])
        + f"?q=sage&attachable=1&account={account.pk}",
        "AWS managed policy search (a)": reverse("sandbox:policy_search", args=[sandbox.pk])
        + f"?q=a&attachable=1&account={account.pk}",
        "AWS managed policy search (none)": reverse("sandbox:policy_search", args=[sandbox.pk])
        + "?q=zzznotapolicy",
        "simulator AWS managed search": reverse("simulator:managed-search") + "?q=ecstask",
    }
    client = Client()
    client.force_login(owner)

    World.for_sandbox(sandbox)  # the catalog and policy parse caches, as in a warm server
    sandbox.refresh_from_db()
    models.Sandbox.objects.filter(pk=sandbox.pk).update(version=sandbox.version + 1)
    start = time.perf_counter()
    world = World.for_sandbox(sandbox)
    cold_world = time.perf_counter() - start

    start = time.perf_counter()
    graph = access_graph(sandbox)
    cold_graph = time.perf_counter() - start
    print(
        f"Access graph: {len(graph.nodes)} nodes, {len(graph.edges)} edges, built in "
        f"{cold_graph * 1000:.0f} ms (once per change; pages reuse it)."
    )
    print(
        f"Sandbox: {len(world.principals)} principals (roots, users, roles), "
        f"{models.ManagedPolicy.objects.filter(sandbox=sandbox).count()} customer managed "
        f"policies; import {imported:.2f} s; World rebuild after a change "
        f"{cold_world * 1000:.0f} ms."
    )
    print(f"{'page':36} {'median ms':>10} {'worst ms':>10}")
    failed = False
    for label, target in pages.items():
        response = client.get(target)
        assert response.status_code == 200, (label, response.status_code)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.get(target)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        median = statistics.median(times)
        failed |= median > TARGET_MS
        flag = "" if median <= TARGET_MS else "  over target"
        print(f"{label:36} {median:10.1f} {max(times):10.1f}{flag}")
    return failed


if __name__ == "__main__":
    main()

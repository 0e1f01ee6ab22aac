"""Import benchmark: a generated 1,000-principal ``get-account-authorization-details`` file.

Workload (``benchmarks/authz_data.py``): 600 users, 50 groups, 350 roles, 200 customer managed
policies with 1 to 3 versions, inline policies, access keys, MFA devices and instance profiles;
half the documents URL-encoded. Each run imports the file into a fresh sandbox of a temporary
SQLite file database (migrated first, so the AWS managed policies are there). Reported: the best
and the median of the runs, split into reading (JSON, checks, every policy document through the
engine) and writing (one transaction of bulk inserts), plus exporting the account back and
loading the engine's view of the sandbox.

The file attaches AWS managed policies well beyond the 44 iamlab first shipped, and carries two
that the import takes from the file (see ``benchmarks/authz_data.py``); the access graph of the
imported sandbox is built once to show it works on the result.

Run: ``python -m benchmarks.import_authz`` (``--quick`` for a smoke run, ``--principals N``).
Target: well under 10 s for 1,000 principals on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
AWS_FILES = Path(__file__).resolve().parent.parent / "fixtures" / "aws-managed-policies"


def setup_database(directory: str) -> None:
    """Point the default database at a fresh SQLite file, then migrate it."""
    from django.conf import settings

    settings.DATABASES["default"] = {
        **settings.DATABASES["default"],
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(Path(directory) / "benchmark.sqlite3"),
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
    }
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 principals, 1 run")
    parser.add_argument("--principals", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    principals, runs = (100, 1) if args.quick else (args.principals, args.runs)

    with tempfile.TemporaryDirectory(prefix="iamlab-bench-") as directory:
        setup_database(directory)
        run(principals, runs, args.seed)
        from django.db import connections

        connections.close_all()


def run(principals: int, runs: int, seed: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from benchmarks.authz_data import generate
    from iamlab.sandbox import authorization_details as authz
    from iamlab.sandbox.authorization_details.base import load
    from iamlab.sandbox.authorization_details.importing import Reader
    from iamlab.sandbox.graphing import access_graph
    from iamlab.sandbox.models import Sandbox
    from iamlab.sandbox.world import World

    start = time.perf_counter()
    data = generate(principals, seed)
    text = json.dumps(data, indent=4)
    generated = time.perf_counter() - start
    owner = get_user_model().objects.create(username="benchmark")

    totals: list[float] = []
    reads: list[float] = []
    writes: list[float] = []
    account = None
    for number in range(runs):
        sandbox = Sandbox.objects.create(owner=owner, name=f"Benchmark {number}")
        start = time.perf_counter()
        account = authz.import_account(sandbox, text.encode())
        totals.append(time.perf_counter() - start)

        # The same import in its two phases (into a sandbox that is then rolled back).
        with transaction.atomic():
            other = Sandbox.objects.create(owner=owner, name=f"Phases {number}")
            start = time.perf_counter()
            loaded, parsed = load(text.encode())
            reader = Reader(other, loaded, parsed)
            reader.read()
            middle = time.perf_counter()
            reader.write("")
            end = time.perf_counter()
            transaction.set_rollback(True)
        reads.append(middle - start)
        writes.append(end - middle)
    assert account is not None

    counts = authz.account_counts(account)
    rows = sum(counts.values())
    start = time.perf_counter()
    exported = authz.export_account(account)
    export_time = time.perf_counter() - start
    start = time.perf_counter()
    world = World.load(account.sandbox_id)
    world_time = time.perf_counter() - start
    start = time.perf_counter()
    graph = access_graph(account.sandbox)
    graph_time = time.perf_counter() - start
    aws_names = {p["PolicyName"] for p in data["Policies"] if ":aws:policy/" in p["Arn"]}
    first_44 = {path.stem for path in AWS_FILES.glob("*.json")}

    documents = sum(len(e.get("UserPolicyList", [])) for e in data["UserDetailList"]) + sum(
        len(e["GroupPolicyList"]) for e in data["GroupDetailList"]
    )
    documents += sum(len(e["RolePolicyList"]) + 1 for e in data["RoleDetailList"])
    documents += sum(
        len(p["PolicyVersionList"]) for p in data["Policies"] if ":aws:policy/" not in p["Arn"]
    )

    print(f"iamlab authorization-details import — Python {platform.python_version()}, ", end="")
    print(f"{os.cpu_count()} CPUs, SQLite file database")
    print(
        f"file: {len(data['UserDetailList'])} users, {len(data['GroupDetailList'])} groups, "
        f"{len(data['RoleDetailList'])} roles, {len(data['Policies'])} policies "
        f"({len(text) / 1e6:.1f} MB, {documents} customer policy documents; "
        f"generated in {generated:.2f} s)"
    )
    print(
        f"AWS managed policies: {len(aws_names)} used, {len(aws_names - first_44)} beyond the "
        f"44 iamlab first shipped; taken from the file: {'; '.join(authz.taken_from_file(account))}"
    )
    print("rows: " + ", ".join(f"{count} {name}" for name, count in counts.items()))
    print(
        f"import (best of {runs}): {min(totals):.2f} s   median {statistics.median(totals):.2f} s"
        f"   ({rows / min(totals):,.0f} rows/s)"
    )
    print(
        f"  read + check: best {min(reads):.2f} s   write: best {min(writes):.2f} s "
        f"(one transaction, bulk inserts)"
    )
    print(f"export: {export_time:.2f} s ({len(json.dumps(exported)) / 1e6:.1f} MB)")
    print(
        f"World.load of the imported sandbox: {world_time:.2f} s "
        f"({len(world.principals)} principals, {len(world.problems)} problems)"
    )
    print(
        f"access graph of the imported sandbox: {graph_time:.2f} s "
        f"({len(graph.nodes)} nodes, {len(graph.edges)} edges)"
    )


if __name__ == "__main__":
    main()

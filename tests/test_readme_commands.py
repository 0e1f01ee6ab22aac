"""Every command the README shows works as written after the README's setup, in a new shell.

The commands run in a copy of the working tree (its own SQLite database and local secret key),
each in a fresh ``bash`` with ``source .venv/bin/activate`` as the README says, and an
environment with no ``DJANGO_*``, ``IAMLAB_*`` or ``DATABASE_URL`` variable. The setup is the
README's first command, ``./scripts/run-app``: it is started, checked for what it prints and
serves, and stopped; the other commands then run against what it set up. Files a command
reads come from the README (``request.json``) or stand in for what AWS would answer.

``test_the_readme_shows_exactly_these_commands`` keeps the list honest: a command added to or
changed in the README (a fenced ``sh`` block, or an inline ``python manage.py ...``) fails it
until it is run here or listed, with the reason, among those not run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import IO

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
ACTIVATE = "source .venv/bin/activate"
KEY_FILE = ".iamlab-secret-key"
# What ``aws iam get-account-authorization-details`` would have printed (account 111122223333).
AUTHORIZATION_DETAILS = ROOT / "tests/sandbox/data/authorization-details.json"
TIMEOUT = 120


def readme_commands(text: str) -> set[str]:
    """The commands of the README's ``sh`` blocks (continuations joined, comments dropped) and
    its inline ``python manage.py ...`` spans, whitespace collapsed."""
    found: set[str] = set()
    for block in re.finditer(r"^[ \t]*```sh\n(.*?)^[ \t]*```", text, re.MULTILINE | re.DOTALL):
        carry = ""
        for raw in block.group(1).splitlines():
            line = re.sub(r"\s+#\s.*$", "", raw).strip()
            if line.endswith("\\"):
                carry += line[:-1] + " "
                continue
            line, carry = carry + line, ""
            if line:
                found.add(" ".join(line.split()))
    for span in re.finditer(r"`((?:\.venv/bin/)?python manage\.py [^`]+)`", text):
        found.add(" ".join(span.group(1).split()))
    return found


def readme_request() -> dict[str, object]:
    """The README's example ``request.json``: the first JSON block after the heading."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### `simulate_custom_policy`") :]
    block = re.search(r"```json\n(.*?)```", section, re.DOTALL)
    assert block, "the README shows no request.json under simulate_custom_policy"
    request: dict[str, object] = json.loads(block.group(1))
    return request


@dataclass
class Site:
    """The copy, set up by ./scripts/run-app."""

    path: Path
    env: dict[str, str]
    run_app_output: str
    port: int


@dataclass
class Ran:
    cmd: str
    returncode: int
    stdout: str
    stderr: str


def run(site: Site, cmd: str, stdin: str | None = None) -> Ran:
    done = subprocess.run(
        ["bash", "-c", f"{ACTIVATE} && {cmd}"],
        cwd=site.path,
        env=site.env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"{cmd} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return Ran(cmd, done.returncode, done.stdout, done.stderr)


def concrete(readme: str) -> str:
    """The README's command with its placeholders filled: the demo student for USERNAME, a
    shipped lab for PATH, and every optional argument given."""
    cmd = readme.replace("USERNAME", "demo-student")
    cmd = cmd.replace("PATH [PATH ...]", "fixtures/scenarios/groups")
    return re.sub(r"\[([^\[\]]*)\]", r"\1", cmd)


# --- what each command prints, as the README says ------------------------------------------


def _simulate_one(site: Site, readme: str) -> None:
    for out in (
        run(site, concrete(readme)).stdout,
        # "# or - for stdin"
        run(site, concrete(readme).replace("request.json", "-"), stdin=_request_text()).stdout,
    ):
        _assert_decisions(json.loads(out))


def _simulate_batch(site: Site, readme: str) -> None:
    lines = run(site, concrete(readme)).stdout.splitlines()
    assert len(lines) == 2, lines  # requests.jsonl holds the README's request twice
    for line in lines:
        _assert_decisions(json.loads(line))


def _assert_decisions(response: dict[str, list[dict[str, str]]]) -> None:
    decisions = {r["EvalActionName"]: r["EvalDecision"] for r in response["EvaluationResults"]}
    assert decisions == {"s3:GetObject": "allowed", "s3:PutObject": "implicitDeny"}, response
    for result in response["EvaluationResults"]:
        assert {"EvalResourceName", "MatchedStatements", "MissingContextValues"} <= set(result)


def _access_graph(site: Site, readme: str) -> None:
    graph = json.loads(run(site, concrete(readme)).stdout)
    assert set(graph) == {"nodes", "edges", "relations"}, set(graph)
    arns = {node["arn"] for node in graph["nodes"]}
    assert "arn:aws:iam::777788889999:user/alice" in arns
    assert graph["edges"]
    assert graph["relations"]
    for node in graph["nodes"]:
        assert {"arn", "type", "label", "account"} <= set(node), node
    for edge in graph["edges"]:
        assert {"source", "target", "kind", "label", "reason", "conditions"} <= set(edge), edge
    # "# or dot, svg"
    assert run(site, concrete(readme).replace("json", "dot")).stdout.startswith("digraph")


def _import(site: Site, readme: str) -> None:
    out = run(site, concrete(readme)).stdout
    assert "Imported account 111122223333 (Production)" in out, out
    assert "Sandbox name" in out, out


def _export(site: Site, readme: str) -> None:
    run(site, concrete(readme))
    exported = json.loads((site.path / "out.json").read_text(encoding="utf-8"))
    saved = json.loads(AUTHORIZATION_DETAILS.read_text(encoding="utf-8"))
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList"):
        assert sorted(e["Arn"] for e in exported[key]) == sorted(e["Arn"] for e in saved[key])


def _load_demo(site: Site, readme: str) -> None:
    # ./scripts/run-app runs this very line in the same environment; run again (idempotent,
    # the README says) it would only cost this test seconds, so its first output is checked.
    script = (site.path / "scripts/run-app").read_text(encoding="utf-8")
    assert re.search(rf"^{re.escape(readme)}$", script, re.MULTILINE), "run-app runs it"
    out = site.run_app_output
    for login in ("demo-admin", "demo-instructor", "demo-student"):
        assert f"{login} / iamlab-demo" in out, out
    assert out.count("has the sandbox Example Corp") == 2, out
    assert "Labs: " in out, out


def _load_scenarios(site: Site, readme: str) -> None:
    out = run(site, concrete(readme)).stdout
    assert out.startswith("Scenarios: "), out


def _load_example_corp(site: Site, readme: str) -> None:
    out = run(site, concrete(readme)).stdout
    assert 'demo-student already has the sandbox "Example Corp"' in out, out


def _prune(site: Site, readme: str) -> None:
    out = run(site, concrete(readme)).stdout
    assert out.startswith("Deleted "), out  # "it prints what it deleted"


def _run_app(site: Site, readme: str) -> None:
    out = site.run_app_output  # started by the fixture: the README's setup
    assert f"iamlab is running at http://127.0.0.1:{site.port}/" in out, out
    for login in ("demo-admin", "demo-instructor", "demo-student"):
        assert login in out, out
    assert "iamlab-demo" in out, out


# The README's commands this test runs, in the README's order (the import before the export).
RUN: dict[str, Callable[[Site, str], None]] = {
    "./scripts/run-app": _run_app,
    "python manage.py load_scenarios PATH [PATH ...]": _load_scenarios,
    "python manage.py import_authorization_details authorization-details.json --owner USERNAME "
    '[--sandbox "Sandbox name"] [--account-name "Production"]': _import,
    'python manage.py export_authorization_details --owner USERNAME --sandbox "Sandbox name" '
    "--account 111122223333 [-o out.json]": _export,
    "python manage.py simulate_custom_policy --cli-input-json request.json": _simulate_one,
    "python manage.py simulate_custom_policy --batch requests.jsonl": _simulate_batch,
    "python manage.py access_graph 777788889999 --owner demo-student --format json": _access_graph,
    "python manage.py load_demo": _load_demo,
    "python manage.py load_example_corp --owner USERNAME": _load_example_corp,
    "python manage.py prune": _prune,
}
_PRODUCTION = "production: runs with the section's own settings and PostgreSQL"
# The README's commands this test does not run, and why.
NOT_RUN: dict[str, str] = {
    "./scripts/run-tests": "runs this test among all the others (.ci/run runs it)",
    "aws iam get-account-authorization-details > authorization-details.json": (
        "calls real AWS; tests/sandbox/data/authorization-details.json stands in for its answer"
    ),
    "sudo -u postgres createuser --pwprompt iamlab": _PRODUCTION,
    "sudo -u postgres createdb --owner iamlab iamlab": _PRODUCTION,
    "python3.13 -m venv .venv && .venv/bin/pip install '.[postgres]'": _PRODUCTION,
    "DJANGO_SECRET_KEY=...": _PRODUCTION,
    "DJANGO_ALLOWED_HOSTS=iamlab.example.org": _PRODUCTION,
    "DJANGO_CSRF_TRUSTED_ORIGINS=https://iamlab.example.org": _PRODUCTION,
    "DJANGO_SECURE=1": _PRODUCTION,
    "IAMLAB_PROXY_COUNT=1": _PRODUCTION,
    "DATABASE_URL=postgres://iamlab:PASSWORD@127.0.0.1/iamlab": _PRODUCTION,
    "DJANGO_CONN_MAX_AGE=60": _PRODUCTION,
    ".venv/bin/python manage.py migrate": _PRODUCTION,
    ".venv/bin/python manage.py collectstatic --noinput": _PRODUCTION,
    ".venv/bin/python manage.py load_scenarios fixtures/scenarios fixtures/quizzes": _PRODUCTION,
    ".venv/bin/python manage.py check --deploy": _PRODUCTION + " (tests/test_deploy.py)",
    ".venv/bin/python manage.py createsuperuser": _PRODUCTION + ", and asks questions",
    ".venv/bin/gunicorn iamlab.wsgi --bind 127.0.0.1:8000": _PRODUCTION,
    ".venv/bin/python manage.py db_worker": _PRODUCTION + " (./scripts/run-app starts one)",
}


def test_the_readme_shows_exactly_these_commands() -> None:
    shown = readme_commands(README.read_text(encoding="utf-8"))
    assert not set(RUN) & set(NOT_RUN)
    assert shown - set(RUN) - set(NOT_RUN) == set(), "new in the README: run or list them here"
    assert (set(RUN) | set(NOT_RUN)) - shown == set(), "no longer in the README: drop them here"
    assert f"`{ACTIVATE}`" in README.read_text(encoding="utf-8")


# --- the setup -------------------------------------------------------------------------------


def _clean_env() -> dict[str, str]:
    """The environment of a new shell: nothing of iamlab's, Django's or the test run's."""
    dropped = ("DJANGO_", "IAMLAB_", "DATABASE_URL", "VIRTUAL_ENV", "PYTHON", "PYTEST_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env["PYTHONUNBUFFERED"] = "1"  # to read run-app's lines as they come
    return env


def _copy_working_tree(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # not a file deleted in the working tree
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    # The README's setup made .venv: the copy uses it.
    (dest / ".venv").symlink_to(ROOT / ".venv")


def _venv_is_current() -> bool:
    """What scripts/bootstrap checks: run-app would install nothing (else it would pip
    install the copy into the shared .venv)."""
    stamp = ROOT / ".venv/.iamlab-installed"
    if not stamp.is_file():
        return False
    want = sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    return stamp.read_text(encoding="utf-8").split(" ", 1)[0] == want


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _read_lines(stream: IO[str], into: list[str]) -> None:
    for line in stream:
        into.append(line)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    if not _venv_is_current():
        pytest.skip(".venv is older than pyproject.toml: run ./scripts/run-tests once")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz is missing: ./scripts/run-app would install it")
    # Not under pytest's basetemp: another pytest session of the same user may prune it while
    # this one runs (and the server's reloader would restart on the deleted files).
    with tempfile.TemporaryDirectory(prefix="iamlab-readme-") as tmp:
        yield from _set_up(Path(tmp))


def _set_up(path: Path) -> Iterator[Site]:
    _copy_working_tree(path)
    env = _clean_env()
    port = _free_port()
    env["PORT"] = str(port)  # the script's own way to pick a port: 8000 may be in use
    lines: list[str] = []
    app = subprocess.Popen(
        ["bash", "-c", "./scripts/run-app"],
        cwd=path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    reader = threading.Thread(target=_read_lines, args=(app.stdout, lines), daemon=True)
    reader.start()
    try:
        url = f"http://127.0.0.1:{port}/"
        no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + 240  # a busy machine
        served = ""
        while time.monotonic() < deadline and app.poll() is None:
            if any(f"development server at {url}" in line for line in lines):
                try:
                    with no_proxy.open(url, timeout=5) as response:
                        served = response.read().decode()
                    break
                except OSError:
                    pass
            time.sleep(0.2)
        assert served, f"./scripts/run-app did not serve {url}:\n{''.join(lines)}"
        assert "<html" in served.lower()
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGTERM)
        try:
            app.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait(timeout=15)
        reader.join(timeout=5)
        if app.stdout:
            app.stdout.close()
    env.pop("PORT")
    (path / "request.json").write_text(_request_text(), encoding="utf-8")
    one_line = json.dumps(readme_request())
    (path / "requests.jsonl").write_text(f"{one_line}\n{one_line}\n", encoding="utf-8")
    shutil.copy(AUTHORIZATION_DETAILS, path / "authorization-details.json")
    yield Site(path, env, "".join(lines), port)


def _request_text() -> str:
    return json.dumps(readme_request(), indent=2) + "\n"


# --- the tests -------------------------------------------------------------------------------


def test_every_command_the_readme_shows_works_as_written(site: Site) -> None:
    key = (site.path / KEY_FILE).read_text(encoding="ascii")
    failures = []
    for readme, check in RUN.items():
        try:
            check(site, readme)
        except AssertionError as error:
            failures.append(f"{readme}\n  {error}")
    assert not failures, "\n\n".join(failures)
    # One key for every command, made once by the first.
    assert (site.path / KEY_FILE).read_text(encoding="ascii") == key


def test_the_local_secret_key_is_private_and_git_ignored(site: Site) -> None:
    key_file = site.path / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text(encoding="ascii").strip()) >= 50
    ignored = subprocess.run(["git", "check-ignore", "-q", KEY_FILE], cwd=ROOT, check=False)
    assert ignored.returncode == 0, f"{KEY_FILE} is not in .gitignore"


def _settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from iamlab import settings; print(settings.SECRET_KEY)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "deployed",
    [
        {"DJANGO_SECURE": "1"},
        {"DJANGO_ALLOWED_HOSTS": "iamlab.example.org"},
        {"DJANGO_ALLOWED_HOSTS": "localhost,10.0.0.5", "DJANGO_DEBUG": "1"},
    ],
    ids=["secure", "allowed-host", "debug-on-a-lan"],
)
def test_a_deployment_must_set_its_own_secret_key(tmp_path: Path, deployed: dict[str, str]) -> None:
    key_file = tmp_path / KEY_FILE
    env = _clean_env() | {"IAMLAB_SECRET_KEY_FILE": str(key_file)} | deployed
    done = _settings(env)
    assert done.returncode != 0
    assert "Set DJANGO_SECRET_KEY: a deployment" in done.stderr, done.stderr
    assert not key_file.exists()
    given = _settings(env | {"DJANGO_SECRET_KEY": "a-deployment-s-own-key"})
    assert given.stdout.strip() == "a-deployment-s-own-key", given.stderr


def test_processes_starting_together_make_one_local_key(tmp_path: Path) -> None:
    key_file = tmp_path / KEY_FILE
    env = _clean_env() | {"IAMLAB_SECRET_KEY_FILE": str(key_file)}
    code = "from iamlab import settings; print(settings.SECRET_KEY)"
    started = [
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    keys = {p.communicate(timeout=60)[0].strip() for p in started}
    assert keys == {key_file.read_text(encoding="ascii").strip()}
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY_FILE]  # no temporary left

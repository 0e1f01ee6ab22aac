"""Load run: a class of signed-in students on gunicorn, on SQLite or on PostgreSQL.

Workload: a fresh database (SQLite: a file in a temporary directory, WAL and IMMEDIATE
transactions as ``iamlab/settings.py`` sets them; PostgreSQL: the database ``iamlab_load`` on
the cluster ``./scripts/postgres start`` runs, dropped and created again, with
``DJANGO_CONN_MAX_AGE=60`` unless the environment says otherwise), migrated, with the
demo content (``load_demo``: scenarios, quizzes, Example Corp, the demo class) and
``--students`` student accounts in the demo class. gunicorn serves ``iamlab.wsgi`` with
``DJANGO_DEBUG=0`` on 127.0.0.1 (with ``gunicorn.conf.py`` of the repository root if there is
one, else ``--workers`` gthread workers of ``--threads`` threads; the static files collected
into the temporary directory, see ``benchmarks/load_settings.py``). One thread per student,
each a browser of its own: cookies, the CSRF token, the real sign-in form, htmx requests where
the pages make them, and every redirect followed as a browser follows it.

* Arrival: the sign-in page, signing in, the labs page and its static files, the groups lab,
  the sandbox list.
* Phase 1: every student presses **Start this lab** on the groups lab at the same moment, then
  **Explore Example Corp** at the same moment (each followed by the page it redirects to).
* Phase 2 (``--seconds``): a class at work, one action at a time with ``--think`` seconds
  (uniformly random) before each request. Mostly reading: the student's Example Corp pages
  (overview, lists, a user's, role's, group's, policy's page), access checks and who-can
  questions (htmx, as the pages ask them), the access graph, a node's panel, the graph's
  who-can and path questions; then quiz answers in practice mode (choice questions of the
  groups quiz and three other banks), new variants, the labs and lab pages (goals checked on
  each visit) and **Check my goals**; some policy edits (a new version of the customer managed
  policy, deleting the oldest when there are five, and a changed inline policy, each checked as
  typed on the way); a few lab starts. Nothing here needs the task worker.

An error is a status of 500 or more, a connection error or timeout, or any status other than
the one the view answers (200 for a page or an htmx answer, 302 for a form that redirects).
Reported per kind of request: count, errors, p50, p95 and max latency as the client sees it;
for phase 2 also the throughput, the server's own p50 and p95 (gunicorn's access log), the CPU
that gunicorn, PostgreSQL, the load generator and everything else used (``/proc``), and the
load average: the machine may be shared, and a busy one makes every figure worse.

Run: ``python -m benchmarks.load [--database sqlite|postgres] [--students 50] [--seconds 180]``
(``--config FILE --workers N --threads N --port P --think MIN,MAX --json FILE --keep``).
Targets: phase 1 without an error; phase 2 without an error and its p95 under 300 ms. The exit
status is 1 when one is missed. Logs (gunicorn's, with Django's tracebacks) stay in the
temporary directory when something failed, or with ``--keep``.
"""

from __future__ import annotations

import argparse
import html
import http.client
import http.cookiejar
import json
import math
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
P95_MS = 300.0
LAB = "groups"
OTHER_LABS = ("user-or-role", "access-keys", "root-user")
QUIZZES = ("groups", "groups", "groups", "iam-users", "user-or-role", "root-user")
PG_DATABASE = "iamlab_load"
USERNAME = "load-student-{:03d}"
REQUEST_TIMEOUT = 60.0
BARRIER_TIMEOUT = 600.0

# Actions a student asks about, by the service of the resource picked (else with "*").
ACTIONS = {
    "s3": ("s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:DeleteBucket"),
    "iam": ("sts:AssumeRole", "iam:PassRole", "iam:CreateAccessKey", "iam:AttachUserPolicy"),
    "kms": ("kms:Decrypt", "kms:Encrypt", "kms:ScheduleKeyDeletion"),
    "lambda": ("lambda:InvokeFunction", "lambda:UpdateFunctionCode"),
    "codebuild": ("codebuild:StartBuild",),
    "cloudformation": ("cloudformation:UpdateStack", "cloudformation:DescribeStacks"),
}
ANYWHERE = ("s3:ListAllMyBuckets", "iam:ListUsers", "ec2:RunInstances", "iam:CreateUser")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=180.0, help="length of phase 2")
    parser.add_argument("--workers", type=int, help="default: 2 × cores + 1 (no gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, help="default: 2 (no gunicorn.conf.py)")
    parser.add_argument(
        "--config", type=Path, help="gunicorn's config file; default: gunicorn.conf.py if there"
    )
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--think", default="0.5,2", help="seconds before each request: MIN,MAX")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write the results there as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    low, _, high = args.think.partition(",")
    think = (float(low), float(high or low))
    if not 0 <= think[0] <= think[1] or args.students < 1 or args.seconds <= 0:
        parser.error("--think needs 0 <= MIN <= MAX; --students and --seconds must be positive")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that gunicorn is stopped
    directory = Path(tempfile.mkdtemp(prefix="iamlab-load-"))
    server: Server | None = None
    failed = True
    try:
        password = secrets.token_urlsafe(16)
        env = prepare(args.database, args.students, password, directory)
        port = args.port or free_port()
        server = Server(env, directory, port, args.config, args.workers, args.threads)
        server.start()
        run = Run(args, think, f"http://127.0.0.1:{port}", password, server)
        results = run.drive()
        failed = report(results, args)
    finally:
        if server is not None:
            server.stop()
        if args.keep or failed:
            print(f"Logs and database kept in {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    sys.exit(1 if failed else 0)


# -- setup ---------------------------------------------------------------------------------------


def prepare(database: str, students: int, password: str, directory: Path) -> dict[str, str]:
    """A fresh database, migrated, with the demo content and the students; the static files
    collected. Returns the environment the app runs with."""
    if database == "sqlite":
        url = f"sqlite:///{directory / 'load.sqlite3'}"
    else:
        url = fresh_postgres_database()
    static = directory / "static"
    env = {
        # PostgreSQL as the README's production section runs it: connections kept 60 s.
        **({"DJANGO_CONN_MAX_AGE": "60"} if database == "postgres" else {}),
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.load_settings",
        "IAMLAB_LOAD_STATIC_ROOT": str(static),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": url,
        "DJANGO_LOG_LEVEL": os.environ.get("DJANGO_LOG_LEVEL", "WARNING"),
        "PYTHONUNBUFFERED": "1",
    }
    start = time.perf_counter()
    manage = [sys.executable, "manage.py"]
    _run([*manage, "migrate", "--noinput", "-v", "0"], env)
    _run([*manage, "load_demo"], env)
    _run([*manage, "collectstatic", "--noinput", "-v", "0"], env)
    creating = "import django; django.setup(); from benchmarks.load import create_students; "
    creating += "create_students()"
    _run(
        [sys.executable, "-c", creating],
        {**env, "IAMLAB_LOAD_STUDENTS": str(students), "IAMLAB_LOAD_PASSWORD": password},
    )
    shown = url if database == "sqlite" else url.rsplit("@", 1)[-1]
    print(
        f"Database {database} ({shown}): migrated, demo content and {students} students "
        f"in {time.perf_counter() - start:.0f} s."
    )
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{' '.join(command[1:3])} failed (exit {done.returncode})")


def fresh_postgres_database() -> str:
    """The cluster ``./scripts/postgres start`` runs (started if need be), with the database
    ``iamlab_load`` dropped and created again."""
    import psycopg
    from psycopg import sql

    started = subprocess.run(
        [str(REPO / "scripts" / "postgres"), "start"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    url = urllib.parse.urlsplit(started.stdout.strip().splitlines()[-1])
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        name = sql.Identifier(PG_DATABASE)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return url._replace(path=f"/{PG_DATABASE}").geturl()


def create_students() -> None:
    """Run inside the app's environment (``prepare``): the students, with one password, as
    students of the demo class."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from iamlab.labs.models import Classroom, Membership
    from iamlab.people.models import Profile, Role

    count = int(os.environ["IAMLAB_LOAD_STUDENTS"])
    hashed = make_password(os.environ["IAMLAB_LOAD_PASSWORD"])  # hashed once: same password
    model = get_user_model()
    names = [USERNAME.format(i + 1) for i in range(count)]
    with transaction.atomic():
        model.objects.bulk_create([model(username=name, password=hashed) for name in names])
        users = list(model.objects.filter(username__in=names))
        Profile.objects.bulk_create(
            [Profile(user=user, role=Role.STUDENT, display_name=user.username) for user in users]
        )
        classroom = Classroom.objects.filter(name="Demo class").first()
        if classroom is not None:
            Membership.objects.bulk_create(
                [Membership(classroom=classroom, student=user) for user in users]
            )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """gunicorn in a process group of its own, its logs in the temporary directory."""

    def __init__(
        self,
        env: dict[str, str],
        directory: Path,
        port: int,
        config: Path | None,
        workers: int | None,
        threads: int | None,
    ) -> None:
        self.env = env
        self.port = port
        self.log = directory / "gunicorn.log"
        self.access_log = directory / "access.log"
        self.process: subprocess.Popen[bytes] | None = None
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.command = [gunicorn, "iamlab.wsgi", "--bind", f"127.0.0.1:{port}"]
        config = config or REPO / "gunicorn.conf.py"
        if config.exists():
            self.source = str(config.resolve().relative_to(REPO, walk_up=True))
            self.command += ["--config", str(config)]
        else:
            self.source = "benchmarks/load.py (no gunicorn.conf.py)"
            workers = workers or 2 * (os.cpu_count() or 1) + 1
            threads = threads or 2
        if workers:
            self.command += ["--workers", str(workers)]
        if threads:
            self.command += ["--threads", str(threads)]
            if threads > 1:  # what gunicorn runs anyway; said so, --print-config shows it
                self.command += ["--worker-class", "gthread"]
        self.command += [
            "--access-logfile",
            str(self.access_log),
            "--access-logformat",
            "%(m)s %(U)s %(s)s %(M)s",
        ]
        self.settings = self.resolved()

    def resolved(self) -> dict[str, str]:
        """The settings gunicorn will run with, as ``--print-config`` resolves them."""
        printed = subprocess.run(
            [*self.command, "--print-config"],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        wanted = (
            "workers",
            "threads",
            "worker_class",
            "timeout",
            "keepalive",
            "max_requests",
            "preload_app",
        )
        found = dict(re.findall(r"^(\w+)\s*=\s*(.*)$", printed, re.M))
        return {key: found.get(key, "?").strip() for key in wanted}

    def describe(self) -> str:
        s = self.settings
        return (
            f"gunicorn ({self.source}): {s['workers']} workers × {s['threads']} threads, "
            f"{s['worker_class']}, timeout {s['timeout']} s, keep-alive {s['keepalive']} s, "
            f"preload {s['preload_app']}; DJANGO_CONN_MAX_AGE="
            f"{self.env.get('DJANGO_CONN_MAX_AGE', '0 (unset)')}"
        )

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited at start:\n{self.tail()}")
            try:
                with urllib.request.urlopen(  # noqa: S310 - http://127.0.0.1 only
                    f"http://127.0.0.1:{self.port}/accounts/sign-in/", timeout=5
                ) as reply:
                    if reply.status == 200:
                        print(self.describe())
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"gunicorn did not answer within 60 s:\n{self.tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            pass

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def cpu(self) -> float:
        """CPU seconds used so far by gunicorn's processes (master, workers and the Graphviz
        runs they waited for)."""
        if self.process is None:
            return 0.0
        pgid = self.process.pid
        return _process_cpu(lambda name, group: group == pgid)

    def memory(self) -> list[int]:
        """The resident memory of each gunicorn process now, in MB (master first)."""
        if self.process is None:
            return []
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
                if int(fields[2]) == self.process.pid:
                    found.append(
                        (int(stat.parent.name), int(fields[21]) * os.sysconf("SC_PAGE_SIZE"))
                    )
            except (OSError, IndexError, ValueError):
                continue
        return [rss // 2**20 for _pid, rss in sorted(found)]

    def access_offset(self) -> int:
        try:
            return self.access_log.stat().st_size
        except OSError:
            return 0

    def server_times(self, start: int, end: int) -> list[float]:
        """The response times gunicorn logged between two offsets of its access log, in ms."""
        with self.access_log.open("rb") as log:
            log.seek(start)
            text = log.read(end - start).decode(errors="replace")
        return [float(m) for m in re.findall(r"^\S+ \S+ \d+ (\d+)$", text, re.M)]


# -- the browser ---------------------------------------------------------------------------------


@dataclass
class Sample:
    phase: str
    kind: str
    ms: float
    error: str | None


@dataclass
class Reply:
    status: int
    headers: Message
    text: str

    @property
    def location(self) -> str:
        """The path a redirect sends to."""
        parts = urllib.parse.urlsplit(self.headers.get("Location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects come back as they are; the browser follows them itself and times them."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """One student's browser: a cookie jar, the CSRF token, one request at a time."""

    def __init__(self, base: str, samples: list[Sample]) -> None:
        self.base = base
        self.samples = samples  # list.append is atomic: shared by every browser
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.phase = "arrival"
        self.page = "/"
        self.count = 0
        self.last: Sample | None = None  # this browser's latest request

    def csrf(self) -> str:
        return next((c.value or "" for c in self.jar if c.name == "csrftoken"), "")

    def get(self, kind: str, path: str, htmx: bool = False) -> Reply | None:
        return self.send(kind, path, None, 200, htmx)

    def post(
        self, kind: str, path: str, data: dict[str, Any], expect: int, htmx: bool = False
    ) -> Reply | None:
        return self.send(kind, path, data, expect, htmx)

    def follow(self, kind: str, reply: Reply | None) -> Reply | None:
        """The page a redirect sends to, as the browser loads it."""
        if reply is None or reply.status != 302:
            return None
        return self.get(kind, reply.location)

    def send(
        self, kind: str, path: str, data: dict[str, Any] | None, expect: int, htmx: bool
    ) -> Reply | None:
        headers = {"User-Agent": "iamlab-load/1", "Accept": "text/html,*/*"}
        body = None
        if data is not None:
            token = self.csrf()
            body = urllib.parse.urlencode(
                {**data, "csrfmiddlewaretoken": token}, doseq=True
            ).encode()
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRFToken": token,
                "Origin": self.base,
                "Referer": self.base + self.page,
            }
        if htmx:
            headers |= {"HX-Request": "true", "HX-Current-URL": self.base + self.page}
        method = "GET" if data is None else "POST"
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
            self.base + path, data=body, headers=headers, method=method
        )
        self.count += 1
        start = time.perf_counter()
        try:
            try:
                with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                    status, got, raw = response.status, response.headers, response.read()
            except urllib.error.HTTPError as exc:  # 3xx (not followed), 4xx, 5xx
                status, got, raw = exc.code, exc.headers, exc.read()
                exc.close()
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out
            ms = (time.perf_counter() - start) * 1000
            self.samples.append(
                Sample(self.phase, kind, ms, f"{method} {path}: {type(exc).__name__}: {exc}")
            )
            return None
        ms = (time.perf_counter() - start) * 1000
        reply = Reply(status, got, raw.decode("utf-8", "replace"))
        error = None
        if status != expect:
            error = f"{method} {path}: {status}, expected {expect}"
            if status in (301, 302, 303):
                error += f" (to {reply.location})"
            elif why := _why(reply.text):
                error += f" ({why})"
        self.last = Sample(self.phase, kind, ms, error)
        self.samples.append(self.last)
        if method == "GET" and not htmx and status == 200:
            self.page = path
        return reply


def _why(text: str) -> str:
    """The first message a refused form or an error page shows, for the error report."""
    found = re.search(
        r'(?:class="(?:errorlist|error[^"]*)"|role="alert")[^>]*>(.*?)</', text, re.S
    ) or re.search(r"<h1>(.*?)</h1>", text, re.S)
    return (
        " ".join(html.unescape(re.sub("<[^>]+>", " ", found.group(1))).split())[:200]
        if (found)
        else ""
    )


# -- reading pages -------------------------------------------------------------------------------


def _options(text: str) -> list[str]:
    return [html.unescape(v) for v in re.findall(r'<option value="([^"]+)"', text)]


def _textarea(text: str, name: str) -> str | None:
    found = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', text, re.S)
    return html.unescape(found.group(1)) if found else None


@dataclass
class Card:
    """A choice question of a quiz page, as its card shows it."""

    qid: str
    multiple: bool
    values: list[str]
    new: bool  # "Another variant" is offered


def _cards(slug: str, text: str) -> dict[str, Card]:
    """The questions of a quiz page (or one card) a student answers by ticking boxes."""
    cards = {}
    for section in re.findall(r'<section class="card quiz-card.*?</section>', text, re.S):
        qid = re.search(r'id="q-([^"]+)"', section)
        if qid is None or re.search(r"<select|<textarea|<input id=\"a-", section):
            continue  # steps, ways, fixes, numbers, typed answers: not answered here
        boxes = re.findall(r'<input type="(radio|checkbox)" name="answer" value="([^"]*)"', section)
        if not boxes:
            continue
        cards[qid.group(1)] = Card(
            qid.group(1),
            boxes[0][0] == "checkbox",
            [html.unescape(v) for _t, v in boxes],
            f"/labs/quizzes/{slug}/{qid.group(1)}/new/" in section,
        )
    return cards


def _edited(document: str, tag: str) -> str:
    """The document with one statement added, or the one added before taken out again."""
    policy = json.loads(document)
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    kept = [s for s in statements if not str(s.get("Sid", "")).startswith("LoadEdit")]
    if len(kept) == len(statements):
        kept.append(
            {
                "Sid": f"LoadEdit{tag}",
                "Effect": "Allow",
                "Action": "s3:ListAllMyBuckets",
                "Resource": "*",
            }
        )
    policy["Statement"] = kept
    return json.dumps(policy, indent=2)


# -- a student -----------------------------------------------------------------------------------


class Stop(Exception):
    """The student's time or request budget is spent."""


@dataclass
class Student:
    number: int
    browser: Browser
    password: str
    rng: random.Random
    think_range: tuple[float, float]
    deadline: float = math.inf
    budget: int = 10**9
    signed_in: bool = False
    sandbox: int | None = None
    objects: dict[str, list[int]] = field(default_factory=dict)
    principals: list[str] = field(default_factory=list)
    arns: list[str] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)
    inline: list[int] | None = None
    quizzes: dict[str, dict[str, Card]] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)
    edits: int = 0

    @property
    def name(self) -> str:
        return USERNAME.format(self.number)

    def think(self) -> None:
        if time.monotonic() >= self.deadline or self.browser.count >= self.budget:
            raise Stop
        time.sleep(min(self.rng.uniform(*self.think_range), self.deadline - time.monotonic()))
        if time.monotonic() >= self.deadline:
            raise Stop

    # arrival and phase 1 ---------------------------------------------------------------------

    def sign_in(self) -> Reply | None:
        """The sign-in form, as a person fills it in; the redirect it answers with."""
        b = self.browser
        b.get("sign-in page", "/accounts/sign-in/?next=/labs/")
        reply = b.post(
            "sign in",
            "/accounts/sign-in/",
            {"username": self.name, "password": self.password, "next": "/labs/"},
            302,
        )
        self.signed_in = reply is not None and reply.status == 302
        return reply

    def arrive(self) -> None:
        b = self.browser
        reply = self.sign_in()
        if not self.signed_in:
            return  # counted; this student sits the rest out
        page = b.follow("labs list", reply)
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text if page else "")
        for asset in sorted(set(assets))[:10]:  # then cached, as a browser caches them
            b.get("static file", asset)
        b.get("lab page", f"/labs/{LAB}/")
        b.get("sandbox list", "/sandboxes/")

    def start_lab(self) -> None:
        b = self.browser
        reply = b.post("lab start", f"/labs/{LAB}/start/", {}, 302)
        if reply is not None and reply.status == 302:
            self.started.add(LAB)
        b.follow("lab page", reply)
        b.page = f"/labs/{LAB}/"

    def explore_example_corp(self) -> None:
        b = self.browser
        b.page = "/sandboxes/"
        reply = b.post("Explore Example Corp", "/sandboxes/example-corp/", {}, 302)
        page = b.follow("sandbox overview", reply)
        found = re.fullmatch(r"/sandboxes/(\d+)/", reply.location) if reply else None
        if found and page is not None and page.status == 200:
            self.sandbox = int(found.group(1))
            self._objects(page.text)

    def _objects(self, text: str) -> None:
        pattern = rf'href="/sandboxes/{self.sandbox}/([a-z-]+)/(\d+)/"'
        objects: dict[str, list[int]] = {}
        for kind, pk in re.findall(pattern, text):
            objects.setdefault(kind, []).append(int(pk))
        self.objects = objects

    # phase 2 ---------------------------------------------------------------------------------

    def work(self) -> None:
        actions: list[tuple[float, Callable[[], None]]] = [
            (6, self.overview),
            (8, self.object_list),
            (14, self.object_page),
            (2, self.check_form),
            (16, self.access_check),
            (7, self.who_can),
            (4, self.graph),
            (5, self.graph_node),
            (3, self.graph_question),
            (3, self.labs),
            (5, self.lab_page),
            (3, self.lab_check),
            (5, self.quiz_page),
            (10, self.quiz_answer),
            (1, self.quiz_variant),
            (3, self.policy_version),
            (3, self.inline_edit),
            (0.5, self.lab_start),
            (1, self.sandbox_list),
        ]
        weights = [w for w, _ in actions]
        try:
            while True:
                (action,) = self.rng.choices([a for _, a in actions], weights)
                self.think()
                action()
        except Stop:
            return

    def _sb(self, rest: str = "") -> str:
        return f"/sandboxes/{self.sandbox}/{rest}"

    def overview(self) -> None:
        if self.sandbox is not None:
            self.browser.get("sandbox overview", self._sb())

    def sandbox_list(self) -> None:
        self.browser.get("sandbox list", "/sandboxes/")

    def object_list(self) -> None:
        if self.sandbox is not None:
            kind = self.rng.choice(("users", "roles", "groups", "policies", "resources"))
            self.browser.get("object list", self._sb(f"{kind}/"))

    def object_page(self) -> None:
        kinds = [
            k for k in ("users", "roles", "groups", "policies", "resources") if k in self.objects
        ]
        if self.sandbox is not None and kinds:
            kind = self.rng.choice(kinds)
            pk = self.rng.choice(self.objects[kind])
            self.browser.get("object page", self._sb(f"{kind}/{pk}/"))

    def check_form(self) -> None:
        if self.sandbox is None:
            return
        page = self.browser.get("check form", self._sb("check/"))
        if page is not None and page.status == 200:
            options = _options(page.text)
            self.principals = [o for o in options if re.fullmatch(r"(user|role|root):\d+", o)]
            self.arns = [o for o in options if o.startswith("arn:")]

    def _question(self) -> tuple[str, str]:
        if not self.arns or self.rng.random() < 0.2:
            return self.rng.choice(ANYWHERE), ""
        arn = self.rng.choice(self.arns)
        service = arn.split(":")[2]
        action = self.rng.choice(ACTIONS.get(service, ANYWHERE))
        if action == "s3:GetObject" or action == "s3:PutObject":
            arn += "/reports/2026.csv"
        return action, arn

    def access_check(self) -> None:
        if self.sandbox is None:
            return
        if not self.principals:
            self.check_form()
            self.think()
        if not self.principals:
            return
        action, resource = self._question()
        query = urllib.parse.urlencode(
            {
                "principal": self.rng.choice(self.principals),
                "session": "",
                "action": action,
                "resource": resource,
                "region": "us-east-1",
                "context": "",
            }
        )
        htmx = self.rng.random() < 0.8  # the form answers in place; a shared link is a page
        self.browser.get("access check", self._sb(f"check/?{query}"), htmx=htmx)

    def who_can(self) -> None:
        if self.sandbox is None:
            return
        action, resource = self._question()
        query = urllib.parse.urlencode(
            {"action": action, "resource": resource, "region": "us-east-1", "context": ""}
        )
        self.browser.get("who-can", self._sb(f"who-can/?{query}"), htmx=self.rng.random() < 0.8)

    def graph(self) -> None:
        if self.sandbox is None:
            return
        page = self.browser.get("graph page", self._sb("graph/"))
        if page is not None and page.status == 200:
            self.nodes = [o for o in _options(page.text) if o.startswith("arn:")]

    def graph_node(self) -> None:
        if self.sandbox is None:
            return
        if not self.nodes:
            self.graph()
            self.think()
        if self.nodes:
            query = urllib.parse.urlencode({"id": self.rng.choice(self.nodes)})
            self.browser.get("graph node", self._sb(f"graph/node/?{query}"), htmx=True)

    def graph_question(self) -> None:
        if self.sandbox is None:
            return
        if not self.nodes:
            self.graph()
            self.think()
        if not self.nodes:
            return
        if self.rng.random() < 0.5:
            action, resource = self._question()
            query = {"action": action, "resource": resource}
        else:
            source, target = self.rng.sample(self.nodes, 2)
            query = {"from": source, "to": target}
        path = self._sb(f"graph/?{urllib.parse.urlencode(query)}")
        self.browser.get("graph question", path, htmx=True)

    def labs(self) -> None:
        self.browser.get("labs list", "/labs/")

    def lab_page(self) -> None:
        slug = self.rng.choice(sorted(self.started) or [LAB])
        self.browser.get("lab page", f"/labs/{slug}/")

    def lab_check(self) -> None:
        if not self.started:
            return
        slug = self.rng.choice(sorted(self.started))
        if self.browser.page != f"/labs/{slug}/":
            self.browser.get("lab page", f"/labs/{slug}/")
            self.think()
        self.browser.post("lab check", f"/labs/{slug}/check/", {}, 200, htmx=True)

    def lab_start(self) -> None:
        slug = self.rng.choice((LAB, *OTHER_LABS))
        self.browser.get("lab page", f"/labs/{slug}/")
        self.think()
        reply = self.browser.post("lab start", f"/labs/{slug}/start/", {}, 302)
        if reply is not None and reply.status == 302:
            self.started.add(slug)
        self.browser.follow("lab page", reply)

    def quiz_page(self) -> None:
        self._open_quiz(self.rng.choice(QUIZZES))

    def _open_quiz(self, slug: str) -> None:
        page = self.browser.get("quiz page", f"/labs/quizzes/{slug}/")
        if page is not None and page.status == 200:
            self.quizzes[slug] = _cards(slug, page.text)

    def _card(self) -> tuple[str, Card] | None:
        slug = self.rng.choice(QUIZZES)
        if slug not in self.quizzes or self.browser.page != f"/labs/quizzes/{slug}/":
            self._open_quiz(slug)
            self.think()
        cards = list(self.quizzes.get(slug, {}).values())
        return (slug, self.rng.choice(cards)) if cards else None

    def quiz_answer(self) -> None:
        chosen = self._card()
        if chosen is None:
            return
        slug, card = chosen
        values = [v for v in card.values if v != "none"]
        if card.multiple and values and self.rng.random() < 0.9:
            answer = self.rng.sample(values, self.rng.randint(1, len(values)))
        elif card.multiple:
            answer = ["none"] if "none" in card.values else values[:1]
        else:
            answer = [self.rng.choice(card.values)]
        reply = self.browser.post(
            "quiz answer",
            f"/labs/quizzes/{slug}/{card.qid}/answer/",
            {"mode": "practice", "answer": answer},
            200,
            htmx=True,
        )
        if reply is not None and reply.status == 200:
            self.quizzes[slug].update(_cards(slug, reply.text))
            if 'data-testid="malformed-' in reply.text and self.browser.last is not None:
                self.browser.last.error = f"quiz refused the answer {answer} to {card.qid}"

    def quiz_variant(self) -> None:
        chosen = self._card()
        if chosen is None or not chosen[1].new:
            return
        slug, card = chosen
        reply = self.browser.post(
            "quiz variant",
            f"/labs/quizzes/{slug}/{card.qid}/new/",
            {"mode": "practice"},
            200,
            htmx=True,
        )
        if reply is not None and reply.status == 200:
            self.quizzes[slug].update(_cards(slug, reply.text))

    def policy_version(self) -> None:
        """A new version of the customer managed policy (the oldest deleted at five)."""
        policies = self.objects.get("policies")
        if self.sandbox is None or not policies:
            return
        path = self._sb(f"policies/{policies[0]}/")
        page = self.browser.get("policy page", path)
        if page is None or page.status != 200:
            return
        versions = re.findall(r'<code>(v\d+)</code>( <span class="tag">default</span>)?', page.text)
        if len(versions) >= 5:  # listed newest first
            oldest = next(v for v, default in reversed(versions) if not default)
            self.think()
            reply = self.browser.post(
                "policy version delete",
                self._sb(f"policies/{policies[0]}/do/delete-version/"),
                {"version": oldest, "anchor": "versions"},
                302,
            )
            page = self.browser.follow("policy page", reply)
            if page is None or page.status != 200:
                return
        current = _textarea(page.text, "document")
        if current is None:
            return
        document = self._retype(current)
        reply = self.browser.post(
            "policy new version",
            path,
            {"op": "new-version", "document": document, "set_default": "on"},
            302,
        )
        self.browser.follow("policy page", reply)

    def _retype(self, current: str) -> str:
        """The student changes a policy document, checked as they type (htmx), and pauses
        before saving it; returns the changed document."""
        self.edits += 1
        document = _edited(current, f"{self.number}x{self.edits}")
        self.think()
        self.browser.post(
            "policy validate",
            self._sb("validate/"),
            {"field": "document", "type": "identity", "document": document},
            200,
            htmx=True,
        )
        self.think()
        return document

    def inline_edit(self) -> None:
        """Change an inline policy of the sandbox (one that can be edited)."""
        if self.sandbox is None:
            return
        if self.inline is None:
            listing = self.browser.get("object list", self._sb("inline/"))
            if listing is None or listing.status != 200:
                return
            found = re.findall(rf'href="/sandboxes/{self.sandbox}/inline/(\d+)/"', listing.text)
            self.inline = sorted({int(pk) for pk in found})
            self.think()
        if not self.inline:
            return
        pk = self.rng.choice(self.inline)
        path = self._sb(f"inline/{pk}/")
        page = self.browser.get("inline policy page", path)
        if page is None or page.status != 200:
            return
        current = _textarea(page.text, "document")
        name = re.search(r'<input type="text" name="name" value="([^"]*)"', page.text)
        if current is None or name is None:
            self.inline.remove(pk)  # not editable (a role AWS manages)
            return
        document = self._retype(current)
        reply = self.browser.post(
            "inline policy save",
            path,
            {"name": html.unescape(name.group(1)), "document": document},
            302,
        )
        self.browser.follow("object page", reply)


# -- the run -------------------------------------------------------------------------------------


class LoadSampler(threading.Thread):
    """The 1-minute load average every few seconds."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.values: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.values.append(os.getloadavg()[0])
            self.done.wait(5)


class Run:
    def __init__(
        self,
        args: argparse.Namespace,
        think: tuple[float, float],
        base: str,
        password: str,
        server: Server,
    ) -> None:
        self.args = args
        self.server = server
        self.samples: list[Sample] = []
        rng = random.Random(args.seed)
        self.students = [
            Student(
                i + 1,
                Browser(base, self.samples),
                password,
                random.Random(rng.random()),
                think,
            )
            for i in range(args.students)
        ]
        self.marks: dict[str, float] = {}
        self.crashes: list[str] = []

    def drive(self) -> dict[str, Any]:
        n = len(self.students)
        load_before = os.getloadavg()
        sampler = LoadSampler()
        sampler.start()
        usage: dict[str, float] = {}

        def phase2_begins() -> None:
            self.marks["p2"] = time.monotonic()
            usage["cpu"] = _cpu()
            usage["server_cpu"] = self.server.cpu()
            usage["postgres_cpu"] = _postgres_cpu()
            usage["busy"], usage["all"] = _machine_cpu()
            usage["access"] = self.server.access_offset()
            for student in self.students:
                student.deadline = self.marks["p2"] + self.args.seconds
                student.budget = student.browser.count + int(
                    self.args.seconds / max(student.think_range[0], 0.05) + 50
                )

        ready = [threading.Barrier(n), threading.Barrier(n), threading.Barrier(n, phase2_begins)]

        def life(student: Student) -> None:
            try:
                student.arrive()
                for barrier, step in (
                    (ready[0], student.start_lab),
                    (ready[1], student.explore_example_corp),
                ):
                    barrier.wait(BARRIER_TIMEOUT)
                    student.browser.phase = "phase 1"
                    if student.signed_in:
                        step()
                ready[2].wait(BARRIER_TIMEOUT)
                student.browser.phase = "phase 2"
                if student.signed_in:
                    student.work()
            except threading.BrokenBarrierError:
                self.crashes.append(f"student {student.number}: a barrier broke")
            except Exception:
                self.crashes.append(f"student {student.number}: {traceback.format_exc()}")
                for barrier in ready:
                    barrier.abort()

        print(
            f"{n} students: arrival (sign in), phase 1 (all start the {LAB} lab, then all "
            f"explore Example Corp, at the same moment), phase 2 ({self.args.seconds:.0f} s)..."
        )
        threads = [threading.Thread(target=life, args=(s,), daemon=True) for s in self.students]
        for thread in threads:
            thread.start()
        limit = time.monotonic() + 2 * BARRIER_TIMEOUT + self.args.seconds + REQUEST_TIMEOUT * 6
        for thread in threads:
            thread.join(max(0.0, limit - time.monotonic()))
        ended = time.monotonic()
        memory = self.server.memory()
        cpu = _cpu() - usage.get("cpu", _cpu())
        server_cpu = self.server.cpu() - usage.get("server_cpu", 0.0)
        postgres_cpu = _postgres_cpu() - usage.get("postgres_cpu", 0.0)
        busy, total = _machine_cpu()
        busy -= usage.get("busy", busy)
        total -= usage.get("all", total)
        sampler.done.set()
        stuck = sum(1 for t in threads if t.is_alive())
        if stuck:
            self.crashes.append(f"{stuck} students still running at the time limit")
        p2_seconds = ended - self.marks.get("p2", ended)
        access = usage.get("access")
        server_ms = (
            self.server.server_times(int(access), self.server.access_offset())
            if access is not None
            else []
        )
        return {
            "samples": self.samples,
            "phase2_seconds": p2_seconds,
            "server_ms": server_ms,
            "client_cpu": cpu / p2_seconds if p2_seconds else 0.0,
            "server_cpu": server_cpu / p2_seconds if p2_seconds else 0.0,
            "server_cpu_seconds": server_cpu,
            "postgres_cpu": postgres_cpu / p2_seconds if p2_seconds else 0.0,
            "cores": os.cpu_count() or 1,
            "machine_busy": busy / total if total else 0.0,
            "load_before": load_before,
            "load_during": sampler.values,
            "load_after": os.getloadavg(),
            "crashes": self.crashes,
            "gunicorn_rss_mb": memory,
            "gunicorn": {
                "source": self.server.source,
                **self.server.settings,
                "DJANGO_CONN_MAX_AGE": self.server.env.get("DJANGO_CONN_MAX_AGE", "0"),
            },
            "gunicorn_log": str(self.server.log),
            "gunicorn_tail": self.server.tail(80),
        }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _process_cpu(chosen: Callable[[str, int], bool]) -> float:
    """CPU seconds used so far by the processes ``chosen(name, process group)`` picks and the
    children they waited for, from ``/proc``."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, _, tail = stat.read_text().rpartition(")")
            fields = tail.split()
            if chosen(head.partition("(")[2], int(fields[2])):
                total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def _postgres_cpu() -> float:
    """CPU seconds of the PostgreSQL server (its backends are reaped by the postmaster)."""
    return _process_cpu(lambda name, group: name == "postgres")


def _machine_cpu() -> tuple[float, float]:
    """Busy and all CPU time of the machine so far (``/proc/stat``), in clock ticks."""
    try:
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return float(sum(ticks) - idle), float(sum(ticks))


# -- the report ----------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def stats(samples: Iterable[Sample]) -> dict[str, float | int]:
    samples = list(samples)
    times = [s.ms for s in samples]
    return {
        "count": len(samples),
        "errors": sum(1 for s in samples if s.error),
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(max(times, default=0.0), 1),
    }


def table(title: str, samples: list[Sample]) -> dict[str, dict[str, float | int]]:
    kinds: dict[str, list[Sample]] = {}
    for sample in samples:
        kinds.setdefault(sample.kind, []).append(sample)
    rows = {kind: stats(kinds[kind]) for kind in sorted(kinds, key=lambda k: -len(kinds[k]))}
    rows["all"] = stats(samples)
    print(f"\n{title}")
    print(f"{'request':24} {'count':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind, row in rows.items():
        print(
            f"{kind:24} {row['count']:6} {row['errors']:6} {row['p50_ms']:8.1f} "
            f"{row['p95_ms']:8.1f} {row['max_ms']:8.1f}"
        )
    return rows


def report(results: dict[str, Any], args: argparse.Namespace) -> bool:
    """Print the tables; True when a target is missed."""
    samples: list[Sample] = results["samples"]
    phases = {
        name: [s for s in samples if s.phase == name] for name in ("arrival", "phase 1", "phase 2")
    }
    label = "SQLite" if args.database == "sqlite" else "PostgreSQL"
    out: dict[str, Any] = {
        "database": args.database,
        "students": args.students,
        "seconds": args.seconds,
        "think": args.think,
        "gunicorn": results["gunicorn"],
    }
    out["arrival"] = table(f"Arrival ({label}): signing in, first pages", phases["arrival"])
    out["phase1"] = table(
        f"Phase 1 ({label}): {args.students} students start the {LAB} lab at the same moment, "
        "then explore Example Corp at the same moment",
        phases["phase 1"],
    )
    out["phase2"] = table(
        f"Phase 2 ({label}): {args.students} students for {args.seconds:.0f} s, "
        f"think {args.think} s",
        phases["phase 2"],
    )
    p2 = out["phase2"]["all"]
    seconds = results["phase2_seconds"]
    server = results["server_ms"]
    during = results["load_during"] or [0.0]
    out["phase2_summary"] = {
        "seconds": round(seconds, 1),
        "requests_per_second": round(p2["count"] / seconds, 1) if seconds else 0.0,
        "server_p50_ms": percentile(server, 50),
        "server_p95_ms": percentile(server, 95),
        "client_cpu_cores": round(results["client_cpu"], 2),
        "gunicorn_cpu_cores": round(results["server_cpu"], 2),
        "gunicorn_cpu_ms_per_request": round(1000 * results["server_cpu_seconds"] / p2["count"], 1)
        if p2["count"]
        else 0.0,
        "postgres_cpu_cores": round(results["postgres_cpu"], 2),
        "machine_busy_percent": round(100 * results["machine_busy"], 1),
        "gunicorn_rss_mb": results["gunicorn_rss_mb"],
        "other_cpu_cores": round(
            results["machine_busy"] * results["cores"]
            - results["server_cpu"]
            - results["client_cpu"]
            - results["postgres_cpu"],
            2,
        ),
    }
    out["load_average"] = {
        "before": [round(v, 2) for v in results["load_before"]],
        "during_max": round(max(during), 2),
        "during_mean": round(sum(during) / len(during), 2),
        "after": [round(v, 2) for v in results["load_after"]],
        "cores": os.cpu_count(),
    }
    summary, load = out["phase2_summary"], out["load_average"]
    print(
        f"\nPhase 2: {p2['count']} requests in {seconds:.0f} s = "
        f"{summary['requests_per_second']} requests/s; p95 {p2['p95_ms']} ms as the students "
        f"see it, {summary['server_p95_ms']:.0f} ms inside gunicorn (p50 "
        f"{summary['server_p50_ms']:.0f} ms).\nCPU: gunicorn used "
        f"{summary['gunicorn_cpu_cores']} cores ({summary['gunicorn_cpu_ms_per_request']} ms "
        f"per request), the PostgreSQL server (all its users) "
        f"{summary['postgres_cpu_cores']}, the load generator "
        f"{summary['client_cpu_cores']}, everything else on the machine "
        f"{summary['other_cpu_cores']}; the machine was {summary['machine_busy_percent']} % busy."
        f"\nMemory: gunicorn's processes hold {summary['gunicorn_rss_mb']} MB at the end."
    )
    print(
        f"Load average (1 min) on {load['cores']} cores: {load['before'][0]} before, "
        f"{load['during_mean']} on average and {load['during_max']} at most during the run, "
        f"{load['after'][0]} after."
    )
    errors = [s for s in samples if s.error]
    out["errors"] = [
        {"phase": s.phase, "kind": s.kind, "ms": round(s.ms, 1), "error": s.error}
        for s in errors[:200]
    ]
    out["crashes"] = results["crashes"]
    if errors:
        print(f"\n{len(errors)} errors; the first ones:")
        for s in errors[:20]:
            print(f"  [{s.phase}] {s.kind}: {s.error} ({s.ms:.0f} ms)")
        print(f"gunicorn's log ({results['gunicorn_log']}) ends with:\n{results['gunicorn_tail']}")
    for crash in results["crashes"]:
        print(f"Load generator problem: {crash}")

    missed = []
    if out["phase1"]["all"]["errors"] or not phases["phase 1"]:
        missed.append(f"phase 1: {out['phase1']['all']['errors']} errors")
    if p2["errors"] or not phases["phase 2"]:
        missed.append(f"phase 2: {p2['errors']} errors")
    if p2["p95_ms"] >= P95_MS:
        missed.append(f"phase 2: p95 {p2['p95_ms']} ms, target under {P95_MS:.0f} ms")
    if out["arrival"]["all"]["errors"]:
        missed.append(f"arrival: {out['arrival']['all']['errors']} errors")
    if results["crashes"]:
        missed.append("the load generator failed")
    out["targets_missed"] = missed
    print(
        f"\nTargets met: phase 1 without errors; phase 2 without errors, p95 under {P95_MS:.0f} ms."
        if not missed
        else "\nTargets missed: " + "; ".join(missed)
    )
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return bool(missed)


if __name__ == "__main__":
    main()

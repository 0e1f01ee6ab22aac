"""iamlab settings: one module, driven by environment variables.

* ``DJANGO_DEBUG=1`` for development (the run script sets it).
* ``DJANGO_SECRET_KEY``: required when deployed (see below); on one's own machine, the key
  generated once into ``.iamlab-secret-key`` at the repository root (git-ignored, mode 0600;
  ``IAMLAB_SECRET_KEY_FILE`` names another file) when unset.
* ``DJANGO_ALLOWED_HOSTS``: comma-separated, default ``localhost,127.0.0.1,[::1]``.
* ``DATABASE_URL``: e.g. ``postgres://user:pass@host/db``; SQLite in the repository by default.
* ``DJANGO_SECURE=1`` behind a TLS proxy: secure cookies, HSTS and the proxy SSL header.
* ``IAMLAB_TASKS=immediate`` runs background work inside the request (default: ``database``,
  queued for ``manage.py db_worker``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


def _local_secret_key(path: Path) -> str:
    """The key kept in PATH, generated there once (mode 0600) if the file is missing. Processes
    starting at the same moment agree: each writes its own temporary file and links it to PATH,
    which never replaces a file already there, and every one reads back what PATH holds."""
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        key = ""
    except (OSError, UnicodeDecodeError) as error:
        raise ImproperlyConfigured(f"Cannot read the local secret key {path}: {error}") from None
    if key:
        return key
    if not path.exists():
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(secrets.token_urlsafe(50) + "\n")
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process made it first: its key is the key
            finally:
                tmp.unlink(missing_ok=True)
        except OSError as error:
            raise ImproperlyConfigured(
                f"Set DJANGO_SECRET_KEY, or let iamlab write its local key to {path} ({error})."
            ) from None
        key = path.read_text(encoding="ascii").strip()
    if not key:
        raise ImproperlyConfigured(f"{path} is empty: delete it and iamlab makes a new key.")
    return key


DEBUG = _flag("DJANGO_DEBUG")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if h.strip()
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]"}
# The secret key. A deployment is a process that serves other machines: DJANGO_SECURE is on
# (behind a TLS proxy), or DJANGO_ALLOWED_HOSTS names any host other than localhost,
# 127.0.0.1 and [::1] (names that mean this machine: another machine's browser reaches a
# server by another name, or ``*``). A deployment must set DJANGO_SECRET_KEY, DJANGO_DEBUG or
# not. Anywhere else, without DJANGO_SECRET_KEY, iamlab uses a key of this machine: generated
# once into .iamlab-secret-key at the repository root (git-ignored, mode 0600;
# IAMLAB_SECRET_KEY_FILE names another file), so every command of the README works in a new
# shell and sessions outlive a restart.
DEPLOYED = _flag("DJANGO_SECURE") or any(host not in LOCAL_HOSTS for host in ALLOWED_HOSTS)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEPLOYED:
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY: a deployment (DJANGO_SECURE=1, or DJANGO_ALLOWED_HOSTS "
            "naming a host other than localhost, 127.0.0.1 and [::1]) needs its own key. "
            'python3 -c "import secrets; print(secrets.token_urlsafe(50))" makes one.'
        )
    SECRET_KEY = _local_secret_key(
        Path(os.environ.get("IAMLAB_SECRET_KEY_FILE") or BASE_DIR / ".iamlab-secret-key")
    )
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "iamlab.simulator",
    "iamlab.sandbox",
    "iamlab.people",
    "iamlab.flows",
    "iamlab.labs",
    "iamlab.demo",  # load_demo: the demo content across apps
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "iamlab.web.RefuseNulInAdmin",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "iamlab.urls"
WSGI_APPLICATION = "iamlab.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A class starts its labs at the same moment. SQLite allows one writer at a time: with
    # the default DEFERRED transactions, a transaction that began with a read cannot take
    # the write lock later and fails at once ("database is locked"). IMMEDIATE takes the
    # lock when the transaction begins, so writers queue for up to ``timeout`` seconds
    # instead; WAL lets readers go on while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": int(os.environ.get("IAMLAB_SQLITE_TIMEOUT", "20")),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
# Long work (big imports, scenario uploads) runs as tasks, off the request path
# (iamlab.sandbox.jobs). The database backend queues them in the app's own database, for
# ``manage.py db_worker`` processes to run; ``IAMLAB_TASKS=immediate`` runs them in the request
# instead (no worker needed, as in the tests).
TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if os.environ.get("IAMLAB_TASKS", "database") == "immediate"
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}

# Finished background jobs are kept this many days for their pages, then ``manage.py prune``
# deletes them.
IAMLAB_JOB_DAYS = int(os.environ.get("IAMLAB_JOB_DAYS", "14"))

# Each web process keeps sandboxes' engine snapshots and access graphs in memory, bounded by
# their size (iamlab/sandbox/world.py, graphing.py): a World unit is about 3.5 KB, a graph
# unit about 2 KB. The defaults keep a class of 50 (about 125 busy sandboxes) in well under
# 100 MB a process; a server whose learners import large accounts may want more.
IAMLAB_WORLD_CACHE_UNITS = int(os.environ.get("IAMLAB_WORLD_CACHE_UNITS", "20000"))
IAMLAB_GRAPH_CACHE_UNITS = int(os.environ.get("IAMLAB_GRAPH_CACHE_UNITS", "30000"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "/labs/course/"  # a learner's home is the course
LOGOUT_REDIRECT_URL = "/"

# Too many failed sign-ins are refused before any password is checked (iamlab/people/lockout.py),
# per account and per address, counted in a cache every worker process shares: a table in the
# site's own database, which ``migrate`` creates. Another shared cache (Redis, memcached) may
# take its place under the same name; a per-process LocMemCache would not be shared.
AUTHENTICATION_BACKENDS = [
    "iamlab.people.lockout.SignInThrottle",
    "django.contrib.auth.backends.ModelBackend",
]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "iamlab_throttle",
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    },
}
IAMLAB_THROTTLE_CACHE = "throttle"
IAMLAB_SIGN_IN_WINDOW = 15 * 60  # seconds
IAMLAB_SIGN_IN_FAILURES_PER_ACCOUNT = int(
    os.environ.get("IAMLAB_SIGN_IN_FAILURES_PER_ACCOUNT", "5")
)
# A class signs in from behind one address: room for several typos each.
IAMLAB_SIGN_IN_FAILURES_PER_ADDRESS = int(
    os.environ.get("IAMLAB_SIGN_IN_FAILURES_PER_ADDRESS", "50")
)
# Proxies in front of the app that append the client's address to X-Forwarded-For (e.g. 1 for
# one nginx); 0 trusts only the connection's address, and no header a client could write.
IAMLAB_PROXY_COUNT = int(os.environ.get("IAMLAB_PROXY_COUNT", "0"))

# Anonymous simulator runs (iamlab/simulator/keeping.py): each browser session keeps its newest
# runs, an address has so many kept an hour, and ``manage.py prune`` (daily) deletes expired
# sessions and anonymous runs older than so many days. Signed-in learners keep theirs.
IAMLAB_ANONYMOUS_SIMULATIONS_KEPT = int(os.environ.get("IAMLAB_ANONYMOUS_SIMULATIONS_KEPT", "50"))
IAMLAB_ANONYMOUS_SIMULATIONS_PER_HOUR = int(
    os.environ.get("IAMLAB_ANONYMOUS_SIMULATIONS_PER_HOUR", "200")
)
IAMLAB_ANONYMOUS_SIMULATION_DAYS = int(os.environ.get("IAMLAB_ANONYMOUS_SIMULATION_DAYS", "14"))

# Content Security Policy (Django 6 core): no inline script, no eval. htmx is configured in
# base.html not to inject its inline indicator style.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    # Every form posts to this site; an injected <form action="https://elsewhere"> may not.
    "form-action": [CSP.SELF],
}

if _flag("DJANGO_SECURE"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 30
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Ask browsers to preload HSTS (check --deploy wants it); DJANGO_HSTS_PRELOAD=0 to opt out.
    SECURE_HSTS_PRELOAD = _flag("DJANGO_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

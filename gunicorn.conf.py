"""gunicorn's settings for iamlab: ``gunicorn iamlab.wsgi`` reads this file from the directory it
starts in. Each can be changed on the command line or with GUNICORN_CMD_ARGS.

Why threads: signing in hashes the password on purpose slowly (PBKDF2, about a third of a
second of CPU or more), and a sync worker can do nothing else meanwhile. With 4 sync workers,
50 people signing in at once (a class starting) held every worker for about 8 seconds, and
every other page queued behind them. gthread workers give each process several threads:
hashlib releases the GIL while it hashes, so a thread serves a page while others hash, and a
page is not stuck in the queue behind a burst of sign-ins. (Failed sign-ins are also limited,
before any hashing: iamlab/people/lockout.py.) The views do little else that blocks, and each
thread has its own database connection.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

# The usual starting point, (2 x cores) + 1 processes; WEB_CONCURRENCY overrides it, as
# gunicorn's own default does.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A worker silent for this long is hung and is restarted (a gthread worker's main loop keeps
# signalling while its threads serve requests, so a slow request alone does not trip it).
timeout = 60
graceful_timeout = 30
keepalive = 5  # seconds an idle keep-alive connection (from a proxy) stays open

# Restart each worker now and then, so memory a long-lived process gathers is given back.
max_requests = 2000
max_requests_jitter = 200


def post_worker_init(worker: Any) -> None:
    """Before a new worker takes requests, load every page's code (iamlab.web.warm_up): the
    first learner it serves does not wait for the imports."""
    from iamlab.web import warm_up

    warm_up()

"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's
live_server. Playwright's own browser download cannot run here, so the launch points at the
system binary (CHROMIUM overrides it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIServer
from django.test.testcases import LiveServerThread

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _live_server(*args, connections_override=None, **kwargs):
    """On the in-memory SQLite test database every thread of the live server shares the test's
    one connection, and two requests at once (a page and its htmx panel) can break it
    ("bad parameter or other API misuse"): serve one request at a time there. Django closes
    each connection of a server without threads, so the browser never waits on a kept one.
    A database server (PostgreSQL) gives each thread its own connection: threads stay."""
    if connections_override:
        return WSGIServer(*args, **kwargs)
    return ThreadedWSGIServer(*args, connections_override=connections_override, **kwargs)


LiveServerThread.server_class = staticmethod(_live_server)  # type: ignore[assignment]

HERE = Path(__file__).resolve().parent


def _chromium() -> str | None:
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = _chromium()
    if executable is None:
        pytest.fail(
            "Chromium is not installed: run ./scripts/run-tests, which installs it, or "
            "set CHROMIUM to its path."
        )
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def patient_expectations() -> None:
    """Assertions wait up to 15 s rather than Playwright's 5: on a CI machine of two shared
    cores, a page after a sandbox change can take longer to settle, and a test that fails
    for that says nothing about the app."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)

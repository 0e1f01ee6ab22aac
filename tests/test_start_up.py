"""What a new process loads before its first page: a server's fresh worker, runserver after
an edit, a command. The engine, STS, the labs' goal checker, YAML and Graphviz load with the
first page or command that uses them, not with the URLconf or the template engine."""

from __future__ import annotations

import os
import subprocess
import sys

HEAVY = (
    "iamlab.policy",
    "iamlab.graph",
    "iamlab.labs.runs",
    "iamlab.labs.primers",
    "iamlab.sandbox.sessions",
    "yaml",
    "graphviz",
)


def _loaded_after(code: str, prefixes: tuple[str, ...]) -> list[str]:
    program = (
        "import sys, django; django.setup(); "
        f"{code}; "
        f"print('\\n'.join(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def test_django_set_up_loads_neither_the_engine_nor_the_scenario_reader() -> None:
    # Every process pays for what django.setup() imports: the engine, the labs' question
    # kinds and the scenario reader with its YAML wait until a page or a command needs them.
    heavy = ("iamlab.policy", "iamlab.labs.quiz", "iamlab.labs.scenario", "yaml")
    assert _loaded_after("pass", heavy) == []


def test_the_world_and_the_graph_load_without_sts_or_the_checks() -> None:
    # A process that draws a graph or shows a decision reads stored policies and asks the
    # engine: STS (with SAML's XML) and the policy checks load with their first use.
    code = "import iamlab.sandbox.world, iamlab.sandbox.graphing, iamlab.graph"
    heavy = ("iamlab.policy.sts", "iamlab.policy.saml", "iamlab.policy.semantics")
    assert _loaded_after(code, heavy) == []


def test_loading_the_urlconf_and_reversing_urls_imports_no_view() -> None:
    code = "from django.urls import reverse; reverse('sandbox:overview', args=[1])"
    loaded = _loaded_after(code, ("iamlab",))
    assert [m for m in loaded if ".views" in m] == []
    assert [m for m in loaded if m.startswith(HEAVY)] == []


def test_the_template_engine_and_its_tag_libraries_load_nothing_heavy() -> None:
    code = "from django.template import engines; engines['django'].engine.template_libraries"
    loaded = _loaded_after(code, ("iamlab", "yaml", "graphviz"))
    assert "iamlab.sandbox.templatetags.identity" in loaded  # the libraries did load
    assert [m for m in loaded if m.startswith(HEAVY)] == []


def test_a_warmed_up_worker_has_every_view_and_the_engine_loaded() -> None:
    loaded = _loaded_after("from iamlab.web import warm_up; warm_up()", ("iamlab", "yaml"))
    for module in (
        "iamlab.sandbox.views",
        "iamlab.sandbox.views_graph",
        "iamlab.flows.views_federation",
        "iamlab.labs.views_course",
        "iamlab.simulator.views",
        "iamlab.people.views",
        "iamlab.policy.evaluate",
        "iamlab.sandbox.templatetags.identity",
    ):
        assert module in loaded


def test_gunicorn_warms_each_worker_up_before_it_serves(monkeypatch) -> None:
    import importlib.util
    from pathlib import Path

    import iamlab.web

    calls: list[str] = []
    monkeypatch.setattr(iamlab.web, "warm_up", lambda: calls.append("warmed"))
    path = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    assert spec is not None
    assert spec.loader is not None
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    conf.post_worker_init(object())
    assert calls == ["warmed"]

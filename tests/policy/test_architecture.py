"""The house's floors (ARCHITECTURE.md): the engine at the bottom imports no Django, and each
app imports only from the floors below it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_engine_imports_no_django():
    code = (
        "import sys; import iamlab.policy; from iamlab.policy import Policy, Request, evaluate; "
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def _imports_of(tree: ast.AST) -> list[ast.ImportFrom]:
    """Every ``from ... import`` of a module, at the top or inside a function, leaving out
    those under ``if TYPE_CHECKING:`` (for type checkers only)."""
    found: list[ast.ImportFrom] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
        ):
            todo.extend(node.orelse)
            continue
        if isinstance(node, ast.ImportFrom):
            found.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return found


def _engine_imports() -> dict[str, set[str]]:
    """Each module of iamlab/policy and the modules of iamlab/policy it imports."""
    package = ROOT / "iamlab" / "policy"
    modules: dict[str, Path] = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found: set[str] = set()
        for node in _imports_of(ast.parse(path.read_text())):
            if node.level:
                base = here[: len(here) - node.level + 1] if node.level > 1 else here
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                if f"{target}.{alias.name}" in modules:
                    found.add(f"{target}.{alias.name}")
                elif target in modules:
                    found.add(target)
        found.discard(name)
        found.discard("iamlab.policy")  # the package's own re-exports
        graph[name] = found
    return graph


def test_engine_modules_import_each_other_without_a_circle():
    # ARCHITECTURE.md: the policy model is a leaf; parsing and checking are built above it.
    graph = _engine_imports()
    assert "iamlab.policy.parser" not in graph["iamlab.policy.model"]
    assert "iamlab.policy.semantics" not in graph["iamlab.policy.model"]
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError("import circle: " + " -> ".join([*path, module]))
        if module in done:
            return
        for imported in sorted(graph.get(module, ())):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


# ARCHITECTURE.md: policy < graph < sandbox < {flows, labs, simulator}; people (sign-up,
# students) sits beside the sandbox; the demo app loads content across apps, above them all.
# Apps on one floor do not import each other. The project's own modules (settings, urls, web,
# csvsafe, throttle) are shared plumbing, not a floor, and the engine never imports them.
FLOORS: dict[str, int] = {
    "policy": 0,
    "graph": 1,
    "sandbox": 2,
    "people": 2,
    "flows": 3,
    "labs": 3,
    "simulator": 3,
    "demo": 4,
}
ENGINE = ("policy", "graph")


def _app_imports() -> dict[tuple[str, str], set[str]]:
    """For each module of each app: the other iamlab packages and modules it imports, at the
    top or inside a function (not those for type checkers only), as ``(app, file) -> {name}``
    with ``name`` the part after ``iamlab.`` (``sandbox``, ``web``, ...)."""
    found: dict[tuple[str, str], set[str]] = {}
    package = ROOT / "iamlab"
    for app in FLOORS:
        for path in sorted((package / app).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            here = list(parts[:-1])  # the package the module is in
            names: set[str] = set()
            tree = ast.parse(path.read_text())
            for node in _imports_of(tree):
                if node.level:
                    base = here[: len(here) - node.level + 1]
                    target = [*base, *(node.module.split(".") if node.module else [])]
                else:
                    target = (node.module or "").split(".")
                if target[0] == "iamlab":
                    if len(target) > 1:
                        names.add(target[1])
                    else:
                        names.update(alias.name for alias in node.names)
            for plain in ast.walk(tree):
                if isinstance(plain, ast.Import):
                    for alias in plain.names:
                        dotted = alias.name.split(".")
                        if dotted[0] == "iamlab" and len(dotted) > 1:
                            names.add(dotted[1])
            names.discard(app)
            found[(app, str(path.relative_to(ROOT)))] = names
    return found


def test_each_app_imports_only_from_the_floors_below_it():
    wrong = []
    for (app, path), names in sorted(_app_imports().items()):
        for name in sorted(names):
            if name in FLOORS:
                if FLOORS[name] >= FLOORS[app]:
                    wrong.append(
                        f"{path} imports iamlab.{name} (floor {FLOORS[name]} >= {FLOORS[app]})"
                    )
            elif app in ENGINE:
                wrong.append(f"{path} imports iamlab.{name}; the engine imports only itself")
    assert wrong == []


def test_the_simulator_is_a_leaf():
    # ARCHITECTURE.md: the policy simulator page, nothing imports it (but the demo's loader).
    users = sorted(
        path
        for (app, path), names in _app_imports().items()
        if "simulator" in names and app != "demo"
    )
    assert users == []


def test_load_demo_lives_in_the_demo_app():
    assert (ROOT / "iamlab" / "demo" / "management" / "commands" / "load_demo.py").exists()
    assert not (ROOT / "iamlab" / "simulator" / "management" / "commands" / "load_demo.py").exists()
